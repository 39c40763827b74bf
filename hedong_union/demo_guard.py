"""Demo data never in production: `seed_demo` makes users of every role whose password is
published (DEMO_PASSWORD). Every demo path calls `demo_data_allowed_ensure` first; the prod
settings set DEMO_DATA_ALLOWED to False."""

from django.conf import settings


class DemoDataRefused(RuntimeError):
    """Demo data was asked for where the settings forbid it."""


def demo_data_allowed_ensure(what):
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise DemoDataRefused(
            f"{what} refuses to run under these settings (DEMO_DATA_ALLOWED is off, as in "
            f"production): demo data comes with demo users whose password is published.")
