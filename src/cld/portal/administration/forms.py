"""The administration forms: filtering the audit log, adding a person, changing
their role, deactivating and reactivating them. Each problem is worded for the
person at the form, on the field it is about; the account actions
(``accounts/actions.py``) check everything again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from cld.governance.authorities import Authority
from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import action_label
from cld.portal.accounts.roles import ROLES, Scope
from cld.portal.forms import Checkboxes, GovukForm, reason_field

ISO_DATE = "%Y-%m-%d"


def _choose(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _authorities(authorities: Sequence[Authority]) -> list[tuple[str, str]]:
    return [(a.code, f"{a.name} ({a.code})") for a in authorities]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


class AuditFilterForm(GovukForm):
    """The audit log's filters (a GET form); :meth:`filters` gives them as
    ``Registry.events_page`` takes them."""

    action = forms.ChoiceField(
        label="Action",
        required=False,
        error_messages={"invalid_choice": "Select an action from the list"},
    )
    la = forms.ChoiceField(
        label="Authority",
        required=False,
        error_messages={"invalid_choice": "Select an authority from the list"},
    )
    actor = forms.CharField(
        label="Who",
        required=False,
        max_length=200,
        help_text="A username, exactly as the log has it.",
        error_messages={"max_length": "A username has at most 200 characters"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *((o.value, o.value) for o in Outcome)],
        error_messages={"invalid_choice": "Select done or refused"},
    )
    since = forms.DateField(
        label="From",
        required=False,
        input_formats=[ISO_DATE],
        widget=_date_input(),
        error_messages={"invalid": "Enter the ‘from’ date as a date, like 2026-01-31"},
    )
    until = forms.DateField(
        label="To",
        required=False,
        input_formats=[ISO_DATE],
        widget=_date_input(),
        help_text="Inclusive: the whole of that day.",
        error_messages={"invalid": "Enter the ‘to’ date as a date, like 2026-01-31"},
    )
    before = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "The page asked for is not an event number",
            "min_value": "The page asked for is not an event number",
        },
    )

    def __init__(
        self,
        *args: Any,
        actions: Sequence[str],
        authorities: Sequence[Authority],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(
            self,
            "action",
            [
                ("", "Any action"),
                *((a, action_label(a)) for a in sorted(actions, key=action_label)),
            ],
        )
        _choose(self, "la", [("", "Any authority"), *_authorities(authorities)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", "The ‘to’ date must be the same as or after the ‘from’ date"
            )
        return data

    def filters(self) -> dict[str, Any]:
        """The filters given, as keyword arguments of ``events_page`` (the dates
        as the instants the days start and end in the portal's time zone)."""
        data = self.cleaned_data
        found: dict[str, Any] = {
            name: data[name] or None for name in ("action", "la", "actor", "outcome")
        }
        if data.get("since"):
            found["since"] = _start_of(data["since"])
        if data.get("until"):
            found["until"] = _start_of(data["until"] + dt.timedelta(days=1))
        return found


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class MembershipForm(GovukForm):
    """A role, with the authority (LA roles) or the use cases (hub analysts) it
    needs, and nothing it does not."""

    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *((r.name, r.title) for r in ROLES.values())],
        error_messages={
            "required": "Select a role",
            "invalid_choice": "Select one of the roles",
        },
    )
    la = forms.ChoiceField(
        label="Authority",
        required=False,
        help_text="Local authority roles only.",
        error_messages={"invalid_choice": "Select an authority from the list"},
    )
    use_cases = forms.MultipleChoiceField(
        label="Approved use cases",
        required=False,
        widget=Checkboxes,
        help_text="Hub analysts only: the use cases whose outputs they may see.",
        error_messages={"invalid_choice": "Select use cases from the list"},
    )

    def __init__(
        self,
        *args: Any,
        authorities: Sequence[Authority],
        use_cases: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "la", [("", "No authority"), *_authorities(authorities)])
        _choose(self, "use_cases", list(use_cases))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if not role:
            return data
        title = ROLES[role].title.lower()
        scope = ROLES[role].scope
        if scope is Scope.AUTHORITY and not data.get("la"):
            self.add_error("la", f"Select the authority the {title} works for")
        elif scope is not Scope.AUTHORITY and data.get("la"):
            self.add_error(
                "la", f"A {title} is not tied to one authority: select No authority"
            )
        if scope is Scope.USE_CASES and not data.get("use_cases"):
            self.add_error(
                "use_cases", "Select at least one use case the hub analyst may see"
            )
        elif scope is not Scope.USE_CASES and data.get("use_cases"):
            self.add_error(
                "use_cases",
                f"Only hub analysts are approved per use case: untick them for a "
                f"{title}",
            )
        return data


class AddUserForm(MembershipForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="How they sign in, for example a.smith.",
        error_messages={
            "required": "Enter a username",
            "max_length": "A username has at most 150 characters",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Initial password",
        strip=False,
        help_text="At least 12 characters. Pass it on safely.",
        error_messages={"required": "Enter an initial password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="The password again",
        strip=False,
        error_messages={"required": "Enter the password again"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ["username", "role", "la", "use_cases", "password", "password_again"]

    def clean_username(self) -> str:
        name = str(self.cleaned_data["username"]).strip()
        if get_user_model().objects.filter(username=name).exists():
            raise ValidationError(f"There is already a user called {name}")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "Enter the same password twice")
        elif password:
            candidate = get_user_model()(username=data.get("username", ""))
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error("password", message)
        return data


class ChangeUserForm(MembershipForm):
    reason = reason_field(
        "Why",
        longest=1000,
        rows=2,
        hint="Needed when the role changes; recorded in the audit log.",
    )

    def __init__(self, *args: Any, role_before: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role_before = role_before

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role = data.get("role")
        if role and role != self.role_before and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why the role changes")
        return data


class DeactivateForm(GovukForm):
    deactivate_reason = reason_field(
        "Why deactivate the account",
        longest=1000,
        rows=2,
        hint="Recorded in the audit log.",
        required="Enter why the account is deactivated",
    )


class ReactivateForm(GovukForm):
    reactivate_reason = reason_field(
        "Why reactivate the account (optional)", longest=1000, rows=2
    )
