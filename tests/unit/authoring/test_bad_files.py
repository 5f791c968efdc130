"""The corpus of bad challenge files: each must produce exactly its `.expected` lines.

One YAML file per mistake under tests/data/bad/, named after it; its sibling
`<name>.expected` holds every message the file must produce, in order, one
`file:line: path: message` per line. To add a case, write both files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.authoring.loader import parse_file, parse_tree

REPO_ROOT = Path(__file__).resolve().parents[3]
BAD = REPO_ROOT / "tests" / "data" / "bad"
CASES = sorted(BAD.glob("*.yaml"))

# The mistakes the foundation issue names, each with the case that covers it.
REQUIRED_CASES = {
    "yaml_syntax_error",
    "tab_indentation",
    "duplicate_key",
    "unknown_key",
    "missing_required_field",
    "unknown_type",
    "unknown_level",
    "unknown_kind",
    "missing_kind",
    "no_correct_option",
    "several_correct_options",
    "one_option",
    "duplicate_problem_id",
    "time_limit_not_a_time",
    "time_limit_out_of_range",
    "attempts_out_of_range",
    "challenge_without_badge",
    "challenge_without_problems",
    "challenge_with_empty_problems",
    "answer_on_choice_type",
    "not_utf8",
    "empty",
    "top_level_list",
    "expected_not_a_shape",
    "raises_without_code",
    "free_text_without_answer",
    "predict_output_without_code",
    "choice_without_options",
    "pattern_mix_not_adding_up",
    "pattern_pool_too_small",
    "duplicate_option_text",
    "pattern_item_error",
    "several_errors",
    # hostile YAML (issue 11)
    "alias_bomb",
    "recursive_alias",
    "anchor_and_alias",
    "deep_nesting",
    "unreadable_values",
    # variants and pools (issue 10)
    "params_too_many_variants",
    "params_unknown_placeholder",
    "params_unused",
    "params_bad_name",
    "params_bad_value",
    "params_expected_not_a_shape",
    "params_options_collide",
    "pool_duplicate_id",
    "pool_of_one",
}


def expected_lines(case: Path) -> list[str]:
    return case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_bad_file_gives_exactly_its_expected_messages(case: Path) -> None:
    parsed = parse_file(case, source=case.relative_to(REPO_ROOT).as_posix())

    assert [str(error) for error in parsed.errors] == expected_lines(case)
    assert parsed.challenge_set is None
    assert not parsed.ok


def test_corpus_covers_every_required_case() -> None:
    missing = REQUIRED_CASES - {case.stem for case in CASES}
    assert not missing, missing


def test_every_case_has_an_expected_file_and_every_expected_file_a_case() -> None:
    expected = {path.stem for path in BAD.glob("*.expected")}
    assert expected == {case.stem for case in CASES}
    assert all(expected_lines(case) for case in CASES), "an .expected file is empty"


def test_every_expected_line_names_its_own_file_and_a_line() -> None:
    for case in CASES:
        prefix = f"tests/data/bad/{case.name}:"
        for line in expected_lines(case):
            assert line.startswith(prefix), line
            assert line.removeprefix(prefix).split(":", 1)[0].isdigit(), line


def test_several_errors_in_one_file_are_reported_together() -> None:
    parsed = parse_file(BAD / "several_errors.yaml")

    assert len(parsed.errors) == 4
    assert [error.line for error in parsed.errors] == sorted(error.line for error in parsed.errors)


def test_the_same_slug_in_two_files_refuses_every_file_that_claims_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO_ROOT)  # messages name files relative to the working folder
    tree = "tests/data/bad_tree/same_slug"

    parsed = {item.source: item for item in parse_tree(Path(tree))}

    assert {source: [str(e) for e in item.errors] for source, item in parsed.items()} == {
        f"{tree}/first.yaml": [
            f'{tree}/first.yaml:2: slug: "shared" is also the slug of {tree}/shared.yaml, '
            f"{tree}/sub/second.yaml; each set needs its own"
        ],
        f"{tree}/shared.yaml": [
            f'{tree}/shared.yaml:1: slug: "shared" (from the file name) is also the slug of '
            f"{tree}/first.yaml, {tree}/sub/second.yaml; each set needs its own"
        ],
        f"{tree}/sub/second.yaml": [
            f'{tree}/sub/second.yaml:3: slug: "shared" is also the slug of {tree}/first.yaml, '
            f"{tree}/shared.yaml; each set needs its own"
        ],
        f"{tree}/unrelated.yaml": [],
    }
    assert [source for source, item in parsed.items() if item.challenge_set] == [
        f"{tree}/unrelated.yaml"
    ]
