"""Demo data for ``manage.py load_demo``: supervision, training periods and two logbooks.

"trainee" meets every qualifying (准入) requirement; "trainee2" is short of TACE as operator, so
the "not yet: missing … TACE" message can be seen. Both are supervised by "instructor". A few of
trainee's entries stay pending for the instructor's review queue. Idempotent: a trainee whose
logbook already has entries is left as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Complication, LogbookEntry, OperatorRole, Supervision, TechniqueArea, TrainingPeriod

# (area, first-operator count, assistant count, procedure level)
TRAINEE_LOGBOOK: list[tuple[str, int, int, int]] = [
    ("TACE", 22, 6, 3),
    ("ABL", 12, 2, 3),
    ("BIL", 9, 2, 2),
    ("DRN", 8, 0, 2),
    ("PAD", 20, 4, 3),
    ("HEME", 10, 2, 3),
    ("UAE", 8, 0, 3),
    ("DIAL", 6, 0, 2),
    ("VP", 6, 0, 2),
    ("SEED", 3, 0, 3),
    ("TIPS", 0, 4, 4),
]
# Same shape, but only 9 TACE as operator (15 needed) and more PAD so the total still reaches 100.
TRAINEE2_LOGBOOK: list[tuple[str, int, int, int]] = [
    ("TACE", 9, 5, 3),
    ("ABL", 12, 0, 3),
    ("BIL", 9, 0, 2),
    ("DRN", 8, 0, 2),
    ("PAD", 28, 3, 3),
    ("HEME", 10, 0, 3),
    ("UAE", 8, 0, 3),
    ("DIAL", 6, 0, 2),
    ("VP", 7, 0, 2),
    ("SEED", 3, 0, 3),
]
PENDING: list[tuple[str, int]] = [("TACE", 3), ("PAD", 2), ("ABL", 3)]
NOTES = {
    "TACE": "超选择插管至肿瘤供血动脉，碘油沉积良好。",
    "ABL": "超声引导下微波消融，术后即刻增强扫描示消融完全。",
    "PAD": "股浅动脉狭窄球囊扩张。",
}


def _entries(trainee: User, supervisor: User, plan, today: datetime.date, *, verified: bool) -> list[LogbookEntry]:
    now = timezone.now()
    entries: list[LogbookEntry] = []
    day = 20
    for area_code, first, assistant, grade in plan:
        area = TechniqueArea.objects.get(code=area_code)
        for index in range(first + assistant):
            role = OperatorRole.FIRST_OPERATOR if index < first else OperatorRole.ASSISTANT
            entries.append(
                LogbookEntry(
                    trainee=trainee,
                    performed_on=today - datetime.timedelta(days=day),
                    area=area,
                    grade=grade,
                    role=role,
                    supervisor=supervisor,
                    complication=Complication.SIR_MILD if index == 4 else Complication.NONE,
                    note=NOTES.get(area_code, "") if index % 5 == 0 else "",
                    status=LogbookEntry.Status.VERIFIED if verified else LogbookEntry.Status.PENDING,
                    reviewed_by=supervisor if verified else None,
                    reviewed_at=now if verified else None,
                )
            )
            day += 2
    return entries


@transaction.atomic
def load_curriculum_demo(say: Callable[[str], None]) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=["trainee", "trainee2", "instructor"])}
    if len(users) < 3:
        say("curriculum: demo users missing, skipped (run the accounts step first)")
        return
    instructor = users["instructor"]
    today = timezone.localdate()
    start = today.replace(year=today.year - 1, day=1)
    created = 0
    for username, plan in (("trainee", TRAINEE_LOGBOOK), ("trainee2", TRAINEE2_LOGBOOK)):
        trainee = users[username]
        Supervision.objects.get_or_create(instructor=instructor, trainee=trainee)
        TrainingPeriod.objects.get_or_create(
            trainee=trainee,
            organization=trainee.organization,
            start=start,
            defaults={"end": None, "verified_by": instructor, "verified_at": timezone.now()},
        )
        if LogbookEntry.objects.filter(trainee=trainee).exists():
            continue
        entries = _entries(trainee, instructor, plan, today, verified=True)
        if username == "trainee":
            entries += _entries(trainee, instructor, [(a, n, 0, 3) for a, n in PENDING], today, verified=False)
        LogbookEntry.objects.bulk_create(entries)
        created += len(entries)
    say(f"curriculum: supervision, training periods and {created} logbook entries")
