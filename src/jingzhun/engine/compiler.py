"""Compile rules to SQL: parse with sqlglot, validate against a whitelist, type-check, build trees, render.

The rule language is a boolean SQL expression over the fields of a view (``schema.py``) and named parameters,
with a few functions of our own:

- ``age`` (person field): whole years on the reference date; ``age_on(date, day)``, ``years_between(a, b)``;
- ``has(set_field, 'value')`` for multi-valued fields; ``is_digits(text)``; ``length``, ``coalesce``, ``abs``;
- ``count_members(predicate)`` and ``any_member(predicate)`` in household rules: the predicate is over the
  person fields of the household's members (all statuses; say ``status = '正常'`` when that is meant).

Nothing a rule says reaches the database as text: the expression is parsed into a tree, every node is checked
against the whitelist, identifiers become the view's own column expressions and parameters become bind
placeholders. The compiler itself adds the region scope and the run id to every statement.

>>> from jingzhun.engine.schema import build_schema
>>> from jingzhun.engine.spec import load_text
>>> rules = load_text('''
... ruleset: demo
... version: 1
... rules:
...   - {id: FOO-001, item: food, level: household, severity: high, when: food_secure = false,
...      title: {zh: 不愁吃, en: food}, message: {zh: 不愁吃未保障, en: not secure in food}}
... ''')
>>> plan = compile_ruleset(rules, build_schema(), "sqlite")
>>> print(plan.levels[0].flags_sql.splitlines()[0])
CREATE TEMPORARY TABLE jz_flags_household AS
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from jingzhun.engine.schema import Field, Schema, Type
from jingzhun.engine.spec import Rule, RuleError, RuleSet

DIALECTS = ("sqlite", "postgres", "duckdb")

# The registry tables, as Django names them; the DuckDB executor creates views of these names over Parquet.
TABLES = {
    "person": "registry_person",
    "household": "registry_household",
    "income": "registry_incomerecord",
    "region": "registry_region",
}

# Fields that are functions of other fields, written in the rule language itself.
DERIVED = {
    "age": ("person", Type.NUMBER, "age_on(birth_date, ref_date)", "age in whole years on the reference date"),
    "head_age": ("household", Type.NUMBER, "age_on(head_birth_date, ref_date)",
                 "age of the head in whole years on the reference date"),
}  # fmt: skip

# Per-household aggregates every plan may use (computed in the same GROUP BY as count_members).
BASE_AGGREGATES = {
    "normal_members": "SUM(CASE WHEN p.status = '正常' THEN 1 ELSE 0 END)",
    "head_count": "SUM(CASE WHEN p.status = '正常' AND p.relation = '户主' THEN 1 ELSE 0 END)",
    "head_sex": "MIN(CASE WHEN p.status = '正常' AND p.relation = '户主' THEN p.sex END)",
    "head_birth_date": (
        "MIN(CASE WHEN p.status = '正常' AND p.relation = '户主' THEN COALESCE(p.birth_date, p.id_birth_date) END)"
    ),
    "head_birth_ymd": "MIN(CASE WHEN p.status = '正常' AND p.relation = '户主' THEN p.birth_ymd END)",
}

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    predicate: exp.Expression  # over the base relations, dialect-neutral until rendered
    fields: tuple[str, ...]  # view fields the rule reads outside member aggregates (reported as values)
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class LevelPlan:
    """The SQL for one level (person or household): flag the rows, write the findings, clean up."""

    level: str
    rules: tuple[CompiledRule, ...]
    flags_sql: str  # CREATE TEMPORARY TABLE jz_flags_<level> AS SELECT … (only rows where some rule fires)
    select_sql: str  # the same SELECT, for executors that fetch instead of materializing
    findings_sql: str  # SELECT run_id, rule_id, household_id, person_id, region_code, values FROM the flags
    drop_sql: str
    parameters: tuple[str, ...]
    expand_sql: str = ""  # PostgreSQL: the SELECT's rows expanded into findings in one pass, no flags table


@dataclass(frozen=True)
class Plan:
    """Everything a run executes: shared temporary tables, then each level, then cleanup."""

    ruleset: RuleSet
    dialect: str
    levels: tuple[LevelPlan, ...]
    parameters: tuple[str, ...] = field(default=())
    prepare_sql: tuple[str, ...] = ()  # per-household aggregates and duplicate ID numbers, built once per run
    cleanup_sql: tuple[str, ...] = ()
    # The statements of ``prepare_sql`` that build a table the run's region does not change (the duplicate ID
    # numbers count every person): a run split in two can build it once and hand it to the other half.
    unscoped_sql: tuple[str, ...] = ()
    # DuckDB: the whole run as one query returning the findings (the shared tables and each level's flagged rows
    # as materialized CTEs), so that nothing is written to a temporary table and back.
    statement: str = ""

    def sql(self) -> str:
        """All statements, for snapshots and for reading."""
        if self.statement:
            return self.statement + ";\n"
        parts = [statement + ";" for statement in self.prepare_sql]
        for level in self.levels:
            if level.expand_sql:  # PostgreSQL runs this one statement per level instead (PostgresExecutor)
                parts.append(level.expand_sql + ";")
            else:
                parts += [level.flags_sql + ";", level.findings_sql + ";", level.drop_sql + ";"]
        parts += [statement + ";" for statement in self.cleanup_sql]
        return "\n\n".join(parts) + "\n"


class _Checker:
    """Validate and type-check one rule's expression; collect the fields and parameters it uses."""

    def __init__(self, rule: Rule, schema: Schema):
        self.rule, self.schema = rule, schema
        self.fields: list[str] = []
        self.parameters: list[str] = []

    def fail(self, node: exp.Expression, message: str) -> RuleError:
        return self.rule.error(message, _offset(node))

    def field_of(self, name: str, scope: str) -> Field | None:
        fields = self.schema.person if scope in ("person", "member") else self.schema.household
        if scope == "member":
            fields = {k: v for k, v in fields.items() if k not in self.schema.household}
        if name in fields:
            return fields[name]
        derived = DERIVED.get(name)
        if derived is None:
            return None
        # Person-derived fields need a person (rule or member predicate); household-derived ones a household.
        visible = scope in ("person", "member") if derived[0] == "person" else scope != "member"
        return Field(name, derived[1], derived[2], derived[3]) if visible else None

    def infer(self, node: exp.Expression, scope: str) -> Type:
        if isinstance(node, exp.Paren):
            return self.infer(node.this, scope)
        if isinstance(node, (exp.And, exp.Or)):
            for side in (node.this, node.expression):
                self.expect(side, Type.BOOL, scope)
            return Type.BOOL
        if isinstance(node, exp.Not):
            self.expect(node.this, Type.BOOL, scope)
            return Type.BOOL
        if isinstance(node, exp.Boolean):
            return Type.BOOL
        if isinstance(node, exp.Null):
            raise self.fail(node, "NULL cannot be compared; write 'field IS NULL' or 'field IS NOT NULL'")
        if isinstance(node, exp.Literal):
            return Type.TEXT if node.is_string else Type.NUMBER
        if isinstance(node, exp.Column):
            return self.column(node, scope)
        if isinstance(node, COMPARISONS):
            left, right = self.infer(node.this, scope), self.infer(node.expression, scope)
            if Type.SET in (left, right):
                other = node.expression if left == Type.SET else node.this
                empty = isinstance(other, exp.Literal) and other.is_string and other.this == ""
                if not (empty and isinstance(node, (exp.EQ, exp.NEQ))):
                    raise self.fail(node, "a multi-valued field is read with has(field, 'value') or = ''")
                return Type.BOOL
            self.compatible(node, left, right)
            self.check_enum(node.this, node.expression)
            self.check_enum(node.expression, node.this)
            return Type.BOOL
        if isinstance(node, exp.Between):
            kinds = [self.infer(part, scope) for part in (node.this, node.args["low"], node.args["high"])]
            self.compatible(node, kinds[0], kinds[1])
            self.compatible(node, kinds[0], kinds[2])
            return Type.BOOL
        if isinstance(node, exp.In):
            if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
                raise self.fail(node, "IN takes a list of values, not a query")
            kind = self.infer(node.this, scope)
            for item in node.expressions:
                if not isinstance(item, (exp.Literal, exp.Neg)):
                    raise self.fail(item, "IN takes a list of literal values")
                self.compatible(item, kind, self.infer(item, scope))
                self.check_enum(item, node.this)
            return Type.BOOL
        if isinstance(node, exp.Is):
            self.infer(node.this, scope)
            target = node.expression
            if isinstance(target, exp.Null):
                return Type.BOOL
            if isinstance(target, exp.Boolean):
                self.expect(node.this, Type.BOOL, scope)
                return Type.BOOL
            raise self.fail(node, "IS takes NULL, TRUE or FALSE")
        if isinstance(node, exp.Neg):
            self.expect(node.this, Type.NUMBER, scope)
            return Type.NUMBER
        if isinstance(node, ARITHMETIC):
            self.expect(node.this, Type.NUMBER, scope)
            self.expect(node.expression, Type.NUMBER, scope)
            return Type.NUMBER
        if isinstance(node, exp.Coalesce):
            kinds = [self.infer(part, scope) for part in [node.this, *node.expressions]]
            for kind in kinds[1:]:
                self.compatible(node, kinds[0], kind)
            return kinds[0]
        if isinstance(node, exp.Abs):
            self.expect(node.this, Type.NUMBER, scope)
            return Type.NUMBER
        if isinstance(node, exp.Length):
            self.expect(node.this, Type.TEXT, scope)
            return Type.NUMBER
        if isinstance(node, exp.Anonymous):
            return self.function(node, scope)
        raise self.fail(node, f"{_describe(node)} is not allowed in a rule expression")

    def expect(self, node: exp.Expression, kind: Type, scope: str) -> None:
        found = self.infer(node, scope)
        if found != kind:
            raise self.fail(node, f"expected a {kind} value here, found {_describe(node)} of type {found}")

    def compatible(self, node: exp.Expression, left: Type, right: Type) -> None:
        if left != right and {left, right} != {Type.DATE, Type.TEXT}:
            raise self.fail(node, f"cannot compare a {left} value with a {right} value")

    def column(self, node: exp.Column, scope: str) -> Type:
        if node.table:
            raise self.fail(node, f"qualified names like '{node.sql()}' are not allowed; write the field name")
        name = node.name
        field_ = self.field_of(name, scope)
        if field_ is not None:
            if scope != "member" and name not in self.fields:
                self.fields.append(name)
            return field_.type
        parameter = self.schema.parameters.get(name)
        if parameter is not None:
            if name not in self.parameters:
                self.parameters.append(name)
            return parameter.type
        if scope == "member" and self.field_of(name, "household"):
            raise self.fail(node, f"'{name}' is a household field; member predicates read person fields only")
        if scope == "household" and self.field_of(name, "person"):
            raise self.fail(node, f"'{name}' is a person field; in a household rule use count_members(…)")
        raise self.fail(node, f"unknown field or parameter '{name}'")

    def check_enum(self, literal: exp.Expression, other: exp.Expression) -> None:
        """A text literal compared with an enumerated field must be one of its values."""
        if not (isinstance(literal, exp.Literal) and literal.is_string and isinstance(other, exp.Column)):
            return
        field_ = self.field_of(other.name, "person") or self.field_of(other.name, "household")
        if field_ is not None and field_.values and literal.this not in (*field_.values, ""):
            allowed = "、".join(field_.values)
            raise self.fail(literal, f"'{literal.this}' is not a value of {other.name} (values: {allowed})")

    def function(self, node: exp.Anonymous, scope: str) -> Type:
        name, args = node.name.lower(), node.expressions
        arity = {"age_on": 2, "years_between": 2, "has": 2, "is_digits": 1, "count_members": 1, "any_member": 1}
        if name not in arity:
            raise self.fail(node, f"unknown function '{node.name}'")
        if len(args) != arity[name]:
            raise self.fail(node, f"{name}() takes {arity[name]} argument(s), got {len(args)}")
        if name in ("age_on", "years_between"):
            for arg in args:
                self.expect(arg, Type.DATE, scope)
            return Type.NUMBER
        if name == "has":
            self.expect(args[0], Type.SET, scope)
            if not (isinstance(args[1], exp.Literal) and args[1].is_string):
                raise self.fail(args[1], "has() takes a text literal as its second argument")
            field_ = self.field_of(args[0].name, scope) if isinstance(args[0], exp.Column) else None
            if field_ is not None and field_.values and args[1].this not in field_.values:
                raise self.fail(args[1], f"'{args[1].this}' is not a value of {args[0].name}")
            return Type.BOOL
        if name == "is_digits":
            self.expect(args[0], Type.TEXT, scope)
            return Type.BOOL
        if scope != "household":
            raise self.fail(node, f"{name}() is for household rules")
        label = node.sql(dialect="postgres")
        if label not in self.fields:
            self.fields.append(label)  # its value is reported with the finding like a field's
        self.expect(args[0], Type.BOOL, "member")
        return Type.NUMBER if name == "count_members" else Type.BOOL


