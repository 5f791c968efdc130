"""Pattern pages: review material, checked answers and explain prompts scored by concept.

Nothing here is timed; answers are checked on the server so pages work without
JavaScript and the correct option is not in the page before the learner answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from app.domain.challenge import (
    ChallengeSet,
    ExplainPrompt,
    PatternContent,
    PracticeItem,
    QuizItem,
)
from app.domain.clock import Clock
from app.domain.concepts import ConceptScore, score_explanation
from app.domain.errors import AnswerNotUnderstood, NotFound
from app.domain.flashcards import is_due
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

_T = TypeVar("_T", QuizItem, PracticeItem, ExplainPrompt)


@dataclass(frozen=True)
class CardState:
    index: int
    due: datetime | None
    is_due: bool


@dataclass(frozen=True)
class PatternPage:
    challenge_set: ChallengeSet
    content: PatternContent
    cards: tuple[CardState, ...]

    @property
    def due_count(self) -> int:
        return sum(1 for card in self.cards if card.is_due)


@dataclass(frozen=True)
class ChoiceFeedback:
    index: int
    chosen: int
    correct_index: int | None

    @property
    def correct(self) -> bool:
        return self.chosen == self.correct_index


def load_pattern(uow: UnitOfWork, slug: str) -> tuple[int, ChallengeSet, PatternContent]:
    found = uow.sets.stored(slug)
    if found is None or found.retired or found.challenge_set.pattern is None:
        raise NotFound(f"There is no pattern called {slug!r}.")
    return found.id, found.challenge_set, found.challenge_set.pattern


def pattern_page(
    units: UnitOfWorkFactory, clock: Clock, learner_id: int | None, slug: str
) -> PatternPage:
    with units() as uow:
        set_id, found, content = load_pattern(uow, slug)
        due: dict[int, datetime] = {}
        if learner_id is not None:
            due = uow.flashcards.due_dates(learner_id, set_id)
        now = clock()
        cards = tuple(
            CardState(i, due.get(i), is_due(due.get(i), now))
            for i in range(len(content.flashcards))
        )
        return PatternPage(found, content, cards)


def _choice(options_count: int, raw: object) -> int:
    text = str(raw).strip()
    if not text.isdigit() or not 0 <= int(text) < options_count:
        raise AnswerNotUnderstood(f"Pick one of the {options_count} options.")
    return int(text)


def _item(items: tuple[_T, ...], index: int) -> _T:
    if not 0 <= index < len(items):
        raise NotFound("There is no such question on this page.")
    return items[index]


def judge_choice(item: QuizItem | PracticeItem, index: int, raw: object) -> ChoiceFeedback:
    """The learner's pick among the item's options; AnswerNotUnderstood if there is none."""
    correct = next((i for i, option in enumerate(item.options) if option.correct), None)
    return ChoiceFeedback(index, _choice(len(item.options), raw), correct)


def judge_explanation(prompt: ExplainPrompt, text: str) -> ConceptScore:
    if not text.strip():
        raise AnswerNotUnderstood("Write a few sentences first.")
    return score_explanation(text, prompt.concepts)


def quiz_item(units: UnitOfWorkFactory, *, slug: str, index: int) -> QuizItem:
    with units() as uow:
        return _item(load_pattern(uow, slug)[2].quiz, index)


def explain_item(units: UnitOfWorkFactory, *, slug: str, index: int) -> ExplainPrompt:
    with units() as uow:
        return _item(load_pattern(uow, slug)[2].explain, index)


@dataclass(frozen=True)
class PracticeStep:
    challenge_set: ChallengeSet
    item: PracticeItem
    total: int


def practice_step(units: UnitOfWorkFactory, *, slug: str, number: int) -> PracticeStep:
    """Practice problem `number` (from 1) of the pattern."""
    with units() as uow:
        _set_id, found, content = load_pattern(uow, slug)
    return PracticeStep(found, _item(content.practice, number - 1), len(content.practice))
