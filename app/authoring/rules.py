"""Checks that span fields: what pydantic's per-field types cannot say.

Each check yields (path, message); the loader adds file and line.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from math import prod
from typing import Any

from pydantic import ValidationError

from app.authoring.errors import Path, format_path
from app.authoring.schema import (
    PROBLEM_ADAPTER,
    ChallengeFileSpec,
    ChoiceProblemSpec,
    ItemSpecBase,
    OptionSpec,
    PatternFileSpec,
    PoolSpec,
    PracticeSpec,
    PredictOutputSpec,
    QuizItemSpec,
    ShapeAnswerSpec,
)
from app.domain.challenge import Difficulty
from app.domain.shapes import ShapeSyntaxError, parse_shape
from app.domain.variants import FILLED_FIELDS, MAX_VARIANTS, NAME, fill, placeholders

Finding = tuple[Path, str]
ProblemSpecModel = PredictOutputSpec | ChoiceProblemSpec


def check_set(spec: ChallengeFileSpec | PatternFileSpec) -> list[Finding]:
    if isinstance(spec, ChallengeFileSpec):
        return list(_challenge(spec))
    return list(_pattern(spec))


def check_partially(data: dict[str, Any]) -> list[Finding]:
    """For a file that failed validation: the rules of every problem valid by itself.

    So one bad field does not hide a duplicate id or a missing correct option elsewhere.
    """
    if data.get("kind") == "pattern":
        return list(_pattern_items_partially(data))
    problems = data.get("problems")
    if data.get("kind") != "challenge" or not isinstance(problems, list):
        return []
    entries = list(_raw_entries(problems))
    findings = list(
        _duplicate_ids([(path, raw.get("id") if isinstance(raw, dict) else None)
                        for path, raw in entries])
    )  # fmt: skip
    for path, raw in entries:
        try:
            problem = PROBLEM_ADAPTER.validate_python(raw)
        except ValidationError:
            continue
        findings.extend(_problem(problem, path))
    return findings


def _raw_entries(problems: list[Any]) -> Iterator[tuple[Path, Any]]:
    """Every problem of a raw `problems` list with its path, pool members included."""
    for index, raw in enumerate(problems):
        pool = raw.get("pool") if isinstance(raw, dict) else None
        if isinstance(pool, list):
            for member, item in enumerate(pool):
                yield ("problems", index, "pool", member), item
        elif pool is None:
            yield ("problems", index), raw


def problem_entries(spec: ChallengeFileSpec) -> Iterator[tuple[Path, ProblemSpecModel]]:
    """Every problem of a valid file with its path, pool members included."""
    for index, entry in enumerate(spec.problems):
        if isinstance(entry, PoolSpec):
            for member, problem in enumerate(entry.pool):
                yield ("problems", index, "pool", member), problem
        else:
            yield ("problems", index), entry


def _pattern_items_partially(data: dict[str, Any]) -> Iterator[Finding]:
    models: dict[str, type[ItemSpecBase]] = {"quiz": QuizItemSpec, "practice": PracticeSpec}
    for name, model in models.items():
        items = data.get(name)
        if not isinstance(items, list):
            continue
        for index, raw in enumerate(items):
            try:
                item = model.model_validate(raw)
            except ValidationError:
                continue
            yield from _item(item, (name, index))


def _challenge(spec: ChallengeFileSpec) -> Iterator[Finding]:
    entries = list(problem_entries(spec))
    yield from _duplicate_ids([(path, problem.id) for path, problem in entries])
    for path, problem in entries:
        yield from _problem(problem, path)


def _duplicate_ids(ids: Sequence[tuple[Path, object]]) -> Iterator[Finding]:
    """Ids are unique across the file, inside pools too: analytics and runs name them."""
    first_seen: dict[object, Path] = {}
    for path, problem_id in ids:
        if not isinstance(problem_id, str):
            continue
        if problem_id in first_seen:
            earlier = format_path((*first_seen[problem_id], "id"))
            yield (
                (*path, "id"),
                (f'duplicate problem id "{problem_id}"; {earlier} has it already'),
            )
        else:
            first_seen[problem_id] = path


def _problem(problem: PredictOutputSpec | ChoiceProblemSpec, path: Path) -> Iterator[Finding]:
    answer = problem.answer if isinstance(problem, PredictOutputSpec) else None
    if isinstance(problem, PredictOutputSpec):
        if problem.code is None:
            yield (*path, "code"), "a predict_output problem needs the `code` it asks about"
        if problem.options is None and answer is None:
            yield (
                path,
                (
                    "a predict_output problem needs either `options` or a free-text "
                    "`answer: {shape_of: ...}`"
                ),
            )
    elif problem.options is None:
        yield (
            (*path, "options"),
            (f"a {problem.type} problem needs `options` (at least two, one `correct: true`)"),
        )
    if problem.options is not None:
        yield from _options(problem.options, (*path, "options"))
    yield from _params(problem, path)
    # A predict_output problem without code was told so above; once is enough.
    code_said = isinstance(problem, PredictOutputSpec) and problem.code is None
    yield from _code_claims(
        problem.code, "raises" in problem.model_fields_set, answer, path, code_said=code_said
    )


def _params(problem: PredictOutputSpec | ChoiceProblemSpec, path: Path) -> Iterator[Finding]:
    """`${name}` placeholders and `params` must match: no unknown names, no unused params."""
    params = problem.params or {}
    for name in params:
        if not NAME.match(name):
            yield (
                (*path, "params", name),
                (f'"{name}" is not a param name; use letters, digits and _ '
                 "(not starting with a digit), up to 32 characters"),
            )  # fmt: skip
    count = prod(len(values) for values in params.values())
    if params and count > MAX_VARIANTS:
        sizes = " × ".join(str(len(values)) for values in params.values())
        yield (
            (*path, "params"),
            f"makes {count} variants ({sizes}); a problem may have at most {MAX_VARIANTS}",
        )
    used: set[str] = set()
    for field, text in _filled_texts(problem):
        for name in placeholders(text):
            used.add(name)
            if name not in params:
                known = f"its params are {', '.join(params)}" if params else "it has no `params`"
                yield (
                    (*path, *field),
                    f'"${{{name}}}" is not a param of problem "{problem.id}"; {known}',
                )
    for name in params:
        if name not in used and NAME.match(name):
            yield (
                (*path, "params", name),
                (f'param "{name}" is never used; write ${{{name}}} in the prompt, code, hint, '
                 "explanation or an option, or remove it"),
            )  # fmt: skip
    if placeholders(problem.title):
        yield (
            (*path, "title"),
            "the title is not filled from params (results and analytics name the problem "
            "by it); use placeholders in the prompt, code, hint, explanation or options",
        )
    yield from _expected_per_variant(problem, path)
    yield from _options_per_variant(problem, path)


def _options_per_variant(
    problem: PredictOutputSpec | ChoiceProblemSpec, path: Path
) -> Iterator[Finding]:
    """Two options must not read the same in any variant ("(${a}, 3)" and "(2, ${b})")."""
    params = problem.params or {}
    texts = [option.text for option in problem.options or []]
    if not params or not any(placeholders(text) for text in texts):
        return
    for values in _combinations(params):
        if any(name not in values for text in texts for name in placeholders(text)):
            return  # an unknown placeholder, said above
        first_seen: dict[str, int] = {}
        for index, text in enumerate(texts):
            shown = fill(text, values).strip()
            if shown in first_seen:
                yield (
                    (*path, "options", index, "text"),
                    f'with {_label(values)} this option reads "{shown}", the same as '
                    f"options[{first_seen[shown]}]; each option needs its own text in every "
                    "variant",
                )
                return
            first_seen[shown] = index


def _expected_per_variant(
    problem: PredictOutputSpec | ChoiceProblemSpec, path: Path
) -> Iterator[Finding]:
    """`expected` with placeholders must be a shape in every variant ("(${batch}, 3)")."""
    answer = problem.answer if isinstance(problem, PredictOutputSpec) else None
    expected = answer.expected if answer is not None else None
    params = problem.params or {}
    if not isinstance(expected, str) or not placeholders(expected):
        return
    if any(name not in params for name in placeholders(expected)) or not all(
        NAME.match(name) for name in params
    ):
        return  # said above
    for values in _combinations(params):
        try:
            parse_shape(fill(expected, values))
        except ShapeSyntaxError as error:
            yield (*path, "answer", "expected"), f"with {_label(values)}: {error}"
            return


def _combinations(params: dict[str, list[int | float | str]]) -> Iterator[dict[str, Any]]:
    """Every variant's values, in product order (the domain's Variant, before it exists)."""
    for combo in itertools.product(*params.values()):
        yield dict(zip(params, combo, strict=True))


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _filled_texts(
    problem: PredictOutputSpec | ChoiceProblemSpec,
) -> Iterator[tuple[Path, str | None]]:
    for name in FILLED_FIELDS:
        yield (name,), getattr(problem, name)
    for index, option in enumerate(problem.options or []):
        yield ("options", index, "text"), option.text
        yield ("options", index, "why"), option.why
    answer = problem.answer if isinstance(problem, PredictOutputSpec) else None
    if answer is not None and isinstance(answer.expected, str):
        yield ("answer", "expected"), answer.expected


def _code_claims(
    code: str | None,
    claims_raises: bool,
    answer: ShapeAnswerSpec | None,
    path: Path,
    *,
    code_said: bool = False,
) -> Iterator[Finding]:
    if code is None and claims_raises and not code_said:
        yield (*path, "raises"), "`raises` describes what `code` does; this item has no code"
    if answer is None:
        return
    if code is None and not code_said:
        yield (*path, "answer"), "`answer.shape_of` is evaluated after `code`; add the code"
    if answer.expected is not None:
        yield from _expected_shape(answer.expected, (*path, "answer", "expected"))


def _expected_shape(expected: str | list[int], path: Path) -> Iterator[Finding]:
    if isinstance(expected, list) or placeholders(expected):
        return  # a list is checked by its type; placeholders, per variant
    try:
        parse_shape(expected)
    except ShapeSyntaxError as error:
        yield path, str(error)


def _options(options: Sequence[OptionSpec], path: Path) -> Iterator[Finding]:
    if len(options) < 2:
        yield path, f"a multiple-choice question needs at least two options, got {len(options)}"
    correct = [index for index, option in enumerate(options) if option.correct]
    if not correct:
        yield path, "no option is marked `correct: true`; mark exactly one"
    elif len(correct) > 1:
        which = ", ".join(f"options[{index}]" for index in correct)
        yield path, f"{len(correct)} options are marked correct ({which}); mark exactly one"
    first_seen: dict[str, int] = {}
    for index, option in enumerate(options):
        text = option.text.strip()
        if text in first_seen:
            yield (
                (*path, index, "text"),
                (
                    f'"{text}" is the same text as options[{first_seen[text]}]; '
                    "each option needs its own"
                ),
            )
        else:
            first_seen[text] = index


def _item(item: ItemSpecBase, path: Path) -> Iterator[Finding]:
    yield from _options(item.options, (*path, "options"))
    yield from _code_claims(item.code, "raises" in item.model_fields_set, item.answer, path)


def _pattern(spec: PatternFileSpec) -> Iterator[Finding]:
    groups: list[tuple[str, Sequence[ItemSpecBase]]] = [
        ("quiz", spec.quiz),
        ("practice", spec.practice),
    ]
    for name, items in groups:
        for index, item in enumerate(items):
            yield from _item(item, (name, index))
    if spec.test is None:
        return
    mix = spec.test.mix
    wanted = {Difficulty.EASY: mix.easy, Difficulty.MEDIUM: mix.medium, Difficulty.HARD: mix.hard}
    total = sum(wanted.values())
    if total != spec.test.questions:
        yield (
            ("test", "mix"),
            (f"the mix adds up to {total} questions but `questions` is {spec.test.questions}"),
        )
    pool = Counter(item.level for _, items in groups for item in items)
    for level, count in wanted.items():
        if pool[level] < count:
            yield (
                ("test", "mix", level.value),
                (
                    f"asks for {count} {level.value} questions but quiz and practice have "
                    f"{pool[level]} {level.value} item(s)"
                ),
            )
