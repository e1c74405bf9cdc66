from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name_zh", "display_name_en", "email", "province", "licence_number", "preferred_language"]


class OtpCodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
