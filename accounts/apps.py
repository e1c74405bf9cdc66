from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import demo  # noqa: F401 - registers the accounts demo step
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")

        from .dashboards import register_nav
        from .roles import Role

        register_nav(Role.OFFICER, "accounts:lockouts", _("Locked sign-ins"), order=95)
