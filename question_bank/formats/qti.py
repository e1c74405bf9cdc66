"""Shared reader and writer for IMS QTI 2.1 and 1EdTech QTI 3.0 items and content packages.

The two versions have the same model with different spellings (``choiceInteraction`` vs
``qti-choice-interaction``, ``maxChoices`` vs ``max-choices``); a :class:`Dialect` maps the QTI 2.1
camelCase names to each spelling. ``qti21.py`` and ``qti3.py`` bind the dialects.

Mapping (see docs/import-formats.md):

* ``choiceInteraction`` single -> sba (two choices that are true/false -> tf); multiple -> mrq
  (``map_response`` processing or a ``mapping`` -> partial, else all-or-nothing).
* ``orderInteraction`` -> order; ``matchInteraction`` (first match set = stems, second =
  options, ``directedPair`` correct responses) -> emq; ``associateInteraction`` -> emq with the
  choices written first in the correct pairs as stems (refused when that is ambiguous).
* ``prompt`` -> lead-in; the rest of the item body -> stem; ``modalFeedback`` (and feedback
  blocks) -> explanation. Images (``<img src>``) are read from the package.
* Packages: ``imsmanifest.xml`` lists item resources; our metadata (area, level, objectives,
  references…) travels in each resource's ``<metadata>`` in the ``urn:irexam:question-metadata:1``
  namespace, which other tools ignore.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from question_bank.formats.base import (
    FormatError,
    ImportReport,
    MediaFile,
    ParsedQuestion,
    export_filename,
    missing_media,
    safe_media_ref,
    split_question_text,
)
from question_bank.formats.htmltext import (
    Node,
    html_to_markdown,
    markdown_to_nodes,
    markdown_to_plain,
    nodes_from_element,
)
from question_bank.formats.safety import (
    DEFAULT_LIMITS,
    Limits,
    check_size,
    local_name,
    parse_xml,
    read_zip,
    resolve_in_package,
    sniff_image,
)

META_NS = "urn:irexam:question-metadata:1"
register_namespace("irx", META_NS)
register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRUE_WORDS = {"true", "t", "yes", "正确", "对", "是"}
FALSE_WORDS = {"false", "f", "no", "错误", "错", "否"}
XHTML_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}


#: QTI interactions this platform cannot represent (reported, not guessed at).
OTHER_INTERACTIONS = [
    "textEntryInteraction",
    "extendedTextInteraction",
    "inlineChoiceInteraction",
    "hotspotInteraction",
    "gapMatchInteraction",
    "sliderInteraction",
    "hottextInteraction",
    "graphicGapMatchInteraction",
    "selectPointInteraction",
    "uploadInteraction",
    "drawingInteraction",
    "mediaInteraction",
    "customInteraction",
    "positionObjectInteraction",
    "graphicOrderInteraction",
    "graphicAssociateInteraction",
    "portableCustomInteraction",
]


def _kebab(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)


@dataclass(frozen=True)
class Dialect:
    name: str
    namespace: str
    schema_location: str
    manifest_namespace: str
    resource_type: str
    schema_label: str
    schema_version: str
    kebab: bool

    def el(self, camel: str) -> str:
        """Local element name: ``choiceInteraction`` -> ``qti-choice-interaction`` in QTI 3."""
        return "qti-" + _kebab(camel) if self.kebab else camel

    def at(self, camel: str) -> str:
        return _kebab(camel) if self.kebab else camel

    def tag(self, camel: str) -> str:
        return f"{{{self.namespace}}}{self.el(camel)}"


QTI21 = Dialect(
    name="qti21",
    namespace="http://www.imsglobal.org/xsd/imsqti_v2p1",
    schema_location="http://www.imsglobal.org/xsd/imsqti_v2p1 http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p2.xsd",
    manifest_namespace="http://www.imsglobal.org/xsd/imscp_v1p1",
    resource_type="imsqti_item_xmlv2p1",
    schema_label="QTIv2.1 Package",
    schema_version="1.0.0",
    kebab=False,
)
QTI3 = Dialect(
    name="qti3",
    namespace="http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
    schema_location="http://www.imsglobal.org/xsd/imsqtiasi_v3p0 https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
    manifest_namespace="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
    resource_type="imsqti_item_xmlv3p0",
    schema_label="QTI Package",
    schema_version="3.0.0",
    kebab=True,
)


# --------------------------------------------------------------------------- reading


def _find_all(root: Element, local: str) -> list[Element]:
    return [e for e in root.iter() if local_name(e.tag) == local]


def _children(elem: Element, local: str) -> list[Element]:
    return [e for e in elem if local_name(e.tag) == local]


class _ItemReader:
    def __init__(
        self,
        d: Dialect,
        report: ImportReport,
        root: Element,
        location: str,
        image: Callable[[str], tuple[str, MediaFile] | str | None],
    ) -> None:
        self.d = d
        self.report = report
        self.root = root
        self.location = location
        self.image = image
        self.media: dict[str, MediaFile] = {}
        self.label = root.get("identifier") or root.get("title") or location
        self.ok = True

    def problem(self, where: str, message: str) -> None:
        self.report.problem(self.label, f"{self.location} {where}".strip(), message)
        self.ok = False

    def warn(self, where: str, message: str) -> None:
        self.report.warn(self.label, f"{self.location} {where}".strip(), message)

    def image_ref(self, src: str, alt: str) -> str | None:
        found = self.image(src)
        if isinstance(found, str):  # an error message
            self.problem(f"<img src={src!r}>", found)
            return None
        if found is None:
            return None
        ref, media = found
        self.media[ref] = media
        return ref

    def markdown(self, nodes: list[Node], where: str) -> str:
        return html_to_markdown(nodes, image_ref=self.image_ref, warn=lambda m: self.warn(where, m))

    def read(self) -> ParsedQuestion | None:
        d = self.d
        if local_name(self.root.tag) != d.el("assessmentItem"):
            self.problem("", f"The root element is <{local_name(self.root.tag)}>, not <{d.el('assessmentItem')}>.")
            return None
        declarations: dict[str, dict[str, Any]] = {}
        for decl in _find_all(self.root, d.el("responseDeclaration")):
            values = [
                (v.text or "").strip()
                for cr in _children(decl, d.el("correctResponse"))
                for v in _children(cr, d.el("value"))
            ]
            declarations[decl.get("identifier", "")] = {
                "cardinality": decl.get("cardinality", ""),
                "correct": values,
                "mapping": bool(_children(decl, d.el("mapping"))),
            }
        processing = _find_all(self.root, d.el("responseProcessing"))
        template = processing[0].get("template", "") if processing else ""
        body = next(iter(_find_all(self.root, d.el("itemBody"))), None)
        if body is None:
            self.problem("", f"The item has no <{d.el('itemBody')}>.")
            return None
        interaction_names = {
            d.el(n) for n in ("choiceInteraction", "orderInteraction", "matchInteraction", "associateInteraction")
        }
        known_other = {d.el(n) for n in OTHER_INTERACTIONS}
        interactions = [e for e in body.iter() if local_name(e.tag) in interaction_names]
        others = [local_name(e.tag) for e in body.iter() if local_name(e.tag) in known_other]
        if others:
            self.problem(
                f"<{others[0]}>", f"The interaction <{others[0]}> cannot be imported (supported: choice, order, match)."
            )
            return None
        if len(interactions) != 1:
            self.problem(
                "",
                f"An item needs exactly one supported interaction; this one has {len(interactions)}."
                + (" Case sets are not imported from QTI." if len(interactions) > 1 else ""),
            )
            return None
        interaction = interactions[0]
        feedback_names = {d.el("feedbackBlock"), d.el("feedbackInline"), d.el("rubricBlock")}
        explanation_parts: list[str] = []
        stem_media: list[dict[str, str]] = []
        stem_nodes = self._body_nodes(body, interaction, feedback_names, explanation_parts, stem_media)
        stem = self.markdown(stem_nodes, f"<{d.el('itemBody')}>")
        prompt_el = next(iter(_children(interaction, d.el("prompt"))), None)
        lead_in = self.markdown(nodes_from_element(prompt_el), f"<{d.el('prompt')}>") if prompt_el is not None else ""
        if not lead_in:
            stem, lead_in = split_question_text(stem)
        for fb in _children(self.root, d.el("modalFeedback")):
            text = self.markdown(nodes_from_element(fb), f"<{d.el('modalFeedback')}>")
            if text:
                explanation_parts.append(text)
        response_id = interaction.get(d.at("responseIdentifier"), "")
        decl = declarations.get(response_id)
        if decl is None:
            self.problem(f"<{local_name(interaction.tag)}>", f"No response declaration for {response_id!r}.")
            return None
        kind = local_name(interaction.tag)
        content: dict[str, Any]
        if kind == d.el("choiceInteraction"):
            content = self._choice(interaction, decl, template, stem, lead_in)
        elif kind == d.el("orderInteraction"):
            content = self._order(interaction, decl, stem, lead_in)
        elif kind == d.el("matchInteraction"):
            content = self._match(interaction, decl, stem, lead_in)
        else:
            content = self._associate(interaction, decl, stem, lead_in)
        if not self.ok:
            return None
        content["explanation"] = "\n\n".join(explanation_parts)
        content["media"] = stem_media
        return ParsedQuestion(
            content=content,
            title=self.root.get("title", ""),
            source_id=self.root.get("identifier") or None,
            language=self.root.get(XML_LANG) or self.root.get("language") or None,
            media=self.media,
        )

    def _body_nodes(
        self,
        body: Element,
        interaction: Element,
        feedback_names: set[str],
        explanation: list[str],
        stem_media: list[dict[str, str]],
    ) -> list[Node]:
        """Nodes of the item body without the interaction; feedback goes to ``explanation`` and
        our ``irx-media`` image blocks to ``stem_media``."""

        def convert(elem: Element) -> list[Node]:
            out: list[Node] = []
            if elem.text:
                out.append(Node("", text=elem.text))
            for child in elem:
                name = local_name(child.tag)
                if child is interaction:
                    pass
                elif name in feedback_names:
                    text = self.markdown(nodes_from_element(child), f"<{name}>")
                    if text:
                        explanation.append(text)
                        self.warn(f"<{name}>", "Feedback inside the item body was added to the explanation.")
                elif "irx-media" in (child.get("class") or "").split():
                    for img in child.iter():
                        if local_name(img.tag) == "img":
                            ref = self.image_ref(img.get("src", ""), img.get("alt", ""))
                            if ref:
                                stem_media.append(
                                    {"ref": ref, "alt": img.get("alt", ""), "caption": img.get("title", "")}
                                )
                else:
                    attrs = {local_name(k): v for k, v in child.attrib.items()}
                    out.append(Node(name, attrs, convert(child)))
                if child.tail:
                    out.append(Node("", text=child.tail))
            return out

        return convert(body)

    def _choices(self, interaction: Element, local: str) -> list[tuple[str, str]]:
        out = []
        for i, ch in enumerate(_children(interaction, self.d.el(local)), 1):
            text = self.markdown(nodes_from_element(ch), f"<{self.d.el(local)}>[{i}]")
            out.append((ch.get("identifier", ""), text))
        return out

    def _letters(self, choices: list[tuple[str, str]], where: str) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for i, (ident, _) in enumerate(choices):
            if ident in mapping:
                self.problem(where, f"The choice identifier {ident!r} is used twice.")
            mapping[ident] = chr(ord("A") + i)
        return mapping

    def _keys(self, values: list[str], mapping: dict[str, str], where: str) -> list[str]:
        keys = []
        for v in values:
            if v not in mapping:
                self.problem(where, f"The correct response {v!r} is not one of the choices.")
                continue
            keys.append(mapping[v])
        return keys

    def _choice(
        self, interaction: Element, decl: dict[str, Any], template: str, stem: str, lead_in: str
    ) -> dict[str, Any]:
        choices = self._choices(interaction, "simpleChoice")
        where = f"<{local_name(interaction.tag)}>"
        single = decl["cardinality"] == "single"
        if single and len(choices) == 2:
            tf = self._true_false(choices)
            if tf is not None:
                keys = [tf[v] for v in decl["correct"] if v in tf]
                if len(keys) != len(decl["correct"]):
                    self.problem(where, "The correct response is not one of the two choices.")
                texts = {tf[ident]: text for ident, text in choices}
                options = [{"id": "T", "text": texts["T"]}, {"id": "F", "text": texts["F"]}]
                return {"type": "tf", "stem": stem, "lead_in": lead_in, "options": options, "key": keys}
        mapping = self._letters(choices, where)
        options = [{"id": mapping[ident], "text": text} for ident, text in choices]
        keys = self._keys(decl["correct"], mapping, where)
        if single:
            return {"type": "sba", "stem": stem, "lead_in": lead_in, "options": options, "key": keys}
        partial = decl["mapping"] or template.rstrip("/").endswith("map_response")
        keys = [o["id"] for o in options if o["id"] in keys]
        return {
            "type": "mrq",
            "stem": stem,
            "lead_in": lead_in,
            "options": options,
            "key": keys,
            "scoring": "partial" if partial else "all_or_nothing",
        }

    @staticmethod
    def _true_false(choices: list[tuple[str, str]]) -> dict[str, str] | None:
        idents = [i for i, _ in choices]
        if sorted(idents) == ["F", "T"]:
            return {"T": "T", "F": "F"}
        words = [markdown_to_plain(t).strip().casefold() for _, t in choices]
        if words[0] in TRUE_WORDS and words[1] in FALSE_WORDS:
            return {idents[0]: "T", idents[1]: "F"}
        if words[1] in TRUE_WORDS and words[0] in FALSE_WORDS:
            return {idents[1]: "T", idents[0]: "F"}
        return None

    def _order(self, interaction: Element, decl: dict[str, Any], stem: str, lead_in: str) -> dict[str, Any]:
        choices = self._choices(interaction, "simpleChoice")
        where = f"<{local_name(interaction.tag)}>"
        mapping = self._letters(choices, where)
        options = [{"id": mapping[ident], "text": text} for ident, text in choices]
        return {
            "type": "order",
            "stem": stem,
            "lead_in": lead_in,
            "options": options,
            "key": self._keys(decl["correct"], mapping, where),
        }

    def _match(self, interaction: Element, decl: dict[str, Any], stem: str, lead_in: str) -> dict[str, Any]:
        d = self.d
        where = f"<{local_name(interaction.tag)}>"
        sets = _children(interaction, d.el("simpleMatchSet"))
        if len(sets) != 2:
            self.problem(where, f"A match interaction needs two match sets; it has {len(sets)}.")
            return {}
        sources = self._choices(sets[0], "simpleAssociableChoice")
        targets = self._choices(sets[1], "simpleAssociableChoice")
        return self._emq(where, sources, targets, decl["correct"], stem, lead_in)

    def _associate(self, interaction: Element, decl: dict[str, Any], stem: str, lead_in: str) -> dict[str, Any]:
        """associateInteraction: one pool of choices linked by unordered pairs.

        The stems are taken to be the choices written first in the correct pairs (as authoring
        tools write them); the rest are options. A choice that is first in one pair and second
        in another makes the sides ambiguous and is refused.
        """
        where = f"<{local_name(interaction.tag)}>"
        choices = self._choices(interaction, "simpleAssociableChoice")
        pairs = [v.split() for v in decl["correct"]]
        if any(len(p) != 2 for p in pairs):
            self.problem(where, "Every correct response of an associate interaction must be a pair of identifiers.")
            return {}
        firsts = {p[0] for p in pairs}
        seconds = {p[1] for p in pairs}
        if firsts & seconds:
            self.problem(
                where,
                f"The choice(s) {', '.join(sorted(firsts & seconds))} appear on both sides of the correct pairs, "
                "so stems and options cannot be told apart; use a match interaction.",
            )
            return {}
        self.warn(where, "Stems were taken from the first identifier of each correct pair.")
        sources = [c for c in choices if c[0] in firsts]
        targets = [c for c in choices if c[0] not in firsts]
        return self._emq(where, sources, targets, decl["correct"], stem, lead_in)

    def _emq(
        self,
        where: str,
        sources: list[tuple[str, str]],
        targets: list[tuple[str, str]],
        correct: list[str],
        stem: str,
        lead_in: str,
    ) -> dict[str, Any]:
        mapping = self._letters(targets, where)
        options = [{"id": mapping[ident], "text": text} for ident, text in targets]
        keys: dict[str, list[str]] = {ident: [] for ident, _ in sources}
        for value in correct:
            parts = value.split()
            if len(parts) != 2 or parts[0] not in keys or parts[1] not in mapping:
                self.problem(where, f"The correct pair {value!r} does not link a stem to an option.")
                continue
            keys[parts[0]].append(mapping[parts[1]])
        # Stem ids are numbered by position: QTI identifiers cannot start with a digit.
        stems = [{"id": str(n), "text": text, "key": keys[ident]} for n, (ident, text) in enumerate(sources, 1)]
        theme, lead = (stem, lead_in) if stem else (lead_in, "")
        if not lead:
            lead = "Choose the best match for each item."
            self.warn(where, "No separate lead-in found; a generic one was added.")
        return {"type": "emq", "stem": theme, "lead_in": lead, "options": options, "stems": stems}


def _read_metadata(q: ParsedQuestion, resource: Element) -> None:
    meta = next((e for e in resource.iter() if e.tag == f"{{{META_NS}}}question"), None)
    if meta is None:
        return
    for name in ("area", "level", "pool", "difficulty", "cognitive", "language"):
        if meta.get(name):
            setattr(q, name, meta.get(name))
    if meta.get("source-id"):
        q.source_id = meta.get("source-id")
    q.objectives = [
        (e.text or "").strip() for e in meta if e.tag == f"{{{META_NS}}}objective" and (e.text or "").strip()
    ]
    q.tags = [(e.text or "").strip() for e in meta if e.tag == f"{{{META_NS}}}tag" and (e.text or "").strip()]
    refs = [(e.text or "").strip() for e in meta if e.tag == f"{{{META_NS}}}reference" and (e.text or "").strip()]
    if refs:
        q.content["references"] = refs


def parse_qti(
    d: Dialect,
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read a single QTI item XML file or a content package (zip with imsmanifest.xml)."""
    check_size(data, limits, filename)
    report = ImportReport()
    if data[:4] == b"PK\x03\x04":
        return _parse_package(d, data, report, filename, encoding, default_area, limits)
    root = parse_xml(data, filename=filename, encoding=encoding)

    def no_images(src: str) -> str:
        return f"The image {src!r} is not available in a single XML file; import the content package instead."

    q = _ItemReader(d, report, root, filename or "item", no_images).read()
    if q is not None:
        q.area = q.area or default_area
        report.add(q, filename or "item", max_items=limits.max_items)
    return report


