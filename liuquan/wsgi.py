"""WSGI entry point (gunicorn liuquan.wsgi). A configuration error stops start-up with one line."""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuquan.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    print(f"liuquan: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(78) from None
