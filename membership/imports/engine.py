"""The two passes every roster import makes (SPEC §7.4).

1. `validate`: read every row, normalise it, check it with the same rules as the staff
   forms (the services' own checks), and collect (row, column, message) for each bad
   cell. Nothing is written.
2. `apply`: read the file again, skip the rows found bad, check the others again (the
   registry may have moved since) and upsert them in chunks: one query loads the chunk's
   existing records, new ones are bulk-created, changed ones bulk-updated, unchanged ones
   left alone, with history rows written in bulk beside them. The caller wraps `apply`
   in one transaction, so a failure saves nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from membership.imports.cells import (
    CellError,
    clean_text,
    code_text,
    parse_bool,
    parse_choice,
    parse_count,
    parse_date,
    parse_province,
)
from membership.imports.columns import LISTED_VALUES
from membership.imports.reader import RosterReader
from membership.models import Community, Street, street_short_name

CHUNK_SIZE = 2000


class WrittenRowTurnedBad(Exception):
    """A row already written in this transaction was found bad by a later row."""


@dataclass
class ImportResult:
    """What a pass found or did. In a check (validate) the counts say what the import
    would do; after `apply` they say what it did."""

    kind: str
    total_rows: int = 0
    errors: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    members: int = 0

    @property
    def bad_row_numbers(self):
        return {error["row"] for error in self.errors}

    @property
    def bad_rows(self):
        return len(self.bad_row_numbers)

    @property
    def good_rows(self):
        return self.total_rows - self.bad_rows

    def as_json(self):
        """The shape of `import_roster --json` (SPEC §11)."""
        return {"accepted": self.good_rows, "rejected": self.bad_rows,
                "errors": [dict(e) for e in self.errors]}


class Row:
    """One data row of the sheet on its way through the checks."""

    __slots__ = ("number", "data", "bad", "key", "existing", "record", "changed", "extra")

    def __init__(self, number, data):
        self.number = number
        self.data = data
        self.bad = False
        self.key = None  # the upsert key: ID hash or credit code
        self.existing = None
        self.record = None  # the model instance to write
        self.changed = ()  # field names that differ from the existing record
        self.extra = {}


class RosterImporter:
    """Base of the unit and worker imports; subclasses name the columns and check rows."""

    kind = None
    columns = ()
    model = None
    # Service error keys (model fields) → the template column that holds them.
    field_columns = {}

    def __init__(self, *, by, today=None, progress=None, chunk_size=None):
        if not self.model.objects.role_may_write(by):
            raise PermissionDenied
        self.by = by
        self.history_user = by if by.pk else None
        self.today = today or timezone.localdate()
        self.progress = progress
        self.chunk_size = chunk_size or CHUNK_SIZE
        self.headers = {c.key: c.header for c in self.columns}
        self.order = {c.header: i for i, c in enumerate(self.columns)}
        streets = list(Street.objects.all())
        self.streets = {s.short_name: s for s in streets}
        self.streets_by_id = {s.pk: s for s in streets}
        communities = list(Community.objects.all())
        self.communities = {(c.street_id, c.name): c for c in communities}
        self.communities_by_id = {c.pk: c for c in communities}

    # -- the two passes ----------------------------------------------------------------

    def validate(self, source):
        """Check every row; write nothing."""
        return self._pass(source, write=False, previous_errors=[])

    def apply(self, source, *, errors):
        """Write the rows not named in `errors` (the list `validate` returned). Call it
        inside a transaction."""
        return self._pass(source, write=True, previous_errors=errors)

    def check_and_apply(self, source):
        """Check and write chunk by chunk in one read: the outcome of `validate` then
        `apply`, for callers that import without showing the report first. Call it inside
        a transaction; it raises WrittenRowTurnedBad when a later row makes an already
        written one bad (a duplicate across chunks): roll back, then validate and apply."""
        return self._pass(source, write=True, previous_errors=[])

    def _pass(self, source, *, write, previous_errors):
        self._errors = defaultdict(dict)  # row number → {column: message}
        self._counted = {}  # row number → (outcome, makes a member) of rows counted good
        self._start_pass()
        skip = {e["row"] for e in previous_errors}
        result = ImportResult(kind=self.kind)
        with RosterReader(source, self.columns) as reader:
            estimate = reader.estimated_rows
            chunk = []
            for number, values in reader.rows():
                result.total_rows += 1
                if number in skip:
                    continue
                chunk.append(Row(number, self._parse(number, values)))
                if len(chunk) >= self.chunk_size:
                    self._chunk(chunk, write=write, result=result)
                    chunk = []
                    self._report(result.total_rows, estimate)
            if chunk:
                self._chunk(chunk, write=write, result=result)
        self._report(result.total_rows, result.total_rows)
        if self._uncount(result) and write:
            raise WrittenRowTurnedBad
        result.errors = sorted(
            [dict(e) for e in previous_errors] + self._error_list(),
            key=lambda e: (e["row"], self.order.get(e["column"], len(self.order))),
        )
        return result

    def _report(self, done, total):
        if self.progress is not None:
            self.progress(done, max(total or 0, done))

    def _chunk(self, rows, *, write, result):
        self.check_chunk(rows)
        good = [row for row in rows if not row.bad and not self._errors.get(row.number)]
        for row in good:
            outcome = ("created" if row.existing is None
                       else "updated" if row.changed else "unchanged")
            member = self.makes_member(row)
            self._counted[row.number] = (outcome, member)
            setattr(result, outcome, getattr(result, outcome) + 1)
            result.members += member
        if write and good:
            self.write_chunk(good)

    def _uncount(self, result):
        """Take back rows found bad after their chunk was counted (the first of two
        duplicates); say whether there were any."""
        found = False
        for number, cells in self._errors.items():
            if cells and number in self._counted:
                outcome, member = self._counted.pop(number)
                setattr(result, outcome, getattr(result, outcome) - 1)
                result.members -= member
                found = True
        return found

    # -- for subclasses ----------------------------------------------------------------

    def _start_pass(self):
        """Reset what one pass remembers across chunks (keys seen, for duplicates)."""
        self._seen = {}

    def check_chunk(self, rows):
        raise NotImplementedError

    def write_chunk(self, rows):
        raise NotImplementedError

    def makes_member(self, row):
        return False

    # -- errors ------------------------------------------------------------------------

    def error(self, row, key_or_header, message):
        """Record a bad cell; the first message of a cell is the one shown."""
        number = row if isinstance(row, int) else row.number
        if not isinstance(row, int):
            row.bad = True
        header = self.headers.get(key_or_header, key_or_header)
        self._errors[number].setdefault(header, message)

    def service_errors(self, row, error, *, columns=None):
        """A service's ValidationError, keyed by model field, onto the template's columns."""
        columns = {**self.field_columns, **(columns or {})}
        if hasattr(error, "error_dict"):
            for key, errors in error.message_dict.items():
                self.error(row, columns.get(key, key), errors[0])
        else:
            self.error(row, "", error.messages[0])

    def _error_list(self):
        return [
            {"row": number, "column": header, "message": message}
            for number, cells in self._errors.items()
            for header, message in cells.items()
        ]

    def duplicate(self, row, key, message):
        """A key seen earlier in the file: both rows are bad, each naming the other."""
        first = self._seen.setdefault(key, row.number)
        if first != row.number:
            self.error(first, self.key_column, message % {"row": row.number})
            self.error(row, self.key_column, message % {"row": first})
            return True
        return False

    # -- cells -------------------------------------------------------------------------

    def _parse(self, number, values):
        data = {}
        for (key, header, parse), value in zip(self._parsers, values):
            if value is None:
                data[key] = None
                continue
            try:
                data[key] = parse(value)
            except CellError as error:
                self._errors[number].setdefault(header, error.message)
                data[key] = None
        return data

    @cached_property
    def _parsers(self):
        """(key, header, parser) per column, chosen once."""
        return [(c.key, c.header, self._parser_for(c)) for c in self.columns]

    @staticmethod
    def _parser_for(column):
        kind = column.kind
        if kind == "text":
            return clean_text
        if kind == "code":
            return partial(code_text, what=column.header)
        if kind == "choice":
            return partial(parse_choice, choices=column.choices,
                           listed=LISTED_VALUES[column.key])
        return {"bool": parse_bool, "date": parse_date, "count": parse_count,
                "province": parse_province}[kind]

    def required(self, row, keys):
        for key in keys:
            if row.data[key] is None and self.headers[key] not in self._errors.get(row.number, {}):
                self.error(row, key, _("This cell must be filled in."))

    def not_in_future(self, row, key):
        if row.data[key] is not None and row.data[key] > self.today:
            self.error(row, key, _("The date cannot be in the future."))

    def text_length(self, row, key, model_field):
        """The model field's length limit."""
        value = row.data[key]
        if value is not None and len(value) > model_field.max_length:
            self.error(row, key, _("At most %(max)d characters; this one has %(n)d.")
                       % {"max": model_field.max_length, "n": len(value)})

    # -- places ------------------------------------------------------------------------

    def street_named(self, row, key="street"):
        name = row.data[key]
        if name is None:
            return None
        street = self.streets.get(street_short_name(name))
        if street is None:
            self.error(row, key, _("There is no street “%(name)s” in the district.")
                       % {"name": name})
        return street

    def own_street(self):
        """The street a street or community user works in, the default for a blank cell."""
        if self.by.role == Role.STREET:
            return self.streets_by_id.get(self.by.street_id)
        if self.by.role == Role.COMMUNITY:
            community = self.communities_by_id.get(self.by.community_id)
            return self.streets_by_id.get(community.street_id) if community else None
        return None

    def community_named(self, row, street, key="community"):
        """A community of `street` by its name, with or without 社区 or the street's name."""
        name = row.data[key]
        if name is None or street is None:
            return None
        bare = name
        for prefix in (street.name, f"{street.short_name}街", street.short_name):
            if bare.startswith(prefix) and len(bare) > len(prefix):
                bare = bare[len(prefix):]
                break
        for candidate in (name, f"{name}社区", f"{street.short_name}{bare}",
                          f"{street.short_name}{bare}社区", bare, f"{bare}社区"):
            community = self.communities.get((street.pk, candidate))
            if community is not None:
                return community
        self.error(row, key, _("There is no community “%(community)s” in %(street)s.")
                   % {"community": name, "street": street.name})
        return None
