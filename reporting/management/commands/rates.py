import json as jsonlib
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.rates import SCOPE_KINDS, rates_as_of


class Command(BaseCommand):
    help = ("The migrant membership rate and the 100+ founding rate as of a date (SPEC §7.1), "
            "the district first, then every scope of --by.")
    # A read-only report: Django's system checks (URLs, admin, models: about half a second
    # here) are for commands that serve or change things, and would take a quarter of the
    # command's time budget (docs/benchmarks.md).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--by", choices=[k for k in SCOPE_KINDS if k != "district"])
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, as_of=None, by=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from None
        # The district summed from the same four grouped queries as the scopes of `by`.
        rows = rates_as_of(day, "district", *([by] if by else []))
        if options["json"]:
            self.stdout.write(_json_dumps([
                {"scope": r.name, "migrant": r.migrant.as_json(),
                 "founding": r.founding.as_json() if r.founding else None}
                for r in rows
            ]))
            return
        self.stdout.write(f"{day.isoformat()}")
        width = max(len(r.name) for r in rows) + 2
        for r in rows:
            founding = r.founding.display() if r.founding else ""
            self.stdout.write(
                f"{r.name:<{width}} {r.migrant.display():>8} "
                f"({r.migrant.num}/{r.migrant.den})  {founding:>8}"
                + (f" ({r.founding.num}/{r.founding.den})" if r.founding else "")
            )


def _json_dumps(value):
    return jsonlib.dumps(value, ensure_ascii=False)
