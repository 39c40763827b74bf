from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _update_last_login(sender, user, **kwargs):
    """Django's update_last_login, as one UPDATE: a login is no change to the account, so it
    writes no history row (the user model keeps history, accounts.models.User)."""
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user)._default_manager.filter(pk=user.pk).update(last_login=user.last_login)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and access")

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from accounts.checks import keys_check_register

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(_update_last_login, dispatch_uid="update_last_login")
        keys_check_register()

        # The deploy check of TRUSTED_PROXIES lives beside the client's address.
        import hedong_union.client_address  # noqa: F401