def _parse_package(
    d: Dialect,
    data: bytes,
    report: ImportReport,
    filename: str,
    encoding: str | None,
    default_area: str | None,
    limits: Limits,
) -> ImportReport:
    files = read_zip(data, filename=filename, limits=limits)
    manifest_data = files.get("imsmanifest.xml")
    if manifest_data is None:
        raise FormatError("The package has no imsmanifest.xml at its top level.", filename)
    manifest = parse_xml(manifest_data, filename=f"{filename}:imsmanifest.xml")
    resources = [
        r for r in manifest.iter() if local_name(r.tag) == "resource" and r.get("type", "").startswith("imsqti_item")
    ]
    if not resources:
        raise FormatError("The manifest lists no QTI item resources.", f"{filename}:imsmanifest.xml")
    media_by_path: dict[str, tuple[str, MediaFile]] = {}
    taken: set[str] = set()
    for index, resource in enumerate(resources, 1):
        href = resource.get("href", "")
        location = f"{href or 'resource ' + str(index)}"
        path = resolve_in_package("imsmanifest.xml", href)
        if path is None or path not in files:
            report.problem(
                resource.get("identifier", f"resource {index}"),
                "imsmanifest.xml",
                f"The item file {href!r} is not in the package.",
            )
            continue
        try:
            root = parse_xml(files[path], filename=path, encoding=encoding)
        except FormatError as exc:
            report.problem(resource.get("identifier", f"resource {index}"), exc.location or path, exc.message)
            continue

        def image(src: str, base: str = path) -> tuple[str, MediaFile] | str | None:
            target = resolve_in_package(base, src)
            if target is None:
                return f"The image {src!r} is outside the package or not a package file."
            if target in media_by_path:
                return media_by_path[target]
            blob = files.get(target)
            if blob is None:
                return f"The image {src!r} is not in the package."
            mime = sniff_image(blob)
            if mime is None:
                return f"The file {src!r} is not a PNG, JPEG, GIF or WebP image."
            ref = safe_media_ref(target, taken)
            taken.add(ref)
            media_by_path[target] = (ref, MediaFile(filename=target.rsplit("/", 1)[-1], data=blob, mime=mime))
            return media_by_path[target]

        q = _ItemReader(d, report, root, location, image).read()
        if q is None:
            continue
        _read_metadata(q, resource)
        q.area = q.area or default_area
        report.add(q, location, max_items=limits.max_items)
    return report


