"""Django forms that render as the GOV.UK Design System expects: each widget gets
its ``govuk-`` class, and an error or hint is tied to its field with
``aria-describedby`` (templates: ``portal/includes/field.html`` and
``portal/includes/error_summary.html``)."""

from __future__ import annotations

from typing import Any

from django import forms

_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.PasswordInput: "govuk-input govuk-input--width-20",
    forms.DateInput: "govuk-input govuk-input--width-10",
    forms.NumberInput: "govuk-input govuk-input--width-5",
}


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose label target (and so the error summary's link) is the
    first box, as the GOV.UK error summary expects (Django's points nowhere).
    Rendered by ``portal/includes/checkboxes.html``."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


def reason_field(
    label: str,
    *,
    longest: int,
    rows: int,
    hint: str = "",
    required: str | None = None,
    too_long: str | None = None,
) -> forms.CharField:
    """A text box for why something is done (kept in the record): at most
    ``longest`` characters; ``required`` is the message when it is left empty
    (optional without it); ``too_long`` the message when it is too long."""
    messages = {"max_length": too_long or f"Say why in at most {longest} characters"}
    if required:
        messages["required"] = required
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=longest,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=messages,
    )


class GovukForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            widget.attrs["class"] = (
                widget.attrs.get("class", "") + " " + _css_of(widget)
            ).strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            base = _css_of(widget).split()[0]
            widget.attrs["class"] += f" {base}--error"
            described = widget.attrs.get("aria-describedby", "")
            widget.attrs["aria-describedby"] = f"{described} id_{name}-error".strip()


def _css_of(widget: forms.Widget) -> str:
    return next(
        (css for kind, css in _CLASSES.items() if isinstance(widget, kind)),
        "govuk-input",
    )
