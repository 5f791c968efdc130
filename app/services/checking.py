"""Verify every claim about code by running it: `quiz check`, and `quiz load`'s answers.

For each snippet of a set we run it once in the sandbox (cached by a hash of the
code, the question asked of it and the torch version) and compare: the `raises`
claim, `answer.expected`, and the correct option of a shape question. The executed
shape is what grading uses, so a wrong `expected` can never wrong a learner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

from app.authoring.errors import AuthoringError
from app.authoring.errors import Path as ErrorPath
from app.authoring.loader import ParsedFile
from app.domain.challenge import (
    ChallengeSet,
    Option,
    PracticeItem,
    Problem,
    ProblemType,
    QuizItem,
    RaisesClaim,
    ShapeAnswer,
)
from app.domain.clock import Clock
from app.domain.shapes import ShapeSyntaxError, format_shape, parse_shape
from app.domain.variants import Variant, render
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.services.loading import Verification

RunSnippet = Callable[[SnippetJob], SnippetResult]


@dataclass(frozen=True)
class Claim:
    """One snippet of a set (one variant of a problem) and everything its author says."""

    path: ErrorPath  # of the item: ("problems", 2), ("problems", 3, "pool", 0), ("practice", 1)
    key: str | None  # problem key, for storing the executed answer
    code: str
    answer: ShapeAnswer | None
    raises: RaisesClaim | None
    shape_options: tuple[Option, ...]  # options to check against the executed shape
    variant: Variant | None = None
    variants: int = 0  # how many the problem has

    @property
    def naming(self) -> str:
        """How a message names the problem: 'problem "lstm", variant batch=2, hidden=5'."""
        variant = f", variant {self.variant.label}" if self.variant else ""
        return f'problem "{self.key}"{variant}'

    def job(self, wall_seconds: float) -> SnippetJob:
        return SnippetJob(
            code=self.code,
            shape_of=self.answer.shape_of if self.answer else None,
            device=self.answer.device if self.answer else None,
            wall_seconds=wall_seconds,
        )


def claims_of(challenge_set: ChallengeSet) -> Iterator[Claim]:
    for path, problem in problem_paths(challenge_set):
        if problem.code is None:
            continue
        for variant in problem.variants or (None,):
            shown = render(problem, variant)
            assert shown.code is not None
            yield Claim(
                path,
                problem.key,
                shown.code,
                shown.answer,
                problem.raises,
                shown.options if problem.type is ProblemType.PREDICT_OUTPUT else (),
                variant,
                len(problem.variants),
            )
    pattern = challenge_set.pattern
    if pattern is None:
        return
    groups: tuple[tuple[str, Sequence[QuizItem | PracticeItem]], ...] = (
        ("quiz", pattern.quiz),
        ("practice", pattern.practice),
    )
    for group, items in groups:
        for index, item in enumerate(items):
            if item.code is not None:
                yield Claim(
                    (group, index),
                    None,
                    item.code,
                    item.answer,
                    item.raises,
                    item.options if item.answer else (),
                )


def problem_paths(challenge_set: ChallengeSet) -> Iterator[tuple[ErrorPath, Problem]]:
    """Each problem with the path of its entry in the file (pool members: `.pool[j]`)."""
    for index, position in enumerate(challenge_set.positions()):
        if len(position) == 1 and position[0].key not in _pooled(challenge_set):
            yield ("problems", index), position[0]
            continue
        for member, problem in enumerate(position):
            yield ("problems", index, "pool", member), problem


def _pooled(challenge_set: ChallengeSet) -> set[str]:
    return {key for pool in challenge_set.pools for key in pool}


def cache_key(job: SnippetJob, torch_version: str) -> str:
    material = json.dumps([job.code, job.shape_of, job.device, torch_version])
    return hashlib.sha256(material.encode()).hexdigest()


class Checker:
    """Runs a set's snippets (through a cache) and reports every disagreement."""

    def __init__(
        self,
        run: RunSnippet,
        *,
        units: UnitOfWorkFactory | None = None,
        clock: Clock,
        wall_seconds: float = 10.0,
        parallel: int = 2,
    ) -> None:
        self._run = run
        self._units = units
        self._clock = clock
        self._wall = wall_seconds
        self._parallel = parallel
        self._torch = version("torch")
        self.executed_count = 0

    def __call__(self, parsed: ParsedFile) -> Verification:
        assert parsed.challenge_set is not None
        claims = list(claims_of(parsed.challenge_set))
        results, ran = self._results(claims)
        verification = Verification(ran=ran, reused=len(claims) - ran)
        by_variant: dict[str, dict[int, dict[str, Any]]] = {}
        for claim, result in zip(claims, results, strict=True):
            for path, message in disagreements(claim, result):
                if claim.variant is not None:
                    message = f"{claim.naming}: {message}"
                line = parsed.line_of(path)
                verification.errors.append(AuthoringError(parsed.source, line, path, message))
            if claim.key is None or result.status not in {"ok", "error"}:
                continue
            record = executed_record(result, self._torch)
            if claim.variant is None:
                verification.executed[claim.key] = record
            else:
                record["values"] = claim.variant.as_dict()
                by_variant.setdefault(claim.key, {})[claim.variant.index] = record
                if len(by_variant[claim.key]) == claim.variants:  # every variant ran
                    records = by_variant[claim.key]
                    verification.executed[claim.key] = {
                        "variants": [records[index] for index in range(claim.variants)]
                    }
        verification.errors.sort()
        return verification

    def _results(self, claims: list[Claim]) -> tuple[list[SnippetResult], int]:
        """Each claim's outcome (from the cache: one lookup for the whole set, else run)
        and how many snippets ran.

        A set with variants has many snippets, so the cache is read and written in bulk;
        identical snippets run once.
        """
        jobs = [claim.job(self._wall) for claim in claims]
        keys = [cache_key(job, self._torch) for job in jobs]
        cached: dict[str, SnippetResult] = {}
        if self._units is not None:
            with self._units() as uow:
                found = uow.snippets.get_many(keys)
            cached = {key: SnippetResult.from_dict(result) for key, result in found.items()}
        todo = {key: job for key, job in zip(keys, jobs, strict=True) if key not in cached}
        with ThreadPoolExecutor(max_workers=self._parallel) as pool:
            fresh = dict(zip(todo, pool.map(self._run, todo.values()), strict=True))
        self.executed_count += len(fresh)
        # Timeouts and kills depend on load; only deterministic outcomes are kept.
        kept = {key: r for key, r in fresh.items() if r.status in {"ok", "error"}}
        if self._units is not None and kept:
            with self._units() as uow:
                for key, result in kept.items():
                    uow.snippets.put(key, result.to_dict(), self._now())
                uow.commit()
        return [cached[key] if key in cached else fresh[key] for key in keys], len(fresh)

    def _now(self) -> datetime:
        return self._clock()


