"""The DPIA risk register as data: ``dpia_risks.yaml`` read and checked into
frozen records.

:func:`read_risk_register` checks a register's text and raises
:class:`RiskRegisterError` naming the risk, the measure and the field that is
wrong; :func:`shipped_risk_register` is the register shipped with the platform. A
measure's text may name the :class:`RegisterFacts` of an authority's draft in
braces (``{retention_periods}``), with the text to use instead when a fact is empty
(``when_empty``); :func:`risk_register` fills them in for an authority.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from functools import cache
from importlib import resources
from string import Formatter
from typing import TypeVar

import yaml

from cld.engine.errors import SchemaDefinitionError
from cld.governance.dpia_risks import (
    Effect,
    Likelihood,
    Measure,
    Risk,
    RiskLevel,
    Safe,
    Severity,
    risk_level,
)
from cld.governance.use_case import UseCase

SHIPPED = "dpia_risks.yaml"
"""The register's file, beside the use cases in :mod:`cld.governance`."""

_E = TypeVar("_E", bound=StrEnum)


class RiskRegisterError(SchemaDefinitionError):
    """The risk register is badly written: a bug in the platform's data."""


@dataclass(frozen=True)
class RegisterFacts:
    """What a measure's text may name, from the authority's draft."""

    linked_use_cases: str
    """The titles of the signed use cases marked for linkage, or empty."""
    retention_periods: str
    """Each signed use case's retention ("Title: 7 years"), or empty."""
    unshared_session_days: str
    """How many days an upload that fed no use case is kept."""

    def values(self) -> dict[str, str]:
        return asdict(self)


FACTS = tuple(f.name for f in fields(RegisterFacts))


@dataclass(frozen=True)
class MeasureEntry:
    text: str
    safe: Safe
    when_empty: tuple[tuple[str, str], ...] = ()
    """(fact, text): the text to use instead when the fact is empty."""


@dataclass(frozen=True)
class RiskEntry:
    title: str
    description: str
    likelihood: Likelihood
    severity: Severity
    measures: tuple[MeasureEntry, ...]
    effect: Effect
    residual_likelihood: Likelihood
    residual_severity: Severity


@dataclass(frozen=True)
class RiskRegister:
    risks: tuple[RiskEntry, ...]


def risk_register(
    signed: Sequence[UseCase], *, unshared_session_days: int
) -> tuple[Risk, ...]:
    """The risks of the processing for the use cases an authority has signed: the
    shipped register, its measures worded for them."""
    facts = register_facts(signed, unshared_session_days=unshared_session_days)
    return tuple(filled(entry, facts) for entry in shipped_risk_register().risks)


def register_facts(
    signed: Sequence[UseCase], *, unshared_session_days: int
) -> RegisterFacts:
    """What the register's measures name, for the use cases an authority signed."""
    return RegisterFacts(
        linked_use_cases=", ".join(sorted(u.title for u in signed if u.linkage)),
        retention_periods="; ".join(
            f"{u.title}: {u.retention_years} years" for u in signed
        ),
        unshared_session_days=str(unshared_session_days),
    )


def filled(entry: RiskEntry, facts: RegisterFacts) -> Risk:
    """The register's ``entry``, its measures worded for the authority's ``facts``."""
    return Risk(
        title=entry.title,
        description=entry.description,
        likelihood=entry.likelihood,
        severity=entry.severity,
        measures=tuple(_worded(m, facts) for m in entry.measures),
        effect=entry.effect,
        residual_likelihood=entry.residual_likelihood,
        residual_severity=entry.residual_severity,
    )


def _worded(entry: MeasureEntry, facts: RegisterFacts) -> Measure:
    """``entry``'s text (or the one for an empty fact) with the facts filled in."""
    values = facts.values()
    text = next(
        (instead for fact, instead in entry.when_empty if not values[fact]),
        entry.text,
    )
    return Measure(text.format_map(values), entry.safe)


@cache
def shipped_risk_register() -> RiskRegister:
    """The register shipped with the platform (``cld/governance/dpia_risks.yaml``)."""
    text = (resources.files("cld.governance") / SHIPPED).read_text("utf-8")
    return read_risk_register(text, source=SHIPPED)


