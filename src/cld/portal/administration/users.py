"""Users and their roles: the list, adding a person, and one person's page
(change the role, authority or use cases; deactivate or reactivate; issue an API
token, shown once). Every change goes through ``accounts/actions.py``, which
records it in the audit log with the client's address."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cld.engine.errors import UsageError
from cld.pipeline.registry import Registry
from cld.portal.accounts import actions
from cld.portal.accounts.access import requires
from cld.portal.accounts.models import Membership, Token
from cld.portal.accounts.roles import ROLES, Permission
from cld.portal.administration.forms import (
    AddUserForm,
    ChangeUserForm,
    DeactivateForm,
    ReactivateForm,
)
from cld.portal.audit import client_ip
from cld.portal.data_area import registry

USER_PAGE = "portal/administration/user.html"


@requires(Permission.ADMINISTER)
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    people = (
        get_user_model()
        .objects.select_related("membership")
        .annotate(
            tokens=Count("api_tokens"), token_issued=Max("api_tokens__created_at")
        )
        .order_by("username")
    )
    rows = [{"user": user, **_membership_values(user)} for user in people]
    return render(request, "portal/administration/users.html", {"rows": rows})


@requires(Permission.ADMINISTER)
@require_http_methods(["GET", "POST"])
def user_add(request: HttpRequest) -> HttpResponse:
    found = registry()
    form = AddUserForm(request.POST or None, **_choices(found))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = actions.checked_member(
                found,
                username=data["username"],
                role=data["role"],
                la=data["la"] or None,
                use_cases=data["use_cases"],
            )
            actions.add_user(
                found,
                member,
                password=data["password"],
                by=request.user.get_username(),
                source=client_ip(request),
            )
        except UsageError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Added {member.username} as {ROLES[member.role].title}"
            )
            user = get_user_model().objects.get(username=member.username)
            return redirect("admin-user", user_id=user.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form}
    return render(
        request, "portal/administration/user_add.html", context, status=status
    )


@requires(Permission.ADMINISTER)
@require_http_methods(["GET", "POST"])
@never_cache
def user(request: HttpRequest, user_id: int) -> HttpResponse:
    """One person. A POST names what it changes in ``change``: ``membership``,
    ``deactivate``, ``reactivate`` or ``token``."""
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("no such user")
    found = registry()
    membership = _membership_values(person)
    change = request.POST.get("change", "") if request.method == "POST" else ""
    bound = request.POST if change else None
    forms: dict[str, Any] = {
        "membership": ChangeUserForm(
            bound if change == "membership" else None,
            initial=membership["initial"],
            role_before=membership["role"],
            **_choices(found),
        ),
        "deactivate": DeactivateForm(bound if change == "deactivate" else None),
        "reactivate": ReactivateForm(bound if change == "reactivate" else None),
    }
    context: dict[str, Any] = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "token": Token.objects.filter(user=person).order_by("-created_at").first(),
        "forms": forms,
        "submitted": forms.get(change),
        **membership,
    }
    if request.method == "GET":
        return render(request, USER_PAGE, context)
    if change == "token":
        return _issue_token(request, found, person, context)
    form = forms.get(change)
    if form is None:
        context["problem"] = "Choose what to change with one of the buttons"
        return render(request, USER_PAGE, context, status=400)
    if form.is_valid():
        try:
            done = _apply(request, found, person, change, form.cleaned_data)
        except UsageError as exc:
            form.add_error(None, str(exc))
        else:
            if done:
                messages.success(request, done)
            else:
                messages.info(request, f"Nothing changed for {person.username}")
            return redirect("admin-user", user_id=person.pk)
    return render(request, USER_PAGE, context, status=400)


def _apply(
    request: HttpRequest,
    found: Registry,
    person: Any,
    change: str,
    data: dict[str, Any],
) -> str:
    """Make the change asked for; what to tell the administrator ("" when
    nothing changed)."""
    by, source = request.user.get_username(), client_ip(request)
    username = person.username
    if change == "deactivate":
        actions.deactivate_user(
            found, username, reason=data["deactivate_reason"], by=by, source=source
        )
        return f"{username} is deactivated: they can no longer sign in"
    if change == "reactivate":
        actions.reactivate_user(
            found, username, reason=data["reactivate_reason"], by=by, source=source
        )
        return f"{username} is active again: they can sign in"
    changes = actions.change_member(
        found,
        username,
        role=data["role"],
        la=data["la"] or None,
        use_cases=data["use_cases"],
        reason=data["reason"],
        by=by,
        source=source,
    )
    if not changes:
        return ""
    return f"Changed {username}'s {_listed([_WORDS[name] for name in changes])}"


_WORDS = {"role": "role", "la": "authority", "use_cases": "use cases"}


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _issue_token(
    request: HttpRequest, found: Registry, person: Any, context: dict[str, Any]
) -> HttpResponse:
    """A new token, shown on this response only (never cached, never stored:
    only its digest is kept)."""
    try:
        issued = actions.issue_token(
            found,
            person.username,
            by=request.user.get_username(),
            source=client_ip(request),
        )
    except UsageError as exc:
        context["problem"] = str(exc)
        return render(request, USER_PAGE, context, status=400)
    context["new_token"] = issued.secret
    context["token"] = Token.objects.filter(user=person).first()
    return render(request, USER_PAGE, context)


def _membership_values(person: Any) -> dict[str, Any]:
    """The person's role, authority and use cases (none without a membership),
    and the change form's starting values."""
    try:
        membership: Membership = person.membership
    except Membership.DoesNotExist:
        return {
            "role": None,
            "role_title": "No role",
            "la": "",
            "use_cases": [],
            "initial": {},
        }
    values = {
        "role": membership.role,
        "la": membership.la,
        "use_cases": list(membership.use_cases or []),
    }
    return {
        **values,
        "role_title": ROLES[membership.role].title
        if membership.role in ROLES
        else membership.role,
        "initial": values,
    }


def _choices(found: Registry) -> dict[str, Any]:
    """The authorities and use cases a membership may name."""
    _, policy = found.policy()
    return {
        "authorities": found.authorities(),
        "use_cases": [
            (name, f"{case.title} ({name})")
            for name, case in sorted(policy.use_cases.items())
        ],
    }
