"""Conversions between our Markdown and the (X)HTML other formats carry.

* :func:`html_to_markdown` turns an HTML fragment (a string, or ElementTree elements from a QTI
  item body) into Markdown of the safe subset: paragraphs, line breaks, emphasis, code, lists,
  headings, simple tables, http/https/mailto links and images (through a callback that turns an
  ``src`` into one of our media refs). Text is escaped so that it renders as the same text.
  Scripts, styles and unknown elements are dropped (their text kept where it is content).
* :func:`markdown_to_nodes` renders Markdown with :func:`question_bank.markdown.render_markdown`
  and parses the safe HTML into :class:`Node` trees, which the QTI writer turns into XHTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from question_bank.markdown import render_markdown

__all__ = ["Node", "html_to_markdown", "markdown_to_nodes", "nodes_from_element", "parse_html"]

VOID = {"br", "hr", "img", "input", "meta", "link", "col", "area", "source", "wbr"}
BLOCKS = {"p", "div", "section", "article", "blockquote", "ul", "ol", "li", "pre", "table",
          "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption", "body", "html"}  # fmt: skip
DROP = {"script", "style", "head", "title", "iframe", "object", "embed", "noscript", "template"}


@dataclass
class Node:
    tag: str  # "" for a text node
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(Node("", text=data))


def parse_html(html: str) -> list[Node]:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root.children


def nodes_from_element(elem: Element, *, include_tail: bool = False) -> list[Node]:
    """The children of an ElementTree element (namespaces dropped) as nodes."""
    out: list[Node] = []
    if elem.text:
        out.append(Node("", text=elem.text))
    for child in elem:
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag:
            attrs = {k.rsplit("}", 1)[-1]: v for k, v in child.attrib.items()}
            out.append(Node(tag, attrs, nodes_from_element(child)))
        if child.tail:
            out.append(Node("", text=child.tail))
    return out


# --------------------------------------------------------------------------- HTML -> Markdown

_ESCAPE = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so CommonMark renders it literally (inside a paragraph)."""
    text = _ESCAPE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + (m.group(2)[:-1] + "\\" + m.group(2)[-1]), text)


ImageRef = Callable[[str, str], "str | None"]


def _has_block(node: Node) -> bool:
    return any(c.tag in BLOCKS or (c.tag and _has_block(c)) for c in node.children)


