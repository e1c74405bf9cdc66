"""Safe Markdown for question text, rendered on the server.

Two layers, so that a mistake in one is caught by the other:

1. markdown-it-py with the CommonMark preset, raw HTML disabled and tables enabled. Links keep
   only ``http``, ``https`` and ``mailto`` targets and open in a new tab with
   ``rel="noopener noreferrer"``; any other link becomes its plain text. Images are allowed only
   as our own media, ``![alt](media:<ref>)``, resolved to a URL by the ``media_url`` callback;
   every other image (remote, ``data:``, unresolved ref) is removed.
2. nh3 sanitises the HTML against an allow-list of tags and attributes (no ``on*`` handlers, no
   ``style`` except ``text-align`` on table cells).

No Django import: the template layer wraps the result with ``mark_safe``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from question_bank.content import MEDIA_REF_RE

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "LINK_SCHEMES", "MediaUrl", "render_markdown"]

MediaUrl = Callable[[str], "str | None"]

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
#: Schemes an image URL returned by ``media_url`` may use (relative URLs are also kept).
IMAGE_SCHEMES: frozenset[str] = frozenset({"http", "https"})

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}

MAX_MARKDOWN_LENGTH = 100_000


def _scheme(url: str) -> str | None:
    head, sep, _ = url.partition(":")
    if not sep or "/" in head or "?" in head or "#" in head:
        return None
    return head.strip().lower()


def _link_allowed(href: str) -> bool:
    return _scheme(href) in LINK_SCHEMES


def _filter_inline(children: list[Token], media_url: MediaUrl | None) -> list[Token]:
    """Drop disallowed links (keeping their text) and images that are not our own media."""
    out: list[Token] = []
    dropped_depth = 0  # how many currently open links were dropped
    open_stack: list[bool] = []  # for each open link: was it dropped?
    for token in children:
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            keep = _link_allowed(href)
            open_stack.append(not keep)
            if keep:
                token.attrSet("target", "_blank")
                token.attrSet("rel", "noopener noreferrer")
                out.append(token)
            else:
                dropped_depth += 1
            continue
        if token.type == "link_close":
            dropped = open_stack.pop() if open_stack else True
            if dropped:
                dropped_depth -= 1
            else:
                out.append(token)
            continue
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            resolved = None
            if src.startswith("media:") and media_url is not None:
                ref = src[len("media:") :]
                if MEDIA_REF_RE.match(ref):
                    resolved = media_url(ref)
            if not resolved:
                continue
            scheme = _scheme(resolved)
            if scheme is not None and scheme not in IMAGE_SCHEMES:
                continue
            token.attrSet("src", resolved)
            out.append(token)
            continue
        out.append(token)
    return out


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_PARSER = _build_parser()


def render_markdown(text: str, media_url: MediaUrl | None = None) -> str:
    """Render ``text`` (safe Markdown subset) to sanitised HTML.

    ``media_url(ref)`` turns a media reference into a URL (or ``None`` when the ref is unknown or
    not visible to the viewer); without it every image is removed.
    """
    if not isinstance(text, str):
        raise TypeError(f"render_markdown() needs text, not {type(text).__name__}.")
    if len(text) > MAX_MARKDOWN_LENGTH:
        raise ValueError(f"Markdown text is too long ({len(text)} characters; the limit is {MAX_MARKDOWN_LENGTH}).")
    env: dict[str, Any] = {}
    tokens = _PARSER.parse(text, env)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _filter_inline(token.children, media_url)
    html = _PARSER.renderer.render(tokens, _PARSER.options, env)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=set(LINK_SCHEMES | IMAGE_SCHEMES),
        filter_style_properties={"text-align"},
        strip_comments=True,
    )
