"""The hostile corpus: each snippet, its expected outcome, and proof the host was untouched.

The corpus runs two at a time while a third thread keeps submitting an ordinary
snippet: those must all come back correct, showing the sandbox goes on serving while
it is being attacked.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sysconfig
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.sandbox.rootfs import SCRATCH
from tests.integration.sandbox.conftest import DATABASE_MARKER
from tests.integration.sandbox.helpers import processes_named, wait_until

pytestmark = pytest.mark.sandbox

PROJECT = Path(__file__).resolve().parents[3]
# Places a job must not write: the system, the project, and the (visible, read-only)
# site-packages a job imports from.
OUTSIDE = [
    "/etc/tq-pwned",
    "/usr/lib/tq-pwned",
    "/tq-pwned",
    str(PROJECT / "tq-pwned"),
    os.path.join(sysconfig.get_paths()["purelib"], "tq_pwned.py"),
]


@dataclass(frozen=True)
class Context:
    secret: str
    database: Path
    port: int
    zygote_pid: int
    host_tmp: Path


@dataclass(frozen=True)
class Hostile:
    name: str
    code: Callable[[Context], str]
    check: Callable[[SnippetResult, Context], None]
    wall_seconds: float | None = None


def memory_scan(ctx: Context) -> str:
    """Search every writable page for the secret without ever holding it whole."""
    secret = ctx.secret.encode()
    head, tail = secret[:8], secret[8:]
    return f"""\
import ctypes, hashlib
head = bytes.fromhex("{head.hex()}")
found = 0
for line in open("/proc/self/maps"):
    fields = line.split()
    if not fields[1].startswith("rw"):
        continue
    start, end = (int(x, 16) for x in fields[0].split("-"))
    for at in range(start, end, 1 << 22):
        chunk = ctypes.string_at(at, min((1 << 22) + 64, end - at))
        i = chunk.find(head)
        while i != -1:
            rest = chunk[i + 8 : i + 8 + {len(tail)}]
            found += hashlib.sha256(rest).hexdigest() == "{hashlib.sha256(tail).hexdigest()}"
            i = chunk.find(head, i + 1)
print("occurrences", found)
"""


def expect(status: str, exception: str | None = None) -> Callable[[SnippetResult], None]:
    def check(result: SnippetResult) -> None:
        assert (result.status, result.exception) == (status, exception), result

    return check


def no_secret(result: SnippetResult, ctx: Context) -> None:
    assert ctx.secret not in result.stdout + result.stderr


def read_shadow(result: SnippetResult, ctx: Context) -> None:
    expect("error", "FileNotFoundError")(result)
    with open("/etc/shadow") as shadow:
        first = shadow.readline().strip()
    assert first
    assert first not in result.stdout


def read_database(result: SnippetResult, ctx: Context) -> None:
    assert result.stdout.split() == ["FileNotFoundError"] * 3, result
    assert DATABASE_MARKER not in result.stdout
    assert ctx.database.read_text().endswith(DATABASE_MARKER)


def server_environment(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    no_secret(result, ctx)
    assert "QUIZ_SECRET_KEY" not in result.stdout
    assert "DATABASE_URL" not in result.stdout


def zygote_memory(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert result.stdout == "occurrences 0\n"


def write_outside(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    targets = [*OUTSIDE, str(ctx.host_tmp / "tq-pwned")]
    outcomes = dict(zip(targets, result.stdout.split(), strict=True))
    for path, outcome in outcomes.items():
        # A path under /tmp is, seen from the job, in its own scratch tmpfs (so is the
        # project when checked out under /tmp): writing there is writing to scratch.
        if not path.startswith(SCRATCH + "/"):
            assert outcome == "refused", path
        assert not os.path.exists(path), path  # and nothing reached the host


def tcp_to_host(result: SnippetResult, ctx: Context) -> None:
    expect("error", "PermissionError")(result)


def fork_bomb(result: SnippetResult, ctx: Context) -> None:
    expect("timeout")(result)
    assert wait_until(lambda: not processes_named("tqbomb")), "fork bomb outlived its job"


def memory_bomb(result: SnippetResult, ctx: Context) -> None:
    assert result.status == "memory", result
    assert "512 MiB" in (result.exception_message or "")


def infinite_loop(result: SnippetResult, ctx: Context) -> None:
    expect("timeout")(result)
    assert result.exception_message == "CPU time limit of 2 s exceeded"


def spinning_threads(result: SnippetResult, ctx: Context) -> None:
    expect("timeout")(result)
    assert result.stdout.startswith("threads "), result
    started = int(result.stdout.split()[-1])
    assert 0 < started < 16  # the per-uid process limit counts threads


def output_flood(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert result.stdout == "x" * 65536
    assert result.stdout_truncated


def kill_every_pid(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert result.stdout == "still here\n"
    os.kill(ctx.zygote_pid, 0)  # the zygote is alive (raises if not)


def ptrace_parent(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert result.stdout.split() == ["-1", "1"] * 3  # three refusals, errno EPERM


def double_forked_daemon(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert wait_until(lambda: not processes_named("tqdaemon")), "the daemon outlived its job"


def fill_scratch(result: SnippetResult, ctx: Context) -> None:
    expect("ok")(result)
    assert result.stdout == "ENOSPC\n"
    assert not (ctx.host_tmp / "tq-fill-0").exists()


def segfault(result: SnippetResult, ctx: Context) -> None:
    expect("killed")(result)
    assert "SIGSEGV" in (result.exception_message or "")


CORPUS = [
    Hostile("read /etc/shadow", lambda c: "print(open('/etc/shadow').read())", read_shadow),
    Hostile(
        "read the database and challenge sources",
        lambda c: (
            f"""\
