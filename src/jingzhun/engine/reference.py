"""Evaluate rules in plain Python, one row at a time: slow, obvious, and the oracle for every backend.

It reads the same checked expression trees as the compiler but none of its SQL: each field is computed here
from the raw table rows by its definition, and each operator follows SQL's three-valued logic (None is unknown;
a rule fires only when its condition is true). Property tests compare every backend's findings with these.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from jingzhun.engine.compiler import check_rule
from jingzhun.engine.schema import Schema
from jingzhun.engine.spec import RuleSet
from jingzhun.registry.regions import contains

NORMAL = "正常"
HEAD = "户主"
DIGITS = re.compile(r"[0-9]*")


@dataclass
class Registry:
    """Rows of the registry tables as dicts keyed by column name (as the database stores them)."""

    regions: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    persons: list[dict] = field(default_factory=list)
    incomes: list[dict] = field(default_factory=list)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _number(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _bool(value):
    return None if value is None else bool(value)


def _date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def years_between(earlier: dt.date | None, later: dt.date | None) -> int | None:
    """Whole years from ``earlier`` to ``later``, truncated toward zero (as SQL integer division)."""
    if earlier is None or later is None:
        return None
    return math.trunc((_date_int(later) - _date_int(earlier)) / 10000)


def _household_env(h: dict, members: list[dict], income: dict | None, region_level: str | None) -> dict:
    normal = [m for m in members if m["status"] == NORMAL]
    heads = [m for m in normal if m["relation"] == HEAD]
    env = {
        "household_number": h["number"], "region_code": h["region_code"], "region_level": region_level,
        "household_type": h["household_type"], "poverty_attribute": h["poverty_attribute"],
        "exit_year": h["exit_year"], "monitoring_category": h["monitoring_category"], "risk_types": h["risk_types"],
        "risk_eliminated": _bool(h["risk_eliminated"]), "risk_elimination_method": h["risk_elimination_method"],
        "main_cause": h["main_cause"], "food_secure": _bool(h["food_secure"]),
        "clothing_secure": _bool(h["clothing_secure"]), "housing_grade": h["housing_grade"],
        "safe_housing_measure": h["safe_housing_measure"], "water_piped": _bool(h["water_piped"]),
        "water_fetch_minutes": h["water_fetch_minutes"], "water_litres_per_day": _number(h["water_litres_per_day"]),
        "water_quality_ok": _bool(h["water_quality_ok"]), "water_outage_days": h["water_outage_days"],
        "household_size": h["household_size"], "phone": h["phone"], "cadre_name": h["cadre_name"],
        "income_recorded": income is not None,
        "normal_members": len(normal) if members else None,
        "head_count": len(heads) if members else None,
        "head_sex": min((m["sex"] for m in heads), default=None),
        "head_birth_date": min((_birth(m) for m in heads if _birth(m) is not None), default=None),
    }  # fmt: skip
    for name, column in [("wage", "wage"), ("operating", "operating"), ("property_income", "property_income"),
                         ("transfer", "transfer"), ("production_costs", "production_costs"),
                         ("income_household_size", "household_size"), ("stated_per_capita", "stated_per_capita"),
                         ("per_capita_income", "per_capita_net_income")]:  # fmt: skip
        env[name] = _number(income[column]) if income is not None else None
    return env


def _birth(person: dict) -> dt.date | None:
    return _date(person["birth_date"]) or _date(person["id_birth_date"])


def _person_env(p: dict, id_counts: Counter) -> dict:
    env = {name: p[name] for name in (
        "name", "id_type", "id_number", "id_sex", "sex", "ethnicity", "relation", "status", "education_level",
        "school_status", "dropout_reason", "health", "disability_type", "disability_grade", "labour_capacity",
        "migrant_status", "migrant_months",
    )}  # fmt: skip
    for name in ("id_valid", "home_schooled", "health_exempt", "insured_resident_medical",
                 "insured_employee_medical", "insured_serious_illness", "insured_pension", "dibao", "tekun",
                 "medical_assistance"):  # fmt: skip
        env[name] = _bool(p[name])
    env["id_birth_date"] = _date(p["id_birth_date"])
    env["birth_date"] = _birth(p)
    count = id_counts.get(p["id_number"], 0)
    env["id_number_count"] = count if count > 1 else 1
    return env


class _Evaluator:
    def __init__(self, parameters: dict[str, Any]):
        self.parameters = {k: (_number(v) if not isinstance(v, dt.date) else v) for k, v in parameters.items()}

    def value(self, node: exp.Expression, env: dict, members: list[dict] | None):
        if isinstance(node, exp.Paren):
            return self.value(node.this, env, members)
        if isinstance(node, exp.And):
            left, right = self.value(node.this, env, members), self.value(node.expression, env, members)
            if left is False or right is False:
                return False
            return None if left is None or right is None else True
        if isinstance(node, exp.Or):
            left, right = self.value(node.this, env, members), self.value(node.expression, env, members)
            if left is True or right is True:
                return True
            return None if left is None or right is None else False
        if isinstance(node, exp.Not):
            inner = self.value(node.this, env, members)
            return None if inner is None else not inner
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else float(node.this)
        if isinstance(node, exp.Column):
            if node.name in env:
                return env[node.name]
            if node.name == "age":
                return years_between(env["birth_date"], self.parameters["ref_date"])
            if node.name == "head_age":
                return years_between(env["head_birth_date"], self.parameters["ref_date"])
            return self.parameters[node.name]
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
            left, right = self.value(node.this, env, members), self.value(node.expression, env, members)
            return _compare(type(node), left, right)
        if isinstance(node, exp.Between):
            value = self.value(node.this, env, members)
            low = self.value(node.args["low"], env, members)
            high = self.value(node.args["high"], env, members)
            return _and(_compare(exp.GTE, value, low), _compare(exp.LTE, value, high))
        if isinstance(node, exp.In):
            value = self.value(node.this, env, members)
            if value is None:
                return None
            return any(_compare(exp.EQ, value, self.value(item, env, members)) for item in node.expressions)
        if isinstance(node, exp.Is):
            value = self.value(node.this, env, members)
            target = node.expression
            result = value is None if isinstance(target, exp.Null) else value is bool(target.this)
            return not result if node.args.get("negate") else result
        if isinstance(node, exp.Neg):
            value = self.value(node.this, env, members)
            return None if value is None else -value
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
            left, right = self.value(node.this, env, members), self.value(node.expression, env, members)
            if left is None or right is None:
                return None
            if isinstance(node, exp.Add):
                return left + right
            if isinstance(node, exp.Sub):
                return left - right
            if isinstance(node, exp.Mul):
                return left * right
            return None if right == 0 else left / right
        if isinstance(node, exp.Coalesce):
            for part in [node.this, *node.expressions]:
                value = self.value(part, env, members)
                if value is not None:
                    return value
            return None
        if isinstance(node, exp.Abs):
            value = self.value(node.this, env, members)
            return None if value is None else abs(value)
        if isinstance(node, exp.Length):
            value = self.value(node.this, env, members)
            return None if value is None else len(value)
        if isinstance(node, exp.Anonymous):
            return self.function(node, env, members)
        raise NotImplementedError(node.key)

    def function(self, node: exp.Anonymous, env: dict, members: list[dict] | None):
        name, args = node.name.lower(), node.expressions
        if name in ("age_on", "years_between"):
            earlier, later = (_date(self.value(arg, env, members)) for arg in args)
            return years_between(earlier, later)
        if name == "has":
            value = self.value(args[0], env, members)
            return None if value is None else args[1].this in value.split(",")
        if name == "is_digits":
            value = self.value(args[0], env, members)
            return None if value is None else bool(DIGITS.fullmatch(value))
        count = sum(1 for member in members or [] if self.value(args[0], member, None) is True)
        return count if name == "count_members" else count > 0


def _and(left, right):
    if left is False or right is False:
        return False
    return None if left is None or right is None else True


def _compare(op, left, right):
    if left is None or right is None:
        return None
    if isinstance(left, dt.date) and isinstance(right, str):
        right = dt.date.fromisoformat(right)
    if isinstance(right, dt.date) and isinstance(left, str):
        left = dt.date.fromisoformat(left)
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = bool(left), bool(right)
    return {
        exp.EQ: left == right, exp.NEQ: left != right, exp.GT: left > right, exp.GTE: left >= right,
        exp.LT: left < right, exp.LTE: left <= right,
    }[op]  # fmt: skip


def evaluate(
    ruleset: RuleSet, schema: Schema, registry: Registry, parameters: dict[str, Any], region_code: str | None = None
) -> set[tuple[str, int, int | None]]:
    """Return every (rule id, household id, person id or None) that fires, household by household."""
    levels = {region["code"]: region["level"] for region in registry.regions}
    members_of: dict[int, list[dict]] = defaultdict(list)
    for person in registry.persons:
        members_of[person["household_id"]].append(person)
    year = parameters["year"]
    income_of = {row["household_id"]: row for row in registry.incomes if row["year"] == year}
    id_counts = Counter(p["id_number"] for p in registry.persons if p["status"] == NORMAL and p["id_number"])
    checked = [(rule, check_rule(rule, schema)[0]) for rule in ruleset.rules]
    evaluator = _Evaluator(parameters)
    found: set[tuple[str, int, int | None]] = set()
    for household in registry.households:
        if region_code and not contains(region_code, household["region_code"]):
            continue
        members = members_of[household["id"]]
        henv = _household_env(household, members, income_of.get(household["id"]),
                              levels.get(household["region_code"]))  # fmt: skip
        member_envs = [_person_env(m, id_counts) for m in members]
        for rule, tree in checked:
            if rule.level == "household":
                if evaluator.value(tree, henv, member_envs) is True:
                    found.add((rule.id, household["id"], None))
                continue
            for member, menv in zip(members, member_envs, strict=True):
                if evaluator.value(tree, {**henv, **menv}, None) is True:
                    found.add((rule.id, household["id"], member["id"]))
    return found
