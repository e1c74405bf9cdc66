"""Forms of the certificates pages (public verification, holders, officers)."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from certificates.layout import FOOTER_NOTE_MAX, SIGNATORY_KEYS, LayoutError, clean_layout
from certificates.models import CertificateType, CmeCredit, Issuer, IssuerKey

MAX_CREDENTIAL_BYTES = 512 * 1024


def _signatory_lines(text: str) -> list[dict[str, str]]:
    """``Chinese name | English name | Chinese title | English title`` per line, as dicts."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or not all(parts):
            raise forms.ValidationError(_("Line %(n)s needs four parts separated by |.") % {"n": number})
        rows.append(dict(zip(("name_zh", "name_en", "title_zh", "title_en"), parts, strict=True)))
    return rows


class VerifyLookupForm(forms.Form):
    q = forms.CharField(
        label=_("Verification code or serial number"),
        max_length=60,
        help_text=_("As printed on the certificate, e.g. IR-Q-2026-000123."),
    )


class CredentialUploadForm(forms.Form):
    file = forms.FileField(label=_("Credential file (JSON)"), required=False)
    text = forms.CharField(
        label=_("…or paste the credential JSON"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if upload is None and not text:
            raise forms.ValidationError(_("Upload a credential file or paste its JSON."))
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                raise forms.ValidationError(_("The file is larger than 512 KB."))
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text."))
        if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
            raise forms.ValidationError(_("The credential is larger than 512 KB."))
        try:
            cleaned["credential"] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)s, column %(col)s).") % {"line": exc.lineno, "col": exc.colno}
            )
        if not isinstance(cleaned["credential"], dict):
            raise forms.ValidationError(_("A credential is a JSON object."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ManualIssueForm(forms.Form):
    holder = forms.CharField(label=_("Holder (username)"), max_length=150)
    certificate_type = forms.ModelChoiceField(
        label=_("Certificate type"), queryset=CertificateType.objects.filter(is_active=True)
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        help_text=_("Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_holder(self):
        username = self.cleaned_data["holder"].strip()
        try:
            return get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise forms.ValidationError(_("No active user has this username."))


class IssuerForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    url = forms.URLField(label=_("Home page"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    description_zh = forms.CharField(
        label=_("Description (Chinese)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    signatories = forms.CharField(
        label=_("Signatories"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: Chinese name | English name | Chinese title | English title (at most three)."),
    )
    logo = forms.ImageField(label=_("Logo"), required=False)
    seal = forms.ImageField(label=_("Seal"), required=False)

    def clean_signatories(self):
        return _signatory_lines(self.cleaned_data["signatories"])


class KeyRotateForm(forms.Form):
    algorithm = forms.ChoiceField(label=_("Key"), choices=IssuerKey.Algorithm.choices)


class LayoutForm(forms.Form):
    """A certificate type's layout options as separate fields, gathered into ``cleaned_data["layout"]``
    (checked by :func:`certificates.layout.clean_layout`; a refusal is shown on its field)."""

    LAYOUT_FIELDS = ("show_scope", "signatories", "accent_color", "footer_note_zh", "footer_note_en")

    show_scope = forms.BooleanField(
        label=_("Print the scope on the certificate"),
        required=False,
        initial=True,
        help_text=_("The technique areas of the type, under the holder's name."),
    )
    signatories = forms.CharField(
        label=_("Signatories on the certificate"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "One per line: Chinese name | English name | Chinese title | English title (at most three). "
            "Empty: the issuer's signatories."
        ),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#8E1B1B", "size": 8}),
        help_text=_("#RRGGBB, for the border and the title. Empty: the usual red."),
    )
    footer_note_zh = forms.CharField(label=_("Footer note (Chinese)"), max_length=FOOTER_NOTE_MAX, required=False)
    footer_note_en = forms.CharField(label=_("Footer note (English)"), max_length=FOOTER_NOTE_MAX, required=False)

    @classmethod
    def initial_for(cls, layout: dict) -> dict:
        """The fields' initial values for a stored layout."""
        lines = (" | ".join(s[k] for k in SIGNATORY_KEYS) for s in layout.get("signatories", []))
        return {
            "show_scope": layout.get("show_scope", True),
            "signatories": "\n".join(lines),
            "accent_color": layout.get("accent_color", ""),
            "footer_note_zh": layout.get("footer_note_zh", ""),
            "footer_note_en": layout.get("footer_note_en", ""),
        }

    def clean_signatories(self):
        return _signatory_lines(self.cleaned_data["signatories"])

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in self.LAYOUT_FIELDS):
            return cleaned
        raw = {name: cleaned.pop(name) for name in self.LAYOUT_FIELDS}
        try:
            cleaned["layout"] = clean_layout(raw)
        except LayoutError as exc:
            field = exc.option.split("[")[0]
            self.add_error(field if field in self.LAYOUT_FIELDS else None, exc.message)
        return cleaned


class CertificateTypeForm(LayoutForm, forms.ModelForm):
    """The type's fields, then its layout options."""

    class Meta:
        model = CertificateType
        fields = [
            "code",
            "issuer",
            "level",
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "criteria_zh",
            "criteria_en",
            "scope_areas",
            "exams",
            "validity_months",
            "renewal_rule",
            "cme_credits_required",
            "recert_exam",
            "serial_prefix",
        ]
        widgets = {
            "description_zh": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "criteria_zh": forms.Textarea(attrs={"rows": 2}),
            "criteria_en": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Issuer.objects.all()


class CmeCreditForm(forms.ModelForm):
    class Meta:
        model = CmeCredit
        fields = ["credits", "activity", "date"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