for path in [{str(c.database)!r}, {str(c.database.parent)!r}, "/work/main/challenges"]:
    try:
        print(open(path).read() if path.endswith(".db") else __import__("os").listdir(path))
    except OSError as exc:
        print(type(exc).__name__)
"""
        ),
        read_database,
    ),
    Hostile(
        "read the server's environment and /proc/*/environ",
        lambda c: (
            """\
import glob, os
print(dict(os.environ))
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        print(path, open(path, "rb").read())
    except OSError as exc:
        print(path, exc)
"""
        ),
        server_environment,
    ),
    Hostile("search the zygote's memory for the secret", memory_scan, zygote_memory),
    Hostile(
        "write outside the scratch space",
        lambda c: (
            f"""\
for path in {[*OUTSIDE, str(c.host_tmp / "tq-pwned")]!r}:
    try:
        open(path, "w").write("pwned")
        print("wrote")
    except OSError:
        print("refused")
"""
        ),
        write_outside,
    ),
    Hostile(
        "open a TCP socket to the host's 127.0.0.1",
        lambda c: f"import socket\nsocket.create_connection(('127.0.0.1', {c.port}), timeout=1)",
        tcp_to_host,
    ),
    Hostile(
        "fork bomb",
        lambda c: (
            """\
import ctypes, os
ctypes.CDLL(None).prctl(15, b"tqbomb", 0, 0, 0)
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
        ),
        fork_bomb,
        wall_seconds=2.0,
    ),
    # A generous wall clock, so it is the memory limit that ends it however busy the
    # machine is (at a load of 8 on 2 cores, 3 s was not always enough to fill it).
    Hostile(
        "memory bomb",
        lambda c: "hoard = []\nwhile True:\n    hoard.append(b'x' * (32 << 20))",
        memory_bomb,
        wall_seconds=20,
    ),
    # A generous wall clock for these two, so it is the CPU limit that ends them
    # however busy the machine is.
    Hostile("infinite loop", lambda c: "while True:\n    pass", infinite_loop, wall_seconds=20),
    Hostile(
        "many spinning threads",
        lambda c: (
            """\
import threading
go = threading.Event()
def spin():
    go.wait()  # start them all first: spinning threads would starve the starter
    while True:
        pass
started = 0
for _ in range(64):
    try:
        threading.Thread(target=spin, daemon=True).start()
        started += 1
    except RuntimeError:
        break
print("threads", started, flush=True)
go.set()
spin()
"""
        ),
        spinning_threads,
        wall_seconds=20,
    ),
    Hostile(
        "100 MB of output",
        lambda c: "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)",
        output_flood,
    ),
    Hostile(
        "kill every visible pid",
        lambda c: (
            f"""\
import os, signal
for pid in [-1, 0, {c.zygote_pid}, os.getppid(), 1]:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
print("still here")
"""
        ),
        kill_every_pid,
    ),
    Hostile(
        "ptrace the parent",
        lambda c: (
            f"""\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for pid in [os.getppid(), 1, {c.zygote_pid}]:
    print(libc.ptrace(16, pid, 0, 0), ctypes.get_errno())
"""
        ),
        ptrace_parent,
    ),
    Hostile(
        "a double-forked daemon that outlives the job",
        lambda c: (
            """\
import ctypes, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"tqdaemon", 0, 0, 0)
        time.sleep(600)
    os._exit(0)
os.wait()
"""
        ),
        double_forked_daemon,
    ),
    Hostile(
        "fill the scratch space",
        lambda c: (
            """\
import errno
try:
    for n in range(100):
        with open(f"/tmp/tq-fill-{n}", "wb") as f:
            f.write(b"x" * (4 << 20))
except OSError as exc:
    print(errno.errorcode[exc.errno])
"""
        ),
        fill_scratch,
    ),
    Hostile("segfault through ctypes", lambda c: "import ctypes\nctypes.string_at(0)", segfault),
]


