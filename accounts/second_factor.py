"""The second factor at login (SPEC §8): a TOTP app (django-otp) and ten recovery codes,
required of the office and of every user who can see full personal data.

Who needs it, how a device is shown to be set up and how a code is checked; the writes are
in accounts/services.py, the pages in accounts/views.py, the gate in accounts/middleware.py.
"""

from base64 import b32encode

import segno
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role

# Recovery codes made at set-up, each usable once (django-otp's static device).
RECOVERY_CODE_COUNT = 10


def second_factor_required(user):
    """The office, and anyone holding the full-PII permission, log in with a second factor."""
    return bool(user and user.is_authenticated
                and (user.role == Role.ADMIN or user.can_see_full_pii))


def has_second_factor(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user):
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def secret_of(device):
    """The key as the authenticator apps take it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device):
    """The otpauth:// address of the device as a QR code, an SVG drawn here (segno) and put
    in the page as a data: URI (the CSP allows data: images; no script, no outside call)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)


def _normalised(code):
    return "".join((code or "").split()).replace("-", "").lower()


def code_check(user, code):
    """The device that accepts `code` for `user`: six digits are a TOTP code, anything else
    a recovery code. django-otp throttles each device after a wrong code (1, 2, 4 … seconds)
    and refuses a TOTP code used before. None when refused."""
    code = _normalised(code)
    if code.isdigit() and len(code) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def session_verified_mark(session, device):
    """What django_otp.login stores: the device that verified this session."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id

