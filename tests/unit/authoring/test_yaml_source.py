"""YAML to plain data with the line of every key: what every message's file:line rests on."""

from __future__ import annotations

from app.authoring.yaml_source import load_located

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
