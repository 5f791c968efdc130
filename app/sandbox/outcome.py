"""How a job's end becomes a SnippetResult: its own report, validated, or why it died.

A job that finished reports for itself; the report is taken field by field and
refused whole if anything is out of shape. A job that died is described from the
outside: the wall clock, a flood, the OOM killer, or the signal that ended it.
"""

from __future__ import annotations

import math
import os
import signal
from typing import Any

from app.sandbox.launcher import ExitInfo
from app.sandbox.protocol import STATUSES, ProtocolError, SandboxLimits, SnippetResult

_MAX_TENSORS = 100
# What a job may say of itself. timeout, killed (and memory past a cgroup or the
# watchdog) are what the host saw happen to it, never what it claims.
REPORTED_STATUSES = ("ok", "error", "memory")
_MAX_TEXT = 8192


def from_report(frame: dict[str, Any]) -> SnippetResult:
    """The job's own account of its run; ProtocolError if anything is out of shape."""
    status = frame.get("status")
    if status not in STATUSES:
        raise ProtocolError(f"unknown status {status!r}")
    if status not in REPORTED_STATUSES:
        raise ProtocolError(f"{status!r} is the sandbox's verdict, never the job's own")
    shape = frame.get("shape")
    tensors = frame.get("tensors") or {}
    if not isinstance(tensors, dict) or len(tensors) > _MAX_TENSORS:
        raise ProtocolError("tensors must be a small mapping")
    try:
        duration_ms = float(frame.get("duration_ms", 0.0))
    except (TypeError, ValueError):
        raise ProtocolError("duration_ms must be a number") from None
    if not math.isfinite(duration_ms):
        raise ProtocolError("duration_ms must be a number")
    return SnippetResult(
        status=status,
        exception=_optional_text(frame.get("exception")),
        exception_message=_optional_text(frame.get("exception_message")),
        duration_ms=duration_ms,
        shape=None if shape is None else _dims(shape),
        shape_error=_optional_text(frame.get("shape_error")),
        tensors={_text(name): _dims(dims) for name, dims in tensors.items()},
        meta_unsupported=_optional_text(frame.get("meta_unsupported")),
    )


def from_death(exit_info: ExitInfo | None, limits: SandboxLimits) -> SnippetResult:
    """Why a job that sent no result died, from how the zygote reaped it."""
    if exit_info is None:
        return SnippetResult("killed", exception_message="the sandbox restarted while the job ran")
    if exit_info.oom:
        return memory_exceeded(limits)
    status = exit_info.status
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        # Inside its PID namespace nothing can SIGKILL the job's PID 1, and the other
        # senders (the OOM killer, the wall clock) are accounted for elsewhere: what
        # is left is the kernel enforcing RLIMIT_CPU (see isolation).
        if signum in (signal.SIGXCPU, signal.SIGKILL):
            seconds = f"{limits.cpu_seconds:g}"
            return SnippetResult(
                "timeout", exception_message=f"CPU time limit of {seconds} s exceeded"
            )
        return SnippetResult(
            "killed",
            exception_message=f"the snippet's process was killed by {_signal_name(signum)}",
        )
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return SnippetResult(
        "error",
        exception_message=f"the snippet's process exited with status {code} before finishing",
    )


def memory_exceeded(limits: SandboxLimits) -> SnippetResult:
    """The job's processes together held more than its memory limit (cgroup or watchdog)."""
    mib = limits.memory_bytes // (1024 * 1024)
    return SnippetResult("memory", exception_message=f"memory limit of {mib} MiB exceeded")


def _dims(value: object) -> list[int]:
    if not isinstance(value, list) or not all(type(d) is int for d in value):
        raise ProtocolError("a shape must be a list of integers")
    return list(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ProtocolError("expected text")
    return value[:_MAX_TEXT]


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _signal_name(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
    description = signal.strsignal(signum)
    return f"{name} ({description})" if description else name
