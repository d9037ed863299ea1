"""The rule compiler: precise errors for malformed rules, refused injections, deterministic SQL per dialect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jingzhun.engine.compiler import DIALECTS, check_rule, compile_ruleset
from jingzhun.engine.spec import RuleError, load_file, load_text
from jingzhun.standards.rules import BUILTIN, schema

SNAPSHOTS = Path(__file__).parent / "snapshots"

HEADER = "ruleset: t\nversion: 1\nrules:\n"


def rule_file(when: str, *, level: str = "household", extra: str = "") -> str:
    return (
        HEADER
        + f"  - id: TST-001\n    item: data\n    level: {level}\n    severity: low\n"
        + "    title: {zh: 测试, en: test}\n    message: {zh: 测试, en: test}\n"
        + extra
        + f"    when: {when}\n"
    )


def compile_text(text: str, dialect: str = "sqlite"):
    return compile_ruleset(load_text(text, "rules/t.yaml"), schema(), dialect)


def error_of(text: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        compile_text(text)
    return caught.value


# --- malformed files: the error names the file, line, column and rule ---


def test_an_unknown_field_is_reported_at_its_line_and_column():
    error = error_of(rule_file("food_secure = false AND fod_secure = true"))
    assert (error.path, error.line, error.column, error.rule_id) == ("rules/t.yaml", 10, 35, "TST-001")
    assert "unknown field or parameter 'fod_secure'" in str(error)
    assert str(error).startswith("rules/t.yaml:10:35: TST-001: ")


def test_an_error_inside_a_block_expression_points_at_the_right_line():
    text = rule_file("|\n      food_secure = false\n      AND water_quality_ok = 3")
    error = error_of(text)
    assert (error.line, error.column) == (12, 11)
    assert "cannot compare a bool value with a number value" in error.message


def test_a_misspelt_enumeration_value_is_an_error_listing_the_values():
    error = error_of(rule_file("household_type = '脱贫'"))
    assert "'脱贫' is not a value of household_type" in error.message
    assert "脱贫户" in error.message


def test_a_person_field_in_a_household_rule_points_to_count_members():
    error = error_of(rule_file("school_status = '非在校生'"))
    assert "use count_members" in error.message


def test_a_household_field_inside_a_member_predicate_is_refused():
    error = error_of(rule_file("count_members(food_secure = false) > 0"))
    assert "member predicates read person fields only" in error.message


def test_an_expression_that_is_not_a_condition_is_refused():
    assert "must be true or false" in error_of(rule_file("water_outage_days + 1")).message


def test_a_syntax_error_is_reported_with_its_position():
    error = error_of(rule_file("food_secure = = false"))
    assert "cannot parse the expression" in error.message and (error.line, error.column) == (10, 25)


def test_yaml_errors_name_the_line():
    with pytest.raises(RuleError) as caught:
        load_text(HEADER + "  - id: [unclosed\n", "rules/bad.yaml")
    assert caught.value.path == "rules/bad.yaml" and caught.value.line >= 4
    assert "not valid YAML" in caught.value.message


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ("    severity: low\n", "missing 'when'"),
        ("    level: household\n", "missing 'level'"),
    ],
)
def test_missing_keys_are_named(mutation, message):
    text = rule_file("food_secure = false").replace(mutation, "") if "when" not in message else (
        rule_file("x").replace("    when: x\n", "")
    )  # fmt: skip
    with pytest.raises(RuleError, match=message):
        load_text(text, "rules/t.yaml")


def test_unknown_keys_item_and_duplicate_ids_are_refused():
    with pytest.raises(RuleError, match="unknown key 'wehn'"):
        load_text(rule_file("food_secure = false", extra="    wehn: x\n"), "t.yaml")
    with pytest.raises(RuleError, match="item 'drink'"):
        load_text(rule_file("food_secure = false").replace("item: data", "item: drink"), "t.yaml")
    doubled = rule_file("food_secure = false") + rule_file("food_secure = false")[len(HEADER) :]
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_text(doubled, "t.yaml")


def test_a_missing_rule_file_is_a_clear_error(tmp_path):
    with pytest.raises(RuleError, match="cannot read the rule file"):
        load_file(tmp_path / "nope.yaml")


# --- injection attempts: refused by the whitelist, never reaching the database ---

INJECTIONS = [
    "food_secure = false; DROP TABLE registry_household",
    "food_secure = false OR 1 = (SELECT count(*) FROM accounts_user)",
    "food_secure = false UNION SELECT password FROM accounts_user",
    "phone = '' OR load_extension('x') = 1",
    "registry_household.phone = ''",
    "phone IN (SELECT phone FROM registry_household)",
    "phone = '1' -- ' AND food_secure = false",
    "food_secure = false AND pg_sleep(10) IS NULL",
    "EXISTS (SELECT 1)",
    "phone = $$x$$",
    "CAST(phone AS INTEGER) = 1",
]


@pytest.mark.parametrize("expression", INJECTIONS)
def test_injection_attempts_are_refused(expression):
    quoted = "'" + expression.replace("'", "''") + "'"
    with pytest.raises(RuleError):
        compile_text(rule_file(quoted))


def test_a_quote_inside_a_text_literal_stays_inside_the_literal():
    plan = compile_text(rule_file("\"cadre_name = 'O''Brien'' OR 1=1 --'\""))
    sql = plan.levels[0].flags_sql
    assert "'O''Brien'' OR 1=1 --'" in sql
    assert sql.count("OR 1=1") == 2  # only inside the two copies of the literal


def test_parameters_become_bind_placeholders_not_literals():
    sql = compile_text(rule_file("per_capita_income < poverty_line")).levels[0].flags_sql
    assert ":poverty_line" in sql and "4000" not in sql


def test_the_compiler_adds_the_region_scope_and_the_run_id():
    plan = compile_text(rule_file("food_secure = false"))
    assert "h.region_code BETWEEN :region_low AND :region_high" in plan.levels[0].flags_sql
    assert ":run_id AS run_id" in plan.levels[0].findings_sql


# --- every built-in rule checks, and the SQL is deterministic per dialect (snapshots) ---


def test_every_builtin_rule_passes_the_checker():
    ruleset = load_file(BUILTIN)
    for rule in ruleset.rules:
        _, fields, _ = check_rule(rule, schema())
        assert fields, rule.id


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_compiled_builtin_sql_matches_its_snapshot(dialect):
    sql = compile_ruleset(load_file(BUILTIN), schema(), dialect).sql()
    assert sql == compile_ruleset(load_file(BUILTIN), schema(), dialect).sql()  # deterministic
    snapshot = SNAPSHOTS / f"builtin.{dialect}.sql"
    if os.environ.get("JINGZHUN_UPDATE_SNAPSHOTS"):
        snapshot.write_text(sql, encoding="utf-8")
    assert snapshot.exists(), f"{snapshot} is missing: run with JINGZHUN_UPDATE_SNAPSHOTS=1 and review it"
    assert sql == snapshot.read_text(encoding="utf-8"), "run with JINGZHUN_UPDATE_SNAPSHOTS=1 after a deliberate change"


def test_duckdb_compiles_the_whole_run_into_one_statement():
    plan = compile_ruleset(load_file(BUILTIN), schema(), "duckdb")
    assert plan.statement.startswith("WITH jz_agg AS MATERIALIZED (")
    assert "CREATE" not in plan.statement and plan.sql() == plan.statement + ";\n"
    assert "COUNT(*) FILTER(WHERE" in plan.statement  # member counts update only the rows they select
    assert not compile_ruleset(load_file(BUILTIN), schema(), "sqlite").statement
