"""The rule catalogue: the built-in rule set, extra rule files, and the schema with the registry's values."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jingzhun.engine.schema import Schema, build_schema
from jingzhun.engine.spec import RuleSet, load_file
from jingzhun.registry import choices

BUILTIN = Path(__file__).resolve().parent / "rules" / "builtin.yaml"

# Enumerated fields of the engine's views and the registry choices their values come from.
ENUM_FIELDS = {
    "household_type": choices.HouseholdType,
    "poverty_attribute": choices.PovertyAttribute,
    "monitoring_category": choices.MonitoringCategory,
    "risk_types": choices.RiskType,
    "risk_elimination_method": choices.RiskEliminationMethod,
    "main_cause": choices.PovertyCause,
    "housing_grade": choices.HousingGrade,
    "safe_housing_measure": choices.SafeHousingMeasure,
    "region_level": choices.RegionLevel,
    "id_type": choices.IdType,
    "sex": choices.Sex,
    "id_sex": choices.Sex,
    "head_sex": choices.Sex,
    "ethnicity": choices.Ethnicity,
    "relation": choices.Relation,
    "status": choices.PersonStatus,
    "education_level": choices.EducationLevel,
    "school_status": choices.SchoolStatus,
    "health": choices.HealthCondition,
    "disability_type": choices.DisabilityType,
    "disability_grade": choices.DisabilityGrade,
    "labour_capacity": choices.LabourCapacity,
    "migrant_status": choices.MigrantStatus,
}


@lru_cache(maxsize=1)
def schema() -> Schema:
    """The engine's schema with every enumerated field's allowed values."""
    return build_schema({name: tuple(enum.values) for name, enum in ENUM_FIELDS.items()})


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> RuleSet:
    return load_file(path)


def load_ruleset(path: str | Path | None = None) -> RuleSet:
    """Load a rule file (the built-in set by default), cached until the file changes."""
    path = Path(path or BUILTIN)
    return _load(str(path), path.stat().st_mtime if path.exists() else 0.0)
