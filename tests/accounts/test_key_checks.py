"""Production refuses keys that protect nothing (accounts/checks.py; SPEC §8, docs/pii-keys.md):
`check --deploy` fails on each bad key, the prod settings fail every command and the start
of gunicorn and Celery on it, and no demo data is made under them."""

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from hedong_union.settings import published

ROOT = Path(__file__).resolve().parents[2]


def good_keys():
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PII_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "PII_HMAC_KEY": secrets.token_urlsafe(48),
    }


def check_errors(**keys):
    """The ids of the errors `check --deploy --tag keys` gives with these settings."""
    with override_settings(**{**good_keys(), **keys}):
        try:
            call_command("check", deploy=True, tags=["keys"], stdout=open(os.devnull, "w"))
        except SystemCheckError as failure:
            return sorted(set(re.findall(r"hedong\.E\d+", str(failure))))
    return []


def test_generated_keys_pass():
    assert check_errors() == []


def test_the_older_key_of_a_rotation_may_follow_the_new_one():
    assert check_errors(PII_ENCRYPTION_KEYS=[Fernet.generate_key().decode(),
                                             Fernet.generate_key().decode()]) == []


@pytest.mark.parametrize("value, expected", [
    ("", "hedong.E001"),
    (published.DEV_SECRET_KEY, "hedong.E002"),
    (published.TEST_SECRET_KEY, "hedong.E002"),
    ("short-secret-key", "hedong.E003"),
    ("ab" * 40, "hedong.E003"),
    ("django-insecure-" + "x1y2z3w4" * 6, "hedong.E003"),
])
def test_a_bad_secret_key_fails(value, expected):
    assert check_errors(SECRET_KEY=value) == [expected]


def test_a_published_secret_key_fallback_fails():
    assert check_errors(SECRET_KEY_FALLBACKS=[published.DEV_SECRET_KEY]) == ["hedong.E002"]


@pytest.mark.parametrize("keys, expected", [
    ([], "hedong.E010"),
    ([""], "hedong.E011"),
    ([published.DEV_PII_ENCRYPTION_KEY], "hedong.E012"),
    ([published.TEST_PII_ENCRYPTION_KEY], "hedong.E012"),
    (["not base64 at all!"], "hedong.E013"),
    (["c2hvcnQta2V5"], "hedong.E013"),  # valid base64 of nine bytes
    (["QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="], "hedong.E014"),  # 32 times "A"
])
def test_a_bad_encryption_key_fails(keys, expected):
    assert check_errors(PII_ENCRYPTION_KEYS=keys) == [expected]


def test_a_published_key_after_a_good_one_fails_as_well():
    keys = [Fernet.generate_key().decode(), published.TEST_PII_ENCRYPTION_KEY]
    assert check_errors(PII_ENCRYPTION_KEYS=keys) == ["hedong.E012"]


@pytest.mark.parametrize("value, expected", [
    ("", "hedong.E021"),
    (published.DEV_PII_HMAC_KEY, "hedong.E022"),
    (published.TEST_PII_HMAC_KEY, "hedong.E022"),
    ("too-short-hmac-key", "hedong.E023"),
])
def test_a_bad_hmac_key_fails(value, expected):
    assert check_errors(PII_HMAC_KEY=value) == [expected]


def test_the_hmac_key_equal_to_the_encryption_key_fails():
    key = Fernet.generate_key().decode()
    assert check_errors(PII_ENCRYPTION_KEYS=[key], PII_HMAC_KEY=key) == ["hedong.E030"]


def test_the_secret_key_equal_to_a_personal_data_key_fails():
    key = secrets.token_urlsafe(50)
    assert check_errors(SECRET_KEY=key, PII_HMAC_KEY=key) == ["hedong.E031"]


def test_no_message_holds_a_key():
    key = "x" * 20
    with override_settings(**{**good_keys(), "PII_HMAC_KEY": key}):
        from accounts.checks import key_errors

        assert all(key not in f"{error.msg} {error.hint}" for error in key_errors())


