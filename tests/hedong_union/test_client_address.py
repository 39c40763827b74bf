"""The client's address, in one place (SPEC §8: login attempts limited, public endpoints
rate-limited, the access log says who): hedong_union/client_address.py, read by django-axes,
the rate limits and the access log, behind the proxies TRUSTED_PROXIES names."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import AccessLog
from accounts.services import access_log_record
from hedong_union.client_address import client_address, parse_networks, rate_limit_key
from tests.hedong_union.test_settings import PRODUCTION_ENV, _manage
from tests.subsidies.pages import empty_cache  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
NGINX = "127.0.0.1"  # the address gunicorn sees nginx connect from (proxy_pass below)


def _documented():
    """The nginx block and the TRUSTED_PROXIES line of docs/operations.md §1."""
    text = OPERATIONS.read_text()
    nginx = re.search(r"```nginx\n(.*?)```", text, re.S).group(1)
    trusted = re.search(r"```sh\n\s*TRUSTED_PROXIES=(\S+)\s*\n\s*```", text).group(1)
    return nginx, trusted


def _through_nginx(nginx, client, sent=None):
    """The META gunicorn gets when `client` (which sent X-Forwarded-For `sent`, or none)
    goes through the documented nginx block."""
    header = re.search(r"proxy_set_header\s+X-Forwarded-For\s+(\$\w+)\s*;", nginx).group(1)
    upstream = re.search(r"proxy_pass\s+https?://([\d.]+):\d+\s*;", nginx).group(1)
    if header == "$proxy_add_x_forwarded_for":  # nginx: the header received, then ", client"
        forwarded = f"{sent}, {client}" if sent else client
    elif header == "$remote_addr":
        forwarded = client
    else:
        raise AssertionError(f"the snippet sets X-Forwarded-For to {header}")
    assert upstream == NGINX, "nginx connects to gunicorn from the address it proxies to"
    return {"REMOTE_ADDR": upstream, "HTTP_X_FORWARDED_FOR": forwarded}


# (what reaches gunicorn, the client's address) with TRUSTED_PROXIES=127.0.0.1,::1
CASES = {
    "one entry": ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
                  "203.0.113.7"),
    "a forged entry on the left": (
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.99, 203.0.113.7"},
        "203.0.113.7"),
    "a forged trusted address on the left": (
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.7"},
        "203.0.113.7"),
    "no proxy header": ({"REMOTE_ADDR": "203.0.113.7"}, "203.0.113.7"),
    "no proxy, a forged header": (
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "198.51.100.99"},
        "203.0.113.7"),
    "IPv6 through the proxy": (
        {"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "2001:db8:5:6::17"}, "2001:db8:5:6::17"),
    "IPv6 without a proxy": ({"REMOTE_ADDR": "2001:db8:5:6::17"}, "2001:db8:5:6::17"),
    "IPv4 through an IPv4-mapped proxy address": (
        {"REMOTE_ADDR": "::ffff:127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        "203.0.113.7"),
    "the proxy itself, no header": ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
    "garbage in the header": (
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "unknown"}, "127.0.0.1"),
}

# Run under the production settings: every path that reads the client's address.
_PRODUCTION_SCRIPT = """
import json, sys
import django
django.setup()
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from accounts.services import _client_ip
from hedong_union.client_address import client_address
from hedong_union.public import client_ip
from django_ratelimit.core import get_usage
cases = json.loads(sys.stdin.read())
out = {}
for name, meta in cases.items():
    request = RequestFactory().get("/join/status/", **meta)
    out[name] = {"function": client_address(request), "axes": get_client_ip_address(request),
                 "access_log": _client_ip(request), "rate_limit": client_ip(None, request)}
