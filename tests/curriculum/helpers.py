"""Small builders for curriculum tests (the shared factories module belongs to the whole team)."""

import datetime

from django.utils import timezone

from curriculum.models import LogbookEntry, TechniqueArea, TrainingPeriod


def log_entries(
    trainee,
    supervisor,
    area_code: str,
    count: int,
    *,
    role: str = "first_operator",
    grade: int = 2,
    status: str = LogbookEntry.Status.VERIFIED,
    performed_on: datetime.date | None = None,
) -> list[LogbookEntry]:
    """``count`` entries straight into the database (bypassing the services, for setting up counts)."""
    area = TechniqueArea.objects.get(code=area_code)
    day = performed_on or timezone.localdate() - datetime.timedelta(days=30)
    verified = status == LogbookEntry.Status.VERIFIED
    return LogbookEntry.objects.bulk_create(
        LogbookEntry(
            trainee=trainee,
            performed_on=day,
            area=area,
            grade=grade,
            role=role,
            supervisor=supervisor,
            status=status,
            reviewed_by=supervisor if verified else None,
            reviewed_at=timezone.now() if verified else None,
        )
        for _ in range(count)
    )


def verified_period(trainee, organization, *, months: int, verifier) -> TrainingPeriod:
    """A verified training period ending today that covers ``months`` whole months."""
    today = timezone.localdate()
    year, month = divmod(today.month - 1 - months, 12)
    start = today.replace(year=today.year + year, month=month + 1, day=1)
    return TrainingPeriod.objects.create(
        trainee=trainee,
        organization=organization,
        start=start,
        end=None,
        verified_by=verifier,
        verified_at=timezone.now(),
    )
