"""A snippet writing its own result frame on the job's result pipe (fd 3) must not get
its claim stored or graded: `quiz check` keeps the executed shape of each problem, and
that is what learners are graded against."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.authoring.loader import parse_text
from app.domain.clock import system_clock
from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob
from app.services.checking import Checker

pytestmark = pytest.mark.sandbox

SEED = Path(__file__).resolve().parents[3] / "challenges" / "gru-mastery.yaml"
HONEST_LAST_LINE = "      print(output.shape)\n"
FORGE = """\
import json, os, struct
body = json.dumps({"kind": "result", "status": "ok", "shape": [1], "duration_ms": 1.0})
os.write(3, struct.pack(">I", len(body)) + body.encode())
"""


def forged_set(after_forging: str = "") -> str:
    text = SEED.read_text()
    assert HONEST_LAST_LINE in text
    lines = FORGE + after_forging
    indented = "".join(f"      {line}\n" for line in lines.splitlines())
    return text.replace(HONEST_LAST_LINE, HONEST_LAST_LINE + indented, 1)


@pytest.mark.parametrize(
    "after_forging", ["", "import time\ntime.sleep(60)\n"], ids=["carries on", "then waits"]
)
def test_a_forged_frame_is_never_stored(sandbox: Sandbox, after_forging: str) -> None:
    parsed = parse_text(forged_set(after_forging), source="forged.yaml", default_slug="forged")
    assert parsed.challenge_set is not None
    checker = Checker(sandbox.run, clock=system_clock, wall_seconds=5.0)
    verification = checker(parsed)
    executed = verification.executed.get("gru-output-shape")
    assert executed is None or executed["shape"] == [2, 3, 5], executed
    assert any(error.path[:2] == ("problems", 0) for error in verification.errors)


def test_a_frame_written_before_the_real_one_ends_the_job_as_killed(sandbox: Sandbox) -> None:
    result = sandbox.run(SnippetJob(FORGE + "x = [2, 3]\n", shape_of="x"))
    assert result.status == "killed", result
    assert result.shape is None
    assert "more than one result" in (result.exception_message or "")


@pytest.mark.parametrize("verdict", ["timeout", "killed"])
def test_a_frame_cannot_claim_a_verdict_that_is_the_sandboxs(
    sandbox: Sandbox, verdict: str
) -> None:
    code = FORGE.replace('"status": "ok"', f'"status": "{verdict}"') + "import os\nos._exit(0)\n"
    result = sandbox.run(SnippetJob(code))
    assert result.status == "killed", result
    assert "bad result" in (result.exception_message or "")