def _offset(node: exp.Expression) -> int | None:
    """The offset in the expression text of the first token of ``node`` that sqlglot kept a position for."""
    starts = []
    for part in node.walk():
        meta = getattr(part, "_meta", None) or {}
        if "start" in meta:
            starts.append(meta["start"])
    return min(starts) if starts else None


def _describe(node: exp.Expression) -> str:
    text = node.sql()
    return f"'{text[:40]}'" if text else node.key


def parse_expression(rule: Rule) -> exp.Expression:
    """Parse a rule's expression; exactly one expression, no statements."""
    try:
        trees = sqlglot.parse(rule.when, read="postgres")
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None) or [{}]
        first = errors[0]
        offset = _offset_of_line_col(rule.when, first.get("line"), first.get("col"))
        description = first.get("description") or str(exc).splitlines()[0]
        raise rule.error(f"cannot parse the expression: {description}", offset) from None
    trees = [tree for tree in trees if tree is not None]
    if len(trees) != 1:
        raise rule.error("the expression must be a single condition (no ';')", 0)
    tree = trees[0]
    commented = next((node for node in tree.walk() if node.comments), None)
    if commented is not None:
        raise rule.error("comments are not allowed inside an expression (use the rule's note)", _offset(commented))
    if not isinstance(tree, exp.Condition) or isinstance(tree, (exp.Query, exp.Command)):
        raise rule.error(f"the expression must be a condition, not {tree.key.upper()}", 0)
    return tree


