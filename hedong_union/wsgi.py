import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.prod")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with keys that protect nothing.
from accounts.checks import keys_refused_at_start  # noqa: E402

keys_refused_at_start()
