"""The admin's front page: the few numbers worth a glance, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.domain.clock import Clock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import admin_awards, analytics, audit, content_status
from app.services.admin_awards import AwardQuery, AwardRecord, BadgeChoice
from app.services.analytics import SetStats
from app.services.audit import AuditEntry
from app.services.content_status import ContentFile

RECENT = timedelta(days=7)


@dataclass(frozen=True)
class Dashboard:
    learners: int
    admins: int
    runs: int
    runs_this_week: int
    awards: int
    awards_this_week: int
    sets: tuple[SetStats, ...]
    recent_awards: tuple[AwardRecord, ...]
    recent_actions: tuple[AuditEntry, ...]
    failed_files: tuple[ContentFile, ...]

    @property
    def flagged(self) -> int:
        return sum(len(stats.flagged) for stats in self.sets)


def dashboard(units: UnitOfWorkFactory, *, clock: Clock) -> Dashboard:
    since = clock() - RECENT
    with units() as uow:
        counted = uow.site_counts.totals(since)
    return Dashboard(
        learners=counted.learners,
        admins=counted.admins,
        runs=counted.runs,
        runs_this_week=counted.runs_since,
        awards=counted.awards,
        awards_this_week=counted.awards_since,
        sets=tuple(analytics.overview(units, clock=clock)),
        recent_awards=admin_awards.list_awards(units, AwardQuery(per_page=5)).items,
        recent_actions=audit.entries(units, per_page=5).items,
        failed_files=tuple(f for f in content_status.content_files(units) if f.failed),
    )


@dataclass(frozen=True)
class AwardsScreen:
    page: admin_awards.AwardPage
    badges: tuple[BadgeChoice, ...]


def awards_screen(units: UnitOfWorkFactory, query: AwardQuery) -> AwardsScreen:
    """The awards page: the page of awards and the badges to filter by."""
    return AwardsScreen(
        admin_awards.list_awards(units, query), tuple(admin_awards.badge_choices(units))
    )
