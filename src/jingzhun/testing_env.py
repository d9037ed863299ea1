"""pytest plugin loaded with ``-p jingzhun.testing_env`` (see pyproject.toml): selects the test settings.

It must run before pytest-django imports the settings, which happens before any conftest.py is read.
"""

import os

os.environ.setdefault("JINGZHUN_ENV", "test")


def pytest_report_header(config):
    """Say which database the run uses, so a PostgreSQL run is visibly one."""
    return f"jingzhun database: {os.environ.get('JINGZHUN_DATABASE_URL', 'SQLite (default test database)')}"
