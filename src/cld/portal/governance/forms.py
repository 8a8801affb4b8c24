"""The governance forms: recording a signed agreement (with its PDF), submitting a
DPIA, and an IG reviewer's approval or return. Every problem has its own message,
worded as the GOV.UK Design System words them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField

from cld.pipeline.signed_documents import MAX_BYTES, Rejection, size_text
from cld.portal.forms import Checkboxes, GovukForm, reason_field
from cld.portal.governance.upload import ReceivedPdfUpload

PARTS = ("day", "month", "year")
EARLIEST_YEAR = 2000
"""No agreement on this platform was signed before this year: an earlier year is a
typing slip."""

DOCUMENT_MESSAGES = {
    Rejection.EMPTY: "The selected file is empty",
    Rejection.TOO_LARGE: (
        f"The selected file must be smaller than {size_text(MAX_BYTES)}"
    ),
    Rejection.NOT_PDF: "The selected file must be a PDF",
    Rejection.INCOMPLETE: (
        "The selected file is not a complete PDF: save it again as a PDF and upload it"
    ),
}


@dataclass(frozen=True)
class DateGroup:
    """A GOV.UK date input (day, month, year) made of three text fields."""

    prefix: str
    legend: str
    """As a heading and at the start of a message: "Date signed"."""
    missing: str
    """What "Enter …" asks for when nothing was entered."""
    hint: str
    required: bool

    def field(self, part: str) -> str:
        return f"{self.prefix}_{part}"


SIGNED_ON = DateGroup(
    "signed_on",
    "Date signed",
    "the date the agreement was signed",
    "For example, 27 3 2025",
    required=True,
)
ENDS_ON = DateGroup(
    "ends_on",
    "End date (optional)",
    "the end date",
    "The last day of the agreement, for example 26 3 2028. Leave it blank for the "
    "use case's usual term.",
    required=False,
)


def date_part(part: str) -> forms.CharField:
    """One of a date's three boxes (checked with the others by :func:`read_date`;
    classes set by :meth:`SignForm._style_dates`)."""
    return forms.CharField(
        label=part.capitalize(),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


def read_date(
    group: DateGroup, values: dict[str, str]
) -> tuple[dt.date | None, str | None, tuple[str, ...]]:
    """The date a group's fields give; else None, the message and the parts at fault
    (no message when an optional date is left blank)."""
    given = {p: values.get(p, "").strip() for p in PARTS}
    name = group.legend.removesuffix(" (optional)")
    blank = tuple(p for p in PARTS if not given[p])
    if len(blank) == len(PARTS):
        if group.required:
            return None, f"Enter {group.missing}", PARTS
        return None, None, ()
    if blank:
        return None, f"{name} must include a {' and '.join(blank)}", blank
    wrong = tuple(
        p
        for p in PARTS
        if not (given[p].isascii() and given[p].isdigit() and len(given[p]) <= 4)
    )
    if wrong:
        return None, f"{name} must be a real date", wrong
    if len(given["year"]) != 4:
        return None, f"Year of the {name.lower()} must include 4 numbers", ("year",)
    try:
        day = dt.date(int(given["year"]), int(given["month"]), int(given["day"]))
    except ValueError:
        return None, f"{name} must be a real date", PARTS
    if day.year < EARLIEST_YEAR:
        return None, f"{name} must be in {EARLIEST_YEAR} or later", ("year",)
    return day, None, ()


class SignForm(GovukForm):
    """A signed Data Protection Agreement: who signed, when, until when, and the
    signed PDF (received by ``upload.SignedPdfUploadHandler``)."""

    signatory = forms.CharField(
        label="Name of the person who signed",
        max_length=200,
        error_messages={
            "required": "Enter the name of the person who signed",
            "max_length": "Name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.CharField(
        label="Their role",
        help_text="For example, Data Protection Officer or Director of Children's "
        "Services.",
        max_length=200,
        error_messages={
            "required": "Enter the role of the person who signed",
            "max_length": "Role must be 200 characters or fewer",
        },
    )
    signed_on_day = date_part("day")
    signed_on_month = date_part("month")
    signed_on_year = date_part("year")
    ends_on_day = date_part("day")
    ends_on_month = date_part("month")
    ends_on_year = date_part("year")
    isg_reference = forms.CharField(
        label="Information Sharing Gateway reference (optional)",
        help_text="If the agreement is on the Information Sharing Gateway.",
        required=False,
        max_length=100,
        error_messages={"max_length": "Reference must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    document = forms.FileField(
        label="The signed agreement",
        help_text=f"A PDF, smaller than {size_text(MAX_BYTES)}.",
        error_messages={
            "required": "Select the signed agreement (a PDF file)",
            "empty": DOCUMENT_MESSAGES[Rejection.EMPTY],
            "invalid": "The selected file could not be read: try again",
        },
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    groups = (SIGNED_ON, ENDS_ON)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.faulty: dict[str, tuple[str, ...]] = {}
        self.refused = ""
        """Why the request was refused unread (its body too large to read)."""
        self._style_dates()

    def refuse_unread(self, message: str) -> None:
        """Show the form empty, with ``message`` against the file alone."""
        self.refused = message
        widget = self.fields["document"].widget
        widget.attrs["class"] += " govuk-file-upload--error"
        described = widget.attrs.get("aria-describedby", "")
        widget.attrs["aria-describedby"] = f"{described} id_document-error".strip()

    def clean_document(self) -> ReceivedPdfUpload:
        upload = self.cleaned_data["document"]
        if not isinstance(upload, ReceivedPdfUpload):
            raise forms.ValidationError(
                self.fields["document"].error_messages["invalid"]
            )
        if upload.rejection is not None:
            raise forms.ValidationError(DOCUMENT_MESSAGES[upload.rejection.reason])
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        signed = self._date(SIGNED_ON, cleaned)
        ends = self._date(ENDS_ON, cleaned)
        if signed is not None and signed > self.today:
            self._fault(SIGNED_ON, "Date signed must be today or in the past", PARTS)
            signed = None
        if ends is not None and ends < self.today:  # so never before the signing
            self._fault(ENDS_ON, "End date must be today or in the future", PARTS)
        cleaned["signed_on"] = signed
        cleaned["ends_on"] = ends
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        self._style_dates()

    def date_inputs(self) -> list[dict[str, Any]]:
        """What ``includes/date_input.html`` shows for each date."""
        found = []
        for group in self.groups:
            parts: list[BoundField] = [self[group.field(p)] for p in PARTS]
            errors = [e for bound in parts for e in bound.errors]
            found.append(
                {"group": group, "parts": parts, "error": errors[0] if errors else ""}
            )
        return found

    def _date(self, group: DateGroup, cleaned: dict[str, Any]) -> dt.date | None:
        values = {p: str(cleaned.get(group.field(p)) or "") for p in PARTS}
        day, message, parts = read_date(group, values)
        if message:
            self._fault(group, message, parts)
        return day

    def _fault(self, group: DateGroup, message: str, parts: Iterable[str]) -> None:
        parts = tuple(parts)
        self.faulty[group.prefix] = parts
        self.add_error(group.field(parts[0]), message)

    def _style_dates(self) -> None:
        """Each part of a date: GOV.UK's classes, red and invalid when at fault,
        described by the date's error (its fieldset by its hint and error:
        ``includes/date_input.html``)."""
        for group in self.groups:
            faulty = self.faulty.get(group.prefix, ())
            for part in PARTS:
                widget = self.fields[group.field(part)].widget
                width = "4" if part == "year" else "2"
                widget.attrs["class"] = (
                    f"govuk-input govuk-date-input__input govuk-input--width-{width}"
                    + (" govuk-input--error" if part in faulty else "")
                )
                if faulty:  # else Django points at an error id of its own
                    widget.attrs["aria-describedby"] = f"{group.prefix}-error"
                else:
                    widget.attrs.pop("aria-describedby", None)
                if part in faulty:
                    widget.attrs["aria-invalid"] = "true"
                else:
                    widget.attrs.pop("aria-invalid", None)


class CoversForm(GovukForm):
    """The use cases a DPIA covers (to submit it, or to approve it)."""

    covers = forms.MultipleChoiceField(
        label="Use cases it covers",
        widget=Checkboxes,
        error_messages={
            "required": "Select the use cases the DPIA covers",
            "invalid_choice": "Select only use cases of the policy",
        },
    )

    def __init__(
        self, *args: Any, use_cases: Iterable[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["covers"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(use_cases)

    def chosen(self) -> frozenset[str]:
        return frozenset(self.cleaned_data["covers"])


class ReturnForm(GovukForm):
    """An IG reviewer returns a DPIA to its authority, saying why."""

    reason = reason_field(
        "Why it is returned",
        longest=2000,
        rows=5,
        hint="The authority's governance officer sees this on their DPIA page: "
        "say what to change.",
        required="Enter why the DPIA is returned",
        too_long="Reason must be 2000 characters or fewer",
    )

    def clean_reason(self) -> str:
        reason = " ".join(str(self.cleaned_data["reason"]).split())
        if not reason:
            raise forms.ValidationError("Enter why the DPIA is returned")
        return reason
