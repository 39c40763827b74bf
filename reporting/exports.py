"""What an export is, apart from its format (STYLE habit 7; after pretix's ListExporter).

An app describes each of its exports with an `Export`: the scoped queryset built from the
list's filters, the columns, and a generator of rows. `reporting.services` runs any of
them, small ones in the request and large ones as a background job, and
`reporting.xlsx.write_xlsx` renders them all.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string

# The exports the portal offers, by kind (the kind is stored on export jobs).
EXPORTS = {
    "units": "membership.exports.UNITS",
    "workers": "membership.exports.WORKERS",
    "members": "membership.exports.MEMBERS",
    "unions": "membership.exports.UNIONS",
    "access_log": "privacy.exports.ACCESS_LOG",
}


@dataclass(frozen=True)
class Export:
    kind: str
    title: str  # the report's name on the title row, e.g. 职工花名册
    filename: str  # the file name's stem, e.g. "workers"
    target_type: str  # what the access log names, e.g. "membership.worker"
    columns: list  # reporting.xlsx.Column, headers in Chinese as SPEC §7.4 lists them
    # queryset(user=, **parameters): the records `user` may see, filtered.
    queryset: Callable
    # rows(queryset, full_pii=): one list of cell values per record, PII masked unless
    # full_pii; streams the queryset in chunks.
    rows: Callable


def export_get(kind):
    try:
        return import_string(EXPORTS[kind])
    except KeyError:
        raise LookupError(f"no export of kind {kind!r}") from None
