"""Password hashing within a memory budget: Argon2id with parameters that fit it,
and at most ``HASHES_AT_ONCE`` hashes computed at a time in the process, so a rush
of sign-ins queues instead of multiplying the memory.

Django's own Argon2 hasher takes 100 MiB a hash with 8 lanes; under the server's 8
threads a rush of sign-ins took about 800 MiB. These parameters (OWASP's first
choice for Argon2id) take 19 MiB a hash, so hashing needs at most
``HASHING_BUDGET_MIB``. A hash made with other parameters (Django's) still
verifies, and is rehashed with these at the next sign-in (Django's
``must_update``).

The budget holds only if freed hash memory goes back to the system: glibc's
malloc otherwise raises its mmap threshold after the first 19 MiB block is freed
and keeps later blocks in each server thread's arena (20 sign-ins at once then
left about 150 MiB with 8 threads, twice and more the budget). So the threshold
is fixed at 1 MiB (``mallopt``), as ``MALLOC_MMAP_THRESHOLD_`` would; elsewhere
than glibc nothing is changed."""

from __future__ import annotations

import ctypes
import ctypes.util
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
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter number (malloc.h)."""
MMAP_THRESHOLD = 1024 * 1024


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold, so a freed hash's memory is unmapped rather
    than kept by the thread's arena; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not glibc
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


LARGE_BLOCKS_RETURNED = return_large_blocks_to_the_system()


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
