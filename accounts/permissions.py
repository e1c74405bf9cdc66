"""Role checks for API views and pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def has_any_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and any(user.has_role(role) for role in roles))


class HasRole(BasePermission):
    """``permission_classes = [HasRole.of("officer", "instructor")]``"""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        return has_any_role(request.user, *self.roles)


def role_required(*roles: str):
    """Page decorator: signed in and holding one of ``roles``, else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_any_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
