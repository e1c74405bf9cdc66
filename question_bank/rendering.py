"""Rendering content the way a candidate sees it: allow-listed fields, sanitised HTML, media URLs.

Used by the preview API, the instructor pages and (later) exam delivery. Never shows keys,
explanations or references: the content is passed through :func:`strip_for_candidate` first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse

from question_bank.content import media_refs, strip_for_candidate
from question_bank.markdown import render_markdown
from question_bank.models import Media

__all__ = ["media_url_resolver", "render_for_candidate", "render_full"]

_MARKDOWN_FIELDS = ("stem", "lead_in", "text")


def media_url_resolver(refs: Iterable[str]) -> Callable[[str], str | None]:
    """A ``media_url(ref)`` callback that knows only media existing in the bank (one query for all refs)."""
    wanted = []
    for ref in refs:
        try:
            wanted.append(uuid.UUID(str(ref)))
        except ValueError:
            continue
    known = {str(pk) for pk in Media.objects.filter(pk__in=wanted).values_list("pk", flat=True)} if wanted else set()

    def resolve(ref: str) -> str | None:
        if ref in known:
            return reverse("api:question-media-file", kwargs={"pk": ref})
        return None

    return resolve


def _render(obj: Any, media_url: Callable[[str], str | None]) -> Any:
    if isinstance(obj, list):
        return [_render(item, media_url) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for name, value in obj.items():
        if name in _MARKDOWN_FIELDS and isinstance(value, str):
            out[name] = render_markdown(value, media_url)
        elif name == "media" and isinstance(value, list):
            out[name] = [{**m, "url": media_url(str(m.get("ref", "")))} for m in value if isinstance(m, dict)]
        elif name in ("explanation",) and isinstance(value, str):
            out[name] = render_markdown(value, media_url)
        else:
            out[name] = _render(value, media_url)
    return out


def render_for_candidate(content: dict[str, Any]) -> dict[str, Any]:
    """The candidate-facing copy of ``content`` with Markdown fields rendered to sanitised HTML.

    Stem, lead-in, option, emq stem and stage texts become HTML; each media entry gains a ``url``
    (``None`` when the media is unknown). No key, explanation or reference survives.
    """
    stripped = strip_for_candidate(content)
    return _render(stripped, media_url_resolver(media_refs(stripped)))


def render_full(content: dict[str, Any]) -> dict[str, Any]:
    """Instructor view: the whole content (keys included) with Markdown fields rendered, explanation too."""
    return _render(content, media_url_resolver(media_refs(content)))
