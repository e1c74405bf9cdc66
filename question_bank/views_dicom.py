"""DICOM series pages: upload and list, a series (viewer, de-identification report, attach to a draft),
and the officer's keep-original policy.

Who: the list and a series — instructors, reviewers, officers; upload and attach — instructors and
officers (the reviewer persona also holds the instructor role); the policy — officers. Thin: the
services in ``question_bank.services_dicom`` do the work and their messages are shown as they are
(a refused upload's reason is already in the active language: ``services_dicom.dicom_refusal_message``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import role_required
from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank import dicom, services_dicom
from question_bank.models import DicomPolicy, DicomSeries, Question

BANK_ROLES = (Role.INSTRUCTOR, Role.REVIEWER, Role.OFFICER)
UPLOAD_ROLES = (Role.INSTRUCTOR, Role.OFFICER)
LIST_SIZE = 50

WINDOW_LABELS = {
    "soft_tissue": gettext_lazy("Soft tissue"),
    "lung": gettext_lazy("Lung"),
    "bone": gettext_lazy("Bone"),
    "brain": gettext_lazy("Brain"),
    "liver": gettext_lazy("Liver"),
    "angio": gettext_lazy("Angio / DSA"),
}
WINDOW_CHOICES = [("", gettext_lazy("The series' default")), *((k, WINDOW_LABELS[k]) for k in dicom.WINDOW_PRESETS)]


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(_MultipleFileField, self).clean(f, initial) for f in files if f]


class DicomUploadForm(forms.Form):
    files = _MultipleFileField(
        label=gettext_lazy("DICOM files or a zip of one series"),
        help_text=gettext_lazy("CT, MR, XA/DSA (multi-frame), US. Identifiers are removed on upload."),
    )
    confirm_no_burned_in = forms.BooleanField(
        label=gettext_lazy("I have checked the images: no patient details are burned into the pixels"),
        required=False,
    )
    window = forms.ChoiceField(label=gettext_lazy("Default window"), choices=WINDOW_CHOICES, required=False)


class DicomAttachForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question code"), max_length=20, help_text="Q-000123")
    stage = forms.IntegerField(
        label=gettext_lazy("Case stage"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("Leave empty to attach to the stem."),
    )
    alt = forms.CharField(label=gettext_lazy("Description for screen readers"), max_length=300, required=False)
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=300, required=False)
    window = forms.ChoiceField(label=gettext_lazy("Default window"), choices=WINDOW_CHOICES, required=False)
    initial_frame = forms.IntegerField(label=gettext_lazy("Initial slice or frame"), min_value=1, required=False)
    roi_frame = forms.IntegerField(
        label=gettext_lazy("Region of interest: slice or frame"), min_value=1, required=False
    )
    roi_x = forms.IntegerField(label=gettext_lazy("x (pixels)"), min_value=0, required=False)
    roi_y = forms.IntegerField(label=gettext_lazy("y (pixels)"), min_value=0, required=False)
    roi_width = forms.IntegerField(label=gettext_lazy("width (pixels)"), min_value=1, required=False)
    roi_height = forms.IntegerField(label=gettext_lazy("height (pixels)"), min_value=1, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        roi = [data.get(f"roi_{k}") for k in ("frame", "x", "y", "width", "height")]
        if any(v is not None for v in roi) and any(v is None for v in roi):
            raise forms.ValidationError(_("Give every value of the region of interest, or none."))
        return data

    def roi(self) -> dict[str, int] | None:
        data = self.cleaned_data
        if data.get("roi_frame") is None:
            return None
        return {
            "frame": data["roi_frame"] - 1,
            "x": data["roi_x"],
            "y": data["roi_y"],
            "width": data["roi_width"],
            "height": data["roi_height"],
        }


def _question_code(request: HttpRequest) -> str:
    """The question an author came from (``?question=Q-000123`` from the editor), carried to the attach form."""
    code = (request.GET.get("question") or "").strip().upper()
    return code if len(code) <= 20 and code.replace("-", "").isalnum() else ""


def _can_upload(user: Any) -> bool:
    return any(user.has_role(role) for role in UPLOAD_ROLES)


@role_required(*BANK_ROLES)
def dicom_list(request: HttpRequest) -> HttpResponse:
    form = DicomUploadForm()
    if request.method == "POST":
        if not _can_upload(request.user):
            raise PermissionDenied
        form = DicomUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                series = services_dicom.dicom_series_upload(
                    files=form.cleaned_data["files"],
                    by=request.user,
                    confirm_no_burned_in=form.cleaned_data["confirm_no_burned_in"],
                    window=form.cleaned_data["window"] or None,
                    request=request,
                )
            except ApplicationError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The series was de-identified and stored."))
                target = reverse("question_bank:dicom_detail", kwargs={"pk": series.pk})
                question = _question_code(request)
                return redirect(f"{target}?{urlencode({'question': question})}" if question else target)
    series_list = DicomSeries.objects.select_related("media", "media__uploaded_by")[:LIST_SIZE]
    return render(
        request,
        "question_bank/dicom_list.html",
        {
            "form": form,
            "series_list": series_list,
            "can_upload": _can_upload(request.user),
            "policy": DicomPolicy.current(),
            "is_officer": request.user.has_role(Role.OFFICER),
            "question_query": urlencode({"question": _question_code(request)}) if _question_code(request) else "",
        },
    )


@role_required(*BANK_ROLES)
def dicom_detail(request: HttpRequest, pk: str) -> HttpResponse:
    series = get_object_or_404(DicomSeries.objects.select_related("media", "media__uploaded_by"), pk=pk)
    form = DicomAttachForm(initial={"question": _question_code(request)})
    if request.method == "POST":
        if not _can_upload(request.user):
            raise PermissionDenied
        form = DicomAttachForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            code = data["question"].strip().upper()
            question = Question.objects.filter(code=code).select_related("latest_version").first()
            if question is None:
                form.add_error("question", _("No question has the code %(code)s.") % {"code": code})
            else:
                try:
                    services_dicom.dicom_attach(
                        question=question,
                        series=series,
                        by=request.user,
                        alt=data["alt"],
                        caption=data["caption"],
                        window=data["window"] or None,
                        initial_frame=data["initial_frame"] - 1 if data["initial_frame"] else None,
                        roi=form.roi(),
                        stage=data["stage"] - 1 if data["stage"] else None,
                    )
                except ApplicationError as error:
                    form.add_error(None, str(error.message))
                else:
                    messages.success(request, _("The series is attached to %(code)s.") % {"code": question})
                    return redirect("question_bank:detail", pk=question.pk)
    report = series.deidentification
    return render(
        request,
        "question_bank/dicom_detail.html",
        {
            "series": series,
            "manifest": series.manifest,
            "report": report,
            "form": form,
            "can_attach": _can_upload(request.user),
        },
    )


@role_required(Role.OFFICER)
def dicom_policy(request: HttpRequest) -> HttpResponse:
    policy = DicomPolicy.current()
    if request.method == "POST":
        keep = request.POST.get("keep_originals") == "on"
        services_dicom.dicom_policy_update(keep_originals=keep, by=request.user, request=request)
        messages.success(
            request,
            _("Uploads now keep their de-identified originals.")
            if keep
            else _("Uploads no longer keep their originals."),
        )
        return redirect("question_bank:dicom_policy")
    return render(request, "question_bank/dicom_policy.html", {"policy": policy})
