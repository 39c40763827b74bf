from django.core.management.base import BaseCommand, CommandError

from membership.pii import PIIDecryptionError
from membership.services.pii_keys import CHUNK, pii_keys_rotate


class Command(BaseCommand):
    help = ("Re-encrypt every stored ID number, phone, card number and payment file that the "
            "first key of PII_ENCRYPTION_KEYS does not open, with that key (docs/pii-keys.md). "
            "Resumable: run it again after a stop.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHUNK,
                            help=f"rows read and written at a time (default {CHUNK:,})")
        parser.add_argument("--check", action="store_true",
                            help="change nothing; fail while any value is not under the "
                                 "first key (before removing an old key)")

    def handle(self, *args, chunk, check, verbosity, **options):
        if chunk < 1:
            raise CommandError("--chunk must be 1 or more.")

        def progress(state):
            if verbosity:
                verb = "to re-encrypt" if check else "re-encrypted"
                self.stdout.write(f"{state.label}: {state.checked:,}/{state.total:,} checked, "
                                  f"{state.rewritten:,} {verb}")

        try:
            report = pii_keys_rotate(chunk=chunk, check_only=check, progress=progress)
        except PIIDecryptionError as error:
            raise CommandError(f"{error}. Put every key still in use in "
                               f"PII_ENCRYPTION_KEYS and run the command again.") from None
        left = sum(state.rewritten for state in report)
        if check:
            if left:
                raise CommandError(f"{left:,} rows or files are not under the first key yet: "
                                   f"run rotate_pii_keys without --check.")
            self.stdout.write("Every value and file is under the first key.")
        else:
            self.stdout.write(f"Done: {left:,} rows or files re-encrypted with the first key.")
