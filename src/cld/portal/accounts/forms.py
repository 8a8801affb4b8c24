"""The sign-in and second-factor forms, GOV.UK style."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from cld.portal.forms import GovukForm


class SignInForm(AuthenticationForm, GovukForm):
    """Django's own: a failure never says whether the account exists. Without
    its autofocus: the first Tab must reach "Skip to main content", and a screen
    reader must start at the top of the page (WCAG 2.4.3)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 digits it shows now, for example 123456.",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError("Enter the code as digits only")
        return code
