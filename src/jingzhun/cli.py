"""The ``jingzhun`` command: Django's management commands with jingzhun's settings.

``jingzhun migrate``, ``jingzhun createsuperuser``, ``jingzhun synth``, ``jingzhun demo`` … are what
``django-admin`` would run with ``DJANGO_SETTINGS_MODULE=jingzhun.settings``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    if args[:1] == ["demo"]:
        # The demo runs with demo settings (its own database file, no secret needed) unless told otherwise.
        os.environ.setdefault("JINGZHUN_ENV", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jingzhun", *args])


if __name__ == "__main__":
    main()
