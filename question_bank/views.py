"""Question bank pages for instructors, reviewers and exam officers.

Who sees what (trainees and proctors get 403 everywhere):

* the list, an item's page, a diff, the candidate preview and the coverage table — instructors,
  reviewers and exam officers;
* create, edit, submit, new version, retire, translations, bulk actions — instructors and officers
  (the services refuse what is not theirs: only a draft's author or an officer edits it, and the
  edit page of someone else's draft is a 404);
* the review queue and review decisions — reviewers (never on their own questions).

Thin: selectors read, services write, ``ApplicationError`` messages are shown as they are.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from curriculum.models import TechniqueArea
from irexam.errors import ApplicationError
from question_bank import selectors, services
from question_bank.forms import (
    BulkForm,
    MediaUploadForm,
    QuestionFilterForm,
    QuestionForm,
    ReviewForm,
    TranslationLinkForm,
)
from question_bank.models import (
    Language,
    Level,
    Pool,
    Question,
    QuestionType,
    QuestionVersion,
    VersionStatus,
)
from question_bank.rendering import render_for_candidate, render_full

BANK_ROLES = (Role.INSTRUCTOR, Role.REVIEWER, Role.OFFICER)
AUTHOR_ROLES = (Role.INSTRUCTOR, Role.OFFICER)
PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20

#: Error codes of the services that concern one field of the editor.
FIELD_OF_CODE: dict[str, str] = {
    "unknown_objective": "objectives",
    "objective_area": "objectives",
    "translation_clash": "translation_of",
    "translation_self": "translation_of",
    "unknown_media": "content",
    "invalid_content": "content",
}


# --------------------------------------------------------------------------- helpers


def _is_officer(user: Any) -> bool:
    return user.has_role(Role.OFFICER)


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def starter_content(qtype: str) -> dict[str, Any]:
    """The skeleton a new question of ``qtype`` starts from (texts empty, shapes right)."""
    if qtype == QuestionType.TF:
        return {
            "type": "tf",
            "stem": "",
            "lead_in": "",
            "options": [{"id": "T", "text": _("True")}, {"id": "F", "text": _("False")}],
            "key": ["T"],
            "explanation": "",
        }
    if qtype == QuestionType.EMQ:
        return {
            "type": "emq",
            "stem": "",
            "lead_in": "",
            "options": [{"id": letter, "text": ""} for letter in "ABCD"],
            "stems": [{"id": "1", "text": "", "key": ["A"]}, {"id": "2", "text": "", "key": ["B"]}],
            "explanation": "",
        }
    if qtype == QuestionType.ORDER:
        return {
            "type": "order",
            "stem": "",
            "lead_in": "",
            "options": [{"id": letter, "text": ""} for letter in "ABC"],
            "key": ["A", "B", "C"],
            "scoring": "exact",
            "explanation": "",
        }
    if qtype == QuestionType.CASE:
        return {
            "type": "case",
            "stem": "",
            "stages": [
                {"id": f"s{n}", "text": "", "questions": [{"id": f"q{n}", **starter_content(QuestionType.SBA)}]}
                for n in (1, 2)
            ],
            "explanation": "",
        }
    if qtype == QuestionType.MRQ:
        return {
            "type": "mrq",
            "stem": "",
            "lead_in": "",
            "options": [{"id": letter, "text": ""} for letter in "ABCD"],
            "key": ["A"],
            "scoring": "all_or_nothing",
            "explanation": "",
        }
    return {
        "type": "sba",
        "stem": "",
        "lead_in": "",
        "options": [{"id": letter, "text": ""} for letter in "ABCD"],
        "key": ["A"],
        "explanation": "",
    }


def content_issues(error: ApplicationError) -> list[dict[str, str]]:
    """The ``[{"path", "message"}]`` problems of a content error (empty for other errors)."""
    issues = error.extra.get("errors") if isinstance(error.extra, dict) else None
    if not isinstance(issues, list):
        return []
    return [
        {"path": str(issue.get("path", "")), "message": str(issue.get("message", ""))}
        for issue in issues
        if isinstance(issue, dict)
    ]


def _put_error_on_form(form: QuestionForm, error: ApplicationError) -> list[dict[str, str]]:
    """Show a service refusal next to the field it concerns; returns the content issues (for editor.js)."""
    issues = content_issues(error)
    if issues:
        for issue in issues:
            where = issue["path"] or _("content")
            form.add_error("content", f"{where}: {issue['message']}")
        return issues
    field = FIELD_OF_CODE.get(error.code)
    form.add_error(field if field in form.fields else None, str(error.message))
    return []


def _find_question(code_or_id: str) -> Question | None:
    text = (code_or_id or "").strip().upper()
    if not text:
        return None
    if text.isdigit():
        return Question.objects.filter(pk=int(text)).first()
    return Question.objects.filter(code=text).first()


def answer_keys(content: dict[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """The keys of ``content`` as readable rows ``{"label", "value"}`` (for reviewers and the item page)."""
    rows: list[dict[str, str]] = []
    qtype = content.get("type")
    if qtype == "emq":
        for stem in content.get("stems") or []:
            rows.append(
                {
                    "label": prefix + _("Stem %(id)s") % {"id": stem.get("id", "")},
                    "value": ", ".join(stem.get("key") or []),
                }
            )
    elif qtype == "case":
        for stage in content.get("stages") or []:
            for question in stage.get("questions") or []:
                label = _("Stage %(stage)s, question %(question)s: ") % {
                    "stage": stage.get("id", ""),
                    "question": question.get("id", ""),
                }
                rows.extend(answer_keys(question, prefix + label))
    elif "key" in content:
        separator = " → " if qtype == "order" else ", "
        value = separator.join(content.get("key") or [])
        if content.get("scoring"):
            value = f"{value} ({content['scoring']})"
        rows.append({"label": prefix + _("Key"), "value": value})
    return rows


def side_by_side(before: str, after: str) -> list[dict[str, Any]]:
    """Rows of a side-by-side line diff; changed lines carry character segments ``[(text, changed)]``."""

    def segments(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        left: list[tuple[str, bool]] = []
        right: list[tuple[str, bool]] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if a[i1:i2]:
                left.append((a[i1:i2], tag != "equal"))
            if b[j1:j2]:
                right.append((b[j1:j2], tag != "equal"))
        return left, right

    a_lines, b_lines = (before or "").splitlines(), (after or "").splitlines()
    rows: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                line = a_lines[i1 + offset]
                rows.append({"tag": "equal", "left": [(line, False)], "right": [(line, False)]})
            continue
        left_lines, right_lines = a_lines[i1:i2], b_lines[j1:j2]
        for index in range(max(len(left_lines), len(right_lines))):
            a = left_lines[index] if index < len(left_lines) else None
            b = right_lines[index] if index < len(right_lines) else None
            if a is not None and b is not None:
                left, right = segments(a, b)
                rows.append({"tag": "replace", "left": left, "right": right})
            elif a is not None:
                rows.append({"tag": "delete", "left": [(a, True)], "right": []})
            else:
                rows.append({"tag": "insert", "left": [], "right": [(b or "", True)]})
    return rows


def _preview(content: dict[str, Any]) -> dict[str, Any]:
    return render_for_candidate(content)


# --------------------------------------------------------------------------- list and bulk actions


@role_required(*BANK_ROLES)
def question_list(request: HttpRequest) -> HttpResponse:
    """Every question (filtered on its latest version), 50 a page, with bulk actions for authors."""
    form = QuestionFilterForm(request.GET or None)
    questions = selectors.question_list()
    if form.is_bound and form.is_valid():
        questions = selectors.question_list(**form.selector_params(request.user))
    elif form.is_bound:
        questions = questions.none()
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    return render(
        request,
        "question_bank/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_author": any(user.has_role(r) for r in AUTHOR_ROLES),
            "bulk_form": BulkForm(),
            "areas": TechniqueArea.objects.filter(is_active=True).order_by("order", "code"),
            "pools": Pool.choices,
        },
    )


@require_POST
@role_required(*AUTHOR_ROLES)
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Submit, retire or move the ticked questions: all or nothing, each refusal named."""
    back = _next_url(request, reverse("question_bank:list"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    data = form.cleaned_data
    ids = list(dict.fromkeys(data["questions"]))
    questions = list(Question.objects.filter(pk__in=ids).order_by("id"))
    if len(questions) != len(ids):
        messages.error(request, _("Some of the selected questions no longer exist."))
        return redirect(back)
    try:
        if data["action"] == "submit":
            services.bulk_submit(questions=questions, by=request.user)
            done = _("%(count)d question(s) submitted for review.")
        elif data["action"] == "retire":
            services.bulk_retire(questions=questions, by=request.user, comment=data.get("comment") or "")
            done = _("%(count)d question(s) retired.")
        else:
            services.bulk_move(
                questions=questions, by=request.user, area=data.get("area"), pool=data.get("pool") or None
            )
            done = _("%(count)d question(s) moved.")
    except ApplicationError as error:
        messages.error(request, str(error.message))
        for label, reason in (error.extra.get("errors") or {}).items():
            messages.error(request, f"{label}: {reason}")
    else:
        messages.success(request, done % {"count": len(questions)})
    return redirect(back)


# --------------------------------------------------------------------------- create and edit


#: Words editor.js shows (translated here: the static file has no access to the catalogues).
EDITOR_STRINGS: dict[str, Any] = {
    "type": gettext_lazy("Question type"),
    "changeType": gettext_lazy("Changing the type starts the options and keys again. Continue?"),
    "stem": gettext_lazy("Stem"),
    "theme": gettext_lazy("Theme"),
    "caseIntro": gettext_lazy("Case introduction"),
    "leadIn": gettext_lazy("Lead-in (the question asked)"),
    "options": gettext_lazy("Options"),
    "option": gettext_lazy("Option %s"),
    "addOption": gettext_lazy("Add an option"),
    "remove": gettext_lazy("Remove"),
    "up": gettext_lazy("Move up"),
    "down": gettext_lazy("Move down"),
    "key": gettext_lazy("Correct answer"),
    "keys": gettext_lazy("Correct answers"),
    "scoring": gettext_lazy("Scoring"),
    "allOrNothing": gettext_lazy("All or nothing"),
    "partial": gettext_lazy("Partial credit"),
    "exact": gettext_lazy("Exact order only"),
    "adjacent": gettext_lazy("Credit for correctly ordered neighbours"),
    "correctOrder": gettext_lazy("Correct order"),
    "stems": gettext_lazy("Stems (each with its key)"),
    "stemN": gettext_lazy("Stem %s"),
    "addStem": gettext_lazy("Add a stem"),
    "stemKey": gettext_lazy("Key of stem %s"),
    "stages": gettext_lazy("Stages"),
    "stageN": gettext_lazy("Stage %s"),
    "stageText": gettext_lazy("What the candidate learns at this stage"),
    "addStage": gettext_lazy("Add a stage"),
    "questionN": gettext_lazy("Question %s"),
    "addQuestion": gettext_lazy("Add a question"),
    "explanation": gettext_lazy("Explanation (never shown to candidates before results)"),
    "references": gettext_lazy("References (one per line)"),
    "images": gettext_lazy("Images"),
    "imageFile": gettext_lazy("Image file"),
    "alt": gettext_lazy("Alternative text (what the image shows)"),
    "caption": gettext_lazy("Caption"),
    "upload": gettext_lazy("Upload and attach"),
    "uploading": gettext_lazy("Uploading…"),
    "uploadFailed": gettext_lazy("The upload failed."),
    "needAlt": gettext_lazy("Describe the image in the alternative text before uploading."),
    "previewLoading": gettext_lazy("Updating the preview…"),
    "previewReady": gettext_lazy("Preview up to date."),
    "previewProblems": gettext_lazy("The preview shows the last valid version; fix the problems marked in the form."),
    "previewFailed": gettext_lazy("The preview could not be loaded."),
    "true": gettext_lazy("True"),
    "false": gettext_lazy("False"),
}

#: Types a case stage may hold.
CASE_QUESTION_TYPES = (QuestionType.SBA, QuestionType.MRQ, QuestionType.TF, QuestionType.ORDER)


def _editor_context(form: QuestionForm, *, issues: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "content_issues": issues,
        "content_issues_json": json.dumps(issues, ensure_ascii=False),
        "editor_strings": json.dumps({k: str(v) for k, v in EDITOR_STRINGS.items()}, ensure_ascii=False),
        "types_json": json.dumps(
            {
                "all": [[value, str(label)] for value, label in QuestionType.choices],
                "case": [[value, str(QuestionType(value).label)] for value in CASE_QUESTION_TYPES],
                "starters": {value: starter_content(value) for value in QuestionType.values},
            },
            ensure_ascii=False,
        ),
        "types": QuestionType.choices,
        **extra,
    }


@role_required(*AUTHOR_ROLES)
def question_create(request: HttpRequest) -> HttpResponse:
    """A new question (version 1, a draft) from the editor."""
    qtype = request.GET.get("type") or QuestionType.SBA
    if qtype not in QuestionType.values:
        qtype = QuestionType.SBA
    initial = {
        "level": Level.QUALIFYING,
        "pool": Pool.PRACTICE,
        "language": Language.ZH_HANS,
        "content": json.dumps(starter_content(qtype), ensure_ascii=False, indent=2),
        "translation_of": request.GET.get("translation_of", ""),
    }
    form = QuestionForm(request.POST or None, initial=initial)
    issues: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        translation_of = None
        if form.cleaned_data["translation_of"]:
            translation_of = _find_question(form.cleaned_data["translation_of"])
            if translation_of is None:
                form.add_error("translation_of", _("There is no question with that code."))
        if not form.errors:
            try:
                version = services.question_create(author=request.user, translation_of=translation_of, **fields)
            except ApplicationError as error:
                issues = _put_error_on_form(form, error)
            else:
                messages.success(request, _("%(code)s was saved as a draft.") % {"code": version.question.code})
                return redirect("question_bank:detail", pk=version.question_id)
    return render(
        request,
        "question_bank/editor.html",
        _editor_context(form, issues=issues, title=_("New question"), question=None, version=None),
    )


def _initial_from(version: QuestionVersion) -> dict[str, Any]:
    return {
        "area": version.question.area_id,
        "objectives": [o.pk for o in version.objectives.all()],
        "level": version.level,
        "pool": version.pool,
        "language": version.language,
        "difficulty_estimate": version.difficulty_estimate,
        "cognitive_level": version.cognitive_level,
        "tags": ", ".join(version.tags or []),
        "content": json.dumps(version.content, ensure_ascii=False, indent=2),
    }


@role_required(*AUTHOR_ROLES)
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the draft (its author or an officer), or start a new version from a submitted/approved one.

    Someone else's draft is a 404 for an instructor. Saving a non-draft makes the new draft version
    and applies the changes in one transaction (nothing is kept when the changes are refused).
    """
    question = get_object_or_404(Question.objects.select_related("area", "latest_version"), pk=pk)
    latest = question.latest_version
    if latest is None:
        raise Http404
    user = request.user
    is_draft = latest.status == VersionStatus.DRAFT
    if is_draft and latest.author_id != user.pk and not _is_officer(user):
        raise Http404
    if question.is_retired:
        messages.error(request, _("%(code)s is retired; it can no longer change.") % {"code": question.code})
        return redirect("question_bank:detail", pk=pk)
    form = QuestionForm(request.POST or None, initial=_initial_from(latest))
    issues: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        other = None
        if form.cleaned_data["translation_of"]:
            other = _find_question(form.cleaned_data["translation_of"])
            if other is None:
                form.add_error("translation_of", _("There is no question with that code."))
        if not form.errors:
            try:
                with transaction.atomic():
                    version = latest
                    if not is_draft:
                        version = services.version_new_draft(question=question, by=user, from_version=latest)
                    services.version_update_draft(version=version, by=user, **form.service_fields())
                    if other is not None and other.translation_group != question.translation_group:
                        services.translation_link(a=other, b=question, by=user)
            except ApplicationError as error:
                issues = _put_error_on_form(form, error)
            else:
                if is_draft:
                    messages.success(request, _("The draft was saved."))
                else:
                    messages.success(
                        request,
                        _("Version %(number)d was created as a draft with your changes.") % {"number": version.number},
                    )
                return redirect("question_bank:detail", pk=pk)
    title = (
        _("Edit %(code)s (draft version %(number)d)") % {"code": question.code, "number": latest.number}
        if is_draft
        else _("New version of %(code)s") % {"code": question.code}
    )
    return render(
        request,
        "question_bank/editor.html",
        _editor_context(form, issues=issues, title=title, question=question, version=latest, new_version=not is_draft),
    )


@require_POST
@role_required(*BANK_ROLES)
def preview(request: HttpRequest) -> JsonResponse:
    """The editor's live preview: ``{"content": {...}}`` in, the candidate rendering (HTML) out.

    Same checks and rendering as the preview API (``validated_content`` then ``render_for_candidate``:
    no key, no explanation); a refusal comes back as 400 with each problem's path.
    """
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"detail": _("The request is not valid JSON."), "errors": []}, status=400)
    content = body.get("content") if isinstance(body, dict) else None
    try:
        cleaned = services.validated_content(content)
    except ApplicationError as error:
        return JsonResponse({"detail": str(error.message), "errors": content_issues(error)}, status=400)
    html = render_to_string("question_bank/_candidate_item.html", {"item": _preview(cleaned)}, request=request)
    return JsonResponse({"html": html})


@require_POST
@role_required(*BANK_ROLES)
def media_upload(request: HttpRequest) -> JsonResponse:
    """The editor's image upload: the checked, re-encoded image's id and URL (JSON)."""
    form = MediaUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"detail": _("Choose an image file to upload.")}, status=400)
    try:
        media = services.media_upload(file=form.cleaned_data["file"], by=request.user)
    except ApplicationError as error:
        return JsonResponse({"detail": str(error.message)}, status=error.status_code)
    return JsonResponse(
        {
            "id": str(media.pk),
            "url": reverse("api:question-media-file", kwargs={"pk": media.pk}),
            "width": media.width,
            "height": media.height,
        },
        status=201,
    )


# --------------------------------------------------------------------------- the item page


def _actions_for(user: Any, question: Question, versions: list[QuestionVersion]) -> dict[str, Any]:
    """What the viewer may do on this item's page (the services check again when they act)."""
    latest = versions[-1] if versions else None
    officer = _is_officer(user)
    author_role = any(user.has_role(r) for r in AUTHOR_ROLES)
    live = not question.is_retired
    draft = latest if latest is not None and latest.status == VersionStatus.DRAFT else None
    own_draft = draft is not None and (draft.author_id == user.pk or officer)
    reviewable = [
        v
        for v in versions
        if v.status == VersionStatus.SUBMITTED
        and user.has_role(Role.REVIEWER)
        and user.pk not in (v.author_id, question.created_by_id)
    ]
    return {
        "edit_draft": live and author_role and own_draft,
        "submit": live and author_role and own_draft,
        "new_version": live and author_role and draft is None,
        "retire": live and author_role and (question.created_by_id == user.pk or officer),
        "link_translation": live and author_role,
        "review": live and bool(reviewable),
        "reviewable": reviewable,
    }


@role_required(*BANK_ROLES)
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status, candidate preview, keys, versions, reviews, transitions, statistics and the viewer's actions."""
    try:
        question = selectors.question_detail(pk=pk)
    except Question.DoesNotExist:
        raise Http404 from None
    versions = list(question.versions.all())
    if not versions:
        raise Http404
    latest = versions[-1]
    reviews = [(v, r) for v in versions for r in v.reviews.all()]
    transitions = [(v, t) for v in versions for t in v.transitions.all()]
    statistics = list(selectors.item_statistics(question=question))
    approvals = {v.pk: len({r.reviewer_id for r in v.reviews.all() if r.decision == "approve"}) for v in versions}
    for version in versions:
        version.approvals = approvals[version.pk]
        version.approvals_needed = services.approvals_required(version.pool)
    return render(
        request,
        "question_bank/detail.html",
        {
            "question": question,
            "versions": versions,
            "latest": latest,
            "objectives": list(latest.objectives.all()),
            "item": _preview(latest.content),
            "full": render_full(latest.content),
            "keys": answer_keys(latest.content),
            "reviews": reviews,
            "transitions": transitions,
            "statistics": statistics,
            "translations": list(selectors.translations_of(question)),
            "duplicates": list(selectors.duplicates_of(latest)),
            "actions": _actions_for(request.user, question, versions),
            "review_form": ReviewForm(),
            "translation_form": TranslationLinkForm(),
        },
    )


def _forbidden_is_403(error: ApplicationError) -> None:
    """A service's refusal for lack of permission answers 403 (not a message on the item page)."""
    if error.status_code == 403:
        raise PermissionDenied(error.message) from error


def _question_for_action(pk: int) -> Question:
    return get_object_or_404(Question.objects.select_related("latest_version"), pk=pk)


@require_POST
@role_required(*AUTHOR_ROLES)
def question_submit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_action(pk)
    draft = question.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        messages.error(request, _("%(code)s has no draft to submit.") % {"code": question.code})
        return redirect("question_bank:detail", pk=pk)
    try:
        services.version_submit(version=draft, by=request.user, comment=request.POST.get("comment", ""))
    except ApplicationError as error:
        _forbidden_is_403(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Version %(number)d was submitted for review.") % {"number": draft.number})
    return redirect("question_bank:detail", pk=pk)


@require_POST
@role_required(*AUTHOR_ROLES)
def question_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_action(pk)
    try:
        draft = services.version_new_draft(question=question, by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("question_bank:detail", pk=pk)
    messages.success(request, _("Version %(number)d was created as a draft.") % {"number": draft.number})
    return redirect("question_bank:edit", pk=pk)


@require_POST
@role_required(*AUTHOR_ROLES)
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_action(pk)
    try:
        services.question_retire(question=question, by=request.user, comment=request.POST.get("comment", ""))
    except ApplicationError as error:
        _forbidden_is_403(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(code)s was retired.") % {"code": question.code})
    return redirect("question_bank:detail", pk=pk)


@require_POST
@role_required(*AUTHOR_ROLES)
def question_link_translation(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_action(pk)
    form = TranslationLinkForm(request.POST)
    other = _find_question(form.data.get("other", "")) if form.is_valid() else None
    if other is None:
        messages.error(request, _("There is no question with that code."))
        return redirect("question_bank:detail", pk=pk)
    try:
        services.translation_link(a=question, b=other, by=request.user)
    except ApplicationError as error:
        _forbidden_is_403(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(other)s is linked as a translation.") % {"other": other.code})
    return redirect("question_bank:detail", pk=pk)


# --------------------------------------------------------------------------- diff


@role_required(*BANK_ROLES)
def version_diff_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """The item page's "compare" form (``?a=1&b=2``) redirects to the diff page."""
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a.isdigit() and b.isdigit()):
        raise Http404
    return redirect("question_bank:diff", pk=pk, a=int(a), b=int(b))


@role_required(*BANK_ROLES)
def version_diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    """Field by field from version ``a`` to version ``b``: metadata, side-by-side texts, keys before/after."""
    question = get_object_or_404(Question, pk=pk)
    versions = {
        v.number: v
        for v in QuestionVersion.objects.filter(question=question, number__in=[a, b]).prefetch_related("objectives")
    }
    if a not in versions or b not in versions:
        raise Http404
    diff = selectors.version_diff(versions[a], versions[b])
    for row in diff["fields"]:
        field = QuestionVersion._meta.get_field(row["field"])
        row["label"] = field.verbose_name
        choices = dict(field.choices or [])
        for side in ("before", "after"):
            value = row[side]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            row[f"{side}_display"] = choices.get(value, value if value not in (None, "") else "—")
    for text in diff["texts"]:
        text["rows"] = side_by_side(text["before"], text["after"])
    return render(
        request,
        "question_bank/diff.html",
        {
            "question": question,
            "a": versions[a],
            "b": versions[b],
            "diff": diff,
            "numbers": sorted(QuestionVersion.objects.filter(question=question).values_list("number", flat=True)),
            "unchanged": not (diff["fields"] or diff["texts"] or diff["keys"] or diff["objectives"]),
        },
    )


# --------------------------------------------------------------------------- reviews


@role_required(Role.REVIEWER)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted versions awaiting the viewer's decision, each with its candidate preview and key."""
    page = Paginator(selectors.review_queue(request.user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {
            "version": version,
            "item": _preview(version.content),
            "full": render_full(version.content),
            "keys": answer_keys(version.content),
            "approvals_needed": services.approvals_required(version.pool),
        }
        for version in page.object_list
    ]
    return render(
        request,
        "question_bank/review_queue.html",
        {"page": page, "entries": entries, "review_form": ReviewForm()},
    )


@require_POST
@role_required(*BANK_ROLES)
def version_review(request: HttpRequest, version_id: int) -> HttpResponse:
    """Approve, request changes (with a comment) or comment on a version; back to where the form was."""
    version = get_object_or_404(QuestionVersion.objects.select_related("question"), pk=version_id)
    back = _next_url(request, reverse("question_bank:detail", kwargs={"pk": version.question_id}))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect(back)
    decision = form.cleaned_data["decision"]
    if decision != "comment" and not request.user.has_role(Role.REVIEWER):
        raise PermissionDenied
    try:
        services.version_review(
            version=version, reviewer=request.user, decision=decision, comment=form.cleaned_data["comment"]
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        done = {
            "approve": _("Your approval of %(version)s was recorded."),
            "request_changes": _("%(version)s was sent back to its author for changes."),
            "comment": _("Your comment on %(version)s was added."),
        }[decision]
        messages.success(request, done % {"version": version.label})
    return redirect(back)


# --------------------------------------------------------------------------- coverage


@role_required(*BANK_ROLES)
def coverage(request: HttpRequest) -> HttpResponse:
    """Approved items per technique area × level × pool against what configured exams need."""
    language = request.GET.get("language") or None
    if language not in (None, *Language.values):
        language = None
    cells = selectors.coverage(language=language)
    columns = [(level, pool) for level in (Level.QUALIFYING, Level.ADVANCED) for pool in (Pool.SECURE, Pool.PRACTICE)]
    rows: dict[str, dict[str, Any]] = {}
    for cell in cells:
        row = rows.setdefault(cell.area_code, {"code": cell.area_code, "name": cell.area_name, "cells": {}})
        row["cells"][(cell.level, cell.pool)] = cell
    table = [{**row, "cells": [row["cells"].get(column) for column in columns]} for row in rows.values()]
    return render(
        request,
        "question_bank/coverage.html",
        {
            "table": table,
            "columns": [(Level(level).label, Pool(pool).label) for level, pool in columns],
            "has_demand": any(cell.needed is not None for cell in cells),
            "shortfalls": sum(1 for cell in cells if cell.short),
            "languages": Language.choices,
            "language": language or "",
        },
    )