# --------------------------------------------------------------------------- writing


def unsupported_qti(q: ParsedQuestion) -> str | None:
    if q.content.get("type") == "case":
        return "Case sets cannot be represented as a QTI item (stages lock in order); use JSON."
    if missing_media(q):
        return f"Image(s) {', '.join(missing_media(q))} were not supplied."
    return None


def lossy_qti(q: ParsedQuestion) -> list[str]:
    if q.content.get("type") == "order" and q.content.get("scoring") == "adjacent":
        return ["QTI's standard response processing has no adjacent-pairs scoring; exported as exact order."]
    return []


def _identifier(value: str, fallback: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_.-]", "_", value or "")
    if not ident or not re.match(r"[A-Za-z_]", ident):
        ident = fallback if not ident else f"I_{ident}"
    return ident


def _append_nodes(parent: Element, nodes: list[Node], d: Dialect) -> None:
    """Append nodes as XHTML children (in the QTI namespace) of ``parent``."""
    last: Element | None = None
    for node in nodes:
        if not node.tag:
            if last is None:
                parent.text = (parent.text or "") + node.text
            else:
                last.tail = (last.tail or "") + node.text
            continue
        if node.tag not in XHTML_TAGS:
            _append_nodes(parent, node.children, d)
            continue
        allowed = {"a": ("href",), "img": ("src", "alt", "title")}.get(node.tag, ())
        attrs = {k: v for k, v in node.attrs.items() if k in allowed}
        if node.tag == "img":
            attrs.setdefault("alt", "")
        child = SubElement(parent, node.tag, attrs)
        _append_nodes(child, node.children, d)
        last = child


