"""What a job sees of the machine, asked from inside a real job."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.sandbox.client import BASE_UID, Sandbox
from app.sandbox.isolation import REQUIRED_FEATURES
from app.sandbox.protocol import SandboxLimits, SnippetJob
from app.sandbox.uid_blocks import BLOCK, BLOCKS

pytestmark = pytest.mark.sandbox

INSPECT = """\
import json, os, socket, sys
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "uid": os.getresuid(), "gid": os.getresgid(), "groups": os.getgroups(),
    "pid": os.getpid(), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
    "hostname": socket.gethostname(),
    "interfaces": [l.split(":")[0].strip() for l in open("/proc/self/net/dev").readlines()[2:]],
    "root": sorted(os.listdir("/")), "cwd": os.getcwd(),
    "root_writable": os.access("/", os.W_OK),
    "tmp_writable": os.access("/tmp", os.W_OK),
    "cap_eff": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
    "seccomp": status["Seccomp"].strip(),
    "cgroup": open("/proc/self/cgroup").read().split(),
    "app_modules": sorted(m for m in sys.modules if m == "app" or m.startswith("app.")),
    "heavy_modules": sorted(
        m for m in ("sqlalchemy", "fastapi", "pydantic", "typer") if m in sys.modules
    ),
}))
"""


@pytest.fixture(scope="module")
def inside(sandbox: Sandbox) -> dict[str, object]:
    result = sandbox.run(SnippetJob(INSPECT))
    assert result.status == "ok", result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_this_host_gives_full_isolation(sandbox: Sandbox) -> None:
    report = sandbox.isolation_report()
    assert report.full, report.reasons
    for name in REQUIRED_FEATURES:
        assert report.features[name].ok, name


def test_the_job_is_pid_1_and_sees_only_itself(inside: dict[str, object]) -> None:
    assert inside["pid"] == 1
    assert inside["pids"] == ["1"]


def test_the_job_runs_as_an_unprivileged_slot_uid(inside: dict[str, object]) -> None:
    uid = inside["uid"]
    assert isinstance(uid, list)
    assert len(set(uid)) == 1
    assert BASE_UID <= uid[0] < BASE_UID + BLOCK * BLOCKS
    assert inside["gid"] == uid
    assert inside["groups"] == []
    assert inside["cap_eff"] == "0000000000000000"


def test_no_new_privs_and_seccomp_are_on(inside: dict[str, object]) -> None:
    assert inside["no_new_privs"] == "1"
    assert inside["seccomp"] == "2"


def test_the_network_namespace_is_empty(inside: dict[str, object]) -> None:
    assert inside["interfaces"] == ["lo"]
    assert inside["hostname"] == "sandbox"


def test_the_filesystem_is_read_only_but_for_a_scratch_tmpfs(inside: dict[str, object]) -> None:
    assert inside["root_writable"] is False
    assert inside["tmp_writable"] is True
    assert inside["cwd"] == "/tmp"
    root = inside["root"]
    assert isinstance(root, list)
    assert {"proc", "dev", "tmp", "etc"} <= set(root)
    assert not {"home", "var", "run", "srv", "opt", "boot", "mnt"} & set(root)


def test_the_cgroup_namespace_hides_the_hosts_layout(inside: dict[str, object]) -> None:
    cgroups = inside["cgroup"]
    assert isinstance(cgroups, list)
    assert all(line.endswith(":/") for line in cgroups)


def test_the_zygote_holds_nothing_of_the_app_but_the_sandbox_worker(
    inside: dict[str, object],
) -> None:
    worker = {
        "app",
        "app.sandbox",
        "app.sandbox.cgroups",
        "app.sandbox.isolation",
        "app.sandbox.job_process",
        "app.sandbox.linux",
        "app.sandbox.preload",
        "app.sandbox.protocol",
        "app.sandbox.rootfs",
        "app.sandbox.runner",
        "app.sandbox.seccomp_policy",
        "app.sandbox.uid_blocks",
        "app.sandbox.user_namespace",
        "app.sandbox.zygote",
    }
    modules = inside["app_modules"]
    assert isinstance(modules, list)
    assert set(modules) <= worker
    assert inside["heavy_modules"] == []


def test_the_zygote_was_started_with_an_empty_environment(sandbox: Sandbox) -> None:
    assert sandbox.zygote_pid is not None
    with open(f"/proc/{sandbox.zygote_pid}/environ", "rb") as environ:
        assert environ.read() == b""
    with open(f"/proc/{sandbox.zygote_pid}/cmdline", "rb") as cmdline:
        assert b"\0-I\0" in cmdline.read()


def test_concurrent_jobs_never_share_a_uid(sandbox: Sandbox) -> None:
    job = SnippetJob("import os, time\ntime.sleep(0.3)\nprint(os.getuid())")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(sandbox.run, [job] * 3))
    assert [r.status for r in results] == ["ok"] * 3
    assert len({r.stdout for r in results}) == 3


def test_two_sandboxes_on_one_host_never_share_uids(sandbox: Sandbox) -> None:
    job = SnippetJob("import os\nprint(os.getuid())")
    ours = {int(sandbox.run(job).stdout) for _ in range(8)}
    with Sandbox(SandboxLimits(), pool_size=1) as other:
        theirs = {int(other.run(job).stdout) for _ in range(4)}
    assert len({uid // BLOCK for uid in ours}) == 1
    assert {uid // BLOCK for uid in theirs}.isdisjoint({uid // BLOCK for uid in ours})
