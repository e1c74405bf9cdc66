"""What each role's dashboard shows.

Higher apps register panels in their ``AppConfig.ready`` (accounts never imports
them): a panel is a template and a function building its context for a user.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[HttpRequest], dict] = field(default=lambda request: {})
    order: int = 100


_PANELS: dict[str, list[Panel]] = {}


def register_panel(
    role: str, template: str, context: Callable[[HttpRequest], dict] | None = None, order: int = 100
) -> None:
    panels = _PANELS.setdefault(role, [])
    if any(panel.template == template for panel in panels):
        return
    panels.append(Panel(template=template, context=context or (lambda request: {}), order=order))
    panels.sort(key=lambda panel: panel.order)


def panels_for(role: str) -> list[Panel]:
    return list(_PANELS.get(role, ()))


# Navigation entries per role: (url name, label). Apps append theirs in ready().
_NAV: dict[str, list[tuple[str, object, int]]] = {}


def register_nav(role: str, url_name: str, label: object, order: int = 100) -> None:
    entries = _NAV.setdefault(role, [])
    if any(entry[0] == url_name for entry in entries):
        return
    entries.append((url_name, label, order))
    entries.sort(key=lambda entry: entry[2])


def nav_for(role: str) -> list[tuple[str, object]]:
    return [(url_name, label) for url_name, label, _order in _NAV.get(role, ())]