def _block(parent: Element, markdown: str, d: Dialect, url_for: dict[str, str]) -> None:
    nodes = markdown_to_nodes(markdown, url_for.get)
    # Inline-only content (e.g. an option) must not be wrapped in a lone paragraph.
    blocks = [n for n in nodes if n.tag or n.text.strip()]
    if len(blocks) == 1 and blocks[0].tag == "p":
        nodes = blocks[0].children
    _append_nodes(parent, nodes, d)


def write_item(d: Dialect, q: ParsedQuestion, identifier: str, url_for: dict[str, str]) -> bytes:
    c = q.content
    qtype = c["type"]
    # Unqualified names plus an xmlns attribute on the root give a clean default namespace.
    E = d.el  # noqa: N806
    A = d.at  # noqa: N806
    root = Element(
        E("assessmentItem"),
        {
            "xmlns": d.namespace,
            "identifier": identifier,
            "title": q.title or q.label,
            A("adaptive"): "false",
            A("timeDependent"): "false",
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": d.schema_location,
        },
    )
    if q.language:
        root.set(XML_LANG, q.language)
    letters = [o["id"] for o in c.get("options", [])]
    decl_attrs = {"identifier": "RESPONSE", "cardinality": "single", A("baseType"): "identifier"}
    correct: list[str] = []
    if qtype in ("sba", "tf"):
        correct = list(c["key"])
    elif qtype == "mrq":
        decl_attrs["cardinality"] = "multiple"
        correct = list(c["key"])
    elif qtype == "order":
        decl_attrs["cardinality"] = "ordered"
        correct = list(c["key"])
    elif qtype == "emq":
        decl_attrs.update({"cardinality": "multiple", A("baseType"): "directedPair"})
        correct = [f"S{s['id']} {s['key'][0]}" for s in c["stems"]]
    decl = SubElement(root, E("responseDeclaration"), decl_attrs)
    cr = SubElement(decl, E("correctResponse"))
    for value in correct:
        SubElement(cr, E("value")).text = value
    partial = qtype == "mrq" and c.get("scoring") == "partial"
    if partial:
        n = len(c["key"])
        mapping = SubElement(decl, E("mapping"), {A("lowerBound"): "0", A("upperBound"): "1", A("defaultValue"): "0"})
        for oid in letters:
            value = 1 / n if oid in c["key"] else -1 / n
            SubElement(mapping, E("mapEntry"), {A("mapKey"): oid, A("mappedValue"): f"{value:.6g}"})
    outcome = SubElement(
        root, E("outcomeDeclaration"), {"identifier": "SCORE", "cardinality": "single", A("baseType"): "float"}
    )
    SubElement(SubElement(outcome, E("defaultValue")), E("value")).text = "0"
    if c.get("explanation"):
        SubElement(
            root,
            E("outcomeDeclaration"),
            {"identifier": "FEEDBACK", "cardinality": "single", A("baseType"): "identifier"},
        )
    body = SubElement(root, E("itemBody"))
    stem = c.get("stem", "")
    if stem:
        container = SubElement(body, "div")
        _append_nodes(container, markdown_to_nodes(stem, url_for.get), d)
    for m in c.get("media", []):
        holder = SubElement(body, "p", {"class": "irx-media"})
        attrs = {"src": url_for[m["ref"]], "alt": m.get("alt", "")}
        if m.get("caption"):
            attrs["title"] = m["caption"]
        SubElement(holder, "img", attrs)
    if qtype in ("sba", "tf", "mrq"):
        max_choices = "1" if qtype != "mrq" else "0"
        inter = SubElement(
            body,
            E("choiceInteraction"),
            {A("responseIdentifier"): "RESPONSE", "shuffle": "true", A("maxChoices"): max_choices},
        )
    elif qtype == "order":
        inter = SubElement(body, E("orderInteraction"), {A("responseIdentifier"): "RESPONSE", "shuffle": "true"})
    else:
        inter = SubElement(
            body,
            E("matchInteraction"),
            {A("responseIdentifier"): "RESPONSE", "shuffle": "true", A("maxAssociations"): str(len(c["stems"]))},
        )
    prompt = SubElement(inter, E("prompt"))
    _block(prompt, c["lead_in"], d, url_for)
    if qtype == "emq":
        sources = SubElement(inter, E("simpleMatchSet"))
        for s in c["stems"]:
            ch = SubElement(sources, E("simpleAssociableChoice"), {"identifier": f"S{s['id']}", A("matchMax"): "1"})
            _block(ch, s["text"], d, url_for)
        targets = SubElement(inter, E("simpleMatchSet"))
        for o in c["options"]:
            ch = SubElement(targets, E("simpleAssociableChoice"), {"identifier": o["id"], A("matchMax"): "0"})
            _block(ch, o["text"], d, url_for)
    else:
        for o in c["options"]:
            ch = SubElement(inter, E("simpleChoice"), {"identifier": o["id"]})
            _block(ch, o["text"], d, url_for)
    template = "map_response" if partial else "match_correct"
    base = (
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
        if d is QTI21
        else "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
    )
    SubElement(root, E("responseProcessing"), {"template": f"{base}{template}" + (".xml" if d is QTI3 else "")})
    if c.get("explanation"):
        fb = SubElement(
            root,
            E("modalFeedback"),
            {A("outcomeIdentifier"): "FEEDBACK", "identifier": "EXPLANATION", A("showHide"): "show"},
        )
        # QTI 3 wraps feedback content in qti-content-body.
        holder = SubElement(fb, "qti-content-body") if d.kebab else fb
        _append_nodes(holder, markdown_to_nodes(c["explanation"], url_for.get), d)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8")