def _offset_of_line_col(text: str, line: int | None, col: int | None) -> int | None:
    if not line or not col:
        return None
    lines = text.split("\n")
    return sum(len(part) + 1 for part in lines[: line - 1]) + max(col - 1, 0)


def check_rule(rule: Rule, schema: Schema) -> tuple[exp.Expression, tuple[str, ...], tuple[str, ...]]:
    """Parse, validate and type-check a rule; return its tree, the fields and the parameters it reads."""
    tree = parse_expression(rule)
    checker = _Checker(rule, schema)
    kind = checker.infer(tree, rule.level)
    if kind != Type.BOOL:
        raise rule.error(f"the expression must be true or false, not a {kind}", 0)
    return tree, tuple(checker.fields), tuple(checker.parameters)


class _Translator:
    """Turn a checked tree into SQL over the base relations for one dialect."""

    def __init__(self, schema: Schema, dialect: str):
        self.schema, self.dialect = schema, dialect
        # SQL of a member predicate → (aggregate column name, predicate tree); equal predicates share a column.
        self.aggregates: dict[str, tuple[str, exp.Expression]] = {}
        self.uses: set[str] = set()  # base relations used: r, i, agg, ids
        self.labels: dict[str, exp.Expression] = {}  # count_members(…) text → its translated value

    def field_sql(self, name: str, scope: str) -> exp.Expression:
        if name in self.labels:
            return self.labels[name].copy()
        field_ = self.schema.person.get(name) if scope != "household" else self.schema.household.get(name)
        if field_ is None:
            field_ = self.schema.household.get(name)
        sql = field_.sql if field_ is not None else DERIVED[name][2]
        tree = sqlglot.parse_one(sql, read="postgres")
        return self.translate(tree, scope)

    def translate(self, node: exp.Expression, scope: str) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table:
            self.uses.add(node.table)
            return node.copy()
        if isinstance(node, exp.Column):
            if node.name in self.schema.parameters:
                return self.parameter(node.name)
            inner = self.field_sql(node.name, scope)
            return inner if isinstance(inner, (exp.Column, exp.Placeholder)) else exp.Paren(this=inner)
        if isinstance(node, exp.Anonymous):
            return self.function(node, scope)
        copy = node.copy()
        for key, value in list(copy.args.items()):
            if isinstance(value, exp.Expression):
                copy.set(key, self.translate(value, scope))
            elif isinstance(value, list):
                copy.set(key, [self.translate(v, scope) if isinstance(v, exp.Expression) else v for v in value])
        return copy

    def parameter(self, name: str) -> exp.Expression:
        placeholder = exp.Placeholder(this=name)
        if self.schema.parameters[name].type == Type.DATE and self.dialect != "sqlite":
            return exp.Cast(this=placeholder, to=exp.DataType.build("date"))
        return placeholder

    def date_int(self, node: exp.Expression, scope: str) -> exp.Expression:
        """YYYYMMDD as an integer: ages in whole years are (later − earlier) div 10000, exactly."""
        if isinstance(node, exp.Column) and not node.table and node.name in self.schema.parameters:
            return exp.Placeholder(this=f"{node.name}__int")  # computed once by the executor
        field_ = self.schema.person.get(node.name) if isinstance(node, exp.Column) and not node.table else None
        if field_ is not None and field_.int_sql:
            return self.translate(sqlglot.parse_one(field_.int_sql, read="postgres"), scope)  # stored twin
        inner = self.translate(node, scope)
        if self.dialect == "sqlite":
            text = exp.Anonymous(this="strftime", expressions=[exp.Literal.string("%Y%m%d"), inner])
        elif self.dialect == "postgres":
            text = exp.Anonymous(this="to_char", expressions=[inner, exp.Literal.string("YYYYMMDD")])
        else:
            text = exp.Anonymous(this="strftime", expressions=[inner, exp.Literal.string("%Y%m%d")])
        return exp.Cast(this=text, to=exp.DataType.build("int"))

    def function(self, node: exp.Anonymous, scope: str) -> exp.Expression:
        name, args = node.name.lower(), node.expressions
        if name in ("age_on", "years_between"):
            earlier, later = (args[0], args[1])
            diff = exp.Paren(this=exp.Sub(this=self.date_int(later, scope), expression=self.date_int(earlier, scope)))
            if self.dialect == "duckdb":  # DuckDB's / on integers gives a fraction; // truncates
                return exp.IntDiv(this=diff, expression=exp.Literal.number(10000))
            return exp.Div(this=diff, expression=exp.Literal.number(10000), typed=True)  # integers: truncates
        if name == "has":
            wrapped = exp.DPipe(
                this=exp.DPipe(this=exp.Literal.string(","), expression=self.translate(args[0], scope)),
                expression=exp.Literal.string(","),
            )
            needle = exp.Literal.string(f",{args[1].this},")
            return exp.GT(this=exp.StrPosition(this=wrapped, substr=needle), expression=exp.Literal.number(0))
        if name == "is_digits":
            value = self.translate(args[0], scope)
            if self.dialect == "sqlite":
                return exp.Not(this=exp.Glob(this=value, expression=exp.Literal.string("*[^0-9]*")))
            return exp.RegexpLike(this=value, expression=exp.Literal.string("^[0-9]*$"))
        predicate = self.translate(args[0], "member")
        # count_members / any_member: a column of the shared per-household aggregate, one per distinct predicate.
        # (Not a correlated EXISTS: PostgreSQL plans each as a hashed full scan of the person table.)
        key = predicate.sql(dialect=self.dialect)
        column, _ = self.aggregates.setdefault(key, (f"m{len(self.aggregates)}", predicate))
        self.uses.add("agg")
        ref = exp.column(column, table="agg")
        counted = exp.Coalesce(this=ref, expressions=[exp.Literal.number(0)])
        result = counted if name == "count_members" else exp.GT(this=counted, expression=exp.Literal.number(0))
        self.labels[node.sql(dialect="postgres")] = result
        return result


