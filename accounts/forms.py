from django import forms

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name_zh", "display_name_en", "email", "province", "licence_number", "preferred_language"]
