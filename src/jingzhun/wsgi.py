"""WSGI entry point for gunicorn: ``gunicorn jingzhun.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
application = get_wsgi_application()