def read_risk_register(text: str, *, source: str = SHIPPED) -> RiskRegister:
    """The register in ``text``, checked; :class:`RiskRegisterError` names the
    entry and the field that is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RiskRegisterError(f"{source} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) != {"risks"}:
        raise RiskRegisterError(f"{source}: the file holds one key, risks: a list")
    listed = data["risks"]
    if not isinstance(listed, list) or not listed:
        raise RiskRegisterError(f"{source}: risks is a list of one or more risks")
    risks = tuple(
        _risk(entry, f"{source}: risk {number}")
        for number, entry in enumerate(listed, start=1)
    )
    titles = [r.title for r in risks]
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    if repeated:
        raise RiskRegisterError(
            f"{source}: more than one risk is titled {', '.join(map(repr, repeated))}"
        )
    return RiskRegister(risks)


_RISK_FIELDS = {f.name for f in fields(RiskEntry)}
_MEASURE_FIELDS = {"text", "safe", "when_empty"}


def _risk(entry: object, where: str) -> RiskEntry:
    if not isinstance(entry, dict):
        raise RiskRegisterError(f"{where}: a risk is a mapping of its fields")
    title = entry.get("title")
    if isinstance(title, str) and title.strip():
        where = f"{where} ({title.strip()})"
    _fields_of(entry, where, required=_RISK_FIELDS, allowed=_RISK_FIELDS)
    measures = entry["measures"]
    if not isinstance(measures, list) or not measures:
        raise RiskRegisterError(f"{where}: measures is a list of one or more measures")
    risk = RiskEntry(
        title=_text(entry, "title", where),
        description=_text(entry, "description", where),
        likelihood=_choice(entry, "likelihood", Likelihood, where),
        severity=_choice(entry, "severity", Severity, where),
        measures=tuple(
            _measure(m, f"{where}, measure {n}")
            for n, m in enumerate(measures, start=1)
        ),
        effect=_choice(entry, "effect", Effect, where),
        residual_likelihood=_choice(entry, "residual_likelihood", Likelihood, where),
        residual_severity=_choice(entry, "residual_severity", Severity, where),
    )
    before = risk_level(risk.likelihood, risk.severity)
    after = risk_level(risk.residual_likelihood, risk.residual_severity)
    if list(RiskLevel).index(after) > list(RiskLevel).index(before):
        raise RiskRegisterError(
            f"{where}: the residual risk ({after}) is higher than the risk before "
            f"the measures ({before})"
        )
    return risk


def _measure(entry: object, where: str) -> MeasureEntry:
    if not isinstance(entry, dict):
        raise RiskRegisterError(f"{where}: a measure is a mapping of text and safe")
    _fields_of(entry, where, required={"text", "safe"}, allowed=_MEASURE_FIELDS)
    text = _template(_text(entry, "text", where), f"{where}, text")
    named = _named_facts(text)
    instead = entry.get("when_empty", {})
    if not isinstance(instead, dict) or ("when_empty" in entry and not instead):
        raise RiskRegisterError(
            f"{where}: when_empty maps a fact the text names to the text to use "
            "when it is empty"
        )
    when_empty = []
    for fact in instead:
        if fact not in named:
            raise RiskRegisterError(
                f"{where}: when_empty names {fact!r}, which the text does not; it "
                f"names {', '.join(sorted(named)) or 'no fact'}"
            )
        other = _text(instead, fact, f"{where}, when_empty")
        when_empty.append((str(fact), _template(other, f"{where}, when_empty")))
    return MeasureEntry(
        text=text,
        safe=_choice(entry, "safe", Safe, where),
        when_empty=tuple(when_empty),
    )


def _fields_of(
    entry: Mapping[object, object], where: str, *, required: set[str], allowed: set[str]
) -> None:
    missing = sorted(required - set(entry))
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if missing:
        raise RiskRegisterError(f"{where}: {', '.join(missing)} missing")
    if unknown:
        raise RiskRegisterError(
            f"{where}: unknown field {', '.join(unknown)}; the fields are "
            f"{', '.join(sorted(allowed))}"
        )


def _text(entry: Mapping[object, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RiskRegisterError(f"{where}: {key} must be some text")
    return value.strip()


def _choice(entry: Mapping[object, object], key: str, kind: type[_E], where: str) -> _E:
    value = entry.get(key)
    try:
        return kind(value if isinstance(value, str) else "")
    except ValueError:
        raise RiskRegisterError(
            f"{where}: {key} {value!r} is not one of "
            f"{', '.join(member.value for member in kind)}"
        ) from None


def _named_facts(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def _template(text: str, where: str) -> str:
    """``text``, once every name in braces in it is a fact (``{{`` is a brace)."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError as exc:
        raise RiskRegisterError(f"{where}: {exc} (write {{{{ for a brace)") from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in FACTS or spec or conversion):
            raise RiskRegisterError(
                f"{where}: {{{name}}} is not a fact; the facts are "
                f"{', '.join('{' + f + '}' for f in FACTS)}"
            )
    return text
