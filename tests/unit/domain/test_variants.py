"""Variants: the product of params, rendering one, and drawing one for a run (seeded)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, replace

import pytest

from app.domain.challenge import Option, ShapeAnswer, content_hash
from app.domain.variants import Param, draw, find_variant, render, variant_count, variants_of
from tests.builders import challenge, choice, shape_problem

PARAMS = (Param("batch", (2, 3)), Param("hidden", (5, 8, "big")))


def variant_problem():  # type: ignore[no-untyped-def]
    return replace(
        shape_problem("lstm"),
        params=PARAMS,
        prompt="A batch of ${batch} through ${hidden} units",
        code="import torch\noutput = torch.zeros(${batch}, 3, ${hidden})\n",
        answer=ShapeAnswer(shape_of="output"),
        hint="batch=${batch}",
        explanation="(${batch}, 3, ${hidden})",
        options=(
            Option("(${batch}, 3, ${hidden})", correct=True, why="Yes: ${batch} first."),
            Option("(3, ${batch}, ${hidden})", why="No: ${hidden} last."),
        ),
    )


def test_variants_are_the_product_in_order_first_param_slowest() -> None:
    variants = variants_of(PARAMS)

    assert variant_count(PARAMS) == len(variants) == 6
    assert [v.index for v in variants] == list(range(6))
    assert [v.label for v in variants[:4]] == [
        "batch=2, hidden=5", "batch=2, hidden=8", "batch=2, hidden=big", "batch=3, hidden=5",
    ]  # fmt: skip
    assert variants_of(()) == ()


def test_render_fills_every_placeholder_field_and_leaves_the_title() -> None:
    problem = variant_problem()
    rendered = render(problem, variants_of(PARAMS)[4])  # batch=3, hidden=8

    assert rendered.prompt == "A batch of 3 through 8 units"
    assert rendered.code == "import torch\noutput = torch.zeros(3, 3, 8)\n"
    assert rendered.hint == "batch=3"
    assert rendered.explanation == "(3, 3, 8)"
    assert [(o.text, o.why) for o in rendered.options] == [
        ("(3, 3, 8)", "Yes: 3 first."),
        ("(3, 3, 8)", "No: 8 last."),
    ]
    assert rendered.title == problem.title
    assert render(problem, None) is problem


def test_find_variant_by_stored_values() -> None:
    assert find_variant(PARAMS, {"batch": 3, "hidden": "big"}) == variants_of(PARAMS)[5]
    assert find_variant(PARAMS, {"batch": 4, "hidden": 5}) is None
    assert find_variant((), {"batch": 2}) is None


def test_draw_is_a_function_of_the_seed() -> None:
    candidates = list(range(16))

    first = [draw(candidates, random.Random(7), {}) for _ in range(3)]
    again = [draw(candidates, random.Random(7), {}) for _ in range(3)]

    assert first == again
    assert {draw(candidates, random.Random(seed), {}) for seed in range(200)} == set(candidates)


def test_draw_prefers_what_the_learner_has_not_seen() -> None:
    candidates = ["a", "b", "c", "d"]
    seen = Counter({"a": 1, "b": 2, "d": 1})

    assert {draw(candidates, random.Random(seed), seen) for seed in range(50)} == {"c"}
    seen["c"] = 1
    assert {draw(candidates, random.Random(seed), seen) for seed in range(50)} == {"a", "c", "d"}


def test_draw_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="nothing"):
        draw([], random.Random(1), {})


def test_a_problem_without_params_keeps_its_content_hash() -> None:
    plain = choice("gate", 0)

    before = {name: value for name, value in asdict(plain).items() if name != "params"}
    assert plain.content_hash() == content_hash(before)  # the hash it had before params
    assert replace(plain, params=(Param("x", (1,)),)).content_hash() != plain.content_hash()


def test_positions_group_a_pool_and_total_time_counts_its_longest() -> None:
    problems = (choice("a", 0, seconds=30), choice("b", 1, seconds=60), choice("c", 2, seconds=90))
    pooled = replace(challenge(problems=problems), pools=(("b", "c"),))

    assert [[p.key for p in position] for position in pooled.positions()] == [["a"], ["b", "c"]]
    assert pooled.total_seconds == 120
    assert pooled.describe() == "2 problem(s), 1 drawn from pools of 2"


def test_render_fills_expected_written_with_placeholders() -> None:
    problem = replace(
        variant_problem(), answer=ShapeAnswer(shape_of="output", expected_text="(${batch}, 3)")
    )

    assert render(problem, variants_of(PARAMS)[3]).answer == ShapeAnswer(
        shape_of="output", expected=(3, 3), expected_text="(${batch}, 3)"
    )
