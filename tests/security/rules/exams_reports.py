"""exams score reports: the candidate's own released report (page, PDF, API) and the officer's reports.

``world.released_registration`` is ``trainee``'s registration in a scored sitting whose results are
released (the hand-computed sitting of tests/exams/scoring_data.py with ``trainee`` as candidate c1);
officer report URLs point at the world's scored sitting.
"""

from tests.security.roles import OFFICER, TRAINEE, TRAINEES

RELEASED = {"registration_id": "released_registration"}
SCORED = {"sitting_id": "scored_sitting"}


def extend_world(world):
    from django.utils import timezone

    from exams.models import Attempt, Registration, Sitting
    from exams.services.scoring import sitting_score
    from tests.exams.scoring_data import build_scoring_sitting

    built = build_scoring_sitting(officer=world.officer, code="ir-matrix-reports")
    Registration.objects.filter(pk=built.registrations["c1"].pk).update(candidate=world.trainee)
    Attempt.objects.filter(pk=built.attempts["c1"].pk).update(candidate=world.trainee)
    Attempt.objects.filter(pk=built.attempts["c5"].pk).update(status=Attempt.Status.TERMINATED)
    sitting_score(sitting=built.sitting)
    Sitting.objects.filter(pk=built.sitting.pk).update(
        status=Sitting.Status.RELEASED, released_at=timezone.now(), released_by=world.officer
    )
    world.released_registration = built.registrations["c1"]


KWARGS = {"kind": lambda world: "scores", "what": lambda world: "results"}

RULES = {
    "exams:my_report": {"GET": {TRAINEE}, "kwargs": RELEASED},
    "exams:my_report_pdf": {"GET": {TRAINEE}, "kwargs": RELEASED},
    "api:my_results": {"GET": TRAINEES, "note": "each trainee lists only their own released results"},
    "api:my_result": {"GET": {TRAINEE}, "kwargs": RELEASED},
    "api:my_result_pdf": {"GET": {TRAINEE}, "kwargs": RELEASED},
    "exams:sitting_report": {"GET": {OFFICER}, "kwargs": SCORED},
    "exams:sitting_report_chart": {"GET": {OFFICER}, "kwargs": SCORED},
    "exams:sitting_report_export": {"GET": {OFFICER}, "kwargs": SCORED},
    "api:sitting_report": {"GET": {OFFICER}, "kwargs": SCORED},
    "api:sitting_report_chart": {"GET": {OFFICER}, "kwargs": SCORED},
    "api:sitting_report_export": {"GET": {OFFICER}, "kwargs": SCORED},
}
