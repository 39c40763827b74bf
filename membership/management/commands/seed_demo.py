from django.conf import settings
from django.core.management.base import BaseCommand

from membership.demo import seed_demo


class Command(BaseCommand):
    help = "Add synthetic demo data and demo users of every role (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")

    def handle(self, *args, seed, **options):
        password = settings.DEMO_PASSWORD
        users, union_count = seed_demo(seed=seed, password=password)
        self.stdout.write(f"Demo base unions added: {union_count}")
        self.stdout.write("Demo users (password for all: %s):" % password)
        for spec in users:
            self.stdout.write(
                f"  {spec.username:<26} {spec.role.label:<28} {spec.organisation_name}"
            )
