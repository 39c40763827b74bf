from axes.utils import reset as axes_reset
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    HISTORY_BASELINE,
    ORGANISATION_FIELDS,
    ROLE_ORGANISATION_FIELD,
    AccessLog,
    ApiKey,
    Role,
    User,
)
from hedong_union.client_address import client_address


def _client_ip(request):
    # The same address the login lockout and the rate limits see (trusted proxies).
    return client_address(request) if request is not None else None


@transaction.atomic
def access_log_record(*, user, action, target_type, target_id="", description="", request=None):
    """Record that `user` saw a full record or exported data; never the data itself."""
    return AccessLog.objects.create(
        user=user, action=action, target_type=target_type, target_id=str(target_id),
        description=description[:255], ip_address=_client_ip(request),
    )


@transaction.atomic
def user_upsert(*, username, role, password, full_name="", organisation=None):
    """Create or reset a portal user tied to `organisation` as its role requires.

    District office users administer the portal (Django admin) and hold every permission,
    full-PII included; other roles get only what their role gives.
    """
    field = ROLE_ORGANISATION_FIELD[Role(role)]
    if (field is None) != (organisation is None):
        raise ValidationError(_("The role %(role)s needs the matching organisation.")
                              % {"role": Role(role).label})
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role = role
    for name in ORGANISATION_FIELDS:
        setattr(user, name, organisation if name == field else None)
    user.last_name, user.first_name = full_name[:1], full_name[1:]
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def history_baseline_ensure(*, obj):
    """Before the first recorded change of a row that has no history yet (loaded by a data
    migration, or made before its model kept history), record its present state, so the
    change shows what it was before. The baseline itself is not shown as a change
    (accounts.selectors.readable_history)."""
    manager = type(obj).history
    if not manager.filter(**{obj._meta.pk.attname: obj.pk}).exists():
        manager.bulk_history_create([obj], update=True,
                                    default_change_reason=HISTORY_BASELINE)


# ---------------------------------------------------------------------------
# The office's user accounts (SPEC §1: the district office manages users and roles)
# ---------------------------------------------------------------------------
# Letters and digits that cannot be mistaken for each other when read out or copied.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_PASSWORD_LENGTH = 12


def _require_office(by):
    if by is None or not by.is_active or by.role != Role.ADMIN:
        raise PermissionDenied


def _temporary_password():
    return get_random_string(TEMPORARY_PASSWORD_LENGTH, _PASSWORD_ALPHABET)


def _full_pii_permission():
    return Permission.objects.get(content_type__app_label="accounts", codename="view_full_pii")


_ORGANISATION_NEEDED = {
    "street": gettext_lazy("Choose the street of this street federation user."),
    "community": gettext_lazy("Choose the community of this community union user."),
    "industry_federation": gettext_lazy("Choose the industry federation of this user."),
    "department": gettext_lazy("Choose the department of this liaison."),
}


def _set_role(user, role, organisation):
    """Role and organisation together, as the database's user_role_matches_organisation
    constraint requires: the role's own organisation field set, the others empty."""
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError({"role": _("Choose a role.")}) from None
    field = ROLE_ORGANISATION_FIELD[role]
    if field is None:
        organisation = None
    elif organisation is None or not isinstance(
            organisation, User._meta.get_field(field).related_model):
        raise ValidationError({field: _ORGANISATION_NEEDED[field]})
    user.role = role
    for name in ORGANISATION_FIELDS:
        setattr(user, name, organisation if name == field else None)


def _set_name(user, full_name):
    full_name = "".join((full_name or "").split())
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's full name.")})
    if len(full_name) > 150:
        raise ValidationError({"full_name": _("Keep the name under 150 characters.")})
    # Chinese order: family name first (User.get_full_name).
    user.last_name, user.first_name = full_name[:1], full_name[1:]


def _save(user, *, by, reason):
    """Save with history: who (`by`) and what kind of change (`reason`, a key of
    accounts.selectors.CHANGE_REASONS)."""
    user._history_user = by
    user._change_reason = reason
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # The database's word is final (the unique login name, the role constraint): a
        # race with another office user lands here, not in a 500.
        if "user_role_matches_organisation" in str(error):
            raise ValidationError({"role": _("The role and the organisation do not match.")}
                                  ) from None
        raise ValidationError({"username": _("This login name is taken.")}) from None
    # The office role carries the full-PII permission (SPEC §1); other roles never hold it.
    permission = _full_pii_permission()
    if user.role == Role.ADMIN:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)


