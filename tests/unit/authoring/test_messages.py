"""Messages for mistakes too small to deserve a corpus file, and the parsing of fields.

Each case is a few lines of YAML and the exact lines it must produce.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_core import PydanticCustomError

from app.authoring.errors import AuthoringError, format_path
from app.authoring.loader import MAX_FILE_BYTES, parse_file, parse_text
from app.authoring.schema import parse_attempts, parse_retake_after, parse_time_limit

HEAD = "kind: challenge\ntitle: T\nbadge: {name: B, description: D}\n"
PROBLEM = (
    "problems:\n"
    "  - id: p1\n"
    "    type: conceptual\n"
    "    level: beginner\n"
    "    title: T\n"
    "    prompt: P\n"
)
OPTIONS = "    options:\n      - {text: A, correct: true}\n      - {text: B}\n"
SHAPE = HEAD + PROBLEM.replace("conceptual", "predict_output") + "    code: y = x\n"


def messages(text: str) -> list[str]:
    return [str(error) for error in parse_text(text, source="f.yaml", default_slug="f").errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "kind: challenge\nbadge: {name: B\ntitle: T\n",
            [
                "f.yaml:3: YAML syntax error: did not find expected ',' or '}' "
                "(while parsing a flow mapping that starts on line 2)"
            ],
            id="unclosed-flow-mapping-names-where-it-starts",
        ),
        pytest.param(
            "kind: challenge\ntitle: T\n  badge: x\n",
            [
                "f.yaml:3: YAML syntax error: mapping values are not allowed in this context; "
                "put text that contains `: ` in quotes, or check the indentation"
            ],
            id="bad-indentation",
        ),
        pytest.param(
            "kind: challenge\ntitle: @home\n",
            [
                "f.yaml:2: YAML syntax error: found character that cannot start any token "
                "(while scanning for the next token); text that starts with @ or ` must be "
                "in quotes"
            ],
            id="reserved-character",
        ),
        pytest.param(
            "# only a comment\n",
            ["f.yaml:1: the file is empty"],
            id="only-comments",
        ),
        pytest.param(
            "just a sentence\n",
            [
                "f.yaml:1: a challenge file is a mapping of fields (`key: value` lines), "
                "not a single value"
            ],
            id="top-level-scalar",
        ),
        pytest.param(
            "kind:\ntitle: T\n",
            ["f.yaml:1: kind: nothing (null) is not a set kind; use one of challenge, pattern"],
            id="null-kind",
        ),
        pytest.param(
            "base: &b {name: B, description: D}\nkind: challenge\ntitle: T\nbadge:\n  <<: *b\n"
            + PROBLEM
            + OPTIONS,
            [
                "f.yaml:1: base: unknown field 'base'; did you mean 'badge'?",
                "f.yaml:4: badge.name: required field is missing",
                "f.yaml:4: badge.description: required field is missing",
                "f.yaml:5: badge: YAML merge keys (<<) are not supported; write the fields out",
            ],
            id="merge-key",
        ),
        pytest.param(
            "kind: pattern\ntitle: T\nproblems: []\n",
            [
                "f.yaml:3: problems: `problems` belong to `kind: challenge`; a pattern set has "
                "flashcards, quiz, explain, practice and test"
            ],
            id="problems-in-a-pattern-set",
        ),
        pytest.param(
            SHAPE + "    answer: {shape_of: y, device: cuda}\n",
            [
                'f.yaml:11: problems[0].answer.device: "cuda" is not a device; '
                "the only choice is meta"
            ],
            id="device-not-meta",
        ),
        pytest.param(
            SHAPE + "    answer: {shape_of: y, expected: {a: 1}}\n",
            [
                'f.yaml:11: problems[0].answer.expected: expected a shape such as "(2, 3, 5)" '
                "or [2, 3, 5], got a mapping"
            ],
            id="expected-a-mapping",
        ),
        pytest.param(
            SHAPE + "    answer: {shape_of: y, expected: '(2, 3'}\n",
            [
                "f.yaml:11: problems[0].answer.expected: '(2, 3' is missing its closing ')'. "
                "Write it like (8, 3)."
            ],
            id="expected-unbalanced",
        ),
        pytest.param(
            HEAD + PROBLEM + "    options:\n      - {text: A, correct: maybe}\n      - {text: B}\n",
            ['f.yaml:11: problems[0].options[0].correct: expected true or false, got "maybe"'],
            id="correct-not-a-boolean",
        ),
        pytest.param(
            HEAD + PROBLEM.replace("title: T\n    prompt", "title:\n    prompt") + OPTIONS,
            ["f.yaml:8: problems[0].title: expected text, got nothing (null)"],
            id="null-title",
        ),
        pytest.param(
            HEAD + PROBLEM.replace("id: p1", "id: p 1") + OPTIONS,
            [
                'f.yaml:5: problems[0].id: "p 1" is not an id; use letters, digits, dashes, '
                "dots, underscores"
            ],
            id="id-with-a-space",
        ),
        pytest.param(
            HEAD + PROBLEM + "    time_limit: 1.5\n" + OPTIONS,
            ["f.yaml:10: problems[0].time_limit: 1.5 is not a time; write m:ss or whole seconds"],
            id="fractional-time",
        ),
        pytest.param(
            HEAD + PROBLEM + "    max_attempts: two\n" + OPTIONS,
            ['f.yaml:10: problems[0].max_attempts: "two" is not a whole number of attempts'],
            id="attempts-not-a-number",
        ),
        pytest.param(
            "kind: pattern\ntitle: T\ntest: {questions: 0, mix: {easy: -1}}\n",
            [
                "f.yaml:3: test.questions: 0 is out of range; it must be at least 1",
                "f.yaml:3: test.mix.easy: -1 is out of range; it must be at least 0",
            ],
            id="test-numbers-out-of-range",
        ),
        pytest.param(
            "kind: pattern\ntitle: T\nquiz:\n"
            "  - {level: expert, prompt: Q, options: [{text: A, correct: true}, {text: B}]}\n",
            ['f.yaml:4: quiz[0].level: "expert" is not a level; use one of easy, medium, hard'],
            id="pattern-difficulty",
        ),
        pytest.param(
            "kind: pattern\ntitle: T\npractice:\n"
            "  - {prompt: Q, raises: ValueError, options: [{text: A, correct: true}, {text: B}]}\n",
            [
                "f.yaml:4: practice[0].raises: `raises` describes what `code` does; "
                "this item has no code"
            ],
            id="pattern-raises-without-code",
        ),
        pytest.param(
            "kind: pattern\ntitle: T\nquiz:\n"
            "  - {prompt: Q, options: [{text: A, correct: true}, {text: A, correct: true}]}\n",
            [
                "f.yaml:4: quiz[0].options: 2 options are marked correct (options[0], "
                "options[1]); mark exactly one",
                'f.yaml:4: quiz[0].options[1].text: "A" is the same text as options[0]; '
                "each option needs its own",
            ],
            id="pattern-quiz-options",
        ),
    ],
)
def test_message(text: str, expected: list[str]) -> None:
    assert messages(text) == expected


def test_too_many_problems() -> None:
    problem = (
        "  - {{id: p{0}, type: conceptual, level: beginner, title: T, prompt: P,"
        " options: [{{text: A, correct: true}}, {{text: B}}]}}\n"
    )
    text = HEAD + "problems:\n" + "".join(problem.format(i) for i in range(51))

    assert messages(text) == ["f.yaml:4: problems: has 51 items; at most 50"]


def test_one_bad_problem_does_not_hide_the_rules_of_the_others() -> None:
    bad = PROBLEM + "    time_limit: soon\n" + OPTIONS
    no_correct = PROBLEM.replace("problems:\n", "").replace("p1", "p2") + (
        "    options:\n      - {text: A}\n      - {text: B}\n"
    )

    assert messages(HEAD + bad + no_correct) == [
        'f.yaml:10: problems[0].time_limit: "soon" is not a time; write m:ss or whole seconds',
        "f.yaml:19: problems[1].options: no option is marked `correct: true`; mark exactly one",
    ]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))

    parsed = parse_file(path, source="big.yaml")

    assert [str(e) for e in parsed.errors] == [
        f"big.yaml:1: the file is {MAX_FILE_BYTES + 1} bytes; a challenge file may be at most 1 MiB"
    ]


def test_a_missing_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "gone.yaml", source="gone.yaml")

    assert len(parsed.errors) == 1
    assert str(parsed.errors[0]).startswith("gone.yaml:1: cannot read: ")


def test_a_byte_order_mark_is_fine() -> None:
    assert parse_text("\ufeffkind: pattern\ntitle: T\n", source="f.yaml", default_slug="f").ok


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("kind",), "kind"),
        (("problems", 3, "time_limit"), "problems[3].time_limit"),
        (("problems", 0, "options", 2, "text"), "problems[0].options[2].text"),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


def test_an_error_without_a_path_is_just_file_line_message() -> None:
    assert str(AuthoringError("a.yaml", 3, (), "oops")) == "a.yaml:3: oops"
    assert str(AuthoringError("a.yaml", 3, ("kind",), "oops")) == "a.yaml:3: kind: oops"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2:00", 120),
        ("1:30", 90),
        (" 0:05 ", 5),
        ("60:00", 3600),
        ("90", 90),
        (90, 90),
        (5, 5),
        (3600, 3600),
    ],
)
def test_time_limits_in_m_ss_or_whole_seconds(value: str | int, seconds: int) -> None:
    assert parse_time_limit(value) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2:75", '"2:75" is not a time; write m:ss or whole seconds'),
        ("1:5", '"1:5" is not a time; write m:ss or whole seconds'),
        ("-5", '"-5" is not a time; write m:ss or whole seconds'),
        ("two minutes", '"two minutes" is not a time; write m:ss or whole seconds'),
        (True, "true is not a time; write m:ss or whole seconds"),
        ([1, 30], "[1, 30] is not a time; write m:ss or whole seconds"),
        (4, "4 seconds is too short; a time limit must be from 0:05 to 60:00"),
        ("0:04", '"0:04" is too short; a time limit must be from 0:05 to 60:00'),
        ("60:01", '"60:01" is too long; a time limit must be from 0:05 to 60:00'),
        (3601, "3601 seconds is too long; a time limit must be from 0:05 to 60:00"),
    ],
)
def test_time_limits_refused(value: object, message: str) -> None:
    with pytest.raises(PydanticCustomError) as refused:
        parse_time_limit(value)
    assert refused.value.message() == message


@pytest.mark.parametrize("value", [1, 2, 10])
def test_attempts_in_range(value: int) -> None:
    assert parse_attempts(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "0 attempts is out of range; allow 1 to 10"),
        (11, "11 attempts is out of range; allow 1 to 10"),
        (True, "true is not a whole number of attempts"),
        ("3", '"3" is not a whole number of attempts'),
        (2.5, "2.5 is not a whole number of attempts"),
    ],
)
def test_attempts_refused(value: object, message: str) -> None:
    with pytest.raises(PydanticCustomError) as refused:
        parse_attempts(value)
    assert refused.value.message() == message


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("10:00", 600), ("0:00", 0), (0, 0), ("90", 90), ("120:00", 7200), (604800, 604800)],
)
def test_retake_after_in_m_ss_or_whole_seconds(value: str | int, seconds: int) -> None:
    assert parse_retake_after(value) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10:75", '"10:75" is not a time; write m:ss or whole seconds'),
        ("-1", '"-1" is not a time; write m:ss or whole seconds'),
        (-1, '"-1" is not a time; write m:ss or whole seconds'),
        (1.5, "1.5 is not a time; write m:ss or whole seconds"),
        (
            "10081:00",
            '"10081:00" is too long; a retake wait must be from 0:00 to 10080:00 (7 days)',
        ),
    ],
)
def test_retake_after_refused(value: object, message: str) -> None:
    with pytest.raises(PydanticCustomError) as refused:
        parse_retake_after(value)
    assert refused.value.message() == message
