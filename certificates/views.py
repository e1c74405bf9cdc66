"""Pages of the certificates app: public verification, issuer profiles, holders' and officers' pages.

Public pages need no login, are rate-limited per IP and may be cached for seconds only
(``max-age`` short, ``must-revalidate``): a revocation shows on the next request.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from certificates import ratelimit, selectors, services
from certificates.forms import (
    CertificateTypeForm,
    CmeCreditForm,
    CredentialUploadForm,
    IssuerForm,
    KeyRotateForm,
    LayoutForm,
    ManualIssueForm,
    ReasonForm,
    VerifyLookupForm,
)
from certificates.models import Certificate, CertificateType, CmeCredit, Issuer, StatusList
from certificates.services.issuing import JOB_KIND, certificate_type_layout_set
from certificates.services.renewal import renewal_check
from exams.models import Job, Sitting
from irexam.errors import ApplicationError

PUBLIC_MAX_AGE = 10


def _public(max_age: int = PUBLIC_MAX_AGE):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code != 429:  # a rate-limit answer is never cached
                patch_cache_control(response, public=True, max_age=max_age, must_revalidate=True)
            return response

        return wrapped

    return decorator


def _rate_limited(view):
    """429 with a clear message when an IP verifies too often."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        allowed, retry_after = ratelimit.allow(request)
        if not allowed:
            message = _("Too many verification requests from your address. Please wait %(s)s seconds.") % {
                "s": retry_after
            }
            if request.headers.get("Accept", "").startswith("application/json"):
                response: HttpResponse = JsonResponse({"detail": message, "code": "rate_limited"}, status=429)
            else:
                response = render(request, "certificates/rate_limited.html", {"message": message}, status=429)
            response["Retry-After"] = str(retry_after)
            patch_cache_control(response, no_store=True)
            return response
        return view(request, *args, **kwargs)

    return wrapped


# --------------------------------------------------------------------------- public


@_public()
@_rate_limited
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """The verification form: a code or serial leads to the certificate's public page."""
    form = VerifyLookupForm(request.GET or None)
    not_found = False
    if form.is_valid():
        record = selectors.verification_lookup(form.cleaned_data["q"])
        if record is not None:
            return redirect("certificates:verify_code", record["verification_code"])
        not_found = True
    return render(request, "certificates/verify_lookup.html", {"form": form, "not_found": not_found})


@_public()
@_rate_limited
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    record = selectors.verification_lookup(code)
    if record is None:
        return render(
            request, "certificates/verify_lookup.html", {"form": VerifyLookupForm(), "not_found": True}, status=404
        )
    return render(request, "certificates/verify.html", {"record": record})


@_public(max_age=0)
@_rate_limited
def verify_credential(request: HttpRequest) -> HttpResponse:
    """Upload or paste a credential: proof, schema, dates and status checked, each with its message."""
    result = None
    form = CredentialUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = selectors.verify_uploaded_credential(form.cleaned_data["credential"])
    return render(request, "certificates/verify_credential.html", {"form": form, "result": result})


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or "application/ld+json" in accept


@_public(max_age=300)
def issuer_profile(request: HttpRequest, code: str) -> HttpResponse:
    """The issuer's public profile (HTML), or its OB 3.0 Profile JSON for ``Accept: application/json``."""
    issuer = get_object_or_404(Issuer, code=code)
    if _wants_json(request):
        return JsonResponse(selectors.issuer_profile_document(issuer), json_dumps_params={"ensure_ascii": False})
    keys = selectors.issuer_keys(issuer)
    types = issuer.types.filter(is_active=True).prefetch_related("scope_areas")
    return render(request, "certificates/issuer_profile.html", {"issuer": issuer, "keys": keys, "types": types})


@_public(max_age=300)
def issuer_profile_json(request: HttpRequest, code: str) -> HttpResponse:
    issuer = get_object_or_404(Issuer, code=code)
    return JsonResponse(selectors.issuer_profile_document(issuer), json_dumps_params={"ensure_ascii": False})


@_public(max_age=300)
def issuer_jwks(request: HttpRequest, code: str) -> HttpResponse:
    issuer = get_object_or_404(Issuer, code=code)
    response = JsonResponse(selectors.issuer_jwks(issuer))
    response["Content-Type"] = "application/jwk-set+json"
    return response