def _locked_office_users():
    """Active office users, their rows locked so two deactivations cannot both pass the
    last-office-user check."""
    return list(User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
                .values_list("pk", flat=True))


def _keeps_an_office_user(user):
    others = [pk for pk in _locked_office_users() if pk != user.pk]
    if not others:
        raise ValidationError(_("%(name)s is the last active office user: make another "
                                "office user first.") % {"name": _display_name(user)})


def _display_name(user):
    return user.get_full_name() or user.username


@transaction.atomic
def office_user_create(*, by, username, full_name, role, organisation=None):
    """A new portal user with a temporary password, shown once to the office and changed
    by the user at the first login. Users made here are never superusers: the Django admin
    is for developers (docs/decisions.md). Returns (user, temporary password)."""
    _require_office(by)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Enter a login name.")})
    try:
        User.username_validator(username)
    except ValidationError:
        raise ValidationError({"username": _("A login name holds letters, digits and @ . + "
                                             "- _ only.")}) from None
    if len(username) > 150:
        raise ValidationError({"username": _("Keep the login name under 150 characters.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is taken.")})
    user = User(username=username, is_staff=False, is_superuser=False, is_active=True)
    _set_name(user, full_name)
    _set_role(user, role, organisation)
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    _save(user, by=by, reason="created")
    return user, password


@transaction.atomic
def office_user_update(*, by, user, full_name, role, organisation=None):
    """Change a user's name, role and organisation. Office users cannot change their own
    role (they would lock themselves out), nor take the role of the last office user."""
    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    _set_name(user, full_name)
    was_office = user.role == Role.ADMIN
    _set_role(user, role, organisation)
    if user.pk == by.pk and user.role != Role.ADMIN:
        raise ValidationError({"role": _("You cannot change your own role.")})
    if was_office and user.role != Role.ADMIN and user.is_active:
        _keeps_an_office_user(user)
    _save(user, by=by, reason="changed")
    return user


@transaction.atomic
def office_user_deactivate(*, by, user):
    """Close an account: the user can no longer log in, and open sessions end. History and
    records made by the user stay."""
    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        raise ValidationError(_("This account is already deactivated."))
    if user.role == Role.ADMIN:
        _keeps_an_office_user(user)
    user.is_active = False
    _save(user, by=by, reason="deactivated")
    user_sessions_end(user=user)
    return user


def user_sessions_end(*, user):
    """Delete every open session of `user`, so a deactivated account is logged out at once
    (SPEC §8), not at its next request. Sessions live in the database (Django's default
    engine); ModelBackend.get_user refusing an inactive user stays as the backstop.
    Returns how many sessions ended."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    user_pk = str(user.pk)
    keys = [session.session_key for session in
            Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
            if str(session.get_decoded().get(SESSION_KEY)) == user_pk]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


@transaction.atomic
def office_user_reactivate(*, by, user):
    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    if user.is_active:
        raise ValidationError(_("This account is already active."))
    user.is_active = True
    _save(user, by=by, reason="reactivated")
    return user


@transaction.atomic
def office_user_password_reset(*, by, user):
    """A new temporary password, returned to be shown once; the user changes it at the next
    login. The login lockout of the name is lifted too: a locked-out user is the usual
    reason for a reset."""
    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    if not user.is_active:
        raise ValidationError(_("Reactivate the account before resetting its password."))
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    _save(user, by=by, reason="password_reset")
    axes_reset(username=user.username)
    return password


@transaction.atomic
def office_user_unlock(*, by, user):
    """Lift the login lockout of the user's name (every address), with django-axes' own
    reset. Returns how many lockout records were removed."""
    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    removed = axes_reset(username=user.username)
    if removed:
        _save(user, by=by, reason="unlocked")
    return removed


# ---------------------------------------------------------------------------
# The second factor (accounts/second_factor.py)
# ---------------------------------------------------------------------------
@transaction.atomic
def second_factor_start(*, user):
    """The TOTP device being set up: made on the first visit to the set-up page, the same
    one (same secret) until it is confirmed with a code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


