"""The rule engine: the national standard as declarative rules, compiled to SQL and run set-based.

Three separate things (STYLE.md habit 2):

- **spec** (``spec.py``): a rule is frozen data loaded from a YAML rule file, with its source location;
- **compiler** (``compiler.py``): pure functions from rules to validated, type-checked sqlglot trees and to SQL
  text for SQLite, PostgreSQL and DuckDB; the compiler adds the region scope and the run id itself;
- **executors** (``executors.py``): talk to a database through a plain DB-API connection.

``reference.py`` evaluates the same rules in plain Python, row by row: slow and obvious, the oracle that the
property tests compare every backend with. Nothing here imports Django.
"""
