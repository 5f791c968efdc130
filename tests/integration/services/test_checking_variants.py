"""`quiz check` on variants: every variant runs, and its options are held to its execution."""

from __future__ import annotations

import pytest

from app.authoring.loader import parse_text
from app.domain.clock import FakeClock
from app.services.checking import Checker
from tests.fakes import CountingSnippets

HEAD = """\
kind: challenge
title: T
badge: {name: B, description: D}
problems:
"""
SHAPE = """\
  - id: lin
    type: predict_output
    level: beginner
    title: Linear
    params:
      batch: [2, 3]
      out: [3, 4]
    prompt: Shape of y for a batch of ${batch}?
    code: |
      import torch
      y = torch.nn.Linear(8, ${out})(torch.zeros(${batch}, 8))
    answer: {shape_of: y}
    options:
"""


@pytest.fixture(scope="module")
def snippets() -> CountingSnippets:
    return CountingSnippets()


def check(text: str, snippets: CountingSnippets) -> list[str]:
    parsed = parse_text(text, source="set.yaml", default_slug="set")
    assert parsed.errors == []
    verification = Checker(snippets, clock=FakeClock(), parallel=1)(parsed)
    return [str(error) for error in verification.errors]


def test_options_that_agree_in_every_variant_pass(snippets: CountingSnippets) -> None:
    options = """\
      - {text: "(${batch}, ${out})", correct: true}
      - {text: "(${out}, ${batch}, 1)"}
"""
    before = snippets.count
    assert check(HEAD + SHAPE + options, snippets) == []
    assert snippets.count - before == 4


def test_a_correct_option_that_disagrees_in_one_variant_names_it(
    snippets: CountingSnippets,
) -> None:
    options = """\
      - {text: "(${batch}, 3)", correct: true}
      - {text: "(8, 8)"}
"""
    assert check(HEAD + SHAPE + options, snippets) == [
        f'set.yaml:18: problems[0].options[0]: problem "lin", variant batch={b}, out=4: '
        f'the correct option "({b}, 3)" does not match the executed shape ({b}, 4)'
        for b in (2, 3)
    ]


def test_a_wrong_option_equal_to_the_executed_answer_is_ambiguous(
    snippets: CountingSnippets,
) -> None:
    options = """\
      - {text: "(${batch}, ${out})", correct: true}
      - {text: "[${out}, ${batch}]"}
"""
    # batch=3, out=3 makes the wrong option read [3, 3]: other text, the right shape
    assert check(HEAD + SHAPE + options, snippets) == [
        'set.yaml:19: problems[0].options[1]: problem "lin", variant batch=3, out=3: the '
        'wrong option "[3, 3]" equals the executed shape (3, 3), so two options are right '
        "(ambiguous); make the wrong option differ from the answer"
    ]


def test_a_plain_problem_names_its_id_when_ambiguous(snippets: CountingSnippets) -> None:
    text = HEAD + SHAPE.replace("${batch}", "2").replace("${out}", "3").replace(
        "    params:\n      batch: [2, 3]\n      out: [3, 4]\n", ""
    )
    options = """\
      - {text: "(2, 3)", correct: true}
      - {text: "[2, 3]"}
"""
    assert check(text + options, snippets) == [
        'set.yaml:16: problems[0].options[1]: problem "lin": the wrong option "[2, 3]" '
        "equals the executed shape (2, 3), so two options are right (ambiguous); "
        "make the wrong option differ from the answer"
    ]


def test_a_variant_whose_snippet_fails_is_an_error(snippets: CountingSnippets) -> None:
    text = (
        HEAD
        + SHAPE.replace("Linear(8,", "Linear(${batch} * 4 - 4,")
        + ('      - {text: "(${batch}, ${out})", correct: true}\n      - {text: "(1, 1)"}\n')
    )
    errors = check(text, snippets)
    # batch=3: Linear(8, ...) fits; batch=2: Linear(4, ...) gets 8 features and raises
    assert [e.split(": the snippet raises")[0] for e in errors] == [
        'set.yaml:13: problems[0].code: problem "lin", variant batch=2, out=3',
        'set.yaml:13: problems[0].code: problem "lin", variant batch=2, out=4',
    ]
    assert all("fix the code, or claim `raises: RuntimeError`" in e for e in errors)


def test_pooled_problems_are_checked_at_their_pool_path(snippets: CountingSnippets) -> None:
    pooled = "  - pool:\n" + "".join(f"  {line}\n" for line in SHAPE.splitlines())
    options = """\
        - {text: "(${batch}, 9)", correct: true}
        - {text: "(1, 1)"}
    - id: other
      type: conceptual
      level: beginner
      title: O
      prompt: P
      options:
        - {text: A, correct: true}
        - {text: B}
"""
    errors = check(HEAD + pooled + options, snippets)
    assert len(errors) == 4
    assert all(e.startswith("set.yaml:19: problems[0].pool[0].options[0]: ") for e in errors)
