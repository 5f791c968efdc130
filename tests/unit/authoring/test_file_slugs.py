from pathlib import Path

import pytest

from app.authoring.loader import parse_text, slug_from_file_name


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("gru-mastery.yaml", "gru-mastery"),
        ("GRU_Mastery.yaml", "gru-mastery"),
        ("My Set (v2).yml", "my-set-v2"),
    ],
)
def test_file_names_become_slugs(name: str, slug: str) -> None:
    assert slug_from_file_name(Path(name)) == slug


def test_a_file_name_without_letters_needs_an_explicit_slug() -> None:
    text = (
        "kind: challenge\ntitle: T\nbadge: {name: B, description: D}\nproblems:\n"
        "  - {id: a, type: conceptual, level: beginner, title: t, prompt: p,\n"
        "     options: [{text: x, correct: true}, {text: y}]}\n"
    )
    parsed = parse_text(text, source="challenges/___.yaml", default_slug="")
    assert [str(e) for e in parsed.errors] == [
        "challenges/___.yaml:1: the file name makes no usable slug; add `slug:` (got '')"
    ]
