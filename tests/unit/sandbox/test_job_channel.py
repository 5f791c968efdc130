"""The host's side of a job, against stand-in children that misbehave on purpose.

The stand-ins are plain Python processes (no sandbox needed): whatever bytes a job
process sends, the host must come out with a well-formed result and a dead child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from app.sandbox.job_channel import ChildFailed, JobChannel
from app.sandbox.launcher import ExitInfo, SpawnedChild
from app.sandbox.protocol import SandboxLimits, SnippetJob, SnippetResult

PRELUDE = """\
import json, os, signal, struct, sys, time
RESULT = int(sys.argv[1])
def frame(message):
    body = json.dumps(message).encode()
    os.write(RESULT, struct.pack(">I", len(body)) + body)
def read_job():
    data = b""
    while chunk := os.read(0, 65536):
        data += chunk
    return json.loads(data[4:])["job"]
def result(**fields):
    frame({"kind": "result", "status": "ok", "duration_ms": 1.0, **fields})
"""
LIMITS = SandboxLimits(output_bytes=100, cpu_seconds=1.0)


class StandIn:
    """A child process wired like a real job process, with the host's JobChannel."""

    def __init__(self, body: str) -> None:
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", PRELUDE + body, str(res_w)],
            stdin=job_r,
            stdout=out_w,
            stderr=err_w,
            pass_fds=(res_w,),
        )
        for fd in (job_r, out_w, err_w, res_w):
            os.close(fd)
        pidfd = os.pidfd_open(self.process.pid)
        child = SpawnedChild(0, self.process.pid, pidfd, job_w, out_r, err_r, res_r)
        self.channel = JobChannel(child)
        # The zygote's part: reap the child and say how it ended.
        self._reaper = threading.Thread(target=self._reap)
        self._reaper.start()

    def _reap(self) -> None:
        code = self.process.wait()
        status = -code if code < 0 else code << 8
        self.channel.record_exit(ExitInfo(status, oom=False))

    def run(self, code: str = "print(1)", wall: float = 5.0) -> SnippetResult:
        self.channel.wait_ready(timeout=5)
        return self.channel.run(SnippetJob(code=code), LIMITS, wall)

    def close(self) -> int:
        self.channel.close()
        self._reaper.join()
        return self.process.returncode


MakeStandIn = Callable[[str], StandIn]


@pytest.fixture
def stand_in() -> Iterator[MakeStandIn]:
    made: list[StandIn] = []

    def make(body: str) -> StandIn:
        child = StandIn(body)
        made.append(child)
        return child

    yield make
    for child in made:
        child.close()


def test_an_honest_child_gives_its_result_and_output(stand_in: MakeStandIn) -> None:
    child = stand_in(
        'frame({"kind": "ready"})\n'
        "job = read_job()\n"
        "print('ran', job['code'], flush=True)\n"
        "result(shape=[2, 3], tensors={'x': [2, 3]})\n"
    )
    result = child.run("x = 1")
    assert result.status == "ok"
    assert result.stdout == "ran x = 1\n"
    assert result.shape == [2, 3]
    assert result.tensors == {"x": [2, 3]}


def test_output_is_kept_up_to_the_cap_and_marked_when_cut(stand_in: MakeStandIn) -> None:
    child = stand_in(
        'frame({"kind": "ready"}); read_job()\n'
        "os.write(1, b'a' * 100); os.write(2, b'b' * 101)\n"
        "result()\n"
    )
    result = child.run()
    assert (result.stdout, result.stdout_truncated) == ("a" * 100, False)
    assert (result.stderr, result.stderr_truncated) == ("b" * 100, True)


def test_a_flood_of_raw_output_gets_the_job_killed(stand_in: MakeStandIn) -> None:
    child = stand_in(
        'frame({"kind": "ready"}); read_job()\nwhile True: os.write(1, b"x" * 65536)\n'
    )
    result = child.run()
    assert result.status == "killed"
    assert "output limit" in (result.exception_message or "")
    assert result.stdout == "x" * 100
    assert result.stdout_truncated
    assert child.close() == -9


def test_a_job_past_its_wall_clock_is_killed_as_a_timeout(stand_in: MakeStandIn) -> None:
    child = stand_in(
        'frame({"kind": "ready"}); read_job()\nprint("started", flush=True)\ntime.sleep(60)\n'
    )
    result = child.run(wall=0.3)
    assert result.status == "timeout"
    assert result.exception_message == "wall-clock limit of 0.3 s exceeded"
    assert result.stdout == "started\n"
    assert child.close() == -9


@pytest.mark.parametrize(
    "send",
    [
        "os.write(RESULT, struct.pack('>I', 5) + b'{oops')",
        "os.write(RESULT, struct.pack('>I', 1 << 30))",
        "frame({'kind': 'result', 'status': 'great'})",
        "frame({'kind': 'result', 'status': 'ok', 'shape': [2, '3']})",
        "frame({'kind': 'result', 'status': 'ok', 'tensors': {str(i): [i] for i in range(999)}})",
    ],
)
def test_a_malformed_result_ends_as_killed(stand_in: MakeStandIn, send: str) -> None:
    child = stand_in(f'frame({{"kind": "ready"}}); read_job()\n{send}\ntime.sleep(60)\n')
    result = child.run()
    assert result.status == "killed"
    assert result.exception is None


def test_a_child_killed_by_a_signal_says_which(stand_in: MakeStandIn) -> None:
    child = stand_in('frame({"kind": "ready"}); read_job()\nos.kill(os.getpid(), signal.SIGSEGV)\n')
    result = child.run()
    assert result.status == "killed"
    assert "SIGSEGV" in (result.exception_message or "")


def test_a_child_that_gives_up_isolating_is_never_sent_a_job(stand_in: MakeStandIn) -> None:
    child = stand_in('frame({"kind": "isolation_failed", "reason": "seccomp: no libseccomp"})\n')
    with pytest.raises(ChildFailed, match="seccomp: no libseccomp"):
        child.channel.wait_ready(timeout=5)


def test_a_child_that_dies_before_it_is_ready_fails_fast(stand_in: MakeStandIn) -> None:
    child = stand_in("os._exit(1)\n")
    with pytest.raises(ChildFailed, match="died"):
        child.channel.wait_ready(timeout=5)


def test_a_second_result_frame_ends_the_job_as_killed(stand_in: MakeStandIn) -> None:
    child = stand_in(
        'frame({"kind": "ready"}); read_job()\nresult(shape=[1])\nresult(shape=[2, 3])\n'
    )
    result = child.run()
    assert (result.status, result.shape) == ("killed", None)
    assert "more than one result" in (result.exception_message or "")


def test_a_result_is_taken_only_once_the_job_has_exited(stand_in: MakeStandIn) -> None:
    child = stand_in('frame({"kind": "ready"}); read_job()\nresult(shape=[1])\ntime.sleep(60)\n')
    result = child.run(wall=0.3)
    assert result.status == "timeout"
    assert result.shape is None
