"""Page forms. They only shape input; the services check the rules and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import (
    AreaGroup,
    CaseRequirement,
    Complication,
    Level,
    Objective,
    OperatorRole,
    RequirementRole,
    TechniqueArea,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AreaForm(forms.ModelForm):
    group = forms.ModelChoiceField(queryset=AreaGroup.objects.all(), label=_("Group"))

    class Meta:
        model = TechniqueArea
        fields = ["group", "name_zh", "name_en", "description_zh", "description_en", "order", "is_active"]
        widgets = {
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["text_zh", "text_en", "order", "is_active"]
        widgets = {"text_zh": forms.Textarea(attrs={"rows": 3}), "text_en": forms.Textarea(attrs={"rows": 3})}


class ObjectiveCreateForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    text_zh = forms.CharField(label=_("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 3}))


class RequirementForm(forms.ModelForm):
    areas = forms.ModelMultipleChoiceField(
        queryset=TechniqueArea.objects.order_by("order"),
        required=False,
        label=_("Technique areas"),
        help_text=_("Leave empty to count procedures of any area."),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=RequirementRole.choices)
    min_grade = forms.TypedChoiceField(
        label=_("Minimum procedure level"),
        choices=[("", _("Any level")), *((str(n), str(n)) for n in range(1, 5))],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = CaseRequirement
        fields = ["label_zh", "label_en", "areas", "role", "min_grade", "min_count", "source", "order", "is_active"]


class RequirementCreateForm(RequirementForm):
    code = forms.RegexField(label=_("Code"), regex=r"^[QAqa]-[A-Za-z0-9]+$", max_length=30, help_text=_("e.g. Q-TACE"))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)

    class Meta(RequirementForm.Meta):
        fields = ["code", "level", "label_zh", "label_en", "areas", "role", "min_grade", "min_count", "source"]


class LevelRuleForm(forms.Form):
    min_months = forms.IntegerField(label=_("Minimum months of supervised training"), min_value=0)
    requires_certificate_level = forms.ChoiceField(
        label=_("Requires a certificate of level"), choices=[("", _("None")), *Level.choices], required=False
    )


class LogbookEntryForm(forms.Form):
    performed_on = forms.DateField(label=_("Date of procedure"), widget=DateInput())
    area = forms.ModelChoiceField(
        label=_("Technique area"), queryset=TechniqueArea.objects.filter(is_active=True), to_field_name="code"
    )
    grade = forms.TypedChoiceField(
        label=_("Procedure level"), choices=[(str(n), str(n)) for n in range(1, 5)], coerce=int
    )
    role = forms.ChoiceField(label=_("Role"), choices=OperatorRole.choices)
    supervisor = forms.ModelChoiceField(label=_("Supervising instructor"), queryset=None, to_field_name="username")
    complication = forms.ChoiceField(label=_("Complication grade"), choices=Complication.choices, initial="none")
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No patient identifiers: no ID, phone or hospital record numbers."),
    )

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].label_from_instance = lambda user: f"{user.display_name} ({user.username})"


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_("Use the template; at most 2000 entries."))


class TrainingPeriodForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Training centre"),
        queryset=Organization.objects.filter(kind=Organization.Kind.TRAINING_CENTRE, is_active=True),
        to_field_name="code",
    )
    start = forms.DateField(label=_("Start"), widget=DateInput())
    end = forms.DateField(
        label=_("End"), widget=DateInput(), required=False, help_text=_("Empty while the training is ongoing.")
    )
