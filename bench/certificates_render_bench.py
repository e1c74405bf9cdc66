"""Certificate issuance cost: PDF rendering + Open Badges credential signing, per certificate.

Run: ``python -m bench.certificates_render_bench [--n 200]``. Prints milliseconds per
certificate for

* the full PDF (fonts, logo, seal, signature, vector QR) — ``certificates.pdf.render_certificate``;
* building + signing the OB 3.0 credential (``eddsa-rdfc-2022``: two RDFC-1.0 canonicalizations);
* verifying it (proof, schema, dates, status);
* a bare reportlab page with the same strings in the same fonts (no images, no QR, no layout
  logic), as the floor the renderer is compared against;
* signing with the JSON-LD context caches emptied before every call, to show what caching the
  parsed and processed contexts saves.

Pure: no Django, no database. Images are generated in memory with Pillow.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from PIL import Image, ImageDraw
from reportlab.pdfgen.canvas import Canvas

from certificates import data_integrity, openbadges, pdf
from certificates.openbadges import LocalizedText as L
from certificates.signing import generate_ed25519_key
from certificates.status_list import StatusBitstring, build_status_list_credential

VM = "https://cert.example.org/issuers/1#key-1"
LIST_URL = "https://cert.example.org/status/1"


def _png(color: tuple[int, int, int, int], size: tuple[int, int]) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size[0] - 6, size[1] - 6), outline=color, width=max(size) // 30)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _render_data(i: int) -> pdf.CertificateRenderData:
    code = uuid.UUID(int=i).hex[-12:].upper()
    return pdf.CertificateRenderData(
        holder_name=L("张伟", "ZHANG Wei"),
        title=L("介入放射学准入资格证书", "Certificate of Qualification in Interventional Radiology"),
        scope=L(
            "已通过经动脉化疗栓塞术准入资格考核，成绩合格，特发此证。",
            "has passed the qualifying examination in transarterial chemoembolization and is awarded this certificate.",
        ),
        issued_on=date(2026, 11, 26),
        valid_until=date(2031, 11, 25),
        serial=f"IR-TACE-2026-{i:06d}",
        verification_code=f"{code[:4]}-{code[4:8]}-{code[8:]}",
        verification_url=f"https://cert.example.org/verify/{code}",
        issuer_name=L("介入放射学培训考核委员会", "Interventional Radiology Training and Credentialing Board"),
        signatories=[
            pdf.Signatory(L("李明", "LI Ming"), L("主任委员", "Chair"), SIGNATURE),
            pdf.Signatory(L("王芳", "WANG Fang"), L("考务负责人", "Head of Examinations"), SIGNATURE),
        ],
        logo=LOGO,
        seal=SEAL,
    )


def _credential_input(i: int, issued: datetime) -> openbadges.CredentialInput:
    return openbadges.CredentialInput(
        id=f"urn:uuid:{uuid.UUID(int=i)}",
        issuer=openbadges.IssuerInput(
            id="https://cert.example.org/issuers/1",
            name=L("介入放射学培训考核委员会", "Interventional Radiology Training and Credentialing Board"),
            url="https://cert.example.org/",
        ),
        achievement=openbadges.AchievementInput(
            id="https://cert.example.org/achievements/tace-qualifying",
            name=L("经动脉化疗栓塞术准入资格", "TACE qualifying certificate"),
            description=L("通过准入资格考试。", "Passed the qualifying examination."),
            criteria_narrative=L("笔试成绩达到合格分数线。", "A written exam score at or above the cut score."),
            level="qualifying",
            alignments=[openbadges.AlignmentInput("TACE", "https://cert.example.org/curriculum/areas/tace")],
            translations={"en": "https://cert.example.org/achievements/tace-qualifying?lang=en"},
        ),
        subject=openbadges.SubjectInput(id=f"urn:uuid:{uuid.UUID(int=10**9 + i)}", name=L("张伟", "ZHANG Wei")),
        valid_from=issued,
        valid_until=issued + timedelta(days=5 * 365),
        status=openbadges.StatusInput(LIST_URL, i),
    )


def _bare_page(data: pdf.CertificateRenderData, cjk_font: str) -> bytes:
    """The same strings in the same fonts on an A4 landscape page, nothing else."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(pdf.PAGE_W, pdf.PAGE_H), pageCompression=1)
    y = 540.0
    lines = [
        (data.issuer_name.zh, cjk_font),
        (data.issuer_name.en, "Times-Roman"),
        (data.title.zh, cjk_font),
        (data.title.en.upper(), "Times-Bold"),
        ("兹证明", cjk_font),
        ("This is to certify that", "Times-Italic"),
        (data.holder_name.zh, cjk_font),
        (data.holder_name.en, "Times-Bold"),
        (data.scope.zh, cjk_font),
        (data.scope.en, "Times-Italic"),
        (f"证书编号 {data.serial}", cjk_font),
        (f"验证码 {data.verification_code}", cjk_font),
        (data.verification_url, "Times-Roman"),
    ]
    for text, font in lines:
        c.setFont(font, 11)
        c.drawCentredString(pdf.PAGE_W / 2, y, text)
        y -= 36
    c.showPage()
    c.save()
    return buf.getvalue()


