"""JSON of `GET /api/me/progress` (CONTRACT §3), built from app.services.progress values."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.domain.progress import SetStanding, TopicProgress
from app.services.progress import PatternProgress, Progress


class SetLinkOut(BaseModel):
    slug: str
    title: str
    level: str = Field(description="The most common level among the set's problems")
    attempted: bool = Field(description="The learner has started a run of it")
    url: str = Field(examples=["/challenges/gru-mastery"])

    @classmethod
    def of(cls, s: SetStanding) -> SetLinkOut:
        return cls(
            slug=s.slug, title=s.title, level=s.level.value, attempted=s.attempted,
            url=f"/challenges/{s.slug}",
        )  # fmt: skip


class TopicOut(BaseModel):
    topic: str
    level: str = Field(description="The highest level among the topic's badges held, or beginner")
    started: bool
    badges_held: list[SetLinkOut]
    sets_left: list[SetLinkOut]

    @classmethod
    def of(cls, t: TopicProgress) -> TopicOut:
        return cls(
            topic=t.topic, level=t.level.value, started=t.started,
            badges_held=[SetLinkOut.of(s) for s in t.held],
            sets_left=[SetLinkOut.of(s) for s in t.left],
        )  # fmt: skip


class PatternDueOut(BaseModel):
    slug: str
    title: str
    topic: str
    cards: int
    due_now: int
    due_today: int = Field(description="Due by the end of today (UTC), due_now included")
    new: int = Field(description="Cards never reviewed")
    next_due: datetime | None = Field(description="When the earliest card not yet due comes due")
    url: str

    @classmethod
    def of(cls, p: PatternProgress) -> PatternDueOut:
        d = p.due
        return cls(
            slug=p.slug, title=p.title, topic=p.topic, cards=d.cards, due_now=d.due_now,
            due_today=d.due_today, new=d.new, next_due=d.next_due, url=f"/patterns/{p.slug}",
        )  # fmt: skip


class SuggestionOut(BaseModel):
    kind: str = Field(description="at_level, in_started_topic, any_unearned, all_earned or no_sets")
    reason: str
    set: SetLinkOut | None
    topic: str | None


class ProgressOut(BaseModel):
    topics: list[TopicOut]
    patterns: list[PatternDueOut]
    due_now: int
    due_today: int
    next_due: datetime | None
    review_url: str = Field(description="The page that walks every card due now")
    suggestion: SuggestionOut

    @classmethod
    def of(cls, p: Progress) -> ProgressOut:
        s = p.suggestion
        suggested = s.standing
        return cls(
            topics=[TopicOut.of(t) for t in p.topics],
            patterns=[PatternDueOut.of(d) for d in p.patterns],
            due_now=p.due_now,
            due_today=p.due_today,
            next_due=p.next_due,
            review_url="/me/review",
            suggestion=SuggestionOut(
                kind=s.kind.value,
                reason=s.reason,
                set=SetLinkOut.of(suggested) if suggested else None,
                topic=suggested.topic if suggested else None,
            ),
        )
