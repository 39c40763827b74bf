"""`manage.py archive_access_log [--days N]`: the retention job of the scheduled task
accounts.access_log_archive, by hand."""

from django.core.management.base import BaseCommand, CommandError

from accounts.retention import access_log_archive


class Command(BaseCommand):
    help = ("Move access-log rows older than ACCESS_LOG_RETENTION_DAYS (or --days) to the "
            "yearly archive tables; nothing is deleted.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="keep this many days in the live table")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        moved = access_log_archive(days=days)
        if not moved:
            self.stdout.write("Nothing to archive.")
        for table, rows in moved.items():
            self.stdout.write(f"{table}: {rows} rows archived")
