"""question_bank: pages and API of the bank. Trainees and proctors never see it.

The question (v1 approved, v2 a draft), the media and the import job are ``instructor``'s.
``reviewer`` also holds the instructor role, so he may author, but not change another's draft.
"""

from tests.security.roles import INSTRUCTOR, NOBODY, OFFICER, REVIEWER, SIGNED_IN

BANK = {INSTRUCTOR, REVIEWER, OFFICER}  # see the bank
AUTHORS = {INSTRUCTOR, REVIEWER, OFFICER}  # instructors (the reviewer persona is one) and officers
OWNER = {INSTRUCTOR, OFFICER}  # the question's author or an officer
Q = {"pk": "question"}
V = {"pk": "question", "number": "version.number"}


def _other_question(world):
    return {"question": world.other_question.pk}


RULES = {
    # pages
    "question_bank:list": {"GET": BANK},
    "question_bank:create": {"GET": AUTHORS, "POST": AUTHORS},
    "question_bank:bulk": {"GET": NOBODY, "POST": AUTHORS},
    "question_bank:preview": {"GET": NOBODY, "POST": BANK},
    "question_bank:media_upload": {"GET": NOBODY, "POST": BANK},
    "question_bank:review_queue": {"GET": {REVIEWER}},
    "question_bank:coverage": {"GET": BANK},
    "question_bank:version_review": {"GET": NOBODY, "POST": BANK, "kwargs": {"version_id": "version"}},
    "question_bank:detail": {"GET": BANK, "kwargs": Q},
    "question_bank:edit": {"GET": OWNER, "POST": OWNER, "kwargs": Q},
    "question_bank:submit": {"GET": NOBODY, "POST": OWNER, "kwargs": Q},
    "question_bank:new_version": {"GET": NOBODY, "POST": AUTHORS, "kwargs": Q},
    "question_bank:retire": {"GET": NOBODY, "POST": OWNER, "kwargs": Q},
    "question_bank:link_translation": {
        "GET": NOBODY,
        "POST": AUTHORS,
        "kwargs": Q,
        "data": lambda world: {"other": world.other_question.code},
        "note": "any instructor may link translations (as he may start a new version of any question)",
    },
    "question_bank:diff_pick": {"GET": BANK, "kwargs": Q, "query": {"a": 1, "b": 2}},
    "question_bank:diff": {"GET": BANK, "kwargs": {"pk": "question", "a": "=1", "b": "=2"}},
    # import and export (the import job is the instructor's)
    "question_bank:import": {"GET": AUTHORS, "POST": AUTHORS},
    "question_bank:import_template": {"GET": AUTHORS},
    "question_bank:import_preview": {"GET": OWNER, "POST": OWNER, "kwargs": {"pk": "import_job"}},
    "question_bank:import_status": {"GET": OWNER, "kwargs": {"pk": "import_job"}},
    "question_bank:import_result": {"GET": OWNER, "kwargs": {"pk": "import_job"}},
    "question_bank:import_discard": {"GET": NOBODY, "POST": OWNER, "kwargs": {"pk": "import_job"}},
    "question_bank:export": {"GET": AUTHORS},
    # API
    "api:questions": {"GET": BANK, "POST": AUTHORS},
    "api:question-bulk": {"POST": AUTHORS},
    "api:question-import": {"POST": AUTHORS},
    "api:question-export": {"GET": AUTHORS, "query": {"file_format": "json"}},
    "api:question-preview": {"POST": BANK},
    "api:question-coverage": {"GET": BANK},
    "api:question-review-queue": {"GET": {REVIEWER}},
    "api:question-media": {"POST": BANK},
    "api:question-media-file": {"GET": SIGNED_IN, "kwargs": {"pk": "media"}, "note": "unguessable id; exam images"},
    "api:question-detail": {"GET": BANK, "kwargs": Q},
    "api:question-version-create": {"POST": AUTHORS, "kwargs": Q},
    "api:question-version": {"PATCH": OWNER, "kwargs": V, "data": {"tags": ["matrix"]}},
    "api:question-version-submit": {"POST": OWNER, "kwargs": V},
    "api:question-version-review": {"POST": BANK, "kwargs": V},
    "api:question-version-preview": {"GET": BANK, "kwargs": V},
    "api:question-retire": {"POST": OWNER, "kwargs": Q},
    "api:question-translations": {"POST": AUTHORS, "kwargs": Q, "data": _other_question},
    "api:question-diff": {"GET": BANK, "kwargs": Q, "query": {"from": 1, "to": 2}},
}
