"""National default parameters seeded by migration; provinces add their own rows in the admin.

Sources: domain-facts.md §2 (nominal poverty line by year; 2017–2018 approximate) and §6.3 (monitoring line:
about 1.5 × the poverty line up to 2020, 6000 in many provinces for 2021; later years are each province's to set,
so the national default simply carries 2021's values forward with a note saying so).
"""

import datetime as dt
from decimal import Decimal

POVERTY_LINES = {2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000, 2021: 4000}

NATIONAL_DEFAULTS = [
    {
        "province_code": "",
        "year": year,
        "poverty_line": Decimal(line),
        "monitoring_line": Decimal(6000) if year >= 2021 else Decimal(line) * Decimal("1.5"),
        "reference_date": dt.date(year, 12, 31),
        "note": (
            "2021: 6000 in many provinces; set your province's monitoring line for later years"
            if year >= 2021
            else "nominal national poverty line; monitoring line about 1.5 × it"
        ),
    }
    for year, line in POVERTY_LINES.items()
]
