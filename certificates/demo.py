"""Demo step (order 60): an issuer with keys, a qualifying certificate type, and three certificates.

The certificates go to the demo trainees through the services (manual issue, reason "demo"):
one valid, one revoked, one expired, so public verification can be tried at once. Idempotent.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Organization, User
from certificates.models import Certificate, CertificateType, Issuer
from certificates.services.issuers import issuer_create
from certificates.services.issuing import certificate_issue_manual, certificate_type_create
from certificates.services.status import certificate_revoke
from exams.models import Exam, Level

ISSUER_CODE = "body-cn"
TYPE_CODE = "ir-qualifying"
SIGNATORIES = [
    {"name_zh": "李明", "name_en": "LI Ming", "title_zh": "主任委员（演示）", "title_en": "Chair (demo)"},
    {
        "name_zh": "赵敏",
        "name_en": "ZHAO Min",
        "title_zh": "考务负责人（演示）",
        "title_en": "Head of Examinations (demo)",
    },
]


def _png(draw: Callable[[ImageDraw.ImageDraw, int], None], size: int, name: str) -> SimpleUploadedFile:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw(ImageDraw.Draw(image), size)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def _logo(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse((8, 8, s - 8, s - 8), outline=(30, 60, 120, 255), width=s // 14)
    d.line((s // 2, s // 5, s // 2, s - s // 5), fill=(30, 60, 120, 255), width=s // 12)
    d.line((s // 5, s // 2, s - s // 5, s // 2), fill=(30, 60, 120, 255), width=s // 12)


def _seal(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse((6, 6, s - 6, s - 6), outline=(190, 30, 30, 220), width=s // 18)
    d.ellipse((s // 6, s // 6, s - s // 6, s - s // 6), outline=(190, 30, 30, 200), width=s // 40)
    c, r = s // 2, s // 7
    d.polygon(
        [
            (c, c - r),
            (c + r // 3, c - r // 3),
            (c + r, c - r // 4),
            (c + r // 2, c + r // 4),
            (c + r * 2 // 3, c + r),
            (c, c + r // 2),
            (c - r * 2 // 3, c + r),
            (c - r // 2, c + r // 4),
            (c - r, c - r // 4),
            (c - r // 3, c - r // 3),
        ],
        fill=(190, 30, 30, 220),
    )


def load_certificates_demo(say: Callable[[str], None]) -> None:
    officer = User.objects.filter(username="officer").first()
    trainee = User.objects.filter(username="trainee").first()
    trainee2 = User.objects.filter(username="trainee2").first()
    if officer is None or trainee is None or trainee2 is None:
        say("certificates: demo users missing (run the accounts step first); skipped")
        return
    with transaction.atomic():
        issuer = Issuer.objects.filter(code=ISSUER_CODE).first()
        if issuer is None:
            issuer = issuer_create(
                code=ISSUER_CODE,
                name_zh="介入放射学专科资格认证委员会（演示）",
                name_en="IR Specialist Credentialing Board (demo)",
                description_zh="演示用发证机构，颁发的证书仅供体验验证流程。",
                description_en="A demo issuer; its certificates only show how verification works.",
                signatories=SIGNATORIES,
                organization=Organization.objects.filter(code=ISSUER_CODE).first(),
                logo=_png(_logo, 240, "logo.png"),
                seal=_png(_seal, 360, "seal.png"),
                by=officer,
            )
        certificate_type = CertificateType.objects.filter(code=TYPE_CODE).first()
        if certificate_type is None:
            certificate_type = certificate_type_create(
                code=TYPE_CODE,
                issuer=issuer,
                level=Level.QUALIFYING,
                title_zh="介入放射学准入资格证书",
                title_en="Certificate of Qualification in Interventional Radiology",
                description_zh="持证人已通过介入放射学准入资格考试。",
                description_en="The holder has passed the qualifying examination in interventional radiology.",
                serial_prefix="IR-Q",
                validity_months=60,
                renewal_rule=CertificateType.RenewalRule.CME,
                cme_credits_required=50,
                exams=list(Exam.objects.filter(code="ir-qualifying")),
                by=officer,
            )
        today = timezone.localdate()
        wanted = [
            ("demo (valid)", trainee, today - timedelta(days=30), False),
            ("demo (revoked)", trainee2, today - timedelta(days=400), True),
            ("demo (expired)", trainee, today - timedelta(days=6 * 366), False),
        ]
        certificates = []
        for reason, holder, valid_from, revoke in wanted:
            certificate = Certificate.objects.filter(type=certificate_type, reason=reason).first()
            if certificate is None:
                certificate = certificate_issue_manual(
                    holder=holder, certificate_type=certificate_type, reason=reason, by=officer, valid_from=valid_from
                )
                if revoke:
                    certificate = certificate_revoke(
                        certificate=certificate, reason="Demo: revoked to show revocation.", by=officer
                    )
            certificates.append(certificate)
    say(f"certificates: issuer {issuer.code}, type {certificate_type.code}; verify at")
    for certificate in certificates:
        say(f"  {certificate.public_status():<10} {certificate.serial}  {certificate.verification_url()}")
