"""Rules as frozen data, loaded from YAML rule files with the source position of every value.

A rule file::

    ruleset: builtin
    version: 3
    rules:
      - id: FOO-001
        item: food
        level: household
        severity: high
        title: {zh: 不愁吃未保障, en: Not secure in food}
        message: {zh: 该户"不愁吃"未达标, en: The household is not secure in food}
        when: food_secure = false
        reference: 国家脱贫攻坚普查 (2020)

The file's SHA-256 is the rule set's identity: a check run records it, so every finding can be traced to the
exact rules that produced it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ITEMS = ("education", "medical", "housing", "water", "food", "clothing", "income", "monitoring", "data")
LEVELS = ("person", "household")
SEVERITIES = ("high", "medium", "low")
RULE_ID = re.compile(r"^[A-Z]{2,4}-\d{3}$")
REQUIRED = ("id", "item", "level", "severity", "title", "message", "when")
OPTIONAL = ("reference", "note")


class RuleError(ValueError):
    """A rule file or expression is malformed; says where: file, line, column, rule id."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: int = 0, rule_id: str = ""):
        self.message, self.path, self.line, self.column, self.rule_id = message, path, line, column, rule_id
        where = ":".join(str(part) for part in (path, line or "", column or "") if part != "")
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{rule_id + ': ' if rule_id else ''}{message}")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an expression stands in its file, to turn an offset inside it into a line and column."""

    path: str
    line: int  # 1-based line of the expression's first character
    column: int  # 1-based column of the expression's first character
    lines: tuple[tuple[int, int, int], ...] = ()  # (offset in expression, file line, file column) per segment

    def locate(self, offset: int) -> tuple[int, int]:
        """Return the file line and column of character ``offset`` of the expression."""
        line, column, start = self.line, self.column, 0
        for seg_offset, seg_line, seg_column in self.lines:
            if seg_offset <= offset:
                start, line, column = seg_offset, seg_line, seg_column
        return line, column + (offset - start)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    item: str
    level: str
    severity: str
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    when: str
    reference: str = ""
    source: Source | None = None

    def error(self, message: str, offset: int | None = None) -> RuleError:
        """Build a RuleError pointing at this rule (at ``offset`` inside its expression, if given)."""
        if self.source is None:
            return RuleError(message, rule_id=self.id)
        line, column = self.source.locate(offset or 0)
        return RuleError(message, path=self.source.path, line=line, column=column, rule_id=self.id)


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    version: int
    rules: tuple[Rule, ...]
    sha256: str
    path: str = ""

    def by_level(self, level: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.level == level)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _segments(node: yaml.ScalarNode, text: str) -> Source:
    """Map an expression scalar back onto the file lines it was read from."""
    start = node.start_mark
    if node.style in ("|", ">"):
        # Block scalar: content starts on the next line, each non-empty line indented.
        raw_lines = text.splitlines()
        body = raw_lines[start.line + 1 : node.end_mark.line + 1]
        segments, offset = [], 0
        for index, raw in enumerate(body):
            stripped = raw.strip()
            if not stripped:
                continue
            indent = len(raw) - len(raw.lstrip())
            segments.append((offset, start.line + 2 + index, indent + 1))
            offset += len(stripped) + 1
        first = segments[0] if segments else (0, start.line + 2, 1)
        return Source("", first[1], first[2], tuple(segments))
    quote = 1 if node.style in ("'", '"') else 0
    raw_lines = text.splitlines()[start.line : node.end_mark.line + 1]
    segments, offset = [(0, start.line + 1, start.column + 1 + quote)], 0
    for index, raw in enumerate(raw_lines[1:], start=1):
        offset += len((raw_lines[index - 1][start.column + quote :] if index == 1 else raw_lines[index - 1]).strip())
        offset += 1
        indent = len(raw) - len(raw.lstrip())
        segments.append((offset, start.line + 1 + index, indent + 1))
    return Source("", start.line + 1, start.column + 1 + quote, tuple(segments))


def _text_pair(node, key: str, path: str, rule_id: str) -> tuple[str, str]:
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(f"'{key}' must be a mapping with zh and en", path=path, line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1, rule_id=rule_id)  # fmt: skip
    values = {k.value: v.value for k, v in node.value if isinstance(v, yaml.ScalarNode)}
    missing = [lang for lang in ("zh", "en") if not str(values.get(lang, "")).strip()]
    if missing:
        raise RuleError(f"'{key}' lacks {' and '.join(missing)}", path=path, line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1, rule_id=rule_id)  # fmt: skip
    return str(values["zh"]).strip(), str(values["en"]).strip()