@_public()
def status_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed BitstringStatusListCredential (cached for seconds; updated on every change)."""
    status_list = get_object_or_404(StatusList.objects.select_related("issuer"), pk=pk)
    try:
        document = services.status_list_credential(status_list)
    except ApplicationError:
        raise Http404 from None
    response = JsonResponse(document)
    response["Content-Type"] = (
        "application/vc+ld+json" if "vc" in request.headers.get("Accept", "") else ("application/json")
    )
    return response


@_public(max_age=300)
def achievement(request: HttpRequest, code: str) -> HttpResponse:
    """The achievement (certificate type) a credential refers to; ``?lang=en`` for the English page."""
    certificate_type = get_object_or_404(
        CertificateType.objects.select_related("issuer").prefetch_related("scope_areas"), code=code
    )
    english = request.GET.get("lang") == "en"
    return render(request, "certificates/achievement.html", {"type": certificate_type, "english": english})


# --------------------------------------------------------------------------- holders


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = list(selectors.certificates_of_holder(request.user))
    rows = [(c, renewal_check(c)) for c in certificates]
    return render(request, "certificates/mine.html", {"rows": rows})


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF, to its holder and officers only (anyone else: 404)."""
    certificate = selectors.certificate_for_user(request.user, pk)
    if not certificate.pdf:
        raise Http404(_("The PDF is still being prepared."))
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=certificate.pdf_filename(),
        content_type="application/pdf",
    )
    return _private(response)