def write_package(d: Dialect, questions: list[ParsedQuestion]) -> bytes:
    """A content package: imsmanifest.xml, one XML file per item under items/, images under images/."""
    manifest = Element("manifest", {"xmlns": d.manifest_namespace, "identifier": "MANIFEST-IREXAM"})
    meta = SubElement(manifest, "metadata")
    SubElement(meta, "schema").text = d.schema_label
    SubElement(meta, "schemaversion").text = d.schema_version
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    buffer = io.BytesIO()
    used_ids: set[str] = set()
    written_images: dict[str, bytes] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        items: list[tuple[str, bytes]] = []
        for n, q in enumerate(questions, 1):
            ident = _identifier(q.source_id or "", f"item-{n}")
            while ident in used_ids:
                ident = f"{ident}-{n}"
            used_ids.add(ident)
            names = {ref: export_filename(ref, m) for ref, m in q.media.items()}
            for ref, name in list(names.items()):
                # Two items may use the same name for different pictures.
                while name in written_images and written_images[name] != q.media[ref].data:
                    name = f"{ident}-{name}"
                names[ref] = name
                written_images[name] = q.media[ref].data
            item_path = f"items/{ident}.xml"
            url_for = {ref: f"../images/{name}" for ref, name in names.items()}
            items.append((item_path, write_item(d, q, ident, url_for)))
            resource = SubElement(
                resources, "resource", {"identifier": f"R-{ident}", "type": d.resource_type, "href": item_path}
            )
            rmeta = SubElement(resource, "metadata")
            _write_metadata(rmeta, q)
            SubElement(resource, "file", {"href": item_path})
            for name in sorted(set(names.values())):
                SubElement(resource, "file", {"href": f"images/{name}"})
        archive.writestr(
            "imsmanifest.xml",
            b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(manifest, encoding="unicode").encode("utf-8"),
        )
        for path, blob in items:
            archive.writestr(path, blob)
        for name, blob in sorted(written_images.items()):
            archive.writestr(f"images/{name}", blob)
    return buffer.getvalue()


def _write_metadata(parent: Element, q: ParsedQuestion) -> None:
    attrs = {
        name: getattr(q, name)
        for name in ("area", "level", "pool", "difficulty", "cognitive", "language")
        if getattr(q, name)
    }
    if q.source_id:
        attrs["source-id"] = q.source_id
    meta = SubElement(parent, f"{{{META_NS}}}question", attrs)
    for o in q.objectives:
        SubElement(meta, f"{{{META_NS}}}objective").text = o
    for t in q.tags:
        SubElement(meta, f"{{{META_NS}}}tag").text = t
    for r in q.content.get("references", []):
        SubElement(meta, f"{{{META_NS}}}reference").text = r