@dataclass
class CorpusRun:
    results: dict[str, SnippetResult]
    ordinary: list[SnippetResult]
    ordinary_during_attack: int
    context: Context


ORDINARY = SnippetJob("import torch\nx = torch.ones(2, 3)\nprint(int(x.sum()))", shape_of="x")


@pytest.fixture(scope="module", params=["as root", "in a user namespace"])
def attacked(request: pytest.FixtureRequest) -> Sandbox:
    """The corpus runs against both ways of isolating: jobs dropping to uids of their
    own under a root zygote, and jobs in a user namespace of their own, as without root."""
    name = "sandbox" if request.param == "as root" else "user_namespace_sandbox"
    box: Sandbox = request.getfixturevalue(name)
    return box


@pytest.fixture(scope="module")
def corpus_run(
    attacked: Sandbox,
    planted_secret: str,
    database_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> CorpusRun:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    assert attacked.zygote_pid is not None
    context = Context(
        planted_secret,
        database_file,
        listener.getsockname()[1],
        attacked.zygote_pid,
        tmp_path_factory.mktemp("host-tmp"),
    )
    attack_over = threading.Event()
    ordinary: list[SnippetResult] = []
    during = 0

    def keep_serving() -> None:
        nonlocal during
        while not attack_over.is_set():
            ordinary.append(attacked.run(ORDINARY))
            during += not attack_over.is_set()

    def attack(hostile: Hostile) -> tuple[str, SnippetResult]:
        job = SnippetJob(hostile.code(context), wall_seconds=hostile.wall_seconds)
        return hostile.name, attacked.run(job)

    server = threading.Thread(target=keep_serving)
    server.start()
    with ThreadPoolExecutor(2) as attackers:
        results = dict(attackers.map(attack, CORPUS))
    attack_over.set()
    server.join()
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody ever connected
    listener.close()
    return CorpusRun(results, ordinary, during, context)


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
def test_each_attack_has_its_expected_outcome(corpus_run: CorpusRun, hostile: Hostile) -> None:
    result = corpus_run.results[hostile.name]
    hostile.check(result, corpus_run.context)
    no_secret(result, corpus_run.context)


def test_other_work_is_served_while_the_corpus_runs(corpus_run: CorpusRun) -> None:
    assert corpus_run.ordinary_during_attack >= 5
    for result in corpus_run.ordinary:
        assert (result.status, result.stdout, result.shape) == ("ok", "6\n", [2, 3])


def test_the_sandbox_still_works_after_the_corpus(attacked: Sandbox, corpus_run: CorpusRun) -> None:
    result = attacked.run(ORDINARY)
    assert result.status == "ok"
    assert not processes_named("tqbomb")
    assert not processes_named("tqdaemon")