@transaction.atomic
def second_factor_confirm(*, user, device, code):
    """Confirm the device being set up with a code from the app; make the recovery codes.
    Returns the recovery codes, to be shown once (only the device keeps them)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from accounts.second_factor import RECOVERY_CODE_COUNT

    device = type(device).objects.select_for_update().get(pk=device.pk, user=user)
    code = "".join((code or "").split())
    if device.confirmed:
        raise ValidationError({"code": _("This app is already set up.")})
    if not (code.isdigit() and len(code) == 6):
        raise ValidationError({"code": _("Enter the six digits the app shows.")})
    if not device.verify_token(code):
        raise ValidationError({"code": _("This code is not right: check the time on the "
                                         "phone and enter the code the app shows now.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One app and one set of recovery codes per user.
    type(device).objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    history_baseline_ensure(obj=User.objects.get(pk=user.pk))
    _save(User.objects.get(pk=user.pk), by=user, reason="second_factor_set_up")
    return codes


@transaction.atomic
def demo_second_factor_give(*, user):
    """A demo user who needs the second factor gets a TOTP device with the published demo
    secret (settings.DEMO_TOTP_SECRET), so `make run` can log in as the office with any
    authenticator app; other users get none. Never in production, like every demo user."""
    from base64 import b32decode

    from django.conf import settings
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import second_factor_required

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if not second_factor_required(user):
        return None
    key = b32decode(settings.DEMO_TOTP_SECRET).hex()
    return TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)


@transaction.atomic
def recovery_code_used(*, user):
    """A recovery code let the user in: kept in the account's history for the office."""
    history_baseline_ensure(obj=User.objects.get(pk=user.pk))
    _save(User.objects.get(pk=user.pk), by=user, reason="recovery_code_used")


@transaction.atomic
def office_user_second_factor_reset(*, by, user):
    """Remove the user's app and recovery codes (a lost phone): the user sets up a new app at
    the next login. Open sessions end too, so a stolen session cannot set up its own app."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_office(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    history_baseline_ensure(obj=user)
    removed = (TOTPDevice.objects.filter(user=user).delete()[0]
               + StaticDevice.objects.filter(user=user).delete()[0])
    if not removed:
        raise ValidationError(_("%(name)s has no second factor to reset.")
                              % {"name": _display_name(user)})
    _save(user, by=by, reason="second_factor_reset")
    if user.pk != by.pk:
        user_sessions_end(user=user)
    return user


@transaction.atomic
def user_password_change(*, user, password):
    """The user's own new password (checked by Django's password change form); a temporary
    one from the office is no longer in force."""
    history_baseline_ensure(obj=User.objects.get(pk=user.pk))
    user.set_password(password)
    user.must_change_password = False
    _save(user, by=user, reason="password_changed")


# ---------------------------------------------------------------------------
# API keys of outside systems (accounts.models.ApiKey)
# ---------------------------------------------------------------------------
@transaction.atomic
def api_key_create(*, by, name):
    """A key for an outside system. Returns (api_key, key): the key itself exists only in
    this answer (only its hash is stored), so the page shows it once."""
    _require_office(by)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the name of the system that will use the "
                                         "key.")})
    if len(name) > ApiKey._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Keep the name under 64 characters.")})
    taken = ValidationError({"name": _("A key named %(name)s exists already; give the new "
                                       "one another name.") % {"name": name}})
    if ApiKey.objects.filter(name__iexact=name).exists():
        raise taken
    api_key = ApiKey(name=name, created_by=by)
    key = ApiKey.objects.assign_key(api_key)
    api_key._history_user = by
    try:
        with transaction.atomic():
            api_key.save()
    except IntegrityError:
        raise taken from None
    return api_key, key


@transaction.atomic
def api_key_revoke(*, by, api_key):
    """Refuse the key from now on. Cannot be undone: the system gets a new key instead."""
    _require_office(by)
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    history_baseline_ensure(obj=api_key)
    if api_key.revoked:
        raise ValidationError(_("This key is already revoked."))
    api_key.revoked, api_key.revoked_at, api_key.revoked_by = True, timezone.now(), by
    api_key._history_user = by
    api_key.save()
    return api_key
