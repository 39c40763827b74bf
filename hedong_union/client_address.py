"""The client's address, in one place: the login lockout (django-axes), the rate limits
(django-ratelimit) and the access log all read it here (SPEC §8).

The trusted proxies are named by address or network in TRUSTED_PROXIES (settings/base.py).
A request that did not come from a trusted proxy is its own client: its X-Forwarded-For is
whatever the client chose to send and is ignored. A request from a trusted proxy is walked
from the right of X-Forwarded-For (each proxy appends the address it saw), skipping the
trusted proxies; the first address that is not one of them is the client. Anything left
of it was written by the client and is never read.
"""

import functools
import ipaddress

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def parse_networks(values):
    """The networks named by `values` (addresses or CIDR networks, IPv4 or IPv6).
    A value that is neither raises ImproperlyConfigured, naming it."""
    networks = []
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is neither an address nor a network") from error
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _trusted(values):
    return parse_networks(values)


def _address(value):
    """The address `value` names, IPv4-mapped IPv6 (::ffff:10.0.0.1, as a dual-stack
    socket reports an IPv4 peer) as the IPv4 address it maps; None when it is none."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(request):
    """The client's address as text, or None when the connection has none (REMOTE_ADDR
    empty, e.g. a Unix socket with no proxy header trusted). AXES_CLIENT_IP_CALLABLE and
    RATELIMIT_IP_META_KEY name this function."""
    trusted = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None

    def is_trusted(address):
        return any(address in network for network in trusted)

    client = peer
    if is_trusted(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
        for entry in reversed(forwarded.split(",")):
            address = _address(entry)
            if address is None:
                # Not an address: no hop of ours writes that, so the hop that handed it
                # over (a trusted proxy) is the last one known.
                break
            client = address
            if not is_trusted(address):
                break
    return str(client)


def rate_limit_key(request):
    """The client's address as a rate-limit bucket: an IPv4 address alone, an IPv6 address
    by its /64 network (RATELIMIT_IPV6_MASK), since one subscriber holds a whole /64 and
    would otherwise get a new bucket at each request (docs/decisions.md)."""
    address = client_address(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        mask = getattr(settings, "RATELIMIT_IPV6_MASK", 64)
        return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)
    return address


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs):
    """Production runs behind a reverse proxy (docs/operations.md): with none trusted,
    every client would have the proxy's address and share one bucket and one lockout."""
    if getattr(settings, "TRUSTED_PROXIES", None):
        return []
    return [checks.Warning(
        "TRUSTED_PROXIES is empty: behind a reverse proxy every client gets the proxy's "
        "address (one rate-limit bucket, one login lockout for all).",
        hint="Name the reverse proxies in TRUSTED_PROXIES, e.g. 127.0.0.1,::1 "
             "(docs/operations.md, \"The reverse proxy\").",
        id="client_address.W001")]
