"""Password hashing within a memory budget (``accounts/hashing.py``): Argon2id at
19 MiB, one lane; at most ``HASHES_AT_ONCE`` hashes at a time, however many
sign-ins arrive together; hashes of Django's own Argon2 parameters (100 MiB,
8 lanes) still verify and are rehashed at the next sign-in."""

from __future__ import annotations

import platform
import threading
from types import TracebackType
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import Client
from django.urls import reverse

from cld.portal.accounts import hashing
from cld.portal.accounts.hashing import BoundedArgon2PasswordHasher

PASSWORD = "correct horse battery staple"
FAKE_HASH = b"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def test_the_portal_hashes_within_its_budget(transactional_db: None) -> None:
    assert settings.PASSWORD_HASHERS[0] == (
        "cld.portal.accounts.hashing.BoundedArgon2PasswordHasher"
    )
    hasher = BoundedArgon2PasswordHasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (
        19 * 1024,
        2,
        1,
    )
    assert hashing.HASHES_AT_ONCE == 2 and hashing.HASHING_BUDGET_MIB == 38
    if platform.libc_ver()[0] == "glibc":  # freed hash memory is unmapped
        assert hashing.LARGE_BLOCKS_RETURNED
    user = get_user_model().objects.create_user(
        username="budget-check", password=PASSWORD
    )
    assert "$m=19456,t=2,p=1$" in user.password
    assert isinstance(identify_hasher(user.password), BoundedArgon2PasswordHasher)
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_an_old_hash_verifies_and_is_upgraded_at_sign_in(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    old = Argon2PasswordHasher()  # Django's: 100 MiB, 8 lanes
    user.password = old.encode(PASSWORD, old.salt())
    user.save(update_fields=["password"])
    assert "$m=102400,t=2,p=8$" in user.password
    response = Client().post(
        reverse("sign-in"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("start")
    user.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in user.password


class _CountingGate:
    """The real semaphore, counting the threads that reach it."""

    def __init__(self, real: threading.BoundedSemaphore, arrived: Any) -> None:
        self.real = real
        self.arrived = arrived

    def __enter__(self) -> None:
        self.arrived()
        self.real.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.real.release()


def test_no_more_than_the_bound_hash_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argon2

    bound = hashing.HASHES_AT_ONCE
    callers = bound + 4
    state = threading.Condition()
    counts = {"arrived": 0, "running": 0, "peak": 0}
    release = threading.Event()

    def arrived() -> None:
        with state:
            counts["arrived"] += 1
            state.notify_all()

    def instrumented(*_: Any, **__: Any) -> Any:
        """Stands for Argon2: holds its place until the test lets it go."""
        with state:
            counts["running"] += 1
            counts["peak"] = max(counts["peak"], counts["running"])
            state.notify_all()
        release.wait(timeout=60)
        with state:
            counts["running"] -= 1
        return FAKE_HASH

    monkeypatch.setattr(hashing, "HASHING", _CountingGate(hashing.HASHING, arrived))
    monkeypatch.setattr(argon2.low_level, "hash_secret", instrumented)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", instrumented)
    hasher = BoundedArgon2PasswordHasher()
    results: list[Any] = []

    def sign_in(number: int) -> None:
        if number % 2:
            results.append(hasher.verify(PASSWORD, "argon2" + FAKE_HASH.decode()))
        else:
            results.append(hasher.encode(PASSWORD, hasher.salt()))

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(callers)]
    for thread in threads:
        thread.start()
    try:
        with state:
            everyone_waiting = state.wait_for(
                lambda: counts["arrived"] == callers and counts["running"] == bound,
                timeout=60,
            )
            running_while_all_wait = counts["running"]
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert everyone_waiting, counts
    assert running_while_all_wait == bound
    assert counts["peak"] == bound
    assert len(results) == callers
    assert all(r is True or str(r).startswith("argon2$argon2id$") for r in results)
