"""Serve jingzhun with gunicorn, the production WSGI server (runserver is for development only)."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from jingzhun.env import env_int, env_str


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (run `jingzhun collectstatic` first in production)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=env_str("JINGZHUN_BIND", "127.0.0.1:8000"), help="host:port")
        parser.add_argument("--workers", type=int, default=env_int("JINGZHUN_WORKERS", 2))
        parser.add_argument("--timeout", type=int, default=120, help="seconds before a stuck worker restarts")

    def handle(self, *args, bind: str, workers: int, timeout: int, **options):
        argv = [
            sys.executable, "-m", "gunicorn", "jingzhun.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--timeout", str(timeout),
            "--access-logfile", "-", "--forwarded-allow-ips", env_str("JINGZHUN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]  # fmt: skip
        self.stdout.write(f"Serving on http://{bind}/ with gunicorn ({workers} workers, {settings.ENV} settings)")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