def _conjuncts(tree: exp.Expression) -> list[exp.Expression]:
    tree = tree.unnest() if isinstance(tree, exp.Paren) else tree
    if isinstance(tree, exp.And):
        return _conjuncts(tree.this) + _conjuncts(tree.expression)
    return [tree]


def _hoist_common_conjunct(predicates: list[exp.Expression]) -> exp.Expression:
    """OR the predicates for the prefilter, factoring out the first conjunct most of them share.

    (a AND b1) OR (a AND b2) OR c  →  (a AND (b1 OR b2)) OR c: ``status = '正常'`` opens nearly every person
    rule, and testing it once per row instead of once per rule is a quarter of the prefilter's work.
    """
    firsts: dict[str, int] = {}
    for predicate in predicates:
        key = _conjuncts(predicate)[0].sql()
        firsts[key] = firsts.get(key, 0) + 1
    common, count = max(firsts.items(), key=lambda item: item[1]) if firsts else ("", 0)
    if count < 2:
        return exp.or_(*[exp.Paren(this=p.copy()) for p in predicates])
    shared, rest, others = None, [], []
    for predicate in predicates:
        parts = _conjuncts(predicate)
        if parts[0].sql() == common and len(parts) > 1:
            shared = parts[0]
            rest.append(exp.Paren(this=exp.and_(*[part.copy() for part in parts[1:]])))
        else:
            others.append(exp.Paren(this=predicate.copy()))
    if shared is None:
        return exp.or_(*[exp.Paren(this=p.copy()) for p in predicates])
    grouped = exp.Paren(this=exp.and_(shared.copy(), exp.Paren(this=exp.or_(*rest))))
    return exp.or_(grouped, *others) if others else grouped


