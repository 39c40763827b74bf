"""Settings: production is deploy-clean; time is Asia/Shanghai and always aware."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import AccessLog

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hedong_union.settings.prod",
    "DJANGO_SECRET_KEY": "k3#v9-production-like-secret-with-enough-length-and-variety-!x7Q2",
    "DJANGO_ALLOWED_HOSTS": "union.hedong.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://union.hedong.example",
    "PII_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLXBpaS1rZXktbnVtYmVyLTE=",
    "PII_HMAC_KEY": "production-like-hmac-key-for-the-settings-test",
    "TRUSTED_PROXIES": "127.0.0.1,::1",
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **env},
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    # DATABASE_URL and REDIS_URL come from `make test`: PostgreSQL and Redis, as in production.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_time_zone_is_asia_shanghai_and_aware():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    now = timezone.now()
    assert timezone.is_aware(now)
    assert timezone.localtime(now).utcoffset().total_seconds() == 8 * 3600


@pytest.mark.django_db
def test_datetimes_are_stored_aware_and_shown_in_beijing_time(admin_user):
    entry = AccessLog.objects.create(user=admin_user, action="export", target_type="test")
    entry.refresh_from_db()
    assert timezone.is_aware(entry.created_at)
    shanghai = timezone.localtime(entry.created_at)
    assert shanghai.tzinfo == ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_a_naive_datetime_is_refused(admin_user):
    entry = AccessLog.objects.create(user=admin_user, action="export", target_type="test")
    # pytest.ini turns Django's naive-datetime RuntimeWarning into an error.
    with pytest.raises(RuntimeWarning):
        AccessLog.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 3, 6, 9, 0))


def test_the_test_suite_runs_on_postgresql_and_redis():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_no_page_loads_anything_from_the_internet():
    """Union intranets are often offline: every asset is served from our static files."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if "http://" in text or "https://" in text or "//cdn" in text:
            offenders.append(str(template))
    assert offenders == []


def test_no_template_has_an_inline_script():
    """The Content Security Policy allows no inline script (SPEC §8)."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">", 1)[0]:
                offenders.append(str(template))
    assert offenders == []


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "PII_ENCRYPTION_KEYS",
                                     "PII_HMAC_KEY"])
def test_production_refuses_the_embedded_defaults(missing):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**{k: v for k, v in os.environ.items()
                if not k.startswith("DJANGO_") and k != missing},
             **{k: v for k, v in PRODUCTION_ENV.items() if k != missing}},
        timeout=120,
    )
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client, leader):
    client.force_login(leader)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_admin_site_opens_for_the_office_only(client, admin_user, leader):
    client.force_login(admin_user)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/accesslog/").status_code == 200
    assert client.get("/admin/membership/union/").status_code == 200
    client.force_login(leader)
    assert client.get("/admin/accounts/user/").status_code == 302
