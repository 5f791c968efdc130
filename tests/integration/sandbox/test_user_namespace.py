"""Isolation as without root: the zygote in a user namespace of its own, each job in one
more (app.sandbox.user_namespace). CI runs as root, so the sandbox is told to isolate
this way; the hostile corpus also runs against it (test_hostile_corpus).

What only a real non-root start shows: as host root a job is exempt from RLIMIT_NPROC
(cgroups cap it here), so that each job counts its own processes was checked by hand,
as `nobody` (docs/sandbox.md)."""

from __future__ import annotations

import json

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob

pytestmark = pytest.mark.sandbox

POWERS = """\
import errno, json, os, socket
def attempt(action):
    try:
        action()
    except OSError as exc:
        return errno.errorcode[exc.errno]
    return "allowed"
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "uid": os.getuid(), "pid": os.getpid(), "cap_eff": int(status["CapEff"], 16),
    "sethostname": attempt(lambda: socket.sethostname("escaped")),
    "setuid": attempt(lambda: os.setuid(1000)),
    "unshare": attempt(lambda: os.unshare(os.CLONE_NEWNS)) if hasattr(os, "unshare") else "n/a",
}))
"""


def test_the_probe_finds_full_isolation(user_namespace_sandbox: Sandbox) -> None:
    report = user_namespace_sandbox.isolation_report()
    assert report.full, report.reasons
    assert report.features["user_namespace"].detail.startswith("the zygote's own")
    assert "user namespace of its own" in report.features["uid_drop"].detail


def test_a_job_is_root_of_nothing_but_itself(user_namespace_sandbox: Sandbox) -> None:
    result = user_namespace_sandbox.run(SnippetJob(POWERS))
    assert result.status == "ok", result.stderr
    seen = json.loads(result.stdout)
    assert (seen["uid"], seen["pid"], seen["cap_eff"]) == (0, 1, 0)
    assert seen["sethostname"] == "EPERM"  # its UTS namespace is the zygote's user ns's
    assert seen["setuid"] == "EINVAL"  # no other uid exists in its namespace
    assert seen["unshare"] in ("EPERM", "n/a")  # seccomp forbids new namespaces