def _render(tree: exp.Expression, dialect: str) -> str:
    sql = tree.sql(dialect=dialect, pretty=True)
    if dialect == "postgres":
        # psycopg binds %(name)s: every other % in the statement must be doubled.
        sql = sql.replace("%", "%%")
        sql = re.sub(r"%%\(([a-z_0-9]+)\)s", r"%(\1)s", sql)
    return sql


def _json_object(pairs: list[tuple[str, exp.Expression]], dialect: str) -> exp.Expression:
    args: list[exp.Expression] = []
    for key, value in pairs:
        args += [exp.Literal.string(key), value]
    name = "json_build_object" if dialect == "postgres" else "json_object"
    call = exp.Anonymous(this=name, expressions=args)
    return exp.Cast(this=call, to=exp.DataType.build("text")) if dialect == "postgres" else call


def compile_level(rules: tuple[Rule, ...], translator: _Translator, level: str) -> LevelPlan:
    return _compile_level(rules, translator, level)[0]


def _compile_level(
    rules: tuple[Rule, ...], translator: _Translator, level: str
) -> tuple[LevelPlan, exp.Select, exp.Query]:
    """The level's plan, with its flagged-rows SELECT and its findings UNION as trees."""
    schema, dialect = translator.schema, translator.dialect
    translator.uses = set()
    compiled = []
    for rule in rules:
        tree, fields, parameters = check_rule(rule, schema)
        compiled.append(CompiledRule(rule, translator.translate(tree, level), fields, parameters))

    value_fields = sorted({name for rule in compiled for name in rule.fields})
    flags = [
        exp.alias_(
            exp.Case(ifs=[exp.If(this=rule.predicate, true=exp.Literal.number(1))], default=exp.Literal.number(0)),
            f"f{index}",
        )
        for index, rule in enumerate(compiled)
    ]
    # Value columns are numbered: a reported value may be an aggregate like count_members(relation = '户主').
    value_column = {name: f"v{index}" for index, name in enumerate(value_fields)}
    values = [exp.alias_(translator.field_sql(name, level), value_column[name]) for name in value_fields]
    # The person level takes each person's household id and region code from the per-household aggregates when it
    # can (``_household_from_aggregates``): one join, both sides in household order, instead of two (PostgreSQL,
    # 1M persons: 0.92 s per half against 1.34 s).
    from_agg = level == "person" and _household_from_aggregates(translator)
    household = AGG_TABLE_ALIAS if from_agg else "h"
    keys = [
        exp.alias_(
            exp.column("id", table="p")
            if level == "person"
            else exp.Cast(this=exp.Null(), to=exp.DataType.build("bigint")),
            "person_id",
        ),
        exp.alias_(exp.column("household_id", table="p") if from_agg else exp.column("id", table="h"), "household_id"),
        exp.alias_(exp.column("region_code", table=household), "region_code"),
    ]
    scope = _region_scope(exp.column("region_code", table=household))
    if dialect == "postgres":
        if not from_agg:
            scope = exp.and_(scope, _id_bounds(exp.column("id", table="h")))
        if level == "person":  # PostgreSQL carries equalities, not ranges, across the join: say it of both sides
            scope = exp.and_(scope, _id_bounds(exp.column("household_id", table="p")))
    any_fires = _hoist_common_conjunct([rule.predicate for rule in compiled])
    select = exp.select(*keys, *flags, *values)
    if from_agg:
        select = select.from_(exp.table_(TABLES["person"], alias="p")).join(
            exp.table_(AGG_TABLE, alias=AGG_TABLE_ALIAS), on="agg.household_id = p.household_id"
        )
    elif level == "person":
        select = select.from_(exp.table_(TABLES["person"], alias="p")).join(
            exp.table_(TABLES["household"], alias="h"), on="h.id = p.household_id"
        )
    else:
        select = select.from_(exp.table_(TABLES["household"], alias="h"))
    select = _joins(select, translator.uses - {"agg"} if from_agg else translator.uses)
    select = select.where(exp.and_(scope, exp.Paren(this=any_fires)))

    flags_table = f"jz_flags_{level}"
    flags_sql = f"CREATE TEMPORARY TABLE {flags_table} AS\n" + _render(select, dialect)
    findings, payloads = [], []
    for index, rule in enumerate(compiled):
        payload = _json_object(
            [(name, exp.column(value_column[name])) for name in rule.fields]
            + [(name, translator.parameter(name)) for name in rule.parameters],
            dialect,
        )
        payloads.append(payload)
        findings.append(
            exp.select(
                exp.alias_(exp.Placeholder(this="run_id"), "run_id"),
                exp.alias_(exp.Literal.string(rule.rule.id), "rule_id"),
                "household_id",
                "person_id",
                "region_code",
                exp.alias_(payload, "values_json"),
                exp.alias_(exp.Literal.string(rule.rule.item), "item"),
            )
            .from_(flags_table)
            .where(exp.EQ(this=exp.column(f"f{index}"), expression=exp.Literal.number(1)))
        )
    union = findings[0]
    for part in findings[1:]:
        union = exp.union(union, part, distinct=False)
    expand_sql = _render(_expand(select, compiled, payloads), dialect) if dialect == "postgres" else ""
    parameters = sorted({p for rule in compiled for p in rule.parameters} | _placeholders(select))
    plan = LevelPlan(
        level=level,
        rules=tuple(compiled),
        flags_sql=flags_sql,
        select_sql=_render(select, dialect),
        findings_sql=_render(union, dialect),
        drop_sql=f"DROP TABLE {flags_table}",
        parameters=tuple(parameters),
        expand_sql=expand_sql,
    )
    return plan, select, union


