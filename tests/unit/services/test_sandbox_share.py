"""The per-learner share of the sandbox: how large it is (the claims themselves are in
the database: tests/integration/services/test_sandbox_share.py)."""

from __future__ import annotations

import pytest

from app.services.sandbox_share import sandbox_capacity, share_of


@pytest.mark.parametrize(
    ("capacity", "wanted", "share"),
    [(None, 2, 2), (6, 2, 2), (3, 2, 2), (2, 2, 1), (1, 2, 1), (6, 10, 5), (None, 0, 1)],
)
def test_the_share_stays_below_the_sandboxs_total(
    capacity: int | None, wanted: int, share: int
) -> None:
    assert share_of(capacity, wanted) == share


def test_the_sandboxs_total_is_its_slots_and_its_queue() -> None:
    class Box:
        pool_size = 2
        queue_size = 4

    assert sandbox_capacity(Box()) == 6
    assert sandbox_capacity(object()) is None
