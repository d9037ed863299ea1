"""System checks for configuration mistakes, each with a stable id (run by ``jingzhun check``)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_allowed_hosts(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.ALLOWED_HOSTS:
        return [
            Error(
                "JINGZHUN_ALLOWED_HOSTS is empty: the server would refuse every request.",
                hint="Set JINGZHUN_ALLOWED_HOSTS to the host names users type, comma-separated.",
                id="jingzhun.E001",
            )
        ]
    return []


@register()
def check_data_dir(app_configs, **kwargs):
    path = settings.DATA_DIR
    probe = path if path.exists() else path.parent
    if not os.access(probe, os.W_OK):
        return [
            Error(
                f"The data directory {path} is not writable.",
                hint="Set JINGZHUN_DATA_DIR to a directory this user can write to.",
                id="jingzhun.E002",
            )
        ]
    return []


@register()
def check_front_end_packages(app_configs, **kwargs):
    served = {prefix for prefix, _ in settings.STATICFILES_DIRS}
    missing = [name for name in ("htmx.org",) if f"vendor/{name}" not in served]
    if missing:
        return [
            Warning(
                f"Front-end packages not installed: {', '.join(missing)}; pages will lack interactivity.",
                hint="Run `npm ci` in the project directory (make install does), or set JINGZHUN_NODE_MODULES.",
                id="jingzhun.W001",
            )
        ]
    return []
