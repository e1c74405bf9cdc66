"""E-mails to holders: a certificate was issued, or it expires soon. Both languages in one message.

Each e-mail is claimed first (``notified_at`` / ``reminder_sent_at`` set by a conditional update),
so a task run twice sends it once; the sending itself is a Celery task after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, site_url


def certificate_notify_issue(*, certificate: Certificate) -> bool:
    """Queue the "certificate issued" e-mail once per certificate; False when already sent or no address."""
    if not certificate.holder.email:
        return False
    claimed = Certificate.objects.filter(pk=certificate.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    if not claimed:
        return False
    pk = certificate.pk
    transaction.on_commit(lambda: _enqueue(pk, "issued"))
    return True


def _enqueue(certificate_id: int, kind: str) -> None:
    from certificates.tasks import send_certificate_email

    send_certificate_email.delay(certificate_id, kind)


def _dates(certificate: Certificate) -> tuple[str, str]:
    if certificate.valid_until is None:
        return "长期有效", "no expiry"
    return certificate.valid_until.isoformat(), certificate.valid_until.isoformat()


def email_content(certificate: Certificate, kind: str) -> tuple[str, str]:
    """(subject, body) of an e-mail; ``kind`` is ``issued`` or ``reminder``."""
    ctype = certificate.type
    until_zh, until_en = _dates(certificate)
    mine = site_url(reverse("certificates:mine"))
    verify = certificate.verification_url()
    if kind == "issued":
        subject = f"证书已颁发 / Certificate issued: {certificate.serial}"
        body = (
            f"{certificate.holder_name_zh}，您好：\n\n"
            f"您的{ctype.title_zh}（编号 {certificate.serial}）已颁发，有效期至 {until_zh}。\n"
            f"下载证书：{mine}\n公开验证：{verify}\n\n"
            f"Dear {certificate.holder_name_en},\n\n"
            f"Your {ctype.title_en} (serial {certificate.serial}) has been issued; valid until {until_en}.\n"
            f"Download: {mine}\nPublic verification: {verify}\n"
        )
    elif kind == "reminder":
        subject = f"证书即将到期 / Certificate expires soon: {certificate.serial}"
        body = (
            f"{certificate.holder_name_zh}，您好：\n\n"
            f"您的{ctype.title_zh}（编号 {certificate.serial}）将于 {until_zh} 到期，请及时办理再认证：{mine}\n\n"
            f"Dear {certificate.holder_name_en},\n\n"
            f"Your {ctype.title_en} (serial {certificate.serial}) expires on {until_en}. "
            f"Please renew it: {mine}\n"
        )
    else:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    return subject, body


def certificate_email_send(*, certificate_id: int, kind: str) -> None:
    certificate = Certificate.objects.select_related("type", "holder").get(pk=certificate_id)
    subject, body = email_content(certificate, kind)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [certificate.holder.email])
