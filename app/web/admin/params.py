"""Query strings of admin pages and the admin API, read once for both.

HTML forms send empty fields as `name=`, so dates and numbers arrive as text and an
empty one means "not set" instead of a validation error.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from app.domain.errors import InvalidInput
from app.services.admin_awards import MAX_PER_PAGE, AwardQuery, AwardSort
from app.services.analytics import Scope
from app.services.playground import SnippetRunner


def parse_date(text: str | None, name: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a date; write it as YYYY-MM-DD.") from None


def parse_int(text: str | None, name: str, *, default: int, low: int, high: int) -> int:
    if not text or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a whole number.") from None
    return min(max(value, low), high)


def award_query(
    badge: Annotated[str | None, Query(description="A set's slug.")] = None,
    learner: Annotated[str | None, Query(description="Part of a username, any case.")] = None,
    since: Annotated[
        str | None, Query(description="Awarded on or after (YYYY-MM-DD, UTC).")
    ] = None,
    until: Annotated[
        str | None, Query(description="Awarded on or before (YYYY-MM-DD, UTC).")
    ] = None,
    sort: Annotated[AwardSort, Query()] = AwardSort.AWARDED_AT,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    page: Annotated[str | None, Query(description="From 1.")] = None,
    per_page: Annotated[str | None, Query(description=f"1 to {MAX_PER_PAGE}.")] = None,
) -> AwardQuery:
    return AwardQuery(
        badge=badge or None,
        learner=(learner or "").strip() or None,
        since=parse_date(since, "since"),
        until=parse_date(until, "until"),
        sort=sort,
        descending=order == "desc",
        page=parse_int(page, "page", default=1, low=1, high=1_000_000),
        per_page=parse_int(per_page, "per_page", default=25, low=1, high=MAX_PER_PAGE),
    )


AwardQueryDep = Annotated[AwardQuery, Depends(award_query)]


def api_award_query(query: AwardQueryDep, per_page: str | None = None) -> AwardQuery:
    """The API pages by the thousand unless asked otherwise: scripts want every award."""
    size = parse_int(per_page, "per_page", default=MAX_PER_PAGE, low=1, high=MAX_PER_PAGE)
    return replace(query, per_page=size)


ApiAwardQueryDep = Annotated[AwardQuery, Depends(api_award_query)]


def analytics_scope(
    first_run_only: Annotated[bool, Query(description="Each learner's first run only.")] = False,
    since: Annotated[
        str | None, Query(description="Runs started on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, Query(description="Runs started on or before (YYYY-MM-DD).")
    ] = None,
) -> Scope:
    return Scope(first_run_only, parse_date(since, "since"), parse_date(until, "until"))


ScopeDep = Annotated[Scope, Depends(analytics_scope)]


async def _runner(request: Request) -> SnippetRunner | None:
    runner: SnippetRunner | None = request.app.state.sandbox
    return runner


# The app's sandbox, None where the host cannot isolate (previews say so).
RunnerDep = Annotated[SnippetRunner | None, Depends(_runner)]