def executed_record(result: SnippetResult, torch_version: str) -> dict[str, Any]:
    return {
        "status": result.status,
        "shape": result.shape,
        "exception": result.exception,
        "torch": torch_version,
    }


def disagreements(claim: Claim, result: SnippetResult) -> Iterator[tuple[ErrorPath, str]]:
    code_path = (*claim.path, "code")
    if result.status == "timeout":
        yield code_path, "the snippet did not finish within the time limit"
        return
    if result.status == "memory":
        yield (
            code_path,
            ("the snippet ran out of memory; for a shape-only question set `answer.device: meta`"),
        )
        return
    if result.status == "killed":
        yield code_path, "the snippet was killed by the sandbox (a resource limit)"
        return
    if claim.answer is not None and claim.answer.device == "meta" and result.meta_unsupported:
        yield (*claim.path, "answer", "device"), (f"cannot run on meta: {result.meta_unsupported}")
        return
    yield from _exception_claims(claim, result)
    if result.exception is None and claim.answer is not None:
        yield from _shape_claims(claim, result)


def _exception_claims(claim: Claim, result: SnippetResult) -> Iterator[tuple[ErrorPath, str]]:
    raised = result.exception
    detail = f"{raised}: {result.exception_message}" if raised else ""
    if claim.raises is None:
        if raised:
            yield (
                (*claim.path, "code"),
                (f"the snippet raises {detail}; fix the code, or claim `raises: {raised}`"),
            )
        return
    claimed = claim.raises.exception
    raises_path = (*claim.path, "raises")
    if claimed is None and raised:
        yield raises_path, f"claims the snippet runs cleanly, but it raises {detail}"
    elif claimed is not None and raised is None:
        yield raises_path, f"claims {claimed}, but the snippet runs cleanly"
    elif claimed is not None and raised and claimed.rsplit(".", 1)[-1] != raised:
        yield raises_path, f"claims {claimed}, but the snippet raises {detail}"


def _shape_claims(claim: Claim, result: SnippetResult) -> Iterator[tuple[ErrorPath, str]]:
    assert claim.answer is not None
    answer_path = (*claim.path, "answer")
    if result.shape is None:
        reason = result.shape_error or "it gave no shape"
        yield (*answer_path, "shape_of"), f"`{claim.answer.shape_of}` failed: {reason}"
        return
    actual = tuple(result.shape)
    expected = claim.answer.expected
    if expected is not None and tuple(expected) != actual:
        yield (
            (*answer_path, "expected"),
            (f"says {format_shape(tuple(expected))} but the code gives {format_shape(actual)}"),
        )
    for index, option in enumerate(claim.shape_options):
        try:
            shape = parse_shape(option.text)
        except ShapeSyntaxError:
            continue  # a worded option ("It runs without error ...") is not a shape
        if option.correct and shape != actual:
            yield (
                (*claim.path, "options", index),
                (
                    f'the correct option "{option.text}" does not match the executed shape '
                    f"{format_shape(actual)}"
                ),
            )
        elif not option.correct and shape == actual:
            named = "" if claim.variant else f"{claim.naming}: "  # a variant's is prefixed
            yield (
                (*claim.path, "options", index),
                (
                    f'{named}the wrong option "{option.text}" equals the executed shape '
                    f"{format_shape(actual)}, so two options are right (ambiguous); "
                    "make the wrong option differ from the answer"
                ),
            )