@login_required
def download_credential(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_for_user(request.user, pk)
    if not certificate.credential:
        raise Http404(_("The credential is still being prepared."))
    body = json.dumps(certificate.credential, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credential-{certificate.serial}.json"'
    return _private(response)


@login_required
def download_jwt(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_for_user(request.user, pk)
    try:
        token = services.certificate_jwt(certificate)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from None
    response = HttpResponse(token, content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="credential-{certificate.serial}.jwt"'
    return _private(response)


@login_required
@require_POST
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk, holder=request.user)
    try:
        new = services.certificate_renew(certificate=certificate, by=request.user, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Renewed: your new certificate is %(serial)s.") % {"serial": new.serial})
    return redirect("certificates:mine")


@login_required
def my_cme(request: HttpRequest) -> HttpResponse:
    form = CmeCreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cme_credit_add(holder=request.user, request=request, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Credits recorded; they count once an officer verifies them."))
            return redirect("certificates:my_cme")
    credits = CmeCredit.objects.filter(holder=request.user)
    return render(request, "certificates/my_cme.html", {"form": form, "credits": credits})


# --------------------------------------------------------------------------- officers

officer_required = role_required(Role.OFFICER)


@officer_required
def manage_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.certificates_search(
        query=request.GET.get("q", ""), status=request.GET.get("status", ""), type_code=request.GET.get("type", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    statuses = [*Certificate.Status.choices, (Certificate.EXPIRED, _("Expired"))]
    return render(
        request,
        "certificates/manage_list.html",
        {"page": page, "statuses": statuses, "types": CertificateType.objects.all()},
    )


@officer_required
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("type", "issuer", "holder", "supersedes"), pk=pk)
    return render(
        request,
        "certificates/manage_detail.html",
        {"certificate": certificate, "form": ReasonForm(), "public_status": certificate.public_status()},
    )


ACTIONS = {
    "revoke": services.certificate_revoke,
    "suspend": services.certificate_suspend,
    "unsuspend": services.certificate_unsuspend,
    "reissue": services.certificate_reissue,
}


@officer_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk)
    service = ACTIONS.get(action)
    if service is None:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required."))
        return redirect("certificates:manage_detail", pk)
    try:
        result = service(certificate=certificate, reason=form.cleaned_data["reason"], by=request.user, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:manage_detail", pk)
    messages.success(
        request,
        _("Done: %(serial)s is now %(status)s.") % {"serial": result.serial, "status": result.get_status_display()},
    )
    return redirect("certificates:manage_detail", result.pk)


@officer_required
def manage_issue(request: HttpRequest) -> HttpResponse:
    form = ManualIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.certificate_issue_manual(
                holder=data["holder"],
                certificate_type=data["certificate_type"],
                reason=data["reason"],
                valid_from=data["valid_from"],
                by=request.user,
                request=request,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Issued %(serial)s.") % {"serial": certificate.serial})
            return redirect("certificates:manage_detail", certificate.pk)
    return render(request, "certificates/form.html", {"form": form, "title": _("Issue a certificate manually")})


@officer_required
def manage_issuers(request: HttpRequest) -> HttpResponse:
    form = IssuerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            issuer = services.issuer_create(by=request.user, request=request, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Issuer %(code)s created with new keys.") % {"code": issuer.code})
            return redirect("certificates:manage_issuers")
    issuers = Issuer.objects.prefetch_related("keys")
    return render(
        request, "certificates/manage_issuers.html", {"issuers": issuers, "form": form, "rotate_form": KeyRotateForm()}
    )


@officer_required
@require_POST
def manage_issuer_rotate(request: HttpRequest, code: str) -> HttpResponse:
    issuer = get_object_or_404(Issuer, code=code)
    form = KeyRotateForm(request.POST)
    if form.is_valid():
        key = services.issuer_key_rotate(
            issuer=issuer, algorithm=form.cleaned_data["algorithm"], by=request.user, request=request
        )
        messages.success(request, _("New key %(kid)s; the old one stays published.") % {"kid": key.kid})
    return redirect("certificates:manage_issuers")


@officer_required
def manage_types(request: HttpRequest) -> HttpResponse:
    """The types and the form for a new one; ``?edit=<code>`` instead edits that type's layout options."""
    if "edit" in request.GET:
        return _manage_type_layout(request, get_object_or_404(CertificateType, code=request.GET["edit"]))
    form = CertificateTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.certificate_type_create(by=request.user, request=request, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Certificate type created."))
            return redirect("certificates:manage_types")
    types = CertificateType.objects.select_related("issuer", "recert_exam").prefetch_related("scope_areas")
    return render(request, "certificates/manage_types.html", {"types": types, "form": form})


def _manage_type_layout(request: HttpRequest, certificate_type: CertificateType) -> HttpResponse:
    form = LayoutForm(request.POST or None, initial=LayoutForm.initial_for(certificate_type.layout))
    if request.method == "POST" and form.is_valid():
        try:
            certificate_type_layout_set(
                certificate_type=certificate_type, layout=form.cleaned_data["layout"], by=request.user, request=request
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Layout options saved; certificates rendered from now on follow them."))
            return redirect("certificates:manage_types")
    return render(request, "certificates/manage_type_layout.html", {"certificate_type": certificate_type, "form": form})


@officer_required
def manage_sitting(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """Issuing progress for a sitting (refresh to follow it), and the button to (re)start issuing."""
    sitting = get_object_or_404(Sitting.objects.select_related("exam"), pk=sitting_id)
    if request.method == "POST":
        try:
            services.issuing_job_start(sitting=sitting, by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("certificates:manage_sitting", sitting_id)
    jobs = Job.objects.filter(sitting=sitting, kind=JOB_KIND).order_by("-created_at")[:10]
    counts = {
        "issued": Certificate.objects.filter(attempt__registration__sitting=sitting).count(),
        "rendered": Certificate.objects.filter(
            attempt__registration__sitting=sitting, render_status=Certificate.Render.DONE
        ).count(),
    }
    return render(request, "certificates/manage_sitting.html", {"sitting": sitting, "jobs": jobs, "counts": counts})


@officer_required
def manage_cme(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        credit_id = request.POST.get("credit", "")
        credit = get_object_or_404(CmeCredit, pk=int(credit_id) if credit_id.isdigit() else 0)  # not a 500 on junk
        try:
            services.cme_credit_verify(credit=credit, by=request.user, request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Credits verified."))
        return redirect(reverse("certificates:manage_cme"))
    pending = CmeCredit.objects.filter(verified_at__isnull=True).select_related("holder").order_by("date")[:200]
    return render(request, "certificates/manage_cme.html", {"pending": pending})
