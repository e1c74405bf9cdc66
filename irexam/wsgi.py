"""WSGI entry point (gunicorn irexam.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
application = get_wsgi_application()
