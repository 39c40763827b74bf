"""Re-encrypting the personal data under the newest key (docs/pii-keys.md, "Rotating the
encryption key").

Every column of an EncryptedPIIField, in every model and every history table, and every
file of an EncryptedPIIFileField, found by field class. A value is rewritten only when the
first key of PII_ENCRYPTION_KEYS does not open it, so the work is resumable: a run stopped
half-way and started again checks the rows done and rewrites the rest. Rows go a chunk at
a time, in primary-key order, locked while they are rewritten (a change made meanwhile is
not overwritten) and written back with one bulk_update; the field encrypts them with the
first key, as on every save. No history row is written: the values do not change.
"""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import transaction

from accounts.audit import audit_tables, audit_trail_rewrite
from accounts.models import AuditTrailRewrite
from membership.decryption import decrypt_value
from membership.pii import EncryptedPIIFileField, pii_fields, pii_keys, stored

CHUNK = 2_000


@dataclass
class Progress:
    label: str  # the model and its fields, e.g. "membership.Worker (id_number, phone)"
    total: int
    checked: int = 0
    rewritten: int = 0  # rows (or files) whose values were not under the first key


def _under_first_key(first, token):
    try:
        first.decrypt(token.encode("ascii") if isinstance(token, str) else token)
    except InvalidToken:
        return False
    return True


def pii_keys_rotate(*, chunk=CHUNK, check_only=False, progress=None):
    """Re-encrypt with the first key every stored value and file that another key
    encrypted; `check_only`: count them and change nothing. `progress` is called with a
    Progress after each chunk. Returns the Progress of each model. A value no key opens
    raises membership.pii.PIIDecryptionError (naming the field, never the value) and
    leaves the chunk unchanged."""
    keys = pii_keys()
    first, every = Fernet(keys[0]), MultiFernet([Fernet(key) for key in keys])
    report = []
    for model, fields in pii_fields():
        state = Progress(f"{model._meta.label} ({', '.join(f.name for f in fields)})",
                         model._base_manager.count())
        last = None
        while True:
            done, last = _columns_chunk(model, fields, first, every, after=last, chunk=chunk,
                                        check_only=check_only, state=state)
            if progress:
                progress(state)
            if not done:
                break
        report.append(state)
    for model, fields in pii_fields(EncryptedPIIFileField):
        for field in fields:
            state = Progress(f"{model._meta.label} ({field.name}, files)",
                             model._base_manager.exclude(**{field.name: ""}).count())
            _files_rotate(model, field, first, every, check_only=check_only, state=state)
            if progress:
                progress(state)
            report.append(state)
    return report


def _columns_chunk(model, fields, first, every, *, after, chunk, check_only, state):
    """One chunk of rows after the key `after`; (rows read, the last key read)."""
    names = [field.name for field in fields]
    labels = [f"{model.__name__}.{name}" for name in names]
    with transaction.atomic():
        rows = model._base_manager.order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        if not check_only:
            rows = rows.select_for_update()
        rows = list(rows.values_list("pk", *[stored(name) for name in names])[:chunk])
        stale = []
        for pk, *tokens in rows:
            if all(not token or _under_first_key(first, token) for token in tokens):
                continue
            stale.append(model(pk=pk, **{
                name: decrypt_value(every, token, label)
                for name, token, label in zip(names, tokens, labels)}))
        if stale and not check_only:
            if audit_tables([model]):
                # A history table is append-only: re-encrypting it goes through the one
                # privileged path, which records the rewrite (accounts.audit).
                with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ROTATE,
                                         description=f"{model._meta.db_table}: "
                                                     f"{', '.join(names)}") as rewrite:
                    model._base_manager.bulk_update(stale, names, batch_size=chunk)
                    rewrite.rows = len(stale)
            else:
                model._base_manager.bulk_update(stale, names, batch_size=chunk)
    state.checked += len(rows)
    state.rewritten += len(stale)
    return len(rows), (rows[-1][0] if rows else after)


def _files_rotate(model, field, first, every, *, check_only, state):
    """Each stored file not under the first key, rewritten under it as a new file; the row
    then names the new file and the old one is deleted once that is committed."""
    from membership.pii import PIIDecryptionError

    storage = field.storage
    pks = model._base_manager.exclude(**{field.name: ""}).order_by("pk").values_list(
        "pk", flat=True)
    for pk in pks.iterator():
        with transaction.atomic():
            row = model._base_manager.select_for_update().filter(pk=pk).values_list(
                field.attname, flat=True).first()
            if not row or not storage.exists(row):
                continue
            with storage.open(row, "rb") as handle:
                token = handle.read()
            state.checked += 1
            if _under_first_key(first, token):
                continue
            state.rewritten += 1
            if check_only:
                continue
            try:
                fresh = every.rotate(token)
            except InvalidToken:
                raise PIIDecryptionError(f"{model.__name__}.{field.name}: no "
                                         f"PII_ENCRYPTION_KEYS entry decrypts the file") from None
            from django.core.files.base import ContentFile

            name = storage.save(row, ContentFile(fresh))
            model._base_manager.filter(pk=pk).update(**{field.attname: name})
            transaction.on_commit(lambda old=row: storage.delete(old))
