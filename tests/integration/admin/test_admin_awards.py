"""Every award for admins: filters, sorting, paging, and the CSV (with its audit entry)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import admin_awards, audit
from app.services.admin_awards import AwardQuery, AwardSort
from tests import builders
from tests.conftest import save_sets
from tests.integration.admin.history import History, Take

PERFECT = [Take(("(2, 3, 5)",), seconds=20), Take((0,), seconds=10), Take((2,), seconds=30)]


@pytest.fixture
def awarded(history: History, loaded: sessionmaker[Session], clock: FakeClock) -> dict[str, int]:
    """Three GRU badges a day apart (zed slowest, with a hint) and one other badge."""
    save_sets(loaded, clock, builders.challenge("lstm-test", (builders.choice("cell", 1),)))
    ids = {name: history.learner(name) for name in ("ann", "Bob", "zed", "-rm")}
    start = history.start
    history.run(ids["ann"], "gru-test", PERFECT, at=start)
    history.run(ids["Bob"], "gru-test", [Take(("(2,5)", "2x3x5"), seconds=50), *PERFECT[1:]],
                at=start + timedelta(days=1))  # fmt: skip
    history.run(ids["zed"], "gru-test", [Take(("(2, 3, 5)",), seconds=100, hint=True),
                                         *PERFECT[1:]], at=start + timedelta(hours=36))  # fmt: skip
    history.run(ids["-rm"], "lstm-test", [Take((1,), seconds=5)], at=start)
    return ids


def names(page: admin_awards.AwardPage) -> list[str]:
    return [record.learner for record in page.items]


def test_newest_first_with_usage(
    units: UnitOfWorkFactory, awarded: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    page = admin_awards.list_awards(units, AwardQuery())
    assert page.total == 4
    assert names(page) == ["zed", "Bob", "ann", "-rm"]
    bob = page.items[1]
    assert (bob.badge_name, bob.set_slug) == ("GRU Tester", "gru-test")
    assert (bob.attempts_used, bob.hints_used, bob.problems) == (4, 0, 3)
    assert bob.duration_seconds == pytest.approx(90)
    assert page.items[0].hints_used == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (AwardQuery(badge="lstm-test"), ["-rm"]),
        (AwardQuery(learner="b"), ["Bob"]),  # any case, any part
        (AwardQuery(learner="%"), []),  # a wildcard is a plain character
        (AwardQuery(sort=AwardSort.LEARNER, descending=False), ["-rm", "ann", "Bob", "zed"]),
        (AwardQuery(sort=AwardSort.DURATION, descending=False), ["-rm", "ann", "Bob", "zed"]),
        (AwardQuery(sort=AwardSort.ATTEMPTS, descending=False), ["-rm", "ann", "zed", "Bob"]),
        (AwardQuery(sort=AwardSort.HINTS), ["zed", "Bob", "ann", "-rm"]),  # ties: newest first
    ],
)
def test_filters_and_sorting(
    units: UnitOfWorkFactory,
    awarded: dict[str, int],
    loaded: sessionmaker[Session],
    query: AwardQuery,
    expected: list[str],
) -> None:
    assert names(admin_awards.list_awards(units, query)) == expected


def test_date_range_is_whole_utc_days(
    units: UnitOfWorkFactory,
    awarded: dict[str, int],
    loaded: sessionmaker[Session],
    history: History,
) -> None:
    first_day = history.start.date()
    only_first = admin_awards.list_awards(units, AwardQuery(since=first_day, until=first_day))
    assert sorted(names(only_first)) == ["-rm", "ann"]
    later = admin_awards.list_awards(units, AwardQuery(since=first_day + timedelta(days=1)))
    assert sorted(names(later)) == ["Bob", "zed"]


def test_pages(
    units: UnitOfWorkFactory, awarded: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    first = admin_awards.list_awards(units, AwardQuery(per_page=3))
    second = admin_awards.list_awards(units, AwardQuery(per_page=3, page=2))
    assert (first.pages, len(first.items), len(second.items)) == (2, 3, 1)
    assert names(second) == ["-rm"]


def test_csv_export_is_audited(
    units: UnitOfWorkFactory,
    awarded: dict[str, int],
    loaded: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    records = admin_awards.export_awards(
        units, clock=clock, actor_id=awarded["ann"], query=AwardQuery(badge="gru-test")
    )
    text = "".join(admin_awards.csv_lines(records))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(admin_awards.CSV_COLUMNS)
    assert [row["learner"] for row in rows] == ["zed", "Bob", "ann"]
    assert rows[1]["badge"] == "GRU Tester"
    assert rows[1]["run_duration_seconds"] == "90"
    assert rows[1]["attempts_used"] == "4"
    assert rows[0]["hints_used"] == "1"
    assert rows[0]["awarded_at"].endswith("Z")
    assert text.count("\r\n") == 4
    log = audit.entries(units)
    assert [(e.actor, e.action, e.detail) for e in log.items] == [
        ("ann", "awards.exported", {"rows": 3, "badge": "gru-test"})
    ]


def test_csv_defuses_formulas(
    units: UnitOfWorkFactory, awarded: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    records = admin_awards.list_awards(units, AwardQuery(badge="lstm-test")).items
    text = "".join(admin_awards.csv_lines(records))
    assert "\r\n" + records[0].award_id + ",'-rm," in text


def test_badge_choices(
    units: UnitOfWorkFactory, awarded: dict[str, int], loaded: sessionmaker[Session]
) -> None:
    choices = admin_awards.badge_choices(units)
    assert [(c.slug, c.badge_name) for c in choices] == [
        ("gru-test", "GRU Tester"),
        ("lstm-test", "GRU Tester"),
    ]