def _rule(node, path: str, text: str) -> Rule:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if not isinstance(node, yaml.MappingNode):
        raise RuleError("each rule must be a mapping", path=path, line=line, column=column)
    fields = {key.value: (key, value) for key, value in node.value}
    rule_id = str(fields["id"][1].value) if "id" in fields and isinstance(fields["id"][1], yaml.ScalarNode) else ""

    def fail(message: str, at=None) -> RuleError:
        mark = (at or node).start_mark
        return RuleError(message, path=path, line=mark.line + 1, column=mark.column + 1, rule_id=rule_id)

    for name in REQUIRED:
        if name not in fields:
            raise fail(f"missing '{name}'")
    for name, (key, _) in fields.items():
        if name not in REQUIRED + OPTIONAL:
            raise fail(f"unknown key '{name}' (allowed: {', '.join(REQUIRED + OPTIONAL)})", key)
    if not RULE_ID.match(rule_id):
        raise fail(f"rule id {rule_id!r} is not of the form ABC-123", fields["id"][1])

    def scalar(name: str, allowed: tuple[str, ...] | None = None) -> str:
        value = fields[name][1]
        if not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
            raise fail(f"'{name}' must be a non-empty text", value)
        if allowed is not None and value.value not in allowed:
            raise fail(f"{name} {value.value!r} is not one of: {', '.join(allowed)}", value)
        return str(value.value).strip()

    when_node = fields["when"][1]
    when = scalar("when")
    raw_when = str(when_node.value)
    source = _segments(when_node, text)
    # Leading whitespace that .strip() removed shifts offsets: keep the raw value for positions.
    lead = len(raw_when) - len(raw_when.lstrip()) if when_node.style not in ("|", ">") else 0
    source = Source(path, source.line, source.column + lead, tuple((o, ln, c) for o, ln, c in source.lines))
    title_zh, title_en = _text_pair(fields["title"][1], "title", path, rule_id)
    message_zh, message_en = _text_pair(fields["message"][1], "message", path, rule_id)
    return Rule(
        id=rule_id, item=scalar("item", ITEMS), level=scalar("level", LEVELS),
        severity=scalar("severity", SEVERITIES), title_zh=title_zh, title_en=title_en, message_zh=message_zh,
        message_en=message_en, when=" ".join(when.split()) if when_node.style == ">" else when,
        reference=scalar("reference") if "reference" in fields else "", source=source,
    )  # fmt: skip


def load_text(text: str, path: str = "<string>") -> RuleSet:
    """Load a rule set from YAML text; raise RuleError naming the file, line and problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(f"not valid YAML: {problem}", path=path, line=(mark.line + 1) if mark else 0,
                        column=(mark.column + 1) if mark else 0) from None  # fmt: skip
    if not isinstance(root, yaml.MappingNode):
        raise RuleError("a rule file is a mapping with 'ruleset', 'version' and 'rules'", path=path, line=1)
    top = {key.value: value for key, value in root.value}
    for name in ("ruleset", "version", "rules"):
        if name not in top:
            raise RuleError(f"missing '{name}'", path=path, line=1)
    if not isinstance(top["rules"], yaml.SequenceNode) or not top["rules"].value:
        raise RuleError("'rules' must be a non-empty list", path=path, line=top["rules"].start_mark.line + 1)
    try:
        version = int(top["version"].value)
    except (TypeError, ValueError):
        raise RuleError(
            "'version' must be a whole number", path=path, line=top["version"].start_mark.line + 1
        ) from None
    rules, seen = [], {}
    for node in top["rules"].value:
        rule = _rule(node, path, text)
        if rule.id in seen:
            mark = node.start_mark
            raise RuleError(
                f"duplicate rule id (first at line {seen[rule.id]})",
                path=path,
                line=mark.line + 1,
                column=mark.column + 1,
                rule_id=rule.id,
            )
        seen[rule.id] = node.start_mark.line + 1
        rules.append(rule)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RuleSet(name=str(top["ruleset"].value), version=version, rules=tuple(rules), sha256=digest, path=path)


def load_file(path: str | Path) -> RuleSet:
    """Load a rule file (UTF-8 YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read the rule file: {exc}", path=str(path)) from None
    return load_text(text, str(path))
