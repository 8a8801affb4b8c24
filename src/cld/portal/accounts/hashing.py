"""Password hashing within a memory budget: Argon2id with parameters that fit it,
and at most ``HASHES_AT_ONCE`` hashes computed at a time in the process, so a rush
of sign-ins queues instead of multiplying the memory.

Django's own Argon2 hasher takes 100 MiB a hash with 8 lanes; under the server's 8
threads a rush of sign-ins took about 800 MiB. These parameters (OWASP's first
choice for Argon2id) take 19 MiB a hash, so hashing needs at most
``HASHING_BUDGET_MIB``. A hash made with other parameters (Django's) still
verifies, and is rehashed with these at the next sign-in (Django's
``must_update``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.hashers import Argon2PasswordHasher

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
HASHES_AT_ONCE = 2
HASHING_BUDGET_MIB = HASHES_AT_ONCE * MEMORY_KIB // 1024
"""What password hashing can take at most (38 MiB), whatever the sign-ins."""

HASHING = threading.BoundedSemaphore(HASHES_AT_ONCE)
"""Held while a password is hashed or checked."""


@contextmanager
def _one_of_few() -> Iterator[None]:
    with HASHING:
        yield


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at 19 MiB, one lane, two passes; at most ``HASHES_AT_ONCE`` at a
    time. Its algorithm stays ``argon2``, so hashes of Django's hasher verify."""

    time_cost = TIME_COST
    memory_cost = MEMORY_KIB
    parallelism = PARALLELISM

    def encode(self, password: str, salt: str) -> str:
        with _one_of_few():
            return str(super().encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        with _one_of_few():
            return bool(super().verify(password, encoded))
