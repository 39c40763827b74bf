"""`manage.py import_roster {units|workers} FILE.xlsx [--dry-run] [--json] [--user NAME]`
(SPEC §11): the same import as the web page, for scripts and the office."""

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from membership.imports.reader import ImportFileError
from membership.imports.services import district_office, roster_import
from membership.models import ImportKind


class Command(BaseCommand):
    @property
    def help(self):
        # Looked up when the parser is made, in the active language (argparse needs a str).
        return _(
            "Import a unit list (单位名录) or a worker roster (职工花名册) from an .xlsx file "
            "made from the portal's template: every row is checked first, then the good rows "
            "are added or updated (keyed by credit code or ID number; importing the same file "
            "twice changes nothing). Without --user the import acts as the district office, "
            "with the whole district in scope, and its history rows name no user."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ImportKind],
                            help=_("units: the unit list; workers: the worker roster"))
        parser.add_argument("file", help=_("the .xlsx file"))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("check every row and report, write nothing"))
        parser.add_argument("--json", action="store_true",
                            help=_('print {"accepted": N, "rejected": M, "errors": [{"row": R, '
                                   '"column": C, "message": "..."}]}'))
        parser.add_argument("--user", metavar="USERNAME",
                            help=_("act as this portal user, within that user's scope "
                                   "(default: the district office)"))

    def handle(self, *args, kind, file, dry_run, json, user, **options):
        by = self._user(user) if user else district_office()
        try:
            result = roster_import(kind=kind, source=file, by=by, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(_("No such file: %(file)s") % {"file": file}) from None
        except ImportFileError as error:
            raise CommandError(error.message) from None
        except PermissionDenied:
            raise CommandError(_("The user %(user)s may not import this kind of roster.")
                               % {"user": user}) from None
        if json:
            self.stdout.write(_dumps(result.as_json()))
            return
        for error in result.errors:
            self.stdout.write(_("Row %(row)d, %(column)s: %(message)s") % error)
        if dry_run:
            summary = _("Checked %(total)d rows: %(good)d good, %(bad)d bad; nothing was "
                        "written (dry run).")
        else:
            summary = _("Checked %(total)d rows: %(good)d good, %(bad)d bad. Added "
                        "%(created)d, changed %(updated)d, unchanged %(unchanged)d, members "
                        "enrolled %(members)d.")
        self.stdout.write(summary % {
            "total": result.total_rows, "good": result.good_rows, "bad": result.bad_rows,
            "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "members": result.members,
        })

    def _user(self, username):
        found = User.objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(_("No active user %(user)s.") % {"user": username})
        return found


def _dumps(data):
    return json.dumps(data, ensure_ascii=False)
