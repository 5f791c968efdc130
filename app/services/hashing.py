"""Password hashing with a bound on how many run at once.

Each argon2 hash or verification takes `memory_cost` of memory (64 MiB by default) for
its duration. Registration is open to anyone and every sign-in verifies once, so
without a bound 40 concurrent anonymous requests (the thread pool's size) held 2.5 GiB.
More hashes at once than a few gain nothing on throughput either: the work is CPU
bound. The bound is per process, like the thread pool it protects.
"""

from __future__ import annotations

from threading import BoundedSemaphore
from typing import Literal

from argon2 import PasswordHasher

HASHES_AT_ONCE = 4  # x 64 MiB with the default parameters


class BoundedHasher(PasswordHasher):
    """`inner`, whose hash and verify wait for one of `at_once` slots (its parameters
    are copied so that code reading them, such as the dummy hash, sees the same)."""

    def __init__(self, inner: PasswordHasher, *, at_once: int = HASHES_AT_ONCE) -> None:
        super().__init__(
            time_cost=inner.time_cost,
            memory_cost=inner.memory_cost,
            parallelism=inner.parallelism,
            hash_len=inner.hash_len,
            salt_len=inner.salt_len,
            type=inner.type,
        )
        self._inner = inner
        self._slots = BoundedSemaphore(at_once)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._slots:
            return self._inner.hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._slots:
            return self._inner.verify(hash, password)

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return self._inner.check_needs_rehash(hash)
