"""Change histories as people read them (STYLE: history via simple_history).

Each change shows the field's verbose name, choice labels rather than stored values,
related records by name, 是/否 for booleans and dates as dates. Encrypted personal data
is never shown, not even masked: its change reads 已更改 (SPEC §8; docs/decisions.md,
History shows a personal field's change without its values). Keyed hashes are not shown
at all. Related names are read in one query per related model, whatever the number of
entries.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from encrypted_fields.fields import EncryptedFieldMixin


def person_name(user):
    """The name a person is known by: the full name, else the login; None for nobody."""
    if user is None:
        return None
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def history_of(obj, *, limit=50):
    """The change records of `obj`, newest first: each entry has `record` (the historical
    row), `by` (the person's name, None for the system) and `changes`, a list of
    {"field", "old", "new", "concealed"} with display strings ("" for empty)."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
        : limit + 1
    ])
    model = type(obj)
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
    entries, related = [], {}
    for newer, older in zip(records, records[1:] + [None]):
        raw = newer.diff_against(older).changes if older is not None else []
        changes = []
        for change in sorted(raw, key=lambda c: order.get(c.field, len(order))):
            field = _model_field(model, change.field)
            if field is None or _is_hidden(field):
                continue
            changes.append({"field_obj": field, "old": change.old, "new": change.new})
            if field.many_to_one or field.one_to_one:
                pks = related.setdefault(field.related_model, set())
                pks.update(v for v in (change.old, change.new) if v is not None)
        entries.append({"record": newer, "by": person_name(newer.history_user),
                        "changes": changes})
    entries = entries[:limit]
    names = _related_names(related)
    for entry in entries:
        entry["changes"] = [_readable(c, names) for c in entry["changes"]]
    return entries


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_hidden(field):
    # Keyed hashes of personal data (SPEC §8) and other columns no form edits.
    return field.name.endswith("_hmac") or not field.editable


def _related_names(related):
    names = {}
    for model, pks in related.items():
        found = model._base_manager.filter(pk__in=pks)
        names[model] = {obj.pk: (person_name(obj) if hasattr(obj, "get_username")
                                 else str(obj)) for obj in found}
    return names


def _readable(change, names):
    field = change["field_obj"]
    label = capfirst(str(field.verbose_name))
    if isinstance(field, EncryptedFieldMixin):
        return {"field": label, "old": "", "new": "", "concealed": True}
    return {"field": label, "old": _display(field, change["old"], names),
            "new": _display(field, change["new"], names), "concealed": False}


def _display(field, value, names):
    if value is None or value == "":
        return ""
    if field.many_to_one or field.one_to_one:
        name = names.get(field.related_model, {}).get(value)
        return name if name is not None else _("deleted record #%(pk)s") % {"pk": value}
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)
