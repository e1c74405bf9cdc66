"""Roles are Django groups with real permissions.

Each app declares what each role may do with ``grant(role, "app_label.codename", ...)``
in its ``AppConfig.ready``; after every migration the groups are brought in line
with those declarations (``sync_roles``). A user may hold several roles.
"""

from collections import defaultdict

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TRAINEE = "trainee", _("Trainee")
    INSTRUCTOR = "instructor", _("Instructor")
    REVIEWER = "reviewer", _("Reviewer")
    OFFICER = "officer", _("Exam officer")
    PROCTOR = "proctor", _("Proctor")


_GRANTS: dict[str, set[str]] = defaultdict(set)

grant_defaults = {
    Role.OFFICER: ["accounts.view_user", "accounts.view_organization", "accounts.view_auditevent"],
    Role.INSTRUCTOR: ["accounts.view_user"],
    Role.PROCTOR: ["accounts.view_user"],
}


def grant(role: str, *permissions: str) -> None:
    """Declare that ``role`` holds ``permissions`` ("app_label.codename")."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    _GRANTS[role].update(permissions)


for _role, _perms in grant_defaults.items():
    grant(_role, *_perms)


def granted(role: str) -> frozenset[str]:
    return frozenset(_GRANTS.get(role, ()))


def sync_roles() -> None:
    """Create the role groups and give each exactly its declared permissions (those that exist yet)."""
    from django.contrib.auth.models import Group, Permission

    all_perms = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = {all_perms[name] for name in _GRANTS.get(role, ()) if name in all_perms}
        current = set(group.permissions.values_list("pk", flat=True))
        if wanted != current:
            group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # post_migrate fires once per app; permissions of later apps appear as they migrate,
    # so the last call leaves every group complete.
    if kwargs.get("using", "default") != "default":
        return
    if kwargs.get("plan") is None:
        # A flush (not a migration) also sends post_migrate; the groups are data, and test
        # databases restore them from their serialized copy, so do not recreate them here.
        return
    sync_roles()