def _household_from_aggregates(translator: _Translator) -> bool:
    """Whether the person level can take each person's household from the per-household aggregates instead of the
    household table: where the aggregates carry the region code (``AGG_CARRIES_REGION``), the level's rules join
    them anyway and read nothing else of the household (no household field, region or income)."""
    uses = translator.uses
    return translator.dialect in AGG_CARRIES_REGION and "agg" in uses and not uses - {"p", "agg", "ids"}


def _expand(select: exp.Select, compiled: list[CompiledRule], payloads: list[exp.Expression]) -> exp.Select:
    """The findings straight from the level's SELECT, without a flags table (PostgreSQL).

    Each row of the SELECT is joined to the numbers of the rules that fire on it (``unnest(array_positions(
    ARRAY[f0, f1, …], 1))``, one row per finding), and a CASE on that number picks the rule's id, item and
    values. Materializing the flags and scanning them once per rule read each flagged row 23 times.
    """
    number = exp.column("k", table="x")

    def pick(values: list[exp.Expression]) -> exp.Case:
        ifs = [exp.If(this=exp.Literal.number(i + 1), true=value) for i, value in enumerate(values)]
        return exp.Case(this=number.copy(), ifs=ifs)

    qualified = []
    for payload in payloads:
        payload = payload.copy()
        for column in payload.find_all(exp.Column):
            column.set("table", exp.to_identifier("s"))  # the values of the outer row
        qualified.append(payload)
    flags = exp.Array(expressions=[exp.column(f"f{i}", table="s") for i in range(len(compiled))])
    fired = exp.Unnest(
        expressions=[exp.Anonymous(this="array_positions", expressions=[flags, exp.Literal.number(1)])],
        alias=exp.TableAlias(this=exp.to_identifier("x"), columns=[exp.to_identifier("k")]),
    )
    columns = [
        exp.alias_(exp.Placeholder(this="run_id"), "run_id"),
        exp.alias_(pick([exp.Literal.string(rule.rule.id) for rule in compiled]), "rule_id"),
        *[exp.column(name, table="s") for name in ("household_id", "person_id", "region_code")],
        exp.alias_(pick(qualified), "values_json"),
        exp.alias_(pick([exp.Literal.string(rule.rule.item) for rule in compiled]), "item"),
    ]
    return exp.select(*columns).from_(select.subquery("s")).join(exp.Lateral(this=fired), join_type="cross")


def _placeholders(tree: exp.Expression) -> set[str]:
    return {node.name for node in tree.find_all(exp.Placeholder) if node.name}


AGG_TABLE = "jz_agg"
AGG_TABLE_ALIAS = "agg"
IDS_TABLE = "jz_ids"
# Dialects whose per-household aggregates carry the household's region code, joined from the household table
# rather than filtered by a semi-join (no slower there), so that the person level can skip the household table.
AGG_CARRIES_REGION = ("postgres", "duckdb")


def _joins(select: exp.Select, uses: set[str]) -> exp.Select:
    if "r" in uses:
        select = select.join(exp.table_(TABLES["region"], alias="r"), on="r.code = h.region_code", join_type="left")
    if "i" in uses:
        select = select.join(
            exp.table_(TABLES["income"], alias="i"),
            on=exp.and_(
                exp.EQ(this=exp.column("household_id", table="i"), expression=exp.column("id", table="h")),
                exp.EQ(this=exp.column("year", table="i"), expression=exp.Placeholder(this="year")),
            ),
            join_type="left",
        )
    if "agg" in uses:
        select = select.join(exp.table_(AGG_TABLE, alias="agg"), on="agg.household_id = h.id", join_type="left")
    if "ids" in uses:
        select = select.join(exp.table_(IDS_TABLE, alias="ids"), on="ids.id_number = p.id_number", join_type="left")
    return select


