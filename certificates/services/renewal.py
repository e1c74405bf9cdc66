"""Renewal (再认证) per the type's rule, CME credits, and expiry reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from certificates.models import Certificate, CertificateType, CmeCredit
from certificates.services.issuing import supersede
from exams.models import Attempt
from irexam.errors import ApplicationError, ConflictError


def renewal_window_days() -> int:
    """Renewal opens this many days before expiry (setting ``CERTIFICATE_RENEWAL_WINDOW_DAYS``, 180)."""
    return int(getattr(settings, "CERTIFICATE_RENEWAL_WINDOW_DAYS", 180))


def reminder_days() -> int:
    """Reminders go this many days before expiry (setting ``CERTIFICATE_REMINDER_DAYS``, 90)."""
    return int(getattr(settings, "CERTIFICATE_REMINDER_DAYS", 90))


@dataclass(frozen=True)
class RenewalCheck:
    ok: bool
    message: str


def verified_cme_credits(holder, start: date, end: date) -> Decimal:
    total = CmeCredit.objects.filter(
        holder=holder, verified_at__isnull=False, date__gte=start, date__lte=end
    ).aggregate(total=Sum("credits"))["total"]
    return total or Decimal(0)


def renewal_check(certificate: Certificate, today: date | None = None) -> RenewalCheck:
    """Can this certificate be renewed now, and if not, why not (a message for the holder)?"""
    today = today or timezone.localdate()
    ctype = certificate.type
    if certificate.status != Certificate.Status.VALID:
        return RenewalCheck(False, _("Only a valid or expired certificate can be renewed."))
    if certificate.valid_until is None:
        return RenewalCheck(False, _("This certificate does not expire."))
    opens = certificate.valid_until - timedelta(days=renewal_window_days())
    if today < opens:
        return RenewalCheck(False, _("Renewal opens on %(date)s.") % {"date": opens.isoformat()})
    if ctype.renewal_rule == CertificateType.RenewalRule.CME:
        have = verified_cme_credits(certificate.holder, certificate.valid_from, min(today, certificate.valid_until))
        need = Decimal(ctype.cme_credits_required)
        if have < need:
            return RenewalCheck(
                False,
                _("Renewal needs %(need)s verified CME credits within the validity period; you have %(have)s.")
                % {"need": need, "have": have},
            )
        return RenewalCheck(True, _("%(have)s verified CME credits: renewal is possible.") % {"have": have})
    if ctype.recert_exam_id is None:
        return RenewalCheck(False, _("No recertification exam is set for this certificate type."))
    passed = Attempt.objects.filter(
        candidate=certificate.holder,
        paper__exam_id=ctype.recert_exam_id,
        passed=True,
        submitted_at__gt=certificate.issued_at,
    ).exists()
    if not passed:
        return RenewalCheck(
            False,
            _("Renewal needs a pass in the recertification exam %(exam)s after this certificate was issued.")
            % {"exam": ctype.recert_exam.title},
        )
    return RenewalCheck(True, _("Recertification exam passed: renewal is possible."))


def certificate_renew(*, certificate: Certificate, by, request=None, today: date | None = None) -> Certificate:
    """Renew per the type's rule: a new certificate (new serial, code and period) supersedes the old one.

    The new period starts the day after the old one ends, or today if it has already ended.
    """
    today = today or timezone.localdate()
    check = renewal_check(certificate, today)
    if not check.ok:
        raise ConflictError(check.message, code="not_renewable")
    start = max(today, certificate.valid_until + timedelta(days=1))
    return supersede(
        old=certificate,
        new_valid_from=start,
        new_valid_until=None,
        by=by,
        reason=str(check.message),
        action="certificates.renew",
        request=request,
    )


def cme_credit_add(*, holder, credits: Decimal, activity: str, date: date, by=None, request=None) -> CmeCredit:
    """A holder records CME credits; they count for renewal once an officer verifies them."""
    if credits is None or Decimal(credits) <= 0 or Decimal(credits) > 100:
        raise ApplicationError(_("Credits must be between 0 and 100."), code="bad_credits")
    if not activity or not activity.strip():
        raise ApplicationError(_("Describe the activity."), code="bad_activity")
    if date > timezone.localdate():
        raise ApplicationError(_("The activity date cannot be in the future."), code="bad_date")
    credit = CmeCredit.objects.create(holder=holder, credits=Decimal(credits), activity=activity.strip(), date=date)
    audit_record(action="certificates.cme_add", actor=by or holder, target=credit, request=request)
    return credit


@transaction.atomic
def cme_credit_verify(*, credit: CmeCredit, by, request=None) -> CmeCredit:
    if credit.verified_at is not None:
        raise ConflictError(_("These credits are already verified."), code="already_verified")
    if credit.holder_id == by.pk:
        raise ApplicationError(_("Nobody verifies their own credits."), code="own_credits")
    credit.verified_by = by
    credit.verified_at = timezone.now()
    credit.save(update_fields=["verified_by", "verified_at"])
    audit_record(action="certificates.cme_verify", actor=by, target=credit, request=request)
    return credit


def renewal_reminders_send(*, days_before: int | None = None, limit: int = 500, today: date | None = None) -> int:
    """Queue reminder e-mails for valid certificates expiring within ``days_before`` days (once each).

    Bounded: at most ``limit`` per run; the next run carries on. Returns how many were queued.
    """
    from certificates.services.notifications import _enqueue

    today = today or timezone.localdate()
    days_before = reminder_days() if days_before is None else days_before
    due = list(
        Certificate.objects.filter(
            status=Certificate.Status.VALID,
            reminder_sent_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=days_before),
        )
        .exclude(holder__email="")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    now = timezone.now()
    for pk in due:
        if Certificate.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
            transaction.on_commit(lambda pk=pk: _enqueue(pk, "reminder"))
            queued += 1
    return queued
