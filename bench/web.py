"""Web bench: viewing a problem and submitting an answer, against a bare FastAPI endpoint.

Servers, each its own process (`uvicorn`, one worker, uvloop and httptools, the same
options), on 127.0.0.1: a bare FastAPI endpoint, the app on SQLite and the app on
PostgreSQL (a throwaway server in a temporary folder, tests/postgres.py, on the same
machine; skipped with a note when PostgreSQL is not installed). The load is 64
keep-alive connections driven closed-loop (each sends its next request when the last
one's response is in) by a raw-socket HTTP/1.1 client: non-blocking sockets on epoll,
requests built up front, by default in one process. The machine has two cores, shared
by client and server; this client needs a fraction of one at the bare endpoint's rate
(`wrk -t1 -c64` gives the same bare figure), so the server is what is measured.

Each kind of request is warmed up, then measured in slices taken in turn (bare, view
on SQLite, view on PostgreSQL, page on SQLite, ...), so that all kinds and both engines
see the same machine even when other work comes and goes on it. Printed: per engine,
requests/s, p50 and p99 latency and the ratio of each throughput to the bare
endpoint's; and the load average.

The learners, their runs and their first views are set up through the services before
the servers start (only signing in goes over HTTP), so setting up stays quick. The
views: the API's and the HTML page of a finished problem (its attempts used up by the
answers' warm-up: the explanation and ten tried answers are on it), and the page of a
problem whose clock runs, as a learner first loads it, in a run no answer reaches.

    python bench/web.py [--seconds 5] [--rounds 5] [--connections 64] [--clients 1]
                        [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-123"
PROBLEMS = 5  # as in the seeds
ATTEMPTS = 10
WARM_UP = 1.0
MAX_ANSWERS_PER_SECOND = 10_000  # runs are set up for this rate; the bench says if it ran out
DRAIN = 10.0  # seconds to wait, after a phase, for the responses still on their way


# -- the servers --------------------------------------------------------------------


def bare_app() -> object:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


def quiz_app(database: str) -> object:
    from app.config import Settings
    from app.web.app import create_app

    settings = Settings(DATABASE_URL=database, QUIZ_SECRET_KEY="b" * 40)
    return create_app(settings, password_hasher=cheap_hasher())


def cheap_hasher() -> Any:
    """Signing in is not measured; with the default cost, 64 sign-ins take seconds."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def serve(kind: str, port: int, database: str) -> None:
    import uvicorn

    app = bare_app() if kind == "bare" else quiz_app(database)
    options = {
        "host": "127.0.0.1",
        "port": port,
        "loop": "uvloop",
        "http": "httptools",
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": 120,
    }
    profile = os.environ.get("BENCH_PROFILE") if kind == "quiz" else None
    if not profile:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    import cProfile  # BENCH_PROFILE=/tmp/quiz.prof: where the quiz server spends its time

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, kind: str, database: str) -> None:
        self.port = free_port()
        argv = [sys.executable, __file__, "--serve", kind, str(self.port), database]
        self.process = subprocess.Popen(argv, cwd=ROOT)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on ^C
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the data -----------------------------------------------------------------------


def prepare(database: str, learners: int, runs_each: int) -> list[list[str]]:
    """A challenge of 5 free-text problems with 10 attempts each; learners; their runs.

    Every problem of every run is viewed once (its clock starts), as a learner would
    before answering. Returns each learner's run ids.
    """
    from app.domain.challenge import (
        Badge,
        ChallengeSet,
        Level,
        Problem,
        ProblemType,
        SetKind,
        ShapeAnswer,
    )
    from app.domain.clock import system_clock
    from app.persistence.database import Database
    from app.persistence.engine import make_engine
    from app.persistence.migrations import upgrade
    from app.services import accounts, problems, runs

    engine = make_engine(database)
    upgrade(engine)
    units = Database(engine).units
    problem = Problem(
        key="p",
        type=ProblemType.PREDICT_OUTPUT,
        level=Level.INTERMEDIATE,
        title="Shape",
        prompt="What is the shape of `x`?",
        time_limit_seconds=3600,
        max_attempts=ATTEMPTS,
        code="import torch\nx = torch.zeros(2, 3)\n",
        hint="Rows first.",
        explanation="(2, 3).",
        answer=ShapeAnswer(shape_of="x", expected=(2, 3)),
    )
    items = tuple(Problem(**{**problem.__dict__, "key": f"p{i}"}) for i in range(PROBLEMS))
    # One set per run a learner takes: a learner keeps one open run per set.
    with units() as uow:
        for j in range(runs_each):
            challenge = ChallengeSet(
                slug=f"bench-{j}",
                kind=SetKind.CHALLENGE,
                title="Bench",
                topic="PyTorch",
                badge=Badge("Bench", "Benched."),
                problems=items,
            )
            uow.sets.save(challenge, source_path="bench", now=system_clock())
        uow.commit()
    hasher = cheap_hasher()
    run_ids: list[list[str]] = []
    for i in range(learners):
        learner = accounts.register(
            units, hasher, clock=system_clock, username=f"bench{i}", password=PASSWORD
        )
        mine = []
        for j in range(runs_each):
            run = runs.start_run(units, system_clock, learner.id, slug=f"bench-{j}")
            for n in range(1, PROBLEMS + 1):
                problems.view_problem(units, system_clock, learner.id, run_id=run.run_id, number=n)
            mine.append(run.run_id)
        run_ids.append(mine)
    engine.dispose()
    return run_ids


