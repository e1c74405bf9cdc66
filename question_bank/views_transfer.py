"""Import and export pages (instructors and exam officers; everyone else gets 403).

Import: upload → preview (each question as a candidate sees it, with its key and explanation, and
every problem with its item and place) → confirm → result linking the created drafts. Large files
are read and imported by Celery tasks; the pages poll :func:`import_status` for the progress bar.
Export: the bank list's filters (query string) + a format; warnings are shown on a confirm page
before the download.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from curriculum.models import TechniqueArea
from irexam.errors import ApplicationError
from question_bank.formats import FORMATS
from question_bank.formats.tabular import template_csv, template_xlsx
from question_bank.forms import QuestionFilterForm
from question_bank.imports import (
    export_versions,
    import_job_confirm,
    import_job_create,
    versions_for_export,
)
from question_bank.models import ImportJob, ImportJobStatus, Pool, QuestionVersion

TRANSFER_ROLES = (Role.INSTRUCTOR, Role.OFFICER)
ENCODINGS = [("", gettext_lazy("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[(c, f.label) for c, f in FORMATS.items()])
    area = forms.ModelChoiceField(
        label=gettext_lazy("Technique area"),
        queryset=TechniqueArea.objects.filter(is_active=True).order_by("order", "code"),
        help_text=gettext_lazy("For questions whose file names no area."),
    )
    pool = forms.ChoiceField(
        label=gettext_lazy("Pool"),
        choices=[("", gettext_lazy("As in the file (default practice)")), *Pool.choices],
        required=False,
    )
    encoding = forms.ChoiceField(label=gettext_lazy("Text encoding"), choices=ENCODINGS, required=False)


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(c, f.label) for c, f in FORMATS.items() if f.can_export]
    )


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("area", "created_by"), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.has_role(Role.OFFICER):
        raise Http404
    return job


@role_required(*TRANSFER_ROLES)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_job_create(
                upload=data["file"],
                fmt=data["format"],
                area=data["area"],
                by=request.user,
                pool=data["pool"],
                encoding=data["encoding"],
            )
        except ApplicationError as error:
            form.add_error("file", str(error.message))
        else:
            return redirect("question_bank:import_preview", pk=job.pk)
    return render(request, "question_bank/transfer/import.html", {"form": form, "formats": FORMATS})


@role_required(*TRANSFER_ROLES)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
        return redirect("question_bank:import_result", pk=job.pk)
    if request.method == "POST":
        try:
            import_job_confirm(job=job, by=request.user, allow_duplicates=bool(request.POST.get("allow_duplicates")))
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return redirect("question_bank:import_preview", pk=job.pk)
        return redirect("question_bank:import_result", pk=job.pk)
    return render(request, "question_bank/transfer/preview.html", {"job": job, "report": job.report})


@role_required(*TRANSFER_ROLES)
def import_result(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    versions = QuestionVersion.objects.filter(pk__in=job.result.get("versions", [])).select_related("question")
    return render(request, "question_bank/transfer/result.html", {"job": job, "versions": versions})


@role_required(*TRANSFER_ROLES)
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the progress bar: ``{"status", "progress", "next"}`` (``next``: where to go when done)."""
    job = _job_for(request, pk)
    finished = job.status in (ImportJobStatus.PARSED, ImportJobStatus.DONE, ImportJobStatus.FAILED)
    target = "question_bank:import_preview" if job.status == ImportJobStatus.PARSED else "question_bank:import_result"
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": job.progress,
            "next": reverse(target, kwargs={"pk": job.pk}) if finished else None,
        }
    )


@role_required(*TRANSFER_ROLES)
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The documented CSV/XLSX template."""
    if fmt == "csv":
        data, mime = template_csv(), FORMATS["csv"].mime
    elif fmt == "xlsx":
        data, mime = template_xlsx(), FORMATS["xlsx"].mime
    else:
        raise Http404
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="question-template.{fmt}"'
    return response


@role_required(*TRANSFER_ROLES)
def export(request: HttpRequest) -> HttpResponse:
    """Export the questions matching the bank list's filters (GET ``format`` + the list's query)."""
    filters = QuestionFilterForm(request.GET or None)
    form = ExportForm(request.GET if "format" in request.GET else None)
    if not form.is_bound or not form.is_valid():
        return render(request, "question_bank/transfer/export.html", {"form": form, "query": _query(request)})
    params = filters.selector_params(request.user) if filters.is_bound and filters.is_valid() else {}
    status = params.pop("status", None)
    area = params.pop("area", None)
    area_code = getattr(area, "code", area)
    fmt = form.cleaned_data["format"]
    try:
        versions = versions_for_export(area=area_code, status=status, **params)
        data, problems, warnings = export_versions(versions, fmt)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("question_bank:list") + "?" + _query(request))
    if not versions:
        messages.error(request, _("No questions match these filters; nothing to export."))
        return redirect(reverse("question_bank:list") + "?" + _query(request))
    if problems or (warnings and not request.GET.get("confirmed")):
        return render(
            request,
            "question_bank/transfer/export.html",
            {
                "form": form,
                "problems": problems,
                "warnings": warnings,
                "count": len(versions),
                "query": _query(request),
                "confirm_query": request.GET.urlencode() + "&confirmed=1",
            },
        )
    f = FORMATS[fmt]
    extension = ".zip" if fmt in ("qti21", "qti3") else f.extensions[0]
    response = HttpResponse(data, content_type=f.mime)
    response["Content-Disposition"] = f'attachment; filename="questions-{fmt}{extension}"'
    return response


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in ("format", "confirmed", "page"):
        query.pop(name, None)
    return query.urlencode()


@require_POST
@role_required(*TRANSFER_ROLES)
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if job.status in (ImportJobStatus.PENDING, ImportJobStatus.PARSED, ImportJobStatus.FAILED):
        job.file.delete(save=False)
        job.delete()
    return redirect("question_bank:import")