class _Converter:
    def __init__(self, image_ref: ImageRef | None, warn: Callable[[str], None] | None) -> None:
        self.image_ref = image_ref
        self.warn = warn or (lambda message: None)

    # Inline content: returns one string; block children are flattened with spaces.
    def inline(self, nodes: Iterable[Node]) -> str:
        out: list[str] = []
        for node in nodes:
            if not node.tag:
                out.append(escape_markdown(re.sub(r"\s+", " ", node.text)))
                continue
            tag = node.tag.lower()
            if tag in DROP:
                continue
            if tag == "br":
                out.append("\\\n")
            elif tag in ("strong", "b"):
                inner = self.inline(node.children).strip()
                out.append(f"**{inner}**" if inner else "")
            elif tag in ("em", "i"):
                inner = self.inline(node.children).strip()
                out.append(f"*{inner}*" if inner else "")
            elif tag == "code":
                code = "".join(self.plain(node.children))
                fence = "``" if "`" in code else "`"
                out.append(f"{fence}{code}{fence}" if code else "")
            elif tag == "a":
                inner = self.inline(node.children).strip()
                href = node.attrs.get("href", "").strip()
                if re.match(r"^(https?|mailto):", href, re.I) and inner:
                    if re.search(r"[()\s<>]", href):
                        href = "<" + href.replace("<", "%3C").replace(">", "%3E") + ">"
                    out.append(f"[{inner}]({href})")
                else:
                    out.append(inner)
            elif tag == "img":
                out.append(self.image(node))
            elif tag in ("sub", "sup"):
                self.warn(f"<{tag}> has no Markdown form; its text was kept as plain text.")
                out.append(self.inline(node.children))
            else:
                out.append(self.inline(node.children))
                if tag in BLOCKS:
                    out.append(" ")
        return "".join(out)

    def plain(self, nodes: Iterable[Node]) -> Iterable[str]:
        for node in nodes:
            if not node.tag:
                yield node.text
            elif node.tag not in DROP:
                yield from self.plain(node.children)

    def image(self, node: Node) -> str:
        src = node.attrs.get("src", "")
        alt = node.attrs.get("alt", "")
        ref = self.image_ref(src, alt) if self.image_ref else None
        if not ref:
            self.warn(f"The image {src!r} was left out (not an image in the file).")
            return ""
        title = node.attrs.get("title", "")
        alt_md = escape_markdown(re.sub(r"\s+", " ", alt).strip())
        if title:
            return f'![{alt_md}](media:{ref} "{title.replace(chr(34), chr(39))}")'
        return f"![{alt_md}](media:{ref})"

    # Block content: returns a list of Markdown blocks.
    def blocks(self, nodes: list[Node]) -> list[str]:
        blocks: list[str] = []
        run: list[Node] = []

        def flush() -> None:
            text = self.inline(run).strip()
            text = re.sub(r"[ \t]+\n", "\n", text)
            text = re.sub(r"\\\n[ \t]+", "\\\n", text)
            if text:
                blocks.append(text)
            run.clear()

        for node in nodes:
            tag = node.tag.lower()
            if tag in DROP:
                continue
            if tag not in BLOCKS and not _has_block(node):
                run.append(node)
                continue
            if tag not in BLOCKS:  # an unknown container (e.g. qti-content-body) holding blocks
                flush()
                blocks.extend(self.blocks(node.children))
                continue
            flush()
            if tag in ("p", "figcaption"):
                text = re.sub(r"\\\n[ \t]+", "\\\n", self.inline(node.children).strip())
                if text:
                    blocks.append(text)
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                text = self.inline(node.children).strip()
                if text:
                    blocks.append("#" * int(tag[1]) + " " + text)
            elif tag in ("ul", "ol"):
                items = [c for c in node.children if c.tag == "li"]
                lines = []
                for i, li in enumerate(items, 1):
                    marker = f"{i}." if tag == "ol" else "-"
                    body = "\n\n".join(self.blocks(li.children)) or ""
                    body = body.replace("\n", "\n" + " " * (len(marker) + 1))
                    lines.append(f"{marker} {body}")
                if lines:
                    blocks.append("\n".join(lines))
            elif tag == "pre":
                code = "".join(self.plain(node.children)).strip("\n")
                blocks.append(f"```\n{code}\n```")
            elif tag == "blockquote":
                inner = "\n\n".join(self.blocks(node.children))
                if inner:
                    blocks.append("\n".join("> " + line if line else ">" for line in inner.split("\n")))
            elif tag == "hr":
                blocks.append("---")
            elif tag == "table":
                table = self.table(node)
                if table:
                    blocks.append(table)
            else:  # div, section, figure, body…
                blocks.extend(self.blocks(node.children))
        flush()
        return blocks

    def table(self, node: Node) -> str:
        rows: list[list[str]] = []

        def walk(n: Node) -> None:
            for c in n.children:
                if c.tag == "tr":
                    cells = [
                        self.inline(cell.children).strip().replace("\n", " ").replace("\\\n", " ")
                        for cell in c.children
                        if cell.tag in ("td", "th")
                    ]
                    rows.append(cells)
                elif c.tag in ("thead", "tbody", "tfoot"):
                    walk(c)

        walk(node)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)


def html_to_markdown(
    html: str | list[Node],
    *,
    image_ref: ImageRef | None = None,
    warn: Callable[[str], None] | None = None,
) -> str:
    """Convert an HTML fragment (or parsed nodes) to Markdown of our safe subset."""
    nodes = parse_html(html) if isinstance(html, str) else html
    return "\n\n".join(_Converter(image_ref, warn).blocks(nodes)).strip()


def plain_to_markdown(text: str) -> str:
    """Plain text (keeping its line breaks as paragraph/line breaks) to escaped Markdown."""
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return "\n\n".join("\\\n".join(escape_markdown(line.strip()) for line in p.split("\n")) for p in paragraphs)


# --------------------------------------------------------------------------- Markdown -> nodes


def markdown_to_nodes(markdown: str, media_url: Callable[[str], str | None]) -> list[Node]:
    """Render Markdown safely and parse the result into nodes (for XHTML writers)."""
    return parse_html(render_markdown(markdown, media_url=media_url))


def markdown_to_plain(markdown: str) -> str:
    """The visible text of rendered Markdown (for fields a format holds only as plain text)."""
    import html as html_lib

    text = "".join(_Converter(None, None).plain(parse_html(render_markdown(markdown))))
    return html_lib.unescape(re.sub(r"\s+", " ", text)).strip()
