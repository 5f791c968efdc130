"""Web bench: viewing a problem and submitting an answer, against a bare FastAPI endpoint.

Each server runs as its own process (`uvicorn`, one worker, same options) on 127.0.0.1;
this process drives 64 keep-alive connections with a small raw-socket HTTP/1.1 client
(a Python HTTP library would be slower than the servers it measures) and prints
requests/s, p50 and p99 latency, and each figure's ratio to the bare endpoint.

    python bench/web.py [--seconds 5] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-123"
PROBLEMS = 5  # as in the seeds
ATTEMPTS = 10
RUNS_PER_CONNECTION = 10  # 500 answers each: more than a connection sends in a bench


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

    return create_app(Settings(DATABASE_URL=database, QUIZ_SECRET_KEY="b" * 40))


def serve(kind: str, port: int, database: str) -> None:
    import uvicorn

    app = bare_app() if kind == "bare" else quiz_app(database)
    options = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False}
    options["timeout_keep_alive"] = 120  # the set-up (signing in 64 learners) takes a while
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
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on ^C
        self.process.wait(timeout=10)


# -- the data -----------------------------------------------------------------------


def prepare(database: str, learners: int) -> None:
    """A challenge of 5 free-text problems with 10 attempts each, and the learners."""
    from argon2 import PasswordHasher

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
    from app.persistence.engine import make_engine, make_session_factory
    from app.persistence.migrations import upgrade
    from app.persistence.sets import SetRepository
    from app.persistence.unit_of_work import UnitOfWork
    from app.services import accounts

    engine = make_engine(database)
    upgrade(engine)
    sessions = make_session_factory(engine)
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
    problems = tuple(Problem(**{**problem.__dict__, "key": f"p{i}"}) for i in range(PROBLEMS))
    challenge = ChallengeSet(
        slug="bench",
        kind=SetKind.CHALLENGE,
        title="Bench",
        topic="PyTorch",
        badge=Badge("Bench", "Benched."),
        problems=problems,
    )
    with UnitOfWork(sessions) as uow:
        SetRepository(uow.session).save(challenge, source_path="bench", now=system_clock())
        uow.commit()
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for i in range(learners):
        accounts.register(
            sessions, hasher, clock=system_clock, username=f"bench{i}", password=PASSWORD
        )
    engine.dispose()


# -- the client -----------------------------------------------------------------------


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> tuple[int, bytes, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length) if length else b""
        return status, head, body


def build(method: str, path: str, port: int, cookie: str = "", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def connect(port: int) -> Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return Connection(reader, writer)


async def sign_in_and_start(port: int, i: int) -> tuple[Connection, str, list[str]]:
    conn = await connect(port)
    body = json.dumps({"username": f"bench{i}", "password": PASSWORD}).encode()
    status, head, _ = await conn.request(build("POST", "/api/auth/login", port, body=body))
    assert status == 200, status
    cookie = next(
        line.split(b":", 1)[1].split(b";")[0].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"set-cookie:")
    )
    run_ids = []
    for _ in range(RUNS_PER_CONNECTION):
        start = build("POST", "/api/challenges/bench/runs", port, cookie)
        status, _, created = await conn.request(start)
        assert status == 201, status
        run_ids.append(json.loads(created)["run_id"])
        for n in range(1, PROBLEMS + 1):  # learners see a problem (its clock starts) first
            view = build("GET", f"/api/runs/{run_ids[-1]}/problems/{n}", port, cookie)
            status, _, _ = await conn.request(view)
            assert status == 200, status
    return conn, cookie, run_ids


Next = Callable[[int], bytes]


async def drive(name: str, conns: list[Connection], nexts: list[Next], seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(conn: Connection, next_request: Next) -> None:
        nonlocal errors
        n = 0
        while time.perf_counter() < stop:
            raw = next_request(n)
            if not raw:
                return
            started = time.perf_counter()
            status, _, _ = await conn.request(raw)
            latencies.append(time.perf_counter() - started)
            errors += status >= 400
            n += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(c, f) for c, f in zip(conns, nexts, strict=True)))
    return Result(name, len(latencies), time.perf_counter() - began, latencies, errors)


async def bench_bare(port: int, connections: int, seconds: float) -> Result:
    conns = [await connect(port) for _ in range(connections)]
    raw = build("GET", "/bare", port)
    await drive("warm-up", conns, [lambda n: raw] * connections, 1.0)
    return await drive("bare FastAPI endpoint", conns, [lambda n: raw] * connections, seconds)


async def bench_quiz(port: int, connections: int, seconds: float) -> list[Result]:
    setups = [await sign_in_and_start(port, i) for i in range(connections)]
    conns = [conn for conn, _, _ in setups]

    def viewer(cookie: str, run_ids: list[str]) -> Next:
        raw = build("GET", f"/api/runs/{run_ids[0]}/problems/1", port, cookie)
        return lambda n: raw

    def answerer(cookie: str, run_ids: list[str]) -> Next:
        def next_request(n: int) -> bytes:
            # Every answer wrong, so each problem takes all its attempts, then the next.
            run, rest = divmod(n, PROBLEMS * ATTEMPTS)
            problem, attempt = divmod(rest, ATTEMPTS)
            if run >= len(run_ids):
                return b""
            body = json.dumps({"answer": f"({attempt + 7}, {problem + 1})"}).encode()
            path = f"/api/runs/{run_ids[run]}/problems/{problem + 1}/answer"
            return build("POST", path, port, cookie, body)

        return next_request

    def page(cookie: str, run_ids: list[str]) -> Next:
        raw = build("GET", f"/runs/{run_ids[0]}/problems/1", port, cookie)
        return lambda n: raw

    views = [viewer(cookie, run) for _, cookie, run in setups]
    await drive("warm-up", conns, views, 1.0)
    results = [await drive("view a problem (API)", conns, views, seconds)]
    pages = [page(cookie, run) for _, cookie, run in setups]
    results.append(await drive("view a problem (HTML page)", conns, pages, seconds))
    answers = [answerer(cookie, run) for _, cookie, run in setups]
    results.append(await drive("submit an answer (API)", conns, answers, seconds))
    return results


def report(bare: Result, results: list[Result], connections: int) -> None:
    print(f"\n{connections} connections, one uvicorn worker per server, 127.0.0.1\n")
    print(f"{'':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
    for r in [bare, *results]:
        ratio = r.rps / bare.rps
        print(
            f"{r.name:32} {r.rps:9.0f} {r.percentile(0.50):8.1f} {r.percentile(0.99):8.1f}"
            f" {r.errors:7d} {ratio:8.0%}"
        )
    answer = results[-1]
    target = answer.rps >= 0.4 * bare.rps and answer.percentile(0.99) < 50
    verdict = "met" if target else "NOT met"
    print(f"\nanswer submission target (>= 40% of bare, p99 < 50 ms): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "PORT", "DATABASE"))
    args = parser.parse_args()
    if args.serve:
        kind, port, database = args.serve
        serve(kind, int(port), database)
        return
    workdir = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    database = f"sqlite:///{workdir / 'bench.db'}"
    try:
        prepare(database, args.connections)
        with Server("bare", database) as server:
            bare = asyncio.run(bench_bare(server.port, args.connections, args.seconds))
        with Server("quiz", database) as server:
            results = asyncio.run(bench_quiz(server.port, args.connections, args.seconds))
        report(bare, results, args.connections)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    os.sys.stdout.flush()


if __name__ == "__main__":
    main()