print(json.dumps(out))
"""


def _under_production(cases, trusted):
    env = {**PRODUCTION_ENV, "TRUSTED_PROXIES": trusted}
    result = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_SCRIPT], cwd=ROOT, capture_output=True,
        text=True, timeout=120, input=json.dumps(cases),
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
             **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_under_the_production_settings_every_reader_gets_the_same_right_address():
    _nginx, trusted = _documented()
    assert trusted == "127.0.0.1,::1"
    seen = _under_production({name: meta for name, (meta, _) in CASES.items()}, trusted)
    for name, (_meta, expected) in CASES.items():
        got = seen[name]
        assert got["function"] == got["axes"] == got["access_log"] == expected, name
        # The rate-limit bucket: the address, an IPv6 client by its /64.
        bucket = "2001:db8:5:6::" if ":" in expected else expected
        assert got["rate_limit"] == bucket, name


def test_the_documented_nginx_block_and_setting_give_the_clients_address():
    nginx, trusted = _documented()
    sent_by = {
        "an ordinary client": (None, "203.0.113.7"),
        "a client forging its header": ("198.51.100.99", "203.0.113.7"),
        "a client forging the proxy's own address": ("127.0.0.1", "203.0.113.7"),
        "an IPv6 client": (None, "2001:db8::7"),
    }
    cases = {name: _through_nginx(nginx, client, sent) for name, (sent, client)
             in sent_by.items()}
    seen = _under_production(cases, trusted)
    for name, (_sent, client) in sent_by.items():
        assert seen[name]["axes"] == seen[name]["function"] == client, name


@pytest.mark.parametrize("name", CASES)
def test_the_address_of_each_case(settings, name):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    meta, expected = CASES[name]
    assert client_address(RequestFactory().get("/", **meta)) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1",
                                   HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_address(request) == "127.0.0.1"


def test_networks_are_trusted_and_walked_through(settings):
    """A load balancer (10.20.0.0/16) in front of nginx: both skipped, the client found."""
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.20.0.0/16"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7, 10.20.3.4")
    assert client_address(request) == "203.0.113.7"


def test_a_request_with_no_peer_address_has_none(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_address(request) is None
    assert rate_limit_key(request) == "unknown"


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "1.2.3.4:80", "::1::2"])
def test_a_trusted_proxy_that_is_no_address_is_refused(bad):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        parse_networks(["127.0.0.1", bad])


def test_production_refuses_to_start_with_a_bad_trusted_proxy():
    result = _manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXIES": "127.0.0.1,nginx"})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_production_refuses_the_old_proxy_count():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_TRUSTED_PROXY_COUNT": "1"})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_check_deploy_warns_when_no_proxy_is_trusted():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TRUSTED_PROXIES"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "client_address.W001" in result.stdout + result.stderr


# ---------------------------------------------------------------------------
# The readers, through the pages, with the production proxy setting
# ---------------------------------------------------------------------------
@pytest.fixture
def behind_nginx(settings, empty_cache):  # noqa: F811
    settings.TRUSTED_PROXIES = _documented()[1].split(",")


def _from(client_address_, forged=None):
    forwarded = f"{forged}, {client_address_}" if forged else client_address_
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_client_only(client, behind_nginx,
                                                    street_staff_dawangzhuang):
    from tests.conftest import PASSWORD

    login = reverse("login")
    for _ in range(5):
        locked = client.post(login, {"username": "street_zhang", "password": "x"},
                             **_from("203.0.113.7"))
    assert locked.status_code == 429
    # A forged entry on the left gives the same client no lock of its own to start over.
    again = client.post(login, {"username": "street_zhang", "password": PASSWORD},
                        **_from("203.0.113.7", forged="198.51.100.1"))
    assert again.status_code == 429
    # The staff member at another address is not locked out.
    elsewhere = client.post(login, {"username": "street_zhang", "password": PASSWORD},
                            **_from("203.0.113.8"))
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_each_public_client_has_its_own_bucket_and_cannot_forge_another(
        client, behind_nginx, settings, organisation_structure):
    settings.APPLICATIONS_PUBLIC_RATE = "3/m"
    status = reverse("applications:status")
    body = {"number": "SQ2026AAAAAA", "id_last6": "000000"}
    for i in range(3):
        assert client.post(status, body, **_from("203.0.113.7")).status_code == 200
    assert client.post(status, body, **_from("203.0.113.7")).status_code == 429
    forged = client.post(status, body, **_from("203.0.113.7", forged="198.51.100.9"))
    assert forged.status_code == 429
    assert client.post(status, body, **_from("203.0.113.8")).status_code == 200


@pytest.mark.django_db
def test_an_ipv6_client_is_limited_by_its_64(client, behind_nginx, settings,
                                             organisation_structure):
    settings.APPLICATIONS_PUBLIC_RATE = "2/m"
    status = reverse("applications:status")
    body = {"number": "SQ2026AAAAAA", "id_last6": "000000"}
    for host in ("1", "2"):
        client.post(status, body, **_from(f"2001:db8:1:2::{host}"))
    assert client.post(status, body, **_from("2001:db8:1:2::3")).status_code == 429
    assert client.post(status, body, **_from("2001:db8:1:3::1")).status_code == 200


@pytest.mark.django_db
def test_the_access_log_records_the_clients_address(behind_nginx, admin_user):
    request = RequestFactory().get("/", **_from("203.0.113.7", forged="198.51.100.1"))
    access_log_record(user=admin_user, action=AccessLog.Action.EXPORT,
                      target_type="membership.worker", request=request)
    assert AccessLog.objects.get().ip_address == "203.0.113.7"
