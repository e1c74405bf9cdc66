"""exams: candidate pages and API, officer pages and API, proctoring, scoring and standard setting.

``attempt_id`` / ``registration_id`` point at ``trainee``'s attempt and registration in the open
sitting (``proctor`` is assigned to it); scoring URLs point at a closed, scored sitting whose
Angoff panel has ``reviewer`` as its judge.
"""

from tests.security.roles import (
    EVERYONE,
    INSTRUCTOR,
    NOBODY,
    OFFICER,
    PROCTOR,
    REVIEWER,
    SIGNED_IN,
    TRAINEE,
    TRAINEES,
)

STAFF = {PROCTOR, OFFICER}  # proctoring: the sitting's proctors and officers
JUDGES = {INSTRUCTOR, REVIEWER}  # Angoff judges are instructors; the panel's judge is ``reviewer``
SCORED = {"sitting_id": "scored_sitting"}


def _start(world):
    return {"registration": world.registration.pk, "paper": world.paper.pk}


RULES = {
    # --- candidate pages
    "exams:my_sittings": {"GET": TRAINEES},
    "exams:system_check": {"GET": EVERYONE},
    "exams:start": {"GET": {TRAINEE}, "POST": {TRAINEE}, "note": "started already: → the exam page"},
    "exams:exam_page": {"GET": {TRAINEE}},
    "exams:receipt": {"GET": {TRAINEE}, "note": "before submission: → the exam page"},
    # --- candidate API
    "api:time": {"GET": EVERYONE},
    "api:my_sittings": {"GET": SIGNED_IN, "note": "each user's own registrations (none for staff)"},
    "api:attempt_start": {"POST": {TRAINEE}, "data": _start},
    "api:attempt_detail": {"GET": {TRAINEE}},
    "api:attempt_session": {"POST": {TRAINEE}},
    "api:attempt_save_answer": {
        "PUT": NOBODY,
        "data": {"answer": {"choice": "A"}, "seq": 1},
        "note": "authenticated by the attempt token alone (X-Attempt-Token), not the session: without it "
        "everyone is refused; tests/exams/test_attempt_save_answer.py covers the token",
    },
    "api:attempt_stage": {"POST": {TRAINEE}, "data": {"position": 6, "stage": 1}},
    "api:attempt_events": {"POST": {TRAINEE}, "data": {"kind": "hidden"}},
    "api:attempt_comments": {"POST": {TRAINEE}, "data": {"position": 1, "text": "Two options look right."}},
    "api:attempt_submit": {"POST": {TRAINEE}, "data": {"confirm": True}},
    # --- officer pages
    "exams:officer_exams": {"GET": {OFFICER}},
    "exams:officer_exam_create": {"GET": {OFFICER}, "POST": {OFFICER}},
    "exams:officer_exam": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"pk": "exam"}},
    "exams:officer_paper": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"pk": "paper"}},
    "exams:officer_sittings": {"GET": {OFFICER}},
    "exams:officer_sitting_create": {"GET": {OFFICER}, "POST": {OFFICER}},
    "exams:officer_sitting": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "exams:officer_sitting_assemble": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "exams:officer_sitting_status": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "exams:officer_registrations": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "exams:officer_registration": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "exams:officer_registration_template": {"GET": {OFFICER}},
    # --- officer API
    "api:exams": {"GET": {OFFICER}, "POST": {OFFICER}},
    "api:exam_detail": {"GET": {OFFICER}, "PATCH": {OFFICER}, "kwargs": {"pk": "exam"}},
    "api:exam_papers": {"POST": {OFFICER}},
    "api:exam_paper_detail": {"PATCH": {OFFICER}, "DELETE": {OFFICER}, "kwargs": {"pk": "paper"}},
    "api:exam_blueprint_rows": {"POST": {OFFICER}},
    "api:exam_blueprint_row_detail": {"PATCH": {OFFICER}, "DELETE": {OFFICER}, "kwargs": {"pk": "blueprint_row"}},
    "api:sittings": {"GET": {OFFICER}, "POST": {OFFICER}},
    "api:sitting_detail": {"GET": {OFFICER}, "PATCH": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "api:sitting_assemble": {"POST": {OFFICER}, "kwargs": {"pk": "sitting"}},
    "api:sitting_eligibility": {"POST": {OFFICER}},
    "api:sitting_registrations": {"GET": {OFFICER}, "POST": {OFFICER}},
    "api:sitting_registrations_import": {"POST": {OFFICER}},
    "api:registration_detail": {"GET": {OFFICER}, "PATCH": {OFFICER}, "kwargs": {"pk": "registration"}},
    "api:registration_override": {"POST": {OFFICER}, "kwargs": {"pk": "registration"}},
    "api:registration_withdraw": {"POST": {OFFICER}, "kwargs": {"pk": "registration"}},
    # --- proctoring
    "exams:proctor_sittings": {"GET": STAFF},
    "exams:proctor_console": {"GET": STAFF},
    "exams:proctor_sitting_action": {"GET": NOBODY, "POST": STAFF, "kwargs": {"action": "=pause"}},
    "exams:proctor_attempt_log": {"GET": STAFF},
    "exams:proctor_action": {"GET": NOBODY, "POST": STAFF, "kwargs": {"action": "=pause"}},
    "api:proctor_sittings": {"GET": STAFF},
    "api:proctor_live": {"GET": STAFF},
    "api:proctor_pause_all": {"POST": STAFF, "data": {"reason": "Fire alarm"}},
    "api:proctor_resume_all": {"POST": STAFF},
    "api:proctor_pause": {"POST": STAFF, "data": {"reason": "Unwell"}},
    "api:proctor_resume": {"POST": STAFF},
    "api:proctor_extend": {"POST": STAFF, "data": {"minutes": 5, "reason": "Late start"}},
    "api:proctor_terminate": {"POST": STAFF, "data": {"reason": "Misconduct"}},
    "api:proctor_attempt_log": {"GET": STAFF},
    # --- scoring and standard setting (officers); judging (the panel's judges)
    "exams:scoring_sittings": {"GET": {OFFICER}},
    "exams:scoring_overview": {"GET": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_run": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_items": {"GET": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_item": {
        "GET": {OFFICER},
        "POST": {OFFICER},
        "kwargs": {**SCORED, "form_id": "scored_form"},
    },
    "exams:scoring_decisions": {"GET": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_close_key_validation": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_cut_scores": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_panels": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_release": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": SCORED},
    "exams:scoring_panel": {"GET": {OFFICER}, "POST": {OFFICER}},
    "exams:my_panels": {"GET": JUDGES},
    "exams:my_panel": {"GET": {REVIEWER}, "POST": {REVIEWER}},
    "api:scoring_sittings": {"GET": {OFFICER}},
    "api:scoring_status": {"GET": {OFFICER}, "kwargs": SCORED},
    "api:scoring_run": {"POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_items": {"GET": {OFFICER}, "kwargs": SCORED},
    "api:scoring_item": {"GET": {OFFICER}, "kwargs": {**SCORED, "form_id": "scored_form"}},
    "api:scoring_key_preview": {"POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_key_decisions": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_key_validation_close": {"POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_cut_scores": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_release": {"POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_panels": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": SCORED},
    "api:scoring_job": {"GET": {OFFICER}},
    "api:scoring_panel": {"GET": {OFFICER}},
    "api:scoring_panel_action": {"POST": {OFFICER}, "kwargs": {"action": "=round-two"}},
    "api:scoring_my_panels": {"GET": JUDGES, "note": "each judge's own panels (an empty list otherwise)"},
    "api:scoring_my_ratings": {"GET": {REVIEWER}, "PUT": {REVIEWER}},
    "api:scoring_my_hofstee": {"PUT": {REVIEWER}},
}