def _time(label: str, n: int, fn: Callable[[int], object]) -> float:
    fn(0)  # warm-up: font registration, context parsing, schema compilation
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i + 1)
        samples.append((time.perf_counter() - start) * 1000)
    mean = statistics.fmean(samples)
    p95 = sorted(samples)[max(int(len(samples) * 0.95) - 1, 0)]
    print(f"{label:<52} {mean:8.2f} ms/cert   (median {statistics.median(samples):.2f}, p95 {p95:.2f}, n={n})")
    return mean


LOGO = _png((30, 60, 120, 255), (240, 240))
SEAL = _png((200, 30, 30, 230), (400, 400))
SIGNATURE = _png((20, 20, 80, 255), (300, 100))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="certificates per measurement (default 200)")
    n = parser.parse_args().n

    key = generate_ed25519_key()
    issued = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    resolver = {VM: key.public_key()}.get
    status = data_integrity.sign(
        build_status_list_credential(
            list_url=LIST_URL,
            issuer="https://cert.example.org/issuers/1",
            bitstring=StatusBitstring(),
            valid_from=issued,
        ),
        key,
        VM,
        issued,
    )
    lookup = openbadges.status_lookup_from_lists({LIST_URL: status})
    cjk, warnings = pdf.find_cjk_font()
    print(f"CJK font: {cjk or 'none (STSong-Light fallback, not embedded)'}")
    for warning in warnings:
        print(f"  warning: {warning}")

    def sign(i: int) -> dict:
        return openbadges.sign_credential(openbadges.build_credential(_credential_input(i, issued)), key, VM, issued)

    signed = sign(1)
    sizes = len(pdf.render_certificate(_render_data(1)).pdf_bytes)
    print(f"PDF size: {sizes / 1024:.0f} KB\n")

    render_ms = _time("PDF render (render_certificate)", n, lambda i: pdf.render_certificate(_render_data(i)))
    sign_ms = _time("credential build + eddsa-rdfc-2022 sign", n, sign)
    _time(
        "PDF render + credential sign (one certificate)",
        n,
        lambda i: (pdf.render_certificate(_render_data(i)), sign(i)),
    )
    _time(
        "credential verify (proof, schema, dates, status)",
        n,
        lambda i: openbadges.verify_credential(signed, resolver, lookup, issued),
    )
    bare_ms = _time(
        "bare reportlab page, same strings and fonts",
        n,
        lambda i: _bare_page(_render_data(i), cjk or pdf._fallback_cid_font()),
    )

    def cold_sign(i: int) -> dict:
        data_integrity.clear_context_caches()
        return sign(i)

    cold_ms = _time("sign with context caches emptied each time", max(n // 10, 5), cold_sign)
    print(
        f"\nrenderer / bare reportlab: {render_ms / bare_ms:.1f}x;  "
        f"context caches save {cold_ms - sign_ms:.2f} ms per signature ({cold_ms / sign_ms:.1f}x)"
    )
    print(f"=> about {1000 / (render_ms + sign_ms):.0f} certificates per second per worker process")


if __name__ == "__main__":
    main()
