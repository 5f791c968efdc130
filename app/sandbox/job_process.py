"""The life of one job process, from the zygote's fork to its exit.

fds on entry (set by the zygote): job pipe, stdout pipe, stderr pipe, result pipe.
They become 0, 1, 2 and 3; everything else the zygote held is closed before the child
does anything, so no job can reach the zygote's control socket.

    isolate -> "ready" frame -> wait for the job -> run it -> "result" frame -> exit

The child waits *after* isolating, so the zygote can keep a few children ready and a
job pays only for running (the pre-forked pool of Android's zygote).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
import tempfile
from typing import Any, NoReturn

from app.sandbox import linux, runner
from app.sandbox.isolation import Identity, IsolationFailed, IsolationPlan, isolate, verify
from app.sandbox.preload import THREAD_ENVIRONMENT
from app.sandbox.protocol import JOB_MAX, FrameDecoder, SnippetJob, encode_frame
from app.sandbox.rootfs import SCRATCH

RESULT_FD = 3
# All a job finds in os.environ (the zygote started with none).
_JOB_ENVIRONMENT = {"HOME": SCRATCH, "TMPDIR": SCRATCH, "LANG": "C.UTF-8", **THREAD_ENVIRONMENT}


def child_main(
    identity: Identity, plan: IsolationPlan, fds: tuple[int, int, int, int], probe: bool
) -> NoReturn:
    """Never returns: the process ends with os._exit, skipping the zygote's cleanup."""
    status = 70
    ran = False
    try:
        _adopt_fds(fds)
        _reset_signals()
        os.setsid()
        linux.set_process_name("tq-job")
        outcome = isolate(identity, plan)
        if probe:
            verify(outcome, identity, plan)
            features = {name: list(value) for name, value in outcome.features.items()}
            _send({"kind": "probe", "features": features})
        else:
            runner.warm_up()
            _send({"kind": "ready"})
            job, output_bytes = _receive_job()
            _enter_job_environment()
            ran = True
            result = runner.execute(job, output_bytes)
            _close_output()
            _send(result)
        status = 0
    except IsolationFailed as exc:
        _send_quietly({"kind": "isolation_failed", "reason": str(exc)})
    except BaseException as exc:
        if not ran:
            _send_quietly({"kind": "isolation_failed", "reason": f"{type(exc).__name__}: {exc}"})
    os._exit(status)


def _adopt_fds(fds: tuple[int, int, int, int]) -> None:
    # Move the pipes out of the way first: one of them may already sit at 0..3.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    os.closerange(RESULT_FD + 1, os.sysconf("SC_OPEN_MAX"))


def _reset_signals() -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _receive_job() -> tuple[SnippetJob, int]:
    decoder = FrameDecoder(JOB_MAX)
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            raise EOFError("the host closed the job pipe without sending a job")
        frames = decoder.feed(chunk)
        if frames:
            message: dict[str, Any] = frames[0]
            return SnippetJob.from_dict(message["job"]), int(message["output_bytes"])


def _enter_job_environment() -> None:
    # stdin stays readable but empty: input() raises EOFError as it would with </dev/null.
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.environ.clear()
    os.environ.update(_JOB_ENVIRONMENT)
    os.chdir(SCRATCH)
    tempfile.tempdir = SCRATCH
    sys.argv = [runner.SNIPPET_FILE]


def _close_output() -> None:
    """EOF on stdout/stderr before the result, so the host needs no wait for our exit."""
    null = os.open("/dev/null", os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _send(message: dict[str, Any]) -> None:
    data = memoryview(encode_frame(message))
    while data:
        data = data[os.write(RESULT_FD, data) :]


def _send_quietly(message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        _send(message)
