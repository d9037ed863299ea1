"""The ``jingzhun`` command: Django's management commands with jingzhun's settings.

``jingzhun migrate``, ``jingzhun createsuperuser``, ``jingzhun synth``, ``jingzhun demo`` … are what
``django-admin`` would run with ``DJANGO_SETTINGS_MODULE=jingzhun.settings``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jingzhun", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
