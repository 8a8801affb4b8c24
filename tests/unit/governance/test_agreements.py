"""When data may flow: a signed, live agreement and an approved DPIA covering it."""

from __future__ import annotations

import datetime as dt

import pytest

from cld.governance.agreements import (
    Agreement,
    AgreementStatus,
    Dpia,
    DpiaStatus,
    add_years,
    in_force,
)

D = dt.date
SIGNED = Agreement(
    "CAM",
    "pan",
    AgreementStatus.SIGNED,
    signed_on=D(2025, 1, 1),
    expires_on=D(2027, 12, 31),
)
APPROVED = Dpia("CAM", DpiaStatus.APPROVED, covers=frozenset({"pan"}))


@pytest.mark.parametrize(
    ("agreement", "dpia", "day", "flows"),
    [
        (SIGNED, APPROVED, D(2026, 6, 1), True),
        (SIGNED, APPROVED, D(2024, 12, 31), False),  # before it was signed
        (SIGNED, APPROVED, D(2028, 1, 1), False),  # expired
        (
            SIGNED,
            Dpia("CAM", DpiaStatus.SUBMITTED, frozenset({"pan"})),
            D(2026, 6, 1),
            False,
        ),
        (
            SIGNED,
            Dpia("CAM", DpiaStatus.APPROVED, frozenset({"sufficiency"})),
            D(2026, 6, 1),
            False,
        ),
        (
            Agreement(
                "CAM",
                "pan",
                AgreementStatus.WITHDRAWN,
                signed_on=D(2025, 1, 1),
                withdrawn_on=D(2026, 3, 1),
            ),
            APPROVED,
            D(2026, 6, 1),
            False,
        ),
        (
            Agreement(
                "CAM", "pan", AgreementStatus.REQUESTED, requested_on=D(2025, 1, 1)
            ),
            APPROVED,
            D(2026, 6, 1),
            False,
        ),
    ],
)
def test_in_force(agreement: Agreement, dpia: Dpia, day: dt.date, flows: bool) -> None:
    assert in_force(agreement, dpia, day) is flows


def test_status_on_a_day() -> None:
    assert SIGNED.status_on(D(2028, 1, 1)) == AgreementStatus.EXPIRED
    assert SIGNED.status_on(D(2024, 1, 1)) == AgreementStatus.REQUESTED
    later = Agreement(
        "CAM",
        "pan",
        AgreementStatus.WITHDRAWN,
        signed_on=D(2025, 1, 1),
        withdrawn_on=D(2026, 3, 1),
    )
    assert later.status_on(D(2026, 2, 1)) == AgreementStatus.SIGNED  # until withdrawn
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
