"""The rule ids of DOMAIN.md §5 and the parameters (lines and limits) the generator plants defects against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jingzhun.registry.defaults import NATIONAL_DEFAULTS

RULE_IDS: tuple[str, ...] = (
    "EDU-001", "EDU-002",
    "MED-001", "MED-002", "MED-003",
    "HOU-001", "HOU-002",
    "WAT-001", "WAT-002", "WAT-003", "WAT-004",
    "FOO-001", "FOO-002",
    "INC-001", "INC-002", "INC-003", "INC-004", "INC-005",
    "MON-001", "MON-002", "MON-003",
    "DQ-001", "DQ-002", "DQ-003", "DQ-004", "DQ-005", "DQ-006", "DQ-007", "DQ-008", "DQ-009", "DQ-010",
    "DQ-011", "DQ-012", "DQ-013",
)  # fmt: skip

#: Rules whose findings name a household only (the truth's id_number is ""); the others name a person.
HOUSEHOLD_RULES = frozenset(
    {"HOU-001", "HOU-002", "WAT-001", "WAT-002", "WAT-003", "WAT-004", "FOO-001", "FOO-002"}
    | {"INC-001", "INC-002", "INC-003", "INC-004", "INC-005", "MON-001", "MON-002", "MON-003"}
    | {"DQ-004", "DQ-005", "DQ-009", "DQ-011", "DQ-013"}
)


@dataclass(frozen=True, slots=True)
class Standard:
    """The lines and limits of one province and year, in the units the generator works in.

    Money is in cents (fen) and water in tenths of a litre, so every comparison is between integers.
    """

    year: int
    reference_date: dt.date
    poverty_line: int  # cents per person per year
    monitoring_line: int
    water_min_tenths: int
    water_max_fetch_minutes: int = 20
    water_max_outage_days: int = 36
    education_age_min: int = 6
    education_age_max: int = 15

    @classmethod
    def from_parameters(cls, parameters, year: int) -> Standard:
        """Build from a StandardParameters row (or anything with the same attributes)."""
        return cls(
            year=year,
            reference_date=parameters.reference_date,
            poverty_line=int(Decimal(parameters.poverty_line) * 100),
            monitoring_line=int(Decimal(parameters.monitoring_line) * 100),
            water_min_tenths=int(Decimal(parameters.water_min_litres) * 10),
            water_max_fetch_minutes=int(parameters.water_max_fetch_minutes),
            water_max_outage_days=int(parameters.water_max_outage_days),
            education_age_min=int(parameters.education_age_min),
            education_age_max=int(parameters.education_age_max),
        )

    @classmethod
    def default(cls, year: int) -> Standard:
        """Return the national default for ``year`` (registry.defaults, what the migration seeds)."""
        for row in NATIONAL_DEFAULTS:
            if row["year"] == year:
                return cls(
                    year=year,
                    reference_date=row["reference_date"],
                    poverty_line=int(row["poverty_line"] * 100),
                    monitoring_line=int(row["monitoring_line"] * 100),
                    water_min_tenths=350,
                )
        years = sorted(row["year"] for row in NATIONAL_DEFAULTS)
        raise ValueError(f"no default parameters for {year} (years {years[0]}–{years[-1]})")