def _shared_tables(translator: _Translator, uses: set[str]) -> list[tuple[str, exp.Select, str]]:
    """The shared tables the levels join, as (name, query, join key): per-household aggregates, duplicate IDs."""
    dialect = translator.dialect
    tables = []
    if "agg" in uses:
        key = exp.alias_(exp.column("household_id", table="p"), "household_id")
        columns = [exp.alias_(sqlglot.parse_one(sql, read="postgres"), name) for name, sql in BASE_AGGREGATES.items()]
        columns += [
            exp.alias_(
                exp.Sum(this=exp.Case(ifs=[exp.If(this=predicate, true=exp.Literal.number(1))],
                                      default=exp.Literal.number(0))),
                name,
            )
            for name, predicate in translator.aggregates.values()
        ]  # fmt: skip
        columns = [_as_filtered_aggregate(column) for column in columns]
        region_scope = _region_scope(exp.column("region_code", table="h"))
        persons = exp.table_(TABLES["person"], alias="p")
        if dialect == "postgres":
            # The persons of the run's household ids aggregated first, then the groups joined to their households
            # for the region (scope and code), both in household order: joining the 165,000 groups instead of the
            # 500,000 persons of a half at a million took 0.54 s instead of 0.62 s.
            grouped = (
                exp.select(key, *columns)
                .from_(persons)
                .where(_id_bounds(exp.column("household_id", table="p")))
                .group_by(exp.column("household_id", table="p"))
            )
            agg = (
                exp.select(
                    exp.alias_(exp.column("id", table="h"), "household_id"),
                    exp.alias_(exp.column("region_code", table="h"), "region_code"),
                    *[exp.column(column.alias, table="a") for column in columns],
                )
                .from_(grouped.subquery("a"))
                .join(exp.table_(TABLES["household"], alias="h"), on="h.id = a.household_id")
                .where(exp.and_(region_scope, _id_bounds(exp.column("id", table="h"))))
            )
        elif dialect in AGG_CARRIES_REGION:
            # DuckDB takes the region code with ANY_VALUE (grouping by both keys: 0.81 s instead of 0.62 s).
            region = exp.alias_(exp.AnyValue(this=exp.column("region_code", table="h")), "region_code")
            agg = (
                exp.select(key, region, *columns)
                .from_(persons)
                .join(exp.table_(TABLES["household"], alias="h"), on="h.id = p.household_id")
                .where(region_scope)
                .group_by(exp.column("household_id", table="p"))
            )
        else:  # SQLite: its households' persons (a semi-join)
            households = exp.select("id").from_(TABLES["household"]).where(_region_scope(exp.column("region_code")))
            in_scope = exp.column("household_id", table="p").isin(query=households)
            agg = exp.select(key, *columns).from_(persons).where(in_scope)
            agg = agg.group_by(exp.column("household_id", table="p"))
        tables.append((AGG_TABLE, agg, "household_id"))
    if "ids" in uses:
        ids = (
            exp.select(exp.column("id_number"), exp.alias_(exp.Count(this=exp.Star()), "n"))
            .from_(TABLES["person"])
            .where("status = '正常' AND id_number <> ''")
            .group_by("id_number")
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
        )
        tables.append((IDS_TABLE, ids, "id_number"))
    return tables


def _region_scope(column: exp.Expression) -> exp.Expression:
    """``column BETWEEN :region_low AND :region_high``: the region codes under the run's region."""
    return exp.Between(this=column, low=exp.Placeholder(this="region_low"), high=exp.Placeholder(this="region_high"))


def _id_bounds(column: exp.Expression) -> exp.Expression:
    """``column BETWEEN :household_low AND :household_high``: the household ids of the run's households (PostgreSQL).

    The whole range of ids when the run is not split. A run split in two (PostgresExecutor) is split by these
    bounds: each half checks the households of the run's region whose ids lie in its range, and its index scans
    in household order start and stop there.
    """
    return exp.Between(
        this=column, low=exp.Placeholder(this="household_low"), high=exp.Placeholder(this="household_high")
    )


