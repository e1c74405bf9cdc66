from django.http import HttpRequest

from .dashboards import nav_for
from .roles import Role


def navigation(request: HttpRequest) -> dict:
    """The signed-in user's roles and the navigation entries of each, for the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}
    labels = dict(Role.choices)
    return {
        "nav_roles": [{"role": role, "label": labels[role], "entries": nav_for(role)} for role in user.ordered_roles()]
    }
