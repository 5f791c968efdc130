"""The analytics pages' charts, from the analytics service's values (templates call these)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from app.domain.analytics import LOW_DISCRIMINATION
from app.domain.runs import format_clock
from app.services.analytics import ProblemStats, SetStats
from app.web.admin.charts import Row, Series, bar_chart, column_chart

FIRST = Series("Right at the first try", "s1")
FINAL = Series("Right in the end", "s2")
HINT = Series("Used the hint", "s3")
TIMEOUT = Series("Ran out of time", "bad")
ONE = Series("", "s1")


def _name(problem: ProblemStats) -> str:
    return f"{problem.position}. {problem.title}"


def sets_overview(sets: Sequence[SetStats]) -> Markup:
    rows = [
        Row(s.title, (s.finish_rate, s.badge_rate), detail=f"{s.runs_started} runs started")
        for s in sets
    ]
    return bar_chart(
        rows,
        series=(Series("Runs finished", "s1"), Series("Learners with the badge", "good")),
        title="Finish and badge rates by set",
        description="For each challenge set: the share of runs finished and the share of "
        "learners who earned its badge.",
    )


def score_distribution(stats: SetStats) -> Markup:
    top = len(stats.score_distribution) - 1
    labels = [f"{score}/{top}" for score in range(top + 1)]
    css = ["good" if score == top else "s1" for score in range(top + 1)]
    return column_chart(
        stats.score_distribution,
        labels=labels,
        css=css,
        title="Scores of finished runs",
        description="How many finished runs got 0, 1, ... problems right: "
        + ", ".join(
            f"{label}: {n}" for label, n in zip(labels, stats.score_distribution, strict=True)
        ),
        x_title="Problems right in the run",
    )


def right_rates(stats: SetStats) -> Markup:
    rows = [
        Row(
            _name(p),
            (p.first_try_rate, p.final_rate),
            css="flagged" if p.flags else "",
            detail=f"{p.right_first} and {p.right_final} of {p.takes}",
        )
        for p in stats.problems
    ]
    return bar_chart(
        rows,
        series=(FIRST, FINAL),
        title="Right at the first try, and in the end",
        label_width=300,
        description="For each problem, the share of learners right at their first attempt "
        "and the share right after all their attempts.",
    )


def hints_and_timeouts(stats: SetStats) -> Markup:
    rows = [Row(_name(p), (p.hint_rate, p.timeout_rate)) for p in stats.problems]
    return bar_chart(
        rows,
        series=(HINT, TIMEOUT),
        label_width=300,
        title="Hints and timeouts",
        description="For each problem, the share of learners who asked for the hint and "
        "the share whose time ran out.",
    )


def time_used(stats: SetStats) -> Markup:
    rows = []
    for p in stats.problems:
        share = None
        if p.median_seconds is not None and p.median_limit_seconds:
            share = p.median_seconds / p.median_limit_seconds
        detail = ""
        if p.median_seconds is not None and p.median_limit_seconds:
            detail = (
                f"median {format_clock(p.median_seconds)} of {format_clock(p.median_limit_seconds)}"
            )
        rows.append(
            Row(_name(p), (share,), css="warn" if (share or 0) > 0.8 else "", detail=detail)
        )
    return bar_chart(
        rows,
        series=(Series("Median time used", "s1"),),
        label_width=300,
        title="Median time used, as a share of the time limit",
        description="For each problem, the median time learners took, divided by its time "
        "limit; near 100% means the clock, not the topic, decides.",
    )


def discrimination(stats: SetStats) -> Markup:
    rows = [
        Row(
            _name(p),
            (p.discrimination,),
            css="flagged"
            if p.discrimination is not None and p.discrimination < LOW_DISCRIMINATION
            else "",
            detail=f"over {p.discrimination_runs} finished runs",
        )
        for p in stats.problems
    ]
    return bar_chart(
        rows,
        series=(ONE,),
        title="Discrimination (point-biserial against the rest of the run)",
        description=f"For each problem, how well it separates learners who do well on the "
        f"rest of the set from those who do not; below {LOW_DISCRIMINATION} is flagged.",
        domain=(-1.0, 1.0),
        ticks=(-1.0, -0.5, 0.0, 0.5, 1.0),
        fmt=lambda value: f"{value:.2f}",
        reference=(LOW_DISCRIMINATION, f"{LOW_DISCRIMINATION}"),
        label_width=300,
    )


def distractors(problem: ProblemStats) -> Markup:
    total = sum(option.first_choice for option in problem.options) or 0
    rows = [
        Row(
            option.text + ("" if option.current else " (earlier revision)"),
            (option.first_choice / total if total else None,),
            css="correct" if option.correct else "",
            detail=f"{option.first_choice} first choices, {option.chosen} in all"
            + (" (the right answer)" if option.correct else ""),
        )
        for option in problem.options
    ]
    return bar_chart(
        rows,
        series=(ONE,),
        title=f"First choices: {problem.title}",
        description="The share of learners who picked each option at their first attempt; "
        "the right option is marked.",
        label_width=300,
    )
