"""The upload form (several files at once; the authority too, for someone who
uploads for any) and the filters of a session's issue table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from cld.governance.authorities import Authority
from cld.portal.forms import GovukForm


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Every file chosen in one input, as a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        chosen = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not chosen:
            raise forms.ValidationError(self.error_messages["required"], "required")
        one_file = super().clean
        return [one_file(one, initial) for one in chosen]


class UploadForm(GovukForm):
    returns = MultipleFileField(
        label="Files",
        help_text=(
            "Choose every file of the return at once: CSV files (SSDA903, school "
            "census), XML files (CIN census, workforce census) or the Annex A "
            "workbook (.xlsx). Put the collection year in each file's name."
        ),
        allow_empty_file=True,  # refused later with a message naming the file
        error_messages={"required": "Choose one or more files to upload"},
    )

    def refuse(self, message: str) -> None:
        """Show why the files were refused after the form itself was valid, as
        :class:`GovukForm` shows its own errors (one message for the field)."""
        self.errors.pop("returns", None)  # cleans a bound form first
        if not hasattr(self, "cleaned_data"):  # refused before the form was read
            self.cleaned_data = {}
        self.add_error("returns", message)
        widget = self.fields["returns"].widget
        if "govuk-file-upload--error" not in widget.attrs["class"]:
            widget.attrs["class"] += " govuk-file-upload--error"
        described = widget.attrs.get("aria-describedby", "")
        if "id_returns-error" not in described:
            widget.attrs["aria-describedby"] = f"{described} id_returns-error".strip()


class UploadForAnyForm(UploadForm):
    """For someone who uploads for any authority: which one, first."""

    authority = forms.ChoiceField(
        label="Authority",
        help_text="The authority whose returns these are.",
        error_messages={"required": "Choose the authority these files are for"},
    )
    field_order = ["authority", "returns"]

    def __init__(
        self, *args: Any, authorities: Sequence[Authority], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose an authority")] + [
            (a.code, f"{a.name} ({a.code})") for a in authorities
        ]


class IssueFilterForm(GovukForm):
    """GET filters of the issue table; each choice field lists what occurs."""

    file = forms.ChoiceField(label="File", required=False)
    table = forms.ChoiceField(label="Table", required=False)
    severity = forms.ChoiceField(
        label="Severity",
        required=False,
        choices=[("", "All"), ("error", "Errors"), ("warning", "Warnings")],
    )
    column = forms.ChoiceField(label="Column", required=False)
    code = forms.ChoiceField(label="Problem", required=False)
    q = forms.CharField(
        label="Message contains",
        required=False,
        max_length=200,
        strip=True,
    )

    def __init__(
        self, *args: Any, options: dict[str, list[tuple[str, str]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in options.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "All"), *choices]
