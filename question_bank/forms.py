"""Forms of the question bank pages: list filters, the editor's metadata and content, reviews, bulk actions.

The forms only parse and shape input; the services decide (and their ``ApplicationError`` messages
are put back on the form by the views).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from curriculum.models import Objective, TechniqueArea
from question_bank.models import CognitiveLevel, Language, Level, Pool, QuestionType, VersionStatus

EMPTY_CHOICE = [("", _("Any"))]


class ObjectiveSelect(forms.CheckboxSelectMultiple):
    """Checkboxes that carry their objective's area id, so the editor can show only the chosen area's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area_of: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # noqa: PLR0913
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        key = str(getattr(value, "value", value))
        if key in self.area_of:
            option["attrs"]["data-area"] = self.area_of[key]
        return option


class ObjectiveField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.code} · {obj.text}"


class QuestionFilterForm(forms.Form):
    """The list page's filters (GET). Every field is optional; unknown values are form errors."""

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    area = forms.ModelChoiceField(
        label=_("Technique area"),
        queryset=TechniqueArea.objects.order_by("order", "code"),
        required=False,
        empty_label=_("Any"),
    )
    objective = forms.CharField(
        label=_("Learning objective"), required=False, max_length=40, help_text=_("An objective code.")
    )
    level = forms.ChoiceField(label=_("Level"), choices=EMPTY_CHOICE + list(Level.choices), required=False)
    pool = forms.ChoiceField(label=_("Pool"), choices=EMPTY_CHOICE + list(Pool.choices), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=EMPTY_CHOICE + list(QuestionType.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EMPTY_CHOICE + list(VersionStatus.choices), required=False)
    author = forms.CharField(label=_("Author"), required=False, max_length=150, help_text=_("A user name."))
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def selector_params(self, user: Any) -> dict[str, Any]:
        """Keyword arguments for ``selectors.question_list`` from the cleaned data."""
        data = self.cleaned_data
        params: dict[str, Any] = {
            "search": data.get("q") or None,
            "area": data.get("area"),
            "objective": (data.get("objective") or "").strip() or None,
            "level": data.get("level") or None,
            "pool": data.get("pool") or None,
            "type": data.get("type") or None,
            "status": data.get("status") or None,
            "author": (data.get("author") or "").strip() or None,
        }
        if data.get("mine"):
            params["author"] = user
        return params


def _objective_queryset():
    return (
        Objective.objects.filter(is_active=True)
        .select_related("area")
        .order_by("area__order", "area__code", "level", "order", "code")
    )


class QuestionForm(forms.Form):
    """Metadata of a version plus its content JSON (edited by editor.js, or by hand without JavaScript)."""

    area = forms.ModelChoiceField(
        label=_("Technique area"), queryset=TechniqueArea.objects.filter(is_active=True).order_by("order", "code")
    )
    objectives = ObjectiveField(
        label=_("Learning objectives"),
        queryset=_objective_queryset(),
        required=False,
        widget=ObjectiveSelect,
        help_text=_("Only objectives of the chosen technique area are accepted."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    pool = forms.ChoiceField(label=_("Pool"), choices=Pool.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    difficulty_estimate = forms.FloatField(
        label=_("Difficulty estimate"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=_("Expected proportion of borderline candidates answering correctly (0–1)."),
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
    cognitive_level = forms.ChoiceField(label=_("Cognitive level"), choices=CognitiveLevel.choices)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas."))
    translation_of = forms.CharField(
        label=_("Translation of"),
        required=False,
        max_length=20,
        help_text=_("The code (Q-000123) of the same question in the other language, if there is one."),
    )
    content = forms.CharField(
        label=_("Content (JSON)"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "content-json"}),
        help_text=_("The question content as JSON; the structured editor fills this in for you."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["objectives"]
        field.widget.area_of = {str(o.pk): str(o.area_id) for o in field.queryset}
        field.widget.choices = field.choices

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]

    def clean_translation_of(self) -> str:
        return (self.cleaned_data.get("translation_of") or "").strip().upper()

    def clean_content(self) -> Any:
        raw = self.cleaned_data.get("content") or ""
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The content is not valid JSON (line %(line)d, column %(column)d: %(problem)s)."),
                params={"line": error.lineno, "column": error.colno, "problem": error.msg},
                code="json",
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The content must be a JSON object."), code="json")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        area = data.get("area")
        wrong = [o.code for o in data.get("objectives") or [] if area is not None and o.area_id != area.pk]
        if wrong:
            self.add_error(
                "objectives",
                _("The objective(s) %(codes)s do not belong to the technique area %(area)s.")
                % {"codes": ", ".join(wrong), "area": area.code},
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values under the names ``question_create`` / ``version_update_draft`` take."""
        data = self.cleaned_data
        return {
            "area": data["area"],
            "objectives": list(data.get("objectives") or []),
            "level": data["level"],
            "pool": data["pool"],
            "language": data["language"],
            "difficulty_estimate": data.get("difficulty_estimate"),
            "cognitive_level": data["cognitive_level"],
            "tags": data.get("tags") or [],
            "content": data["content"],
        }


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("request_changes", _("Request changes")),
            ("comment", _("Comment only")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you request changes; the author sees it."),
    )


class TranslationLinkForm(forms.Form):
    other = forms.CharField(
        label=_("Question code"), max_length=20, help_text=_("The code of the translation, for example Q-000123.")
    )


BULK_ACTIONS = [("submit", _("Submit for review")), ("retire", _("Retire")), ("move", _("Move"))]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    questions = forms.TypedMultipleChoiceField(label=_("Questions"), coerce=int, choices=())
    area = forms.ModelChoiceField(
        label=_("Move to technique area"),
        queryset=TechniqueArea.objects.filter(is_active=True).order_by("order", "code"),
        required=False,
    )
    pool = forms.ChoiceField(label=_("Move to pool"), choices=EMPTY_CHOICE + list(Pool.choices), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("questions") if hasattr(self.data, "getlist") else []
        self.fields["questions"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "move" and not data.get("area") and not data.get("pool"):
            raise forms.ValidationError(_("Choose a technique area or a pool to move to."))
        return data


class MediaUploadForm(forms.Form):
    file = forms.FileField(label=_("Image"))
