"""pytest plugin loaded with ``-p jingzhun.testing_env`` (see pyproject.toml): selects the test settings.

It must run before pytest-django imports the settings, which happens before any conftest.py is read.
"""

import os

os.environ.setdefault("JINGZHUN_ENV", "test")
