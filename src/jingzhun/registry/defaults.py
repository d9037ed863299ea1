"""National default parameters seeded by migration; provinces add their own rows in the admin.

Sources: domain-facts.md §2 (nominal poverty line by year; 2017–2018 approximate) and §6.3 (monitoring line:
about 1.5 × the poverty line up to 2020, 6000 in many provinces for 2021; later years are each province's to set,
so the national default simply carries 2021's values forward with a note saying so).
"""

import datetime as dt
from decimal import Decimal

# 2021 on: the 2020 line (about 4000 yuan) is what "below the poverty line" means for exited households.
POVERTY_LINES = {2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000} | {
    year: 4000 for year in range(2021, 2027)
}

NATIONAL_DEFAULTS = [
    {
        "province_code": "",
        "year": year,
        "poverty_line": Decimal(line),
        "monitoring_line": Decimal(6000) if year >= 2021 else Decimal(line) * Decimal("1.5"),
        "reference_date": dt.date(year, 12, 31),
        "note": (
            "6000 in many provinces in 2021"
            if year == 2021
            else "carried forward from 2021: set your province's monitoring line for this year"
            if year > 2021
            else "nominal national poverty line; monitoring line about 1.5 × it"
        ),
    }
    for year, line in POVERTY_LINES.items()
]


def ensure_national_defaults(model) -> int:
    """Create the national default rows that are missing (``model``: StandardParameters, or its migration state).

    Never overwrites a row: an office may have corrected a default in the admin. Returns how many were created.
    """
    created = 0
    for row in NATIONAL_DEFAULTS:
        _, made = model.objects.get_or_create(province_code=row["province_code"], year=row["year"], defaults=row)
        created += made
    return created
