from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The top of the layers (STYLE habit 13): it reads every app's records of a person."""

    name = "privacy"
    verbose_name = _("Personal data and the audit trail")
