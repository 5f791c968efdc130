from pathlib import Path

import pytest

from app.authoring.loader import parse_text, parse_tree, slug_from_file_name


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


def test_a_link_out_of_the_folder_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text("kind: challenge\ntitle: not for the loader\n")
    tree = tmp_path / "challenges"
    tree.mkdir()
    (tree / "leak.yaml").symlink_to(secret)
    (tree / "inside.yaml").write_text("kind: challenge\n")
    (tree / "alias.yaml").symlink_to(tree / "inside.yaml")  # a link within the folder is fine

    parsed = {item.path.name: item for item in parse_tree(tree)}

    assert [e.message for e in parsed["leak.yaml"].errors] == [
        "links to a file outside challenges/; copy the file in instead of linking it"
    ]
    assert "outside" not in str(parsed["alias.yaml"].errors)
