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
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- loads the settings, which check the environment
    except ImproperlyConfigured as exc:
        # Without this, Django falls back to its own commands and a jingzhun command fails with a traceback that
        # ends, forty lines down, in this message. No settings, so no Django translation: both languages.
        sys.stderr.write(
            f"jingzhun: {exc}\n"
            "配置无法加载：未设置 JINGZHUN_ENV 时使用生产环境配置。开发机器请设置 JINGZHUN_ENV=development；"
            "服务器请按 docs/configuration.md 设置所列环境变量。\n"
            "The settings are production's unless JINGZHUN_ENV says otherwise: set JINGZHUN_ENV=development on a "
            "development machine, or the variables docs/configuration.md lists for a server.\n"
        )
        raise SystemExit(2) from None
    execute_from_command_line(["jingzhun", *args])


if __name__ == "__main__":
    main()
