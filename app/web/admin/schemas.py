"""JSON bodies of the admin API, read from the services' values (documented at /docs).

Every body is validated from the service's value as it is (`from_attributes`), so a
field is named once, here; an alias says where a field's value comes from when the
JSON name differs. Pages of a listing share `_PageOut`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.web.api.schemas import FromValues, OptionOut


class _PageOut(FromValues):
    """One page of a listing (app.services.paging.Page); its items under a name of its own."""

    total: int
    page: int
    per_page: int


class AwardRecordOut(FromValues):
    award_id: str
    learner: str
    learner_id: int
    badge: str = Field(validation_alias="badge_name")
    set: str = Field(validation_alias="set_slug")
    set_title: str
    awarded_at: datetime
    run_id: str
    run_duration_seconds: float | None = Field(validation_alias="duration_seconds")
    attempts_used: int
    hints_used: int
    problems: int


class AwardPageOut(_PageOut):
    pages: int
    awards: list[AwardRecordOut] = Field(validation_alias="items")


class OptionStatOut(OptionOut, FromValues):
    """An option of a problem (the learner API's `OptionOut`) and how often it was chosen."""

    correct: bool
    first_choice: int
    chosen: int
    current: bool


class ShapeCountOut(FromValues):
    shape: str
    count: int


class ProblemStatsOut(FromValues):
    key: str
    position: int
    title: str
    type: str
    level: str
    multiple_choice: bool
    retired: bool
    revisions: int
    learners: int
    takes: int
    in_progress: int
    right_first: int
    right_final: int
    first_try_rate: float | None
    final_rate: float | None
    hint_rate: float | None
    timeout_rate: float | None
    median_seconds: float | None
    median_limit_seconds: float | None
    discrimination: float | None
    discrimination_runs: int
    options: list[OptionStatOut]
    wrong_shapes: list[ShapeCountOut]
    wrong_answers: int
    flags: list[str]


class ScopeOut(FromValues):
    first_run_only: bool
    since: Any
    until: Any


class SetStatsOut(FromValues):
    slug: str
    title: str
    badge_name: str | None
    retired: bool
    scope: ScopeOut
    runs_started: int
    runs_finished: int
    learners: int
    learners_awarded: int
    perfect_runs: int
    finish_rate: float | None
    badge_rate: float | None
    perfect_rate: float | None
    median_run_seconds: float | None
    score_distribution: list[int]
    problems: list[ProblemStatsOut]


class LearnerLineOut(FromValues):
    id: int
    username: str
    created_at: datetime
    is_admin: bool
    time_multiplier: float
    runs: int
    awards: int
    last_run_at: datetime | None


class LearnerPageOut(_PageOut):
    learners: list[LearnerLineOut] = Field(validation_alias="items")


class RunLineOut(FromValues):
    run_id: str
    set_slug: str
    set_title: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    problems: int
    correct: int
    timed_out: int
    attempts_used: int
    hints_used: int
    time_multiplier: float
    badge_awarded: bool


class AwardLineOut(FromValues):
    award_id: str
    badge_name: str
    set_slug: str
    set_title: str
    awarded_at: datetime
    run_id: str


class LearnerRecordOut(FromValues):
    learner: LearnerLineOut
    runs: list[RunLineOut]
    awards: list[AwardLineOut]


class MultiplierIn(BaseModel):
    time_multiplier: float = Field(ge=1.0, le=4.0, examples=[1.5])


class AccommodationOut(FromValues):
    learner_id: int
    username: str
    time_multiplier: float
    previous: float
    problems_updated: int


class AuditEntryOut(FromValues):
    id: int
    at: datetime
    who: str
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditPageOut(_PageOut):
    entries: list[AuditEntryOut] = Field(validation_alias="items")


class FileErrorOut(FromValues):
    line: int
    text: str


class ContentFileOut(FromValues):
    source: str
    slug: str | None
    status: str
    summary: str
    errors: list[FileErrorOut]
    checked_at: datetime


class VerifyIn(BaseModel):
    credential: str | dict[str, Any]


class VerifyOut(FromValues):
    verdict: str
    genuine: bool
    headline: str
    explanation: str
    award_on_record: bool | None
    credential: dict[str, Any] | None
