"""The platform's own JSON format."""

import base64
import json

from question_bank.formats import parse

from .helpers import PNG


def document(questions):
    return json.dumps({"format": "irexam-questions", "version": 1, "questions": questions}).encode()


def sba(**overrides):
    content = {
        "type": "sba",
        "stem": "",
        "lead_in": "Which?",
        "key": ["A"],
        "options": [{"id": "A", "text": "a"}, {"id": "B", "text": "b"}, {"id": "C", "text": "c"}],
    }
    content.update(overrides)
    return content


def test_it_reads_questions_metadata_and_images():
    data = document(
        [
            {
                "content": sba(stem="![x](media:x.png)"),
                "source_id": "J-1",
                "area": "TIPS",
                "objectives": ["TIPS-Q1"],
                "media": {"x.png": {"filename": "x.png", "mime": "image/png", "data": base64.b64encode(PNG).decode()}},
            }
        ]
    )
    q = parse(data, "json", filename="j.json").questions[0]
    assert q.source_id == "J-1" and q.objectives == ["TIPS-Q1"] and q.media["x.png"].data == PNG


def test_invalid_json_names_the_line():
    r = parse(b'{"format": "irexam-questions",\n "version": 1,\n "questions": [}', "json", filename="j.json")
    assert r.problems[0].location.startswith("j.json line 3")


def test_another_json_document_is_refused_clearly():
    r = parse(b'{"items": []}', "json", filename="j.json")
    assert "not an export of this platform" in r.problems[0].message


def test_invalid_items_and_missing_images_are_problems_per_item():
    data = document(
        [
            {"content": sba(key=[]), "source_id": "J-1"},
            {"content": sba(stem="![x](media:gone.png)"), "source_id": "J-2"},
            {"content": sba(), "source_id": "J-3", "media": {"x": {"data": base64.b64encode(b"<svg/>").decode()}}},
            {"content": sba(), "source_id": "J-4"},
        ]
    )
    r = parse(data, "json", filename="j.json")
    assert [q.source_id for q in r.questions] == ["J-4"]
    assert [p.item for p in r.problems] == ["J-1", "J-2", "J-3"]
    assert "gone.png" in r.problems[1].message
