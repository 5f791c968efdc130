"""Making a SnippetResult of how a job ended."""

from __future__ import annotations

import signal
from typing import Any

import pytest

from app.sandbox.launcher import ExitInfo
from app.sandbox.outcome import from_death, from_report
from app.sandbox.protocol import ProtocolError, SandboxLimits

LIMITS = SandboxLimits()


def report(**fields: Any) -> dict[str, Any]:
    return {"kind": "result", "status": "ok", "duration_ms": 2.5, **fields}


def test_a_well_formed_report_is_taken_as_is() -> None:
    result = from_report(
        report(shape=[2, 3], tensors={"x": [2, 3]}, exception=None, meta_unsupported=None)
    )
    assert (result.status, result.shape, result.tensors, result.duration_ms) == (
        "ok",
        [2, 3],
        {"x": [2, 3]},
        2.5,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "fine"},
        {"shape": [2, True]},
        {"shape": "2, 3"},
        {"tensors": {"x": [1.5]}},
        {"tensors": [["x", [1]]]},
        {"exception": 42},
        {"duration_ms": float("nan")},
        {"duration_ms": "soon"},
    ],
)
def test_a_report_out_of_shape_is_refused_whole(fields: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        from_report(report(**fields))


def test_long_text_in_a_report_is_cut() -> None:
    assert len(from_report(report(exception_message="x" * 100_000)).exception_message or "") == 8192


def test_the_oom_killer_means_memory() -> None:
    result = from_death(ExitInfo(signal.SIGKILL, oom=True), LIMITS)
    assert (result.status, result.exception_message) == (
        "memory",
        "memory limit of 512 MiB exceeded",
    )


def test_an_unexplained_sigkill_is_the_cpu_limit() -> None:
    result = from_death(ExitInfo(signal.SIGKILL, oom=False), LIMITS)
    assert (result.status, result.exception_message) == (
        "timeout",
        "CPU time limit of 2 s exceeded",
    )


def test_other_signals_are_named() -> None:
    result = from_death(ExitInfo(signal.SIGSEGV, oom=False), LIMITS)
    assert result.status == "killed"
    assert result.exception_message == (
        "the snippet's process was killed by SIGSEGV (Segmentation fault)"
    )


def test_an_early_exit_is_an_error() -> None:
    result = from_death(ExitInfo(3 << 8, oom=False), LIMITS)
    assert result.status == "error"
    assert "exited with status 3" in (result.exception_message or "")


def test_no_word_from_the_zygote() -> None:
    assert from_death(None, LIMITS).status == "killed"