# -- the client -----------------------------------------------------------------------


def build(method: str, path: str, port: int, cookie: str = "", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def response_length(buffer: bytes | bytearray) -> tuple[int, int] | None:
    """(status, whole length) of the response at the start of `buffer`, once its head is in."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"no Content-Length in {head[:200]!r}")
    stop = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : stop if stop > 0 else len(head)])
    return int(head[9:12]), end + 4 + length


def request(sock: socket.socket, raw: bytes) -> tuple[int, bytes, bytes]:
    """One blocking request, for setting up: (status, head, body)."""
    sock.sendall(raw)
    buffer = b""
    while (found := response_length(buffer)) is None or len(buffer) < found[1]:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        buffer += chunk
    status, length = found
    end = buffer.find(b"\r\n\r\n")
    return status, buffer[:end], buffer[end + 4 : length]


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def sign_in(port: int, i: int, run_id: str) -> tuple[socket.socket, str]:
    """A keep-alive connection signed in as learner `i`, and its session cookie.

    The cookie is the one a browser would hold after its first page (which adds the
    form token to the session): with the sign-in cookie alone, every page would mint
    a new token and send a new cookie.
    """
    sock = connect(port)
    body = json.dumps({"username": f"bench{i}", "password": PASSWORD}).encode()
    status, head, _ = request(sock, build("POST", "/api/auth/login", port, body=body))
    assert status == 200, status
    cookie = set_cookie(head)
    assert cookie, "no session cookie"
    status, head, _ = request(sock, build("GET", f"/runs/{run_id}/problems/1", port, cookie))
    assert status == 200, status
    return sock, set_cookie(head) or cookie


def set_cookie(head: bytes) -> str:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"set-cookie:"):
            return line.split(b":", 1)[1].split(b";")[0].strip().decode()
    return ""


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    exhausted: int = 0  # connections that ran out of requests before the end
    server_cpu: float = 0.0  # seconds of the serving process's CPU (user + system)

    def add(self, other: Result) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.errors += other.errors
        self.exhausted = max(self.exhausted, other.exhausted)
        self.server_cpu += other.server_cpu

    @property
    def cpu_us(self) -> float:
        """The server's CPU a request: what other processes on the machine change least."""
        return self.server_cpu / self.count * 1e6 if self.count else 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


@dataclass
class Stream:
    """One connection and the requests it sends in turn (`repeat`: the one, forever)."""

    sock: socket.socket
    requests: Sequence[bytes]
    repeat: bool = False
    sent: int = 0

    def next_request(self) -> bytes | None:
        if self.repeat:
            return self.requests[0]
        if self.sent >= len(self.requests):
            return None
        return self.requests[self.sent]


def send(sock: socket.socket, raw: bytes) -> None:
    if sock.send(raw) != len(raw):  # a request is far smaller than a socket's buffer
        raise RuntimeError("a request was not sent whole")


def drive(streams: Sequence[Stream], seconds: float) -> tuple[list[float], int, int]:
    """Closed-loop load on these connections: (latencies, errors, exhausted connections).

    Responses that arrive after the end are read (so the connection is clean for the
    next phase) but not counted.
    """
    poller = select.epoll()
    by_fd = {s.sock.fileno(): s for s in streams}
    buffers = {fd: bytearray() for fd in by_fd}
    started: dict[int, float] = {}
    latencies: list[float] = []
    errors = exhausted = 0
    now = time.perf_counter()
    stop = now + seconds
    for fd, stream in by_fd.items():
        stream.sock.setblocking(False)
        poller.register(fd, select.EPOLLIN)
        raw = stream.next_request()
        if raw is None:
            exhausted += 1
            continue
        send(stream.sock, raw)
        stream.sent += 1
        started[fd] = now
    while started:
        now = time.perf_counter()
        if now > stop + DRAIN:
            raise RuntimeError(f"{len(started)} responses did not arrive")
        for fd, _ in poller.poll(1.0):
            stream = by_fd[fd]
            buffer = buffers[fd]
            chunk = stream.sock.recv(262144)
            if not chunk:
                raise RuntimeError("the server closed a connection")
            buffer += chunk
            found = response_length(buffer)
            if found is None or len(buffer) < found[1]:
                continue
            status, length = found
            if len(buffer) > length:
                raise RuntimeError("more than one response to one request")
            buffer.clear()
            done = time.perf_counter()
            begun = started.pop(fd)
            if done > stop:
                continue  # drain: the phase is over
            latencies.append(done - begun)
            errors += status >= 400
            raw = stream.next_request()
            if raw is None:
                exhausted += 1
                continue
            send(stream.sock, raw)
            stream.sent += 1
            started[fd] = time.perf_counter()
    poller.close()
    for stream in streams:
        stream.sock.setblocking(True)
    return latencies, errors, exhausted


def _drive_and_report(streams: Sequence[Stream], seconds: float, pipe: Pipe) -> None:
    latencies, errors, exhausted = drive(streams, seconds)
    pipe.send((latencies, errors, exhausted, [s.sent for s in streams]))
    pipe.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process so far, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(
    name: str, streams: Sequence[Stream], seconds: float, clients: int, server_pid: int = 0
) -> Result:
    """Drive the streams from `clients` processes (forked: they share the sockets)."""
    cpu_before = cpu_seconds(server_pid)
    result = _phase(name, streams, seconds, clients)
    result.server_cpu = cpu_seconds(server_pid) - cpu_before
    return result


def _phase(name: str, streams: Sequence[Stream], seconds: float, clients: int) -> Result:
    result = Result(name, seconds)
    if clients <= 1:
        result.latencies, result.errors, result.exhausted = drive(streams, seconds)
        return result
    context = multiprocessing.get_context("fork")
    shares = [streams[i::clients] for i in range(clients)]
    workers = []
    for share in shares:
        ours, theirs = context.Pipe(duplex=False)
        process = context.Process(target=_drive_and_report, args=(share, seconds, theirs))
        process.start()
        theirs.close()
        workers.append((process, ours, share))
    for process, pipe, share in workers:
        latencies, errors, exhausted, sent = pipe.recv()
        process.join()
        result.latencies += latencies
        result.errors += errors
        result.exhausted += exhausted
        for stream, count in zip(share, sent, strict=True):
            stream.sent = count  # the child's progress, so the next phase carries on from it
    return result


def answers(run_ids: list[str], port: int, cookie: str) -> list[bytes]:
    """Every answer wrong, so each problem takes all its attempts, then the next."""
    out = []
    for run_id in run_ids:
        for n in range(1, PROBLEMS + 1):
            path = f"/api/runs/{run_id}/problems/{n}/answer"
            for attempt in range(ATTEMPTS):
                body = json.dumps({"answer": f"({attempt + 7}, {n})"}).encode()
                out.append(build("POST", path, port, cookie, body))
    return out


ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Quiz:
    """The app on one engine: its server's port and each learner's runs."""

    engine: str
    port: int
    run_ids: list[list[str]]
    pid: int = 0


def requests_of(quiz: Quiz, signed_in: list[tuple[socket.socket, str]]) -> dict[str, list[Stream]]:
    """Each kind of request on this engine's connections."""
    learners = list(zip(signed_in, quiz.run_ids, strict=True))

    def viewing(path: str, run: int = 0) -> list[Stream]:
        return [
            Stream(sock, [build("GET", path.format(run=runs[run]), quiz.port, cookie)], repeat=True)
            for (sock, cookie), runs in learners
        ]

    # The answers use up every attempt of the runs they reach, the first run's first:
    # the first two views are of a finished problem (explanation, ten answers tried,
    # "Run it"), the last of one whose clock runs, in a run no answer reaches.
    return {
        "view a problem (API)": viewing("/api/runs/{run}/problems/1"),
        "view a problem (HTML page)": viewing("/runs/{run}/problems/1"),
        "view, clock running (HTML)": viewing("/runs/{run}/problems/1", run=-1),
        "submit an answer (API)": [
            Stream(sock, answers(runs[:-1], quiz.port, cookie)) for (sock, cookie), runs in learners
        ],
    }


def bench(bare: Server, quizzes: list[Quiz], args: argparse.Namespace) -> list[Result]:
    """Each kind of request on each engine in turn, in `rounds` slices, so that all see
    the same machine. Results are named "kind|engine" ("bare FastAPI endpoint|")."""
    raw = build("GET", "/bare", bare.port)
    bare_streams = [Stream(connect(bare.port), [raw], repeat=True) for _ in range(args.connections)]
    loads: dict[str, list[Stream]] = {"bare FastAPI endpoint|": bare_streams}
    pids = {"bare FastAPI endpoint|": bare.process.pid}
    signed_in: list[socket.socket] = []
    by_kind: dict[str, list[tuple[str, list[Stream]]]] = {}
    for quiz in quizzes:
        mine = [sign_in(quiz.port, i, runs[0]) for i, runs in enumerate(quiz.run_ids)]
        signed_in += [sock for sock, _ in mine]
        for kind, streams in requests_of(quiz, mine).items():
            by_kind.setdefault(kind, []).append((quiz.engine, streams))
    for kind, engines in by_kind.items():  # kind by kind, the engines side by side
        for engine, streams in engines:
            loads[f"{kind}|{engine}"] = streams
            pids[f"{kind}|{engine}"] = next(q.pid for q in quizzes if q.engine == engine)
    for streams in loads.values():
        phase("warm-up", streams, WARM_UP, args.clients)
    results = {name: Result(name, 0.0) for name in loads}
    for _ in range(args.rounds):
        for name, streams in loads.items():
            slice_ = phase(name, streams, args.seconds / args.rounds, args.clients, pids[name])
            results[name].add(slice_)
    for sock in [stream.sock for stream in bare_streams] + signed_in:
        sock.close()
    return list(results.values())


def report(results: list[Result], engines: list[str], args: argparse.Namespace, load: str) -> None:
    print(
        f"\n{args.connections} connections, one uvicorn worker per server (uvloop, httptools),"
        f" 127.0.0.1, {args.clients} client process(es), {args.rounds} rounds of"
        f" {args.seconds / args.rounds:g} s per kind and engine; load average {load}\n"
    )
    columns = f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs bare':>7} {'CPU us':>6}"
    width = len(columns)
    print(f"{'':28}" + "   ".join(f"{ENGINE_NAMES[e]:^{width}}" for e in engines))
    print(f"{'':28}" + "   ".join(columns for _ in engines))
    named = {r.name: r for r in results}
    bare = named["bare FastAPI endpoint|"]
    print(f"{'bare FastAPI endpoint':28}{bare.rps:8.0f} {bare.percentile(0.50):7.1f}"
          f" {bare.percentile(0.99):7.1f} {bare.errors:6d} {1:7.0%}"
          f" {bare.cpu_us:6.0f}")  # fmt: skip
    kinds = dict.fromkeys(r.name.split("|")[0] for r in results[1:])
    for kind in kinds:
        cells = []
        for engine in engines:
            r = named[f"{kind}|{engine}"]
            cells.append(
                f"{r.rps:8.0f} {r.percentile(0.50):7.1f} {r.percentile(0.99):7.1f}"
                f" {r.errors:6d} {r.rps / bare.rps:7.0%} {r.cpu_us:6.0f}"
            )
        print(f"{kind:28}" + "   ".join(cells))
    for r in results:
        if r.exhausted:
            print(f"  ({r.name}: {r.exhausted} connections ran out of runs:"
                  " raise MAX_ANSWERS_PER_SECOND)")  # fmt: skip
    for engine in engines:
        answer = named[f"submit an answer (API)|{engine}"]
        target = answer.rps >= 0.4 * bare.rps and answer.percentile(0.99) < 50
        verdict = "met" if target else "NOT met"
        print(
            f"answer submission target on {ENGINE_NAMES[engine]}"
            f" (>= 40% of bare, p99 < 50 ms): {verdict}"
        )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured, per kind")
    parser.add_argument("--rounds", type=int, default=5, help="slices of each kind, taken in turn")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma separated")
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "PORT", "DATABASE"))
    args = parser.parse_args()
    if args.serve:
        kind, port, database = args.serve
        serve(kind, int(port), database)
        return
    from tests import postgres

    engines = [e for e in args.engines.split(",") if e]
    if "postgresql" in engines and not postgres.available():
        print("PostgreSQL is not installed (`make bench` installs it): SQLite only")
        engines.remove("postgresql")
    answers_each = MAX_ANSWERS_PER_SECOND * (args.seconds + WARM_UP) / args.connections
    runs_each = math.ceil(answers_each / (PROBLEMS * ATTEMPTS))
    workdir = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        databases = {}
        for engine in engines:
            if engine == "sqlite":
                databases[engine] = f"sqlite:///{workdir / 'bench.db'}"
            else:
                server = stack.enter_context(postgres.PostgresServer())
                databases[engine] = server.create_database("bench")
        # and one run more each, never answered: the problem page whose clock runs
        run_ids = {e: prepare(url, args.connections, runs_each + 1) for e, url in databases.items()}
        bare = stack.enter_context(Server("bare", databases[engines[0]]))
        quizzes = []
        for engine, url in databases.items():
            server = stack.enter_context(Server("quiz", url))
            quizzes.append(Quiz(engine, server.port, run_ids[engine], server.process.pid))
        results = bench(bare, quizzes, args)
        load = load_average()
        report(results, engines, args, load)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
