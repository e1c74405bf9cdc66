"""Tests for question_bank.markdown: the safe Markdown subset."""

from html.parser import HTMLParser

import pytest

from question_bank.markdown import ALLOWED_TAGS, render_markdown


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html):
    parser = Collector()
    parser.feed(html)
    return parser.elements


def media(ref):
    return {"ct-1": "/media/q/ct-1.png", "remote": "https://cdn.example.org/x.png"}.get(ref)


def test_a_script_in_a_stem_is_shown_as_text_not_run():
    html = render_markdown("Before <script>alert('x')</script> after")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert [tag for tag, _ in elements(html)] == ["p"]


def test_javascript_and_other_unsafe_links_are_dropped_but_their_text_kept():
    html = render_markdown(
        "[one](javascript:alert(1)) [two](JaVaScRiPt:alert(2)) [three](data:text/html,x) "
        "[four](/relative/path) [five](vbscript:x)"
    )
    assert all(tag != "a" for tag, _ in elements(html))
    assert "four" in html
    assert 'href="javascript' not in html.lower()


def test_allowed_links_open_in_a_new_tab_without_referrer():
    html = render_markdown("[SIR](https://www.sirweb.org) <mailto:exam@example.org> [x](http://a.example)")
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert [a["href"] for a in links] == ["https://www.sirweb.org", "mailto:exam@example.org", "http://a.example"]
    for a in links:
        assert a["target"] == "_blank"
        assert a["rel"] == "noopener noreferrer"


def test_on_attributes_never_reach_the_output():
    html = render_markdown(
        '<img src=x onerror="alert(1)"> <a href="https://x" onclick="alert(2)">x</a> '
        '[t](https://x "title\\" onmouseover=\\"alert(3)") ![a](media:ct-1 "t\\" onload=\\"x")',
        media_url=media,
    )
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in attrs)


def test_only_our_own_media_images_are_kept_and_resolved():
    html = render_markdown(
        "![CT](media:ct-1) ![remote](https://evil.example/track.png) ![gone](media:unknown) "
        "![data](data:image/png;base64,AAAA) ![bad](media:../../etc/passwd)",
        media_url=media,
    )
    images = [attrs for tag, attrs in elements(html) if tag == "img"]
    assert images == [{"src": "/media/q/ct-1.png", "alt": "CT"}]


def test_images_are_removed_without_a_media_resolver():
    assert "<img" not in render_markdown("![CT](media:ct-1)")


def test_a_resolver_returning_an_unsafe_url_does_not_produce_an_image():
    html = render_markdown("![x](media:ct-1)", media_url=lambda ref: "javascript:alert(1)")
    assert "<img" not in html and "javascript" not in html


def test_chinese_text_is_intact():
    text = "患者，男，62岁，肝硬化病史。**首选**的治疗是？"
    html = render_markdown(text)
    assert "患者，男，62岁，肝硬化病史。" in html
    assert "<strong>首选</strong>" in html


def test_tables_render_with_alignment_only():
    html = render_markdown("| 分级 | 剂量 |\n|:--|--:|\n| 1 | 2 Gy |")
    tags = [tag for tag, _ in elements(html)]
    assert "table" in tags and "th" in tags and "td" in tags
    styles = {attrs.get("style") for tag, attrs in elements(html) if tag in ("th", "td")}
    assert styles == {"text-align:left", "text-align:right"}


def test_raw_html_blocks_are_escaped():
    html = render_markdown('<div style="position:fixed">x</div>\n\n<iframe src="https://x"></iframe>')
    assert [tag for tag, _ in elements(html)] == ["p", "p"]


def test_bad_input_gets_a_clear_error():
    with pytest.raises(TypeError, match="needs text"):
        render_markdown(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="too long"):
        render_markdown("x" * 100_001)
