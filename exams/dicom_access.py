"""Who may fetch a DICOM series besides bank staff: a candidate whose in-progress attempt shows it, or a
trainee whose practice session holds it.

Registered with the question bank (``question_bank.services_dicom.register_dicom_access_rule``) so the
lower app serves the series without importing exams.

* exam: the series is in the media of a form position of the candidate's own attempt that is in
  progress, in the stem or a case stage already reached (one query);
* practice: the series is in the media of an item of one of the trainee's own practice sessions
  (practice items are not secure; one query).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from exams.delivery import visible_dicom_refs
from exams.models import Attempt, FormItem


def candidate_may_view_dicom(user: Any, media_id: str) -> bool:
    rows = (
        FormItem.objects.filter(
            form__attempts__candidate=user,
            form__attempts__status=Attempt.Status.IN_PROGRESS,
            version__has_media=True,
        )
        .order_by()
        .values_list("position", "version__content", "form__attempts__case_stages")
        .iterator()
    )
    for position, content, case_stages in rows:
        stage_reached = int(((case_stages or {}).get(str(position)) or {}).get("stage", 0))
        if media_id in visible_dicom_refs(content, stage_reached=stage_reached):
            return True
    return False


def trainee_may_view_practice_dicom(user: Any, media_id: str) -> bool:
    try:
        practice_item = apps.get_model("exams", "PracticeItem")
    except LookupError:  # practice mode is not installed
        return False
    contents = (
        practice_item.objects.filter(session__trainee=user, version__has_media=True)
        .order_by()
        .values_list("version__content", flat=True)
        .iterator()
    )
    return any(
        media_id in visible_dicom_refs(content, stage_reached=len(content.get("stages") or [])) for content in contents
    )


def register() -> None:
    from question_bank.services_dicom import register_dicom_access_rule

    register_dicom_access_rule(candidate_may_view_dicom)
    register_dicom_access_rule(trainee_may_view_practice_dicom)
