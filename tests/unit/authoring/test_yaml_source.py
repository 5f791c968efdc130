"""YAML to plain data with the line of every key: what every message's file:line rests on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml.constructor import SafeConstructor

from app.authoring.yaml_source import MAX_DEPTH, load_located

TEXT = """\
# a comment line
kind: challenge
problems:
  - id: a
    options:
      - text: x
      - {text: y, correct: true}
  - id: b
"""


def test_data_and_lines_of_keys_and_items() -> None:
    located, errors = load_located(TEXT, "f.yaml")

    assert errors == []
    assert located is not None
    assert located.data == {
        "kind": "challenge",
        "problems": [
            {"id": "a", "options": [{"text": "x"}, {"text": "y", "correct": True}]},
            {"id": "b"},
        ],
    }
    assert located.line_of(("kind",)) == 2
    assert located.line_of(("problems",)) == 3
    assert located.line_of(("problems", 0)) == 4
    assert located.line_of(("problems", 0, "options", 1, "correct")) == 7
    assert located.line_of(("problems", 1, "id")) == 8


def test_a_path_missing_from_the_file_takes_its_nearest_ancestors_line() -> None:
    located, _ = load_located(TEXT, "f.yaml")

    assert located is not None
    assert located.line_of(("problems", 1, "title")) == 8
    assert located.line_of(("problems", 0, "options", 0, "why")) == 6
    assert located.line_of(("badge", "name")) == 2  # the root mapping starts on line 2


def test_duplicate_keys_are_errors_at_every_depth_and_the_first_value_is_kept() -> None:
    located, errors = load_located("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n", "f.yaml")

    assert [str(error) for error in errors] == [
        "f.yaml:4: b.c: duplicate key 'c'; it was already given on line 3",
        "f.yaml:5: a: duplicate key 'a'; it was already given on line 1",
    ]
    assert located is not None
    assert located.data == {"a": 1, "b": {"c": 2}}


def test_non_text_keys_become_text() -> None:
    located, errors = load_located("1: one\n2.5: two\n", "f.yaml")

    assert errors == []
    assert located is not None
    assert located.data == {"1": "one", "2.5": "two"}


def test_an_unsafe_tag_is_a_syntax_error_not_code() -> None:
    located, errors = load_located("a: !!python/object:os.system echo\n", "f.yaml")

    assert located is None
    assert len(errors) == 1
    assert errors[0].line == 1
    assert errors[0].message.startswith("YAML syntax error: ")


def test_a_tab_after_the_indentation_is_reported_as_a_tab() -> None:
    _, errors = load_located("kind: pattern\nflashcards:\n  -\tfront: F\n", "f.yaml")

    assert [str(error) for error in errors] == [
        "f.yaml:3: a tab character is used for indentation; YAML needs spaces"
    ]


BAD = Path(__file__).resolve().parents[2] / "data" / "bad"


def test_an_alias_bomb_is_refused_at_its_first_anchor_before_the_rest_is_read() -> None:
    """Parsing stops at the first anchor: a syntax error further down is never reached."""
    bomb = (BAD / "alias_bomb.yaml").read_text(encoding="utf-8")

    located, errors = load_located(bomb + 'g: "never closed\n', "f.yaml")

    assert located is None
    assert [str(error) for error in errors] == [
        "f.yaml:5: YAML anchors and aliases are not allowed (found &a); "
        "write each value out in full"
    ]


def test_an_alias_bomb_is_never_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: not one value of the bomb's 9**6 strings is built."""
    built: list[yaml.Node] = []
    construct = SafeConstructor.construct_object

    def counting(self: SafeConstructor, node: yaml.Node, deep: bool = False) -> object:
        built.append(node)
        return construct(self, node, deep)

    monkeypatch.setattr(SafeConstructor, "construct_object", counting)

    located, errors = load_located((BAD / "alias_bomb.yaml").read_text(encoding="utf-8"), "f.yaml")

    assert located is None
    assert len(errors) == 1
    assert built == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("a: &x [*x]\n", "&x", id="recursive"),
        pytest.param("a: *nowhere\n", "*nowhere", id="alias-without-anchor"),
        pytest.param("a: 1\nb: &plain text\n", "&plain", id="anchor-without-alias"),
        pytest.param("a:\n  - &item {k: v}\n", "&item", id="anchor-on-a-mapping"),
    ],
)
def test_every_anchor_and_alias_is_refused_with_its_line(text: str, found: str) -> None:
    located, errors = load_located(text, "f.yaml")

    assert located is None
    line = text.count("\n", 0, text.index(found)) + 1
    assert [str(error) for error in errors] == [
        f"f.yaml:{line}: YAML anchors and aliases are not allowed (found {found}); "
        "write each value out in full"
    ]


def nested(levels: int) -> str:
    return "a: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"  # the root mapping is one


def test_nesting_is_allowed_to_the_limit_and_refused_beyond() -> None:
    located, errors = load_located(nested(MAX_DEPTH), "f.yaml")
    assert errors == []
    assert located is not None

    located, errors = load_located("x: 1\n" + nested(MAX_DEPTH + 1), "f.yaml")
    assert located is None
    assert [str(error) for error in errors] == [
        f"f.yaml:2: the YAML is nested more than {MAX_DEPTH} levels deep; "
        "challenge files need far fewer"
    ]


def test_nesting_deeper_than_python_recurses_is_refused_not_a_crash() -> None:
    """999 levels: one short of where libyaml itself gives up, past Python's recursion limit."""
    _, errors = load_located(nested(999), "f.yaml")

    assert [error.line for error in errors] == [1]
    assert errors[0].message.startswith(f"the YAML is nested more than {MAX_DEPTH} levels deep")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "a: 1\nb: 2001-13-45\n",
            "f.yaml:2: b: cannot be read as a date: month must be in 1..12",
            id="impossible-date",
        ),
        pytest.param(
            "2001-02-30: x\n",
            "f.yaml:1: cannot be read as a date: day is out of range for month",
            id="impossible-date-as-a-key",
        ),
        pytest.param(
            "a: !!bool maybe\n",
            "f.yaml:1: a: cannot be read as a true/false value: 'maybe'",
            id="tagged-bool",
        ),
        pytest.param(
            "a: [1, " + "9" * 5000 + "]\n",
            "f.yaml:1: a[1]: cannot be read as a number: exceeds the limit (4300 digits) "
            "for integer string conversion: value has 5000 digits",
            id="5000-digit-number",
        ),
    ],
)
def test_a_value_python_cannot_build_is_an_error_with_its_line(text: str, expected: str) -> None:
    _, errors = load_located(text, "f.yaml")

    assert [str(error) for error in errors] == [expected]
