"""Challenge and pattern sets built in code for tests (no YAML needed)."""

from __future__ import annotations

from dataclasses import replace

from app.domain.challenge import (
    Badge,
    ChallengeSet,
    Concept,
    Difficulty,
    ExplainPrompt,
    Flashcard,
    Level,
    Option,
    PatternContent,
    PracticeItem,
    Problem,
    ProblemType,
    QuizItem,
    SetKind,
    ShapeAnswer,
    TestSpec,
)
from app.domain.variants import Param


def choice(key: str, correct: int, *, attempts: int = 2, seconds: int = 90) -> Problem:
    texts = ["Alpha answer", "Bravo answer", "Charlie answer", "Delta answer"]
    return Problem(
        key=key,
        type=ProblemType.CONCEPTUAL,
        level=Level.INTERMEDIATE,
        title=f"Question {key}",
        prompt=f"Which answer is right for **{key}**?",
        time_limit_seconds=seconds,
        max_attempts=attempts,
        options=tuple(
            Option(text=t, correct=i == correct, why=f"Because {t.lower()}.")
            for i, t in enumerate(texts)
        ),
        hint=f"Think about {key}.",
        explanation=f"The answer to {key} is {texts[correct]}.",
    )


def shape_problem(key: str = "shape", *, seconds: int = 120, attempts: int = 2) -> Problem:
    return Problem(
        key=key,
        type=ProblemType.PREDICT_OUTPUT,
        level=Level.INTERMEDIATE,
        title="Output of GRU layer",
        prompt="What is the shape of `output`?",
        time_limit_seconds=seconds,
        max_attempts=attempts,
        code="import torch\noutput = torch.zeros(2, 3, 5)\nprint(output.shape)\n",
        answer=ShapeAnswer(shape_of="output", expected=(2, 3, 5)),
        hint="Batch comes first.",
        explanation="It is `(batch, seq_len, hidden)` = (2, 3, 5).",
    )


def challenge(
    slug: str = "gru-test",
    problems: tuple[Problem, ...] | None = None,
    *,
    title: str = "GRU Test Badge",
) -> ChallengeSet:
    return ChallengeSet(
        slug=slug,
        kind=SetKind.CHALLENGE,
        title=title,
        topic="NLP",
        summary="Get all challenges correct to earn this badge!",
        badge=Badge(name="GRU Tester", description="Answered every GRU test correctly."),
        problems=problems
        if problems is not None
        else (shape_problem(), choice("gate", 0), choice("debug", 2, attempts=1)),
    )


def pattern(slug: str = "seq-pattern") -> ChallengeSet:
    quiz = tuple(
        QuizItem(
            prompt=f"Quiz {i}?",
            options=(Option("Right", correct=True, why="Yes."), Option("Wrong", why="No.")),
            explanation=f"Explanation {i}.",
            level=level,
        )
        for i, level in enumerate(
            [Difficulty.EASY] * 3 + [Difficulty.MEDIUM] * 2 + [Difficulty.HARD]
        )
    )
    practice = tuple(
        PracticeItem(
            level=level,
            prompt=f"Practice {i}?",
            options=(Option("Wrong"), Option("Right", correct=True)),
            solution=("Step 1: think.", "Step 2: answer."),
            final_answer="Right -> Option B",
            quick_check="Right is right",
            hint="Not the first one.",
            common_mistakes=("Picking the first option",),
        )
        for i, level in enumerate([Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD])
    )
    return ChallengeSet(
        slug=slug,
        kind=SetKind.PATTERN,
        title="Sequence classification",
        summary="Jump into concepts and practice - no test required",
        pattern=PatternContent(
            flashcards=(
                Flashcard(
                    Level.BEGINNER, "What is sequence classification?", "One label per sequence."
                ),
                Flashcard(Level.INTERMEDIATE, "Which loss?", "`nn.CrossEntropyLoss`."),
            ),
            quiz=quiz,
            explain=(
                ExplainPrompt(
                    prompt="Explain how an LSTM helps.",
                    hint="Think about memory.",
                    concepts=(
                        Concept("memory of earlier steps", ("remember", "memory", "earlier")),
                        Concept("gates", ("gate", "forget gate")),
                        Concept("final hidden state", ("final hidden", "last hidden")),
                    ),
                ),
            ),
            practice=practice,
            test=TestSpec(
                questions=5, mix={Difficulty.EASY: 2, Difficulty.MEDIUM: 2, Difficulty.HARD: 1}
            ),
        ),
    )


def variant_problem(key: str = "lstm") -> Problem:
    """A shape question with two params: four variants, answer (batch, 7, hidden)."""
    return Problem(
        key=key,
        type=ProblemType.PREDICT_OUTPUT,
        level=Level.INTERMEDIATE,
        title="Output of an LSTM",
        prompt="A batch of ${batch} sequences through `hidden_size=${hidden}`: shape of `out`?",
        time_limit_seconds=120,
        max_attempts=2,
        code=(
            "import torch\nlstm = torch.nn.LSTM(4, ${hidden}, batch_first=True)\n"
            "out, _ = lstm(torch.randn(${batch}, 7, 4))\n"
        ),
        answer=ShapeAnswer(shape_of="out"),
        hint="Batch first: ${batch} comes first.",
        explanation="`out` is `(${batch}, 7, ${hidden})`.",
        params=(Param("batch", (2, 3)), Param("hidden", (5, 6))),
    )


def variant_executed(problem: Problem) -> dict[str, object]:
    """What loading stores for `variant_problem`: each variant's executed shape."""
    return {
        "variants": [
            {
                "values": v.as_dict(),
                "status": "ok",
                "shape": [v.as_dict()["batch"], 7, v.as_dict()["hidden"]],
                "exception": None,
                "torch": "test",
            }
            for v in problem.variants
        ]
    }


def variant_challenge(slug: str = "variant-test") -> ChallengeSet:
    """A variant problem, then a pool of two choice problems (right answer: Alpha)."""
    pooled = (choice("pool-a", 0), choice("pool-b", 0))
    return replace(
        challenge(slug, (variant_problem(), *pooled), title="Variant Test Badge"),
        pools=(("pool-a", "pool-b"),),
    )