def _as_filtered_aggregate(column: exp.Expression) -> exp.Expression:
    """SUM(CASE WHEN c THEN 1 ELSE 0 END) → COUNT(*) FILTER (WHERE c); MIN(CASE WHEN c THEN x END) → MIN(x) FILTER.

    The same values (every group has a row, so the count is never NULL where the sum was not). DuckDB then
    updates an aggregate only for the rows its condition selects instead of feeding it every row: the
    per-household aggregate took 0.26 s of CPU instead of 0.30 s at a million persons; SQLite (3.30 or later)
    1.16–1.19 s instead of 1.29–1.38 s; PostgreSQL 0.63 s per half instead of 0.70 s.
    """
    alias = column.alias if isinstance(column, exp.Alias) else ""
    call = column.this if isinstance(column, exp.Alias) else column
    case = call.this if isinstance(call, (exp.Sum, exp.Min)) else None
    if not isinstance(case, exp.Case) or len(case.args.get("ifs") or []) != 1:
        return column
    branch = case.args["ifs"][0]
    condition, value, default = branch.this, branch.args.get("true"), case.args.get("default")
    one = isinstance(value, exp.Literal) and value.this == "1" and not value.is_string
    zero = isinstance(default, exp.Literal) and default.this == "0" and not default.is_string
    if isinstance(call, exp.Sum) and one and zero:
        filtered = exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=condition.copy()))
    elif isinstance(call, exp.Min) and default is None:
        filtered = exp.Filter(this=exp.Min(this=value.copy()), expression=exp.Where(this=condition.copy()))
    else:
        return column
    return exp.alias_(filtered, alias) if alias else filtered


def _prepare(translator: _Translator, uses: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Statements that build the shared temporary tables the levels join, those that drop them, and those of the
    first that build a table independent of the run's region (``Plan.unscoped_sql``)."""
    dialect = translator.dialect
    prepare, cleanup, unscoped = [], [], []
    for name, query, key in _shared_tables(translator, uses):
        first = len(prepare)
        if dialect == "sqlite":
            # Keyed by the join key itself, so that a lookup is one B-tree search instead of an index search and
            # then the row: a household's aggregates by its id as the rowid, the duplicate ID numbers in a table
            # without rowid (1M persons: the person level 1.56 s against 2.01 s, the household level 0.62 s
            # against 0.91 s).
            others = [column.alias_or_name for column in query.selects if column.alias_or_name != key]
            if key == "household_id":
                columns, options = ["household_id INTEGER PRIMARY KEY", *others], ""
            else:
                columns, options = [f"{key} TEXT PRIMARY KEY", *others], " WITHOUT ROWID"
            prepare.append(f"CREATE TEMPORARY TABLE {name} ({', '.join(columns)}){options}")
            prepare.append(f"INSERT INTO {name}\n" + _render(query, dialect))
        else:
            prepare.append(f"CREATE TEMPORARY TABLE {name} AS\n" + _render(query, dialect))
            if dialect != "duckdb":  # DuckDB joins by hashing; PostgreSQL wants an index on the join key
                prepare.append(f"CREATE INDEX {name}_key ON {name} ({key})")
            if dialect == "postgres":
                # Temporary tables get no statistics unless asked. Those of the keys the levels join and filter on
                # are what their plans need (1M persons: ANALYZE of the aggregates' every column 0.09 s per half, of
                # the keys 0.04 s, the same plans; without, the person level took 1.36 s instead of 0.92 s).
                keys = [c.alias_or_name for c in query.selects if c.alias_or_name in (key, "region_code")]
                prepare.append(f"ANALYZE {name} ({', '.join(keys)})")
        cleanup.append(f"DROP TABLE {name}")
        if name == IDS_TABLE:  # every person's ID number counts, whatever the run's region
            unscoped += prepare[first:]
    return prepare, cleanup, unscoped


def compile_ruleset(ruleset: RuleSet, schema: Schema, dialect: str) -> Plan:
    """Compile every rule of the set for ``dialect``; raise RuleError on the first bad rule."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; jingzhun compiles for {', '.join(DIALECTS)}")
    translator = _Translator(schema, dialect)
    levels, uses, trees = [], set(), []
    for level in ("household", "person"):
        rules = ruleset.by_level(level)
        if rules:
            plan, select, union = _compile_level(rules, translator, level)
            levels.append(plan)
            trees.append((level, select, union))
            uses |= translator.uses
    prepare, cleanup, unscoped = _prepare(translator, uses)
    statement = _one_statement(translator, uses, trees) if dialect == "duckdb" and trees else ""
    parameters = sorted(
        {p for level in levels for p in level.parameters} | {"region_low", "region_high"} if prepare else
        {p for level in levels for p in level.parameters}
    )  # fmt: skip
    return Plan(
        ruleset=ruleset, dialect=dialect, levels=tuple(levels), parameters=tuple(parameters),
        prepare_sql=tuple(prepare), cleanup_sql=tuple(cleanup), unscoped_sql=tuple(unscoped), statement=statement,
    )  # fmt: skip


def _one_statement(translator: _Translator, uses: set[str], levels: list[tuple[str, exp.Select, exp.Query]]) -> str:
    """The whole run as one query: shared tables and flagged rows as materialized CTEs, the findings as its rows.

    For DuckDB over Parquet, where a temporary table is a copy into DuckDB's own storage: at a million persons
    the flagged persons alone took 0.4 s to write into one, against a materialized CTE that stays in memory as
    it was produced. MATERIALIZED matters: inlined, each level's SELECT would be run once per rule of the UNION.
    """
    findings = levels[0][2]
    for _, _, union in levels[1:]:
        findings = exp.union(findings, union, distinct=False)
    ctes = [(name, query) for name, query, _ in _shared_tables(translator, uses)]
    ctes += [(f"jz_flags_{level}", select) for level, select, _ in levels]
    for name, query in ctes:
        findings = findings.with_(name, as_=query, materialized=True, copy=False)
    return _render(findings, translator.dialect)
