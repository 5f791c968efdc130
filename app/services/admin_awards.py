"""Every badge award, for admins: filters, sorting, pages, and the CSV export.

The page, the JSON API and the CSV share one query (app.persistence.awards), sorted and
paged in SQL. Exports are audited: they carry learners' data out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from app.domain.clock import Clock
from app.persistence.awards import AwardQuery as AwardQuery
from app.persistence.awards import AwardRecord as AwardRecord
from app.persistence.awards import AwardSort as AwardSort
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import audit
from app.services.paging import Page

MAX_PER_PAGE = 1000

AwardPage = Page[AwardRecord]


@dataclass(frozen=True)
class BadgeChoice:
    slug: str
    badge_name: str


def list_awards(units: UnitOfWorkFactory, query: AwardQuery) -> AwardPage:
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    page = max(query.page, 1)
    with units() as uow:
        total = uow.awards.count(query)
        records = uow.awards.page(query, limit=per_page, offset=(page - 1) * per_page)
        return AwardPage(tuple(records), total, page, per_page)


def export_awards(
    units: UnitOfWorkFactory, *, clock: Clock, actor_id: int, query: AwardQuery
) -> list[AwardRecord]:
    """Every award matching the filters (no paging), with the export in the audit log."""
    with units() as uow:
        records = uow.awards.matching(query)
        audit.record(
            uow,
            at=clock(),
            actor_id=actor_id,
            action=audit.Action.AWARDS_EXPORTED,
            target="awards.csv",
            detail={"rows": len(records), **_filters_of(query)},
        )
        uow.commit()
        return records


def badge_choices(units: UnitOfWorkFactory) -> list[BadgeChoice]:
    with units() as uow:
        rows = uow.awards.badges()
        return [BadgeChoice(slug, name or slug) for slug, name in rows]


CSV_COLUMNS = (
    "award_id",
    "learner",
    "badge",
    "set",
    "set_title",
    "awarded_at",
    "run_id",
    "run_duration_seconds",
    "attempts_used",
    "hints_used",
)


def csv_lines(records: Iterable[AwardRecord]) -> Iterator[str]:
    """The CSV, a line at a time (UTF-8, RFC 4180 quoting, ISO 8601 UTC times)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[object]) -> str:
        writer.writerow([_cell(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_COLUMNS)
    for record in records:
        duration = record.duration_seconds
        yield line(
            (
                record.award_id,
                record.learner,
                record.badge_name,
                record.set_slug,
                record.set_title,
                record.awarded_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                record.run_id,
                "" if duration is None else f"{duration:.0f}",
                record.attempts_used,
                record.hints_used,
            )
        )


def _cell(value: object) -> str:
    text = str(value)
    # A spreadsheet runs a cell starting with these as a formula (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _filters_of(query: AwardQuery) -> dict[str, Any]:
    filters = {
        "badge": query.badge,
        "learner": query.learner,
        "since": query.since.isoformat() if query.since else None,
        "until": query.until.isoformat() if query.until else None,
    }
    return {key: value for key, value in filters.items() if value}
