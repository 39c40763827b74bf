from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hedong_union.demo_guard import DemoDataRefused, demo_data_allowed_ensure
from membership.demo import DEFAULT_UNITS, DEFAULT_WORKERS, seed_demo
from reporting.demo import seed_reports
from reporting.live import live_figures_refresh


class Command(BaseCommand):
    help = ("Add synthetic demo data (units, workers, members, base unions) and demo users "
            "of every role (never in production).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                            help=f"workers to add (default {DEFAULT_WORKERS:,})")
        parser.add_argument("--units", type=int, default=DEFAULT_UNITS,
                            help=f"units to add (default {DEFAULT_UNITS:,})")

    def handle(self, *args, seed, workers, units, verbosity, **options):
        try:
            demo_data_allowed_ensure("seed_demo")
        except DemoDataRefused as refusal:
            raise CommandError(str(refusal)) from None
        password = settings.DEMO_PASSWORD
        log = (lambda message: self.stdout.write(f"  {message}")) if verbosity > 1 else None
        result = seed_demo(seed=seed, password=password, workers=workers, units=units,
                           log=log)
        registry = result.registry
        from applications.demo import seed_applications

        # Demo applications go with a demo registry (one of them is approved into it).
        applications = seed_applications(seed=seed) if workers else 0
        self.stdout.write(f"Demo base unions added: {result.union_count}")
        self.stdout.write(
            f"Registry added in {registry.seconds:.1f} s ({registry.cpu_seconds:.1f} s of "
            f"Python CPU): {registry.units:,} units "
            f"({registry.unions:,} own unions, {registry.founding_steps:,} founding steps), "
            f"{registry.workers:,} workers, {registry.members:,} members"
        )
        self.stdout.write(f"Demo online applications added: {applications}")
        from subsidies.demo import seed_subsidies

        universal, claims = seed_subsidies(seed=seed) if workers else (0, 0)
        self.stdout.write(f"Demo subsidies added: {universal:,} UNIVERSAL entitlements "
                          f"approved (not yet batched), {claims} spring-return claims to "
                          f"review")
        seed_reports(log=log)
        self.stdout.write("Campaigns, ten-day snapshots, bulletins and milestone reports of "
                          "the current year made.")
        # Last, once all the data exists: the dashboards' current figures, as the periodic
        # task takes them, so that the home pages and the dashboards agree from the start.
        live_figures_refresh()
        self.stdout.write("The dashboards' current figures taken.")
        self.stdout.write("Demo users (password for all: %s):" % password)
        for spec in result.users:
            self.stdout.write(
                f"  {spec.username:<26} {spec.role.label:<28} {spec.organisation_name}"
            )
        self.stdout.write(
            f"The office user then gives a second factor: add the TOTP secret "
            f"{settings.DEMO_TOTP_SECRET} to an authenticator app (or run "
            f"`oathtool --totp -b {settings.DEMO_TOTP_SECRET}`) and enter its code.")