def test_dev_and_test_settings_take_their_keys_from_the_published_list():
    """The list the check refuses is the one dev.py and test.py use, not a copy: their key
    settings have no literal default of their own."""
    for name in ("dev.py", "test.py"):
        tree = ast.parse((ROOT / "hedong_union" / "settings" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(
                    node.args[0], ast.Constant) and node.args[0].value in (
                    "DJANGO_SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_HMAC_KEY"):
                for keyword in node.keywords:
                    assert keyword.arg == "default"
                    assert not any(isinstance(n, ast.Constant) and isinstance(n.value, str)
                                   for n in ast.walk(keyword.value)), name


# Under the production settings, in processes of their own.

def production_env(**changes):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PII_"))}
    keys = good_keys()
    env.update({
        "DJANGO_SETTINGS_MODULE": "hedong_union.settings.prod",
        "DJANGO_SECRET_KEY": keys["SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "union.hedong.example",
        "PII_ENCRYPTION_KEYS": keys["PII_ENCRYPTION_KEYS"][0],
        "PII_HMAC_KEY": keys["PII_HMAC_KEY"],
    })
    env.update(changes)
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize("changes, expected", [
    ({"PII_HMAC_KEY": ""}, "hedong.E021"),
    ({"PII_HMAC_KEY": published.DEV_PII_HMAC_KEY}, "hedong.E022"),
    ({"PII_ENCRYPTION_KEYS": published.DEV_PII_ENCRYPTION_KEY}, "hedong.E012"),
    ({"PII_ENCRYPTION_KEYS": "not-a-fernet-key"}, "hedong.E013"),
    ({"DJANGO_SECRET_KEY": published.TEST_SECRET_KEY}, "hedong.E002"),
    ({"PII_HMAC_KEY": "same-key-for-both-purposes-long-enough-to-pass",
      "PII_ENCRYPTION_KEYS": "same-key-for-both-purposes-long-enough-to-pass"}, "hedong.E013"),
])
def test_check_deploy_fails_under_the_production_settings(changes, expected):
    result = run(["manage.py", "check", "--deploy"], production_env(**changes))
    assert result.returncode != 0
    assert expected in result.stderr


def test_equal_keys_fail_under_the_production_settings():
    key = Fernet.generate_key().decode()
    result = run(["manage.py", "check", "--deploy"],
                 production_env(PII_ENCRYPTION_KEYS=key, PII_HMAC_KEY=key))
    assert result.returncode != 0
    assert "hedong.E030" in result.stderr


def test_good_keys_pass_under_the_production_settings():
    result = run(["manage.py", "check", "--deploy", "--tag", "keys"], production_env())
    assert result.returncode == 0, result.stderr


def test_every_command_refuses_a_bad_key_under_the_production_settings():
    """Not only `check --deploy`: a plain `check` (run by migrate, runserver and most
    commands) fails as well."""
    result = run(["manage.py", "check"], production_env(PII_HMAC_KEY=""))
    assert result.returncode != 0
    assert "hedong.E021" in result.stderr


def test_gunicorn_refuses_to_start_with_a_bad_key():
    """gunicorn runs no system checks; hedong_union/wsgi.py refuses on its own."""
    result = run(["-c", "import hedong_union.wsgi"],
                 production_env(PII_ENCRYPTION_KEYS=published.TEST_PII_ENCRYPTION_KEY))
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and "hedong.E012" in result.stderr
    assert published.TEST_PII_ENCRYPTION_KEY not in result.stderr
    assert run(["-c", "import hedong_union.wsgi"], production_env()).returncode == 0


def test_celery_refuses_to_start_with_a_bad_key():
    from hedong_union.celery import _keys_refused_at_start

    with override_settings(KEY_CHECKS_AT_START=True, **{**good_keys(), "PII_HMAC_KEY": ""}):
        with pytest.raises(SystemExit, match="hedong.E021"):
            _keys_refused_at_start()
    with override_settings(KEY_CHECKS_AT_START=True, **good_keys()):
        _keys_refused_at_start()


def test_seed_demo_refuses_under_the_production_settings():
    result = run(["manage.py", "seed_demo", "--workers", "0", "--units", "0"], production_env())
    assert result.returncode != 0
    assert "seed_demo refuses to run" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["membership.demo.seed_demo",
                                  "applications.demo.seed_applications",
                                  "subsidies.demo.seed_subsidies",
                                  "reporting.demo.seed_reports"])
def test_every_demo_path_refuses_where_demo_data_is_not_allowed(path, organisation_structure):
    import importlib

    from accounts.models import User
    from hedong_union.demo_guard import DemoDataRefused

    module, name = path.rsplit(".", 1)
    function = getattr(importlib.import_module(module), name)
    kwargs = {"seed_demo": {"seed": 1, "password": "x", "workers": 0, "units": 0},
              "seed_applications": {"seed": 1}, "seed_subsidies": {"seed": 1},
              "seed_reports": {}}[name]
    users = User.objects.count()
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(DemoDataRefused):
        function(**kwargs)
    assert User.objects.count() == users


def test_the_production_settings_allow_no_demo_data_and_check_keys_at_start():
    result = run(["-c", "import django; django.setup(); from django.conf import settings; "
                  "print(settings.DEMO_DATA_ALLOWED, settings.KEY_CHECKS_AT_START)"],
                 production_env())
    assert result.stdout.split() == ["False", "True"], result.stderr
