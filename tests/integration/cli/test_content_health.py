"""Content health: `quiz check`'s summary table (and its --json numbers) and `quiz stats`.

Snippets run in a counting stand-in for the sandbox: what is counted here is what
`quiz check` asks of the sandbox, not what torch does (tests/integration/sandbox runs
the real one).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.cli import sets as sets_command
from app.sandbox.protocol import SnippetJob, SnippetResult

# Five problems: two share their code (one run), one has three variants, two form a pool.
TENSORS = """\
slug: shapes
kind: challenge
title: Shapes
topic: Tensors
badge: {name: Shaper, description: Knew the shapes.}
problems:
  - id: zeros
    type: predict_output
    level: beginner
    title: Zeros
    prompt: What shape?
    code: "import torch\\nx = torch.zeros(2, 3)"
    answer: {shape_of: x}
  - id: zeros-again
    type: predict_output
    level: beginner
    title: Zeros again
    prompt: And this shape?
    code: "import torch\\nx = torch.zeros(2, 3)"
    answer: {shape_of: x}
  - id: ones
    type: predict_output
    level: advanced
    title: Ones
    params: {n: [1, 2, 3]}
    prompt: What shape for ${n}?
    code: "import torch\\nx = torch.ones(${n})"
    answer: {shape_of: x}
  - pool:
      - id: view
        type: conceptual
        level: intermediate
        title: View
        prompt: What does view need?
        options:
          - {text: Contiguous memory, correct: true}
          - {text: A GPU}
      - id: reshape
        type: conceptual
        level: intermediate
        title: Reshape
        prompt: When does reshape copy?
        options:
          - {text: When a view is impossible, correct: true}
          - {text: Always}
"""

# One problem whose snippet raises without saying so: one failure.
AUTOGRAD = """\
slug: grads
kind: challenge
title: Grads
topic: Autograd
badge: {name: Grader, description: Knew the grads.}
problems:
  - id: broken
    type: predict_output
    level: beginner
    title: Broken
    prompt: What shape?
    code: "y = boom"
    answer: {shape_of: y}
"""


class CountingSandbox:
    """Answers every snippet with shape (2, 3), or a NameError for `boom`; counts runs."""

    pool_size = 1

    def __init__(self) -> None:
        self.codes: list[str] = []

    def run(self, job: SnippetJob) -> SnippetResult:
        self.codes.append(job.code)
        if "boom" in job.code:
            return SnippetResult(
                status="error", exception="NameError", exception_message="boom is undefined"
            )
        return SnippetResult(status="ok", shape=[2, 3])


@pytest.fixture
def sandbox(project: Path, monkeypatch: pytest.MonkeyPatch) -> CountingSandbox:
    (project / "challenges" / "shapes.yaml").write_text(TENSORS, encoding="utf-8")
    (project / "challenges" / "grads.yaml").write_text(AUTOGRAD, encoding="utf-8")
    fake = CountingSandbox()

    @contextmanager
    def started(*, allow_unisolated: bool = False) -> Iterator[CountingSandbox]:
        yield fake

    monkeypatch.setattr(sets_command, "started_sandbox", started)
    return fake


def test_check_prints_a_table_of_counts_per_file_and_a_total(
    runner: CliRunner, sandbox: CountingSandbox
) -> None:
    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1  # grads.yaml's snippet raises
    assert result.stdout.splitlines() == [
        "file                           sets  problems  variants  executed  cached  failures",
        "challenges/grads.yaml             1         1         0         1       0         1",
        "challenges/quick-quiz.yaml        1         2         0         0       0         0",
        "challenges/shapes.yaml            1         5         3         4       1         0",
        "challenges/small-pattern.yaml     1         5         0         0       0         0",
        "total                             4        13         3         5       1         1",
    ]
    assert len(sandbox.codes) == 5  # the table's executed total is what the sandbox ran
    assert "challenges/grads.yaml:12: problems[0].code: the snippet raises NameError" in (
        result.stderr
    )
    assert result.stderr.endswith("3 of 4 file(s) valid, 1 error(s)\n")


def test_check_json_carries_the_same_numbers(runner: CliRunner, sandbox: CountingSandbox) -> None:
    result = runner.invoke(app, ["check", "--json"])

    report = json.loads(result.stdout)
    numbers = ("sets", "problems", "variants", "executed", "cached", "failures")
    shapes = next(f for f in report["files"] if f["slug"] == "shapes")
    assert [shapes[name] for name in numbers] == [1, 5, 3, 4, 1, 0]
    assert report["total"] == dict(zip(numbers, [4, 13, 3, 5, 1, 1], strict=True))


def test_check_without_running_counts_nothing_executed(
    runner: CliRunner, sandbox: CountingSandbox
) -> None:
    result = runner.invoke(app, ["check", "--no-run"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2] == (
        "total                             4        13         3         0       0         0"
    )
    assert sandbox.codes == []


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_check_counts_an_invalid_file_as_no_set_with_its_errors(
    runner: CliRunner, project: Path, sandbox: CountingSandbox
) -> None:
    (project / "challenges" / "shapes.yaml").write_text(
        TENSORS.replace("kind: challenge", "kind: puzzle"), encoding="utf-8"
    )

    result = runner.invoke(app, ["check"])

    row = next(line for line in result.stdout.splitlines() if "shapes.yaml" in line)
    assert row.split() == ["challenges/shapes.yaml", "0", "0", "0", "0", "0", "1"]


def test_stats_shows_problems_per_topic_and_level(
    runner: CliRunner, sandbox: CountingSandbox
) -> None:
    result = runner.invoke(app, ["stats"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "topic       beginner  intermediate  advanced  expert  total  challenges  patterns",
        "Autograd           1             -         -       -      1           1         0",
        "Tensors            2             2         1       -      5           1         0",
        "(no topic)         2             -         -       -      2           1         1",
        "3 topic(s), 4 set(s), 7 empty topic-level cell(s)",
    ]
    assert sandbox.codes == []  # stats runs nothing


def test_stats_detail_counts_pool_members_and_variants_apart(
    runner: CliRunner, sandbox: CountingSandbox
) -> None:
    result = runner.invoke(app, ["stats", "--detail", "challenges/shapes.yaml"])

    tensors = result.stdout.splitlines()[1]
    assert tensors.split("  ")[0] == "Tensors"
    assert "2 (0p 0v)" in tensors  # beginner: two plain problems
    assert "2 (2p 0v)" in tensors  # intermediate: the pool of two
    assert "1 (0p 3v)" in tensors  # advanced: one problem, three variants


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_stats_names_invalid_files_it_leaves_out(
    runner: CliRunner, project: Path, sandbox: CountingSandbox
) -> None:
    (project / "challenges" / "grads.yaml").write_text(
        textwrap.dedent(AUTOGRAD).replace("level: beginner", "level: guru"), encoding="utf-8"
    )

    result = runner.invoke(app, ["stats"])

    assert result.exit_code == 0
    assert "Autograd" not in result.stdout
    assert result.stderr == (
        "left out 1 invalid file(s) (`quiz check` says why): challenges/grads.yaml\n"
    )


@pytest.mark.sqlite_only("`quiz check` and `quiz stats` open no database")
def test_stats_of_a_missing_path_exits_1(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["stats", "nowhere"])

    assert result.exit_code == 1
    assert result.stderr == "nowhere: no such file or folder\n"
