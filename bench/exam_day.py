"""Exam-day bench: an open-loop crowd of learners taking a timed set at once, through the pages.

The doors open: learners arrive at a set rate (each on its own, not waiting on the
others) and each does what a browser does: fetches the static files once (an empty
cache), signs in with an account made in a set-up phase (a share registers instead),
and waits on the set's intro page. The exam starts as the doors close: each learner
starts its run within the ramp, loads each problem page, sometimes asks for the hint
(htmx), answers after a think time (htmx; a random untried option: a mix of right and
wrong), answers again while it has attempts, now and then presses "Run it" on a
finished problem (the playground load), and reads the result page. Signing in and
registering cost one argon2 hash each by design: they are part of the crowd, with a
p99 bound of their own, and the table says what share of the server's CPU they took.

The server is `quiz serve` as deployed: a process of its own on a free port on
127.0.0.1, a temp data folder, a copy of challenges/ (start-up loads it). The crowd is
stepped up (doubling, then bisecting) until a step fails: p99 of the exam's requests
over 200 ms, p99 of signing in over 1 s, any error, or a lost answer (attempts stored
in the database fewer than answers acknowledged with a 2xx).

The load generator is this process: raw asyncio HTTP/1.1 (uvloop when installed), one
keep-alive connection per learner, reopened when the server has closed it (uvicorn
closes idle ones after 5 s, as it would a browser's); about 60 us of CPU a request,
where httpx took milliseconds. Learners come from 250 loopback addresses (127.0.0.2
on), as from their own machines: the sign-in throttle counts per address. It shares
the machine's two cores with the server: the table shows each one's CPU.

    python bench/exam_day.py --quick          # every time x 0.1: ~2 min a step
    python bench/exam_day.py                  # think 30 s, doors 10 min: ~15 min a step
    python bench/exam_day.py --quick --config "db=postgresql+psycopg://u@h/db workers=2" \\
        --config "db=sqlite sandbox=http://127.0.0.1:9000 run-it=0.5"

`--signed-in`: learners come with a session made the day before (sessions last 14
days), straight to the intro page: no hash at the doors, so the steps measure the exam
itself; without it every learner signs in or registers (one argon2 hash each).

`--quick` is the exam compressed in time (think, doors and ramp times 0.1): a crowd of
N offers the request and sign-in rates of 10 N learners at full time (not their open
connections); the table shows both. `--think`, `--doors`, `--ramp`, `--crowds`,
`--start`, `--max-crowd`, `--exam-only` set the rest; each `--config` is
`db=URL|sqlite workers=N sandbox=URL run-it=P label=NAME` (default `db=sqlite
workers=1`). A PostgreSQL database must be empty or this bench's own (attempts are
counted before and after each step). Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.web.sessions import COOKIE as SESSION_COOKIE  # noqa: E402 - after the path

PASSWORD = "exam-day-password-1"
SET = "gru-mastery"
P99_LIMIT_MS = 200.0
REQUEST_TIMEOUT = 30.0
KEEP_ALIVE = 4.0  # reopen a connection idle this long: uvicorn closes them after 5 s
STATIC = ("/static/app.css", "/static/pygments.css", "/static/vendor/htmx.min.js", "/static/app.js")
SHAPES = ("(2, 3, 5)", "(2, 5)", "(4, 5, 6)", "(3, 2, 5)")  # guesses at a free-text answer
# Kinds apart from the exam's p99: static files (a CDN's or a proxy's job in production),
# and the hashing posts, which take ~170 ms of CPU by design; they have a bound of their own.
STATIC_KIND = "static"
HASHING = ("sign in", "register")
# "Run it" runs a snippet in the sandbox (a few hundred ms by nature): its errors count,
# its latency is shown apart.
RUN_IT = "run it"
SIGN_IN_P99_LIMIT_MS = 1000.0


# -- HTTP: one browser connection --------------------------------------------------------


class Closed(Exception):
    """The connection ended before a whole response came back."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    """HTTP/1.1 keep-alive to one server, as a browser keeps one: reopened when closed."""

    def __init__(self, host: str, port: int, source: str | None = None) -> None:
        self.host, self.port, self.source = host, port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last = 0.0
        self.opened = 0

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.close()
        local = (self.source, 0) if self.source else None
        reader, writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader, self.writer = reader, writer
        self.opened += 1
        return reader, writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> Reply:
        reader, writer = self.reader, self.writer
        stale = time.monotonic() - self.last > KEEP_ALIVE
        if reader is None or writer is None or reader.at_eof() or stale:
            reader, writer = await self._open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        try:
            reply = await self._read(reader)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError) as error:
            self.close()
            raise Closed(f"{method} {path}: {error.__class__.__name__}") from None
        self.last = time.monotonic()
        if reply.headers.get("connection", "").lower() == "close":
            self.close()
        return reply

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Reply:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in head[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = value
            if name == "set-cookie":
                cookies.append(value)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size + 2))
            await reader.readuntil(b"\r\n")
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Reply(status, headers, cookies, body)


# -- a learner's browser --------------------------------------------------------------------


@dataclass
class Stats:
    """Every request's kind, latency (s) and status; answers acknowledged; failures."""

    samples: list[tuple[str, float, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: int = 0
    right: int = 0
    hashes: int = 0  # sign-ins and registrations: one argon2 hash each on the server
    sessions: list[tuple[float, float]] = field(default_factory=list)  # (start, end)
    connections: int = 0


class Browser:
    """Cookies, the form token, redirects, htmx headers: what a browser adds to a request."""

    def __init__(self, connection: Connection, stats: Stats) -> None:
        self.connection = connection
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    async def send(
        self, kind: str, method: str, path: str, fields: dict[str, str] | None = None,
        *, htmx: bool = False,
    ) -> Reply:  # fmt: skip
        headers = [("Accept", "text/html"), ("User-Agent", "exam-day-bench")]
        if self.cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        if htmx:
            headers += [("HX-Request", "true"), ("X-CSRF-Token", self.csrf)]
        body = b""
        if fields is not None:
            body = urlencode(fields).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        began = time.perf_counter()
        try:
            reply = await asyncio.wait_for(
                self.connection.request(method, path, headers, body), REQUEST_TIMEOUT
            )
        except (Closed, TimeoutError, OSError) as error:
            self.connection.close()
            self.stats.samples.append((kind, time.perf_counter() - began, 599))
            raise Failed(f"{kind}: {method} {path}: {error.__class__.__name__} {error}") from None
        self.stats.samples.append((kind, time.perf_counter() - began, reply.status))
        for cookie in reply.cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        html_reply = reply.headers.get("content-type", "").startswith("text/html")
        if html_reply and (token := _first(CSRF, reply.text)):
            self.csrf = token
        if reply.status >= 400:
            raise Failed(f"{kind}: {method} {path}: {reply.status} {_gist(reply.text)}")
        return reply

    async def follow(self, kind: str, reply: Reply) -> Reply:
        """The page a 303 leads to, fetched as the browser would."""
        if reply.status not in (301, 302, 303, 307):
            raise Failed(f"{kind}: expected a redirect, got {reply.status}")
        return await self.send(kind, "GET", reply.headers["location"])

    async def post(self, kind: str, path: str, fields: dict[str, str]) -> Reply:
        return await self.send(kind, "POST", path, {**fields, "csrf_token": self.csrf})


class Failed(Exception):
    """A learner met an error and stops, as a real one would ask for help."""


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OUTCOME = re.compile(r'id="problem" data-outcome="(\w+)"')
OPTION = re.compile(r'<input type="radio" name="answer" value="(\d+)"[^>]*>')
RUN_CODE = re.compile(r'<textarea id="run-code"[^>]*>\n?(.*?)</textarea>', re.S)


def _first(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(1) if found else ""


def _gist(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160].strip()


@dataclass(frozen=True)
class Plan:
    """What each learner does; times in seconds."""

    slug: str = SET
    think: float = 30.0  # mean time before each answer (uniform between half and 1.5x)
    register: float = 0.1  # share of learners who register at the door; the rest sign in
    hint: float = 0.2  # chance of taking the hint before a problem's first answer
    run_it: float = 0.0  # chance of pressing "Run it" on a finished problem
    static: bool = True  # fetch the four static files with the first page (empty cache)
    signed_in: bool = False  # arrive signed in (a session from the day before): no hash


async def take_exam(
    host: str, port: int, username: str, plan: Plan, stats: Stats, rng: random.Random,
    *, start_at: float = 0.0, source: str | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep, cookie: str = "",
) -> None:  # fmt: skip
    """One learner from the sign-in page to the result page: signed in, it waits on the
    set's intro page until `start_at` (time.monotonic()) to start its run. With a session
    `cookie` it comes signed in, straight to the intro page. Errors end the learner and
    are kept in `stats.failures`; they never escape."""
    connection = Connection(host, port, source)
    browser = Browser(connection, stats)
    if cookie:
        browser.cookies[SESSION_COOKIE] = cookie
    exam: list[float] = []  # when its run started
    try:
        await _take_exam(browser, username, plan, stats, rng, sleep, start_at, exam)
    except Failed as failure:
        stats.failures.append(str(failure))
    finally:
        if exam:
            stats.sessions.append((exam[0], time.monotonic()))
        stats.connections += connection.opened
        connection.close()


async def _take_exam(
    browser: Browser, username: str, plan: Plan, stats: Stats, rng: random.Random,
    sleep: Callable[[float], Any], start_at: float, exam: list[float],
) -> None:  # fmt: skip
    def think(share: float = 1.0) -> Any:
        return sleep(plan.think * share * rng.uniform(0.5, 1.5))

    if browser.cookies:  # signed in the day before
        await browser.send("intro page", "GET", f"/challenges/{plan.slug}")
        await _static_files(browser, plan)
    else:
        door = "/register" if username.startswith("new") else "/login"
        kind = "register" if door == "/register" else "sign in"
        await browser.send(f"{kind} page", "GET", f"{door}?next=/challenges/{plan.slug}")
        await _static_files(browser, plan)
        await sleep(rng.uniform(2.0, 6.0) * plan.think / 30)  # typing the name and password
        fields = {"username": username, "password": PASSWORD}
        stats.hashes += 1
        posted = await browser.post(kind, door, {**fields, "next": f"/challenges/{plan.slug}"})
        await browser.follow("intro page", posted)
    await sleep(max(0.0, start_at - time.monotonic()))  # the exam starts
    exam.append(time.monotonic())
    started = await browser.post("start run", f"/challenges/{plan.slug}/runs", {})
    location = started.headers.get("location", "")
    run_id = location.split("/")[2] if location.startswith("/runs/") else ""
    if not run_id:
        raise Failed(f"start run: no run in {location!r}")
    page = await browser.follow("problem page", started)
    number = 1
    while True:
        base = f"/runs/{run_id}/problems/{number}"
        done = await _answer_problem(browser, page.text, base, plan, stats, rng, think)
        await think(0.2)  # reading the explanation
        if f'href="/runs/{run_id}/problems/{number + 1}" data-next' not in done:
            break
        number += 1
        page = await browser.send("problem page", "GET", f"/runs/{run_id}/problems/{number}")
    await browser.send("result page", "GET", f"/runs/{run_id}")


async def _static_files(browser: Browser, plan: Plan) -> None:
    if plan.static:
        for path in STATIC:
            await browser.send(STATIC_KIND, "GET", path)


async def _answer_problem(
    browser: Browser, text: str, base: str, plan: Plan, stats: Stats, rng: random.Random,
    think: Callable[..., Any],
) -> str:  # fmt: skip
    """Answers until the problem is over; the page as it ends."""
    if f'action="{base}/hint"' in text and rng.random() < plan.hint:
        await think(0.3)
        await browser.send("hint", "POST", f"{base}/hint", {"csrf_token": browser.csrf}, htmx=True)
    tried: set[str] = set()
    while _first(OUTCOME, text) == "pending":
        await think()
        options = [m.group(1) for m in OPTION.finditer(text) if "disabled" not in m.group(0)]
        options = [o for o in options if o not in tried] or options
        answer = rng.choice(options) if options else rng.choice(SHAPES)
        tried.add(answer)
        fields = {"csrf_token": browser.csrf, "answer": answer}
        reply = await browser.send("answer", "POST", f"{base}/answer", fields, htmx=True)
        stats.acknowledged += 1
        text = reply.text
        stats.right += "feedback-correct" in text
    if "data-run-form" in text and rng.random() < plan.run_it:
        code = html.unescape(_first(RUN_CODE, text))
        fields = {"csrf_token": browser.csrf, "code": code}
        await browser.send(RUN_IT, "POST", f"{base}/run", fields, htmx=True)
    return text


# -- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """One configuration of the server: `db=URL|sqlite workers=N sandbox=URL run-it=P`."""

    database: str = "sqlite"
    workers: int = 1
    sandbox: str = ""
    run_it: float | None = None  # None: the plan's
    label: str = ""

    @classmethod
    def parse(cls, text: str) -> Config:
        keys = {"db": "database", "workers": "workers", "sandbox": "sandbox", "run-it": "run_it"}
        values: dict[str, Any] = {}
        for word in text.split():
            key, sep, value = word.partition("=")
            if not sep or key not in {*keys, "label"}:
                raise argparse.ArgumentTypeError(f"{word!r}: expected one of {sorted(keys)}=VALUE")
            name = keys.get(key, key)
            values[name] = int(value) if name == "workers" else value
            if name == "run_it":
                values[name] = float(value)
        return cls(**values)

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        kind = "SQLite" if self.database == "sqlite" else self.database.split(":")[0]
        kind = "PostgreSQL" if kind.startswith("postgres") else kind
        text = f"{kind}, {self.workers} process{'es' if self.workers > 1 else ''}"
        return text + (", sandbox svc" if self.sandbox else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A server in a process of its own, its output in a log file, ready once GET
    /healthz answers 200."""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.log_path = workdir / f"{name}.log"
        self.health = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % self.port_of(argv)
        token = env.get("QUIZ_SANDBOX_TOKEN")
        if name == "sandbox" and token:
            self.health += f"Authorization: Bearer {token}\r\n".encode()
        self.health += b"\r\n"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, env=env, cwd=workdir, stdout=log, stderr=log)
        self.pid = self.process.pid

    @staticmethod
    def port_of(argv: list[str]) -> int:
        return int(argv[argv.index("--port") + 1])

    def wait_ready(self, timeout: float = 900.0) -> float:
        """Seconds until /healthz answers 200 (the app's start-up migrates and loads
        challenges/)."""
        began = time.monotonic()
        port = self.port_of(self.process.args)  # type: ignore[arg-type]
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.process.args} exited:\n{tail}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
                s.sendall(self.health)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return time.monotonic() - began
            time.sleep(0.5)
        raise RuntimeError(f"{self.process.args} did not answer /healthz in {timeout:.0f} s")

    def stop(self) -> None:
        self.process.send_signal(2)  # SIGINT: uvicorn shuts down cleanly
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


QUIZ = str(Path(sys.executable).with_name("quiz"))


class QuizServer(Process):
    """`quiz serve` as deployed: a temp data folder, a copy of challenges/. Beside it, the
    processes whose CPU counts too: the database server's, the sandbox service's."""

    def __init__(
        self, config: Config, workdir: Path, database: str, *, sandbox: str = "",
        others: dict[str, int] | None = None,
    ) -> None:  # fmt: skip
        self.port = free_port()
        self.database = database
        self.others = others or {}
        self.secret_key = secrets.token_urlsafe(48)  # the bench signs day-before sessions
        challenges = workdir / "challenges"
        shutil.copytree(ROOT / "challenges", challenges)
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "QUIZ_DATA_DIR": str(workdir / "data"),
            "QUIZ_CHALLENGES_DIR": str(challenges),
            "QUIZ_SECRET_KEY": self.secret_key,
        }
        if sandbox:
            env["QUIZ_SANDBOX_URL"] = sandbox
        argv = [QUIZ, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if config.workers > 1:
            argv += ["--workers", str(config.workers)]
        super().__init__(argv, env, workdir, "server")


class Backends:
    """What a configuration needs besides the app: a throwaway PostgreSQL server
    (tests/postgres.py) for `db=postgres`, a sandbox service for `sandbox=local`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.postgres: Any = None
        self.sandboxes: list[Process] = []

    def database(self, config: Config, index: int, workdir: Path) -> tuple[str, dict[str, int]]:
        if config.database == "sqlite":
            return f"sqlite:///{workdir / 'quiz.db'}", {}
        if config.database != "postgres":
            return config.database, {}
        if self.postgres is None:
            from tests.postgres import PostgresServer  # psycopg, Debian's PostgreSQL

            self.postgres = PostgresServer().start()
        url = self.postgres.create_database(f"exam_day_{index}")
        pid = int((self.postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
        return url, {"database": pid}

    def sandbox(self, config: Config) -> tuple[str, dict[str, int]]:
        if config.sandbox != "local":
            return config.sandbox, {}
        port = free_port()
        os.environ.setdefault("QUIZ_SANDBOX_TOKEN", secrets.token_urlsafe(32))
        argv = [QUIZ, "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port)]
        service = Process(argv, dict(os.environ), self.workdir, "sandbox")
        service.wait_ready()
        self.sandboxes.append(service)
        return f"http://127.0.0.1:{port}", {"sandbox service": service.pid}

    def close(self) -> None:
        for service in self.sandboxes:
            service.stop()
        if self.postgres is not None:
            self.postgres.stop()


# -- measuring ----------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_by_process(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each process in the tree under `root`."""
    out = {}
    for pid in process_tree(root):
        with suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{pid}/stat").read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            out[pid] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / TICK, sum(ticks) / TICK


def hash_cpu_seconds() -> float:
    """CPU of one argon2 verification with the server's parameters (argon2-cffi defaults)."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    stored = hasher.hash(PASSWORD)
    times = []
    for _ in range(5):
        began = time.process_time()
        hasher.verify(stored, PASSWORD)
        times.append(time.process_time() - began)
    return sorted(times)[2]


@contextmanager
def database(url: str) -> Iterator[Any]:
    from app.persistence.engine import make_engine

    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def stored_attempts(url: str) -> int:
    from sqlalchemy import text

    with database(url) as engine, engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM attempts")).scalar_one())


def create_accounts(url: str, names: list[str], password_hash: str) -> dict[str, int]:
    """Accounts for the learners who sign in, made before the crowd comes: through the
    accounts service, with one hash computed up front (the sign-in still verifies it).
    Each one's id."""
    from argon2 import PasswordHasher

    from app.domain.clock import system_clock
    from app.persistence.database import Database
    from app.services import accounts

    class KnownHash(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            return password_hash

    ids = {}
    with database(url) as engine:
        units = Database(engine).units
        for name in names:
            learner = accounts.register(
                units, KnownHash(), clock=system_clock, username=name, password=PASSWORD
            )
            ids[name] = learner.id
    return ids


def create_sessions(url: str, ids: dict[str, int], secret_key: str) -> dict[str, str]:
    """A session for each learner, as signing in the day before leaves one (they last 14
    days): each one's session cookie, signed with the server's key."""
    from app.domain.clock import system_clock
    from app.persistence.database import Database
    from app.services import sign_ins
    from app.web.sessions import session_serializer

    serializer = session_serializer(secret_key)
    cookies = {}
    with database(url) as engine:
        units = Database(engine).units
        for name, learner_id in ids.items():
            token = sign_ins.start(units, clock=system_clock, learner_id=learner_id, replacing=None)
            session = {"sid": token, "uid": learner_id, "name": name}
            cookies[name] = str(serializer.dumps(session))
    return cookies


# -- a step: one crowd ---------------------------------------------------------------------------


@dataclass
class Step:
    config: str
    crowd: int
    think: float
    doors: float  # seconds over which the crowd arrives and signs in
    ramp: float  # seconds over which, once the exam starts, they start their runs
    seconds: float = 0.0
    requests: int = 0
    app_requests: int = 0
    p50: float = 0.0
    p99: float = 0.0
    sign_in_p99: float = 0.0
    errors: int = 0
    acknowledged: int = 0
    stored: int = 0
    right: int = 0
    peak: int = 0
    session: float = 0.0  # mean seconds from starting the run to the result page
    per_learner: float = 0.0  # mean exam requests (from starting the run) per learner
    doors_cpu: float = 0.0  # % of one core, the server's, while the crowd signs in
    server_cpu: float = 0.0  # % of one core, whole process tree, from the exam's start
    busiest: float = 0.0  # % of one core, the busiest server process
    generator_cpu: float = 0.0
    machine_cpu: float = 0.0  # % of one core, every process on the machine
    hash_share: float = 0.0  # of the server's CPU
    server_us: float = 0.0  # server CPU per request
    hashes: int = 0
    kinds: dict[str, tuple[int, float, float, int]] = field(default_factory=dict)
    others: dict[str, float] = field(default_factory=dict)  # % of one core, from the start
    load: str = ""  # the machine's load average at the step's end
    first_errors: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return max(0, self.acknowledged - self.stored)

    @property
    def passed(self) -> bool:
        return (
            self.p99 <= P99_LIMIT_MS
            and self.sign_in_p99 <= SIGN_IN_P99_LIMIT_MS
            and self.errors == 0
            and self.lost == 0
        )

    @property
    def exam_passed(self) -> bool:
        """The criteria on the exam's requests alone: signing in apart. Every learner must
        have reached the exam (a step where sign-ins failed did not load it with its crowd:
        800 learners failing at the doors left 27 in the exam, which "passed")."""
        failed = sum(bad for kind, (_, _, _, bad) in self.kinds.items() if kind in EXAM_KINDS)
        unfinished = sum(e.startswith("unfinished") for e in self.first_errors)
        started = self.kinds.get("start run", (0, 0.0, 0.0, 0))[0]
        return (
            started >= self.crowd
            and self.p99 <= P99_LIMIT_MS
            and failed == unfinished == 0
            and self.lost == 0
        )

    @property
    def equivalent(self) -> int:
        """The crowd offering the same request rate at a 30 s think time."""
        return round(self.crowd * 30.0 / self.think)

    @property
    def offered(self) -> float:
        """Requests/s with the whole crowd in its session: crowd x requests each / session."""
        return self.crowd * self.per_learner / self.session if self.session else 0.0

    @property
    def arrivals(self) -> float:
        return self.crowd / self.doors if self.doors else float(self.crowd)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


async def run_crowd(
    port: int, names: list[str], plan: Plan, doors: float, ramp: float,
    *, addresses: int, seed: int, at_start: Callable[[], None] = lambda: None,
    cookies: dict[str, str] | None = None,
) -> Stats:  # fmt: skip
    """Learners arriving at a set rate while the doors are open (`doors` seconds), each
    on its own, to sign in; the exam starts as the doors close, and each learner starts
    its run within `ramp` seconds of that. `at_start` is called at the exam's start."""
    stats = Stats()
    loop = asyncio.get_running_loop()
    began = time.monotonic()
    start = began + doors
    loop.call_at(loop.time() + doors, at_start)
    tasks = []
    for i, name in enumerate(names):
        delay = began + i * doors / len(names) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        k = i % addresses  # 127.0.0.2 ... 127.0.0.251, 127.0.1.2 ...: loopback, all of them
        source = f"127.0.{k // 250}.{2 + k % 250}"
        rng = random.Random(seed * 1_000_003 + i)
        start_at = start + rng.uniform(0.0, ramp)
        cookie = (cookies or {}).get(name, "")
        coroutine = take_exam(
            "127.0.0.1", port, name, plan, stats, rng, start_at=start_at, source=source,
            cookie=cookie,
        )  # fmt: skip
        tasks.append(asyncio.create_task(coroutine))
    limit = doors + ramp + 60.0 + plan.think * 40  # ~4 times a session's think time
    _, pending = await asyncio.wait(tasks, timeout=limit - (time.monotonic() - began))
    for task in pending:
        task.cancel()
        stats.failures.append(f"unfinished after {limit:.0f} s")
    await asyncio.gather(*pending, return_exceptions=True)
    return stats


@dataclass(frozen=True)
class Reading:
    """CPU seconds so far: each server process, this process, the whole machine."""

    at: float
    server: dict[int, tuple[str, float]]
    me: float
    machine: float
    others: dict[str, float]  # the database server's, the sandbox service's

    @classmethod
    def take(cls, server: QuizServer) -> Reading:
        me = os.times()
        others = {
            name: sum(cpu for _, cpu in cpu_by_process(pid).values())
            for name, pid in server.others.items()
        }
        return cls(
            time.monotonic(), cpu_by_process(server.process.pid), me.user + me.system,
            machine_busy()[0], others,
        )  # fmt: skip

    def since(self, before: Reading) -> tuple[float, float, float, float, float]:
        """(seconds, server CPU, busiest server process's CPU, this process's, machine's)."""
        used = [cpu - before.server.get(pid, ("", 0.0))[1] for pid, (_, cpu) in self.server.items()]
        return (
            self.at - before.at, sum(used), max(used, default=0.0), self.me - before.me,
            self.machine - before.machine,
        )  # fmt: skip


EXAM_KINDS = ("start run", "problem page", "hint", "answer", "run it", "result page")


def run_step(
    server: QuizServer, config: Config, plan: Plan, crowd: int, prefix: str,
    *, doors: float, ramp: float, addresses: int, hash_cpu: float,
) -> Step:  # fmt: skip
    registering = 0 if plan.signed_in else round(crowd * plan.register)
    names = [f"{prefix}x{i}" for i in range(crowd - registering)]
    names += [f"new{prefix}x{i}" for i in range(registering)]
    random.Random(crowd).shuffle(names)
    from argon2 import PasswordHasher

    ids = create_accounts(server.database, [n for n in names if not n.startswith("new")],
                          PasswordHasher().hash(PASSWORD))  # fmt: skip
    cookies = create_sessions(server.database, ids, server.secret_key) if plan.signed_in else {}
    if config.run_it is not None:
        plan = Plan(**{**plan.__dict__, "run_it": config.run_it})
    before_attempts = stored_attempts(server.database)
    readings = [Reading.take(server)]
    stats = asyncio.run(
        run_crowd(
            server.port, names, plan, doors, ramp, addresses=addresses, seed=crowd,
            at_start=lambda: readings.append(Reading.take(server)), cookies=cookies,
        )
    )  # fmt: skip
    readings.append(Reading.take(server))
    step = Step(config.name, crowd, plan.think, doors, ramp, hashes=stats.hashes)
    step.stored = stored_attempts(server.database) - before_attempts
    first, start, last = readings[0], readings[1], readings[-1]
    whole = last.since(first)
    step.seconds = whole[0]
    doors_seconds, doors_server = start.since(first)[:2]
    seconds, server_cpu, busiest, mine, machine = last.since(start)
    step.doors_cpu = 100 * doors_server / max(doors_seconds, 1e-9)
    step.server_cpu = 100 * server_cpu / seconds
    step.busiest = 100 * busiest / seconds
    step.generator_cpu = 100 * mine / seconds
    step.machine_cpu = 100 * machine / seconds
    step.hash_share = min(1.0, stats.hashes * hash_cpu / whole[1]) if whole[1] else 0.0
    step.others = {
        name: 100 * (cpu - start.others.get(name, 0.0)) / seconds
        for name, cpu in last.others.items()
    }
    step.load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    exam_requests = sum(s[0] in EXAM_KINDS for s in stats.samples)
    step.server_us = 1e6 * server_cpu / max(1, exam_requests)
    _summarise(step, stats)
    step.per_learner = exam_requests / max(1, crowd)
    return step


def _summarise(step: Step, stats: Stats) -> None:
    app = [s for s in stats.samples if s[0] not in (STATIC_KIND, RUN_IT, *HASHING)]
    hashing = [s[1] for s in stats.samples if s[0] in HASHING]
    step.requests = len(stats.samples)
    step.app_requests = len(app)
    step.p50 = percentile([s[1] for s in app], 0.50)
    step.p99 = percentile([s[1] for s in app], 0.99)
    step.sign_in_p99 = percentile(hashing, 0.99)
    step.errors = sum(s[2] >= 400 for s in stats.samples)
    step.errors += sum(f.startswith("unfinished") for f in stats.failures)
    step.acknowledged, step.right = stats.acknowledged, stats.right
    step.first_errors = stats.failures[:5]
    lengths = [end - start for start, end in stats.sessions]
    step.session = sum(lengths) / max(1, len(lengths))
    edges = sorted([(s, 1) for s, _ in stats.sessions] + [(e, -1) for _, e in stats.sessions])
    running = 0
    for _, change in edges:
        running += change
        step.peak = max(step.peak, running)
    for kind in dict.fromkeys(s[0] for s in stats.samples):
        mine = [s for s in stats.samples if s[0] == kind]
        times = [s[1] for s in mine]
        bad = sum(s[2] >= 400 for s in mine)
        step.kinds[kind] = (len(mine), percentile(times, 0.5), percentile(times, 0.99), bad)


# -- stepping and reporting ----------------------------------------------------------------------


HEADER = (
    f"{'configuration':34} {'learners':>8} {'=@30s':>7} {'arr/s':>6} {'peak':>6} {'offered':>8}"
    f" {'p50 ms':>7} {'p99 ms':>7} {'sign-in':>7} {'errors':>6} {'lost':>5} {'doors':>6}"
    f" {'server':>7} {'busiest':>7}"
    f" {'gen':>5} {'hash':>5}  ok"
)


def row(step: Step) -> str:
    return (
        f"{step.config:34} {step.crowd:8d} {step.equivalent:7d} {step.arrivals:6.1f}"
        f" {step.peak:6d} {step.offered:8.0f} {step.p50:7.1f} {step.p99:7.1f}"
        f" {step.sign_in_p99:7.0f} {step.errors:6d}"
        f" {step.lost:5d} {step.doors_cpu:5.0f}% {step.server_cpu:6.0f}% {step.busiest:6.0f}%"
        f" {step.generator_cpu:4.0f}%"
        f" {step.hash_share:5.0%}  {'yes' if step.passed else 'NO'}"
    )


def detail(step: Step) -> str:
    kinds = ", ".join(
        f"{kind} {n} (p50 {p50:.0f}, p99 {p99:.0f}{f', {bad} failed' if bad else ''})"
        for kind, (n, p50, p99, bad) in step.kinds.items()
    )
    lines = [
        f"    {step.requests} requests in {step.seconds:.0f} s, {step.per_learner:.1f} a learner,"
        f" session {step.session:.0f} s; answers {step.acknowledged} acknowledged,"
        f" {step.stored} stored, {step.right} right; {step.hashes} hashes;"
        f" app {step.server_us:.0f} us CPU an exam request; machine {step.machine_cpu:.0f}%"
        f" busy, load average {step.load}"
        + "".join(f"; {name} {cpu:.0f}% CPU" for name, cpu in step.others.items()),
        f"    by kind (ms): {kinds}",
    ]
    lines += [f"    error: {e}" for e in step.first_errors]
    return "\n".join(lines)


def crowd_sizes(args: argparse.Namespace) -> Iterator[int]:
    """The given sizes; else doubling from --start until a step fails, then --refine
    bisections between the last size that passed and the first that failed. The caller
    sends each result back in."""
    if args.crowds:
        for size in args.crowds:
            yield size
        return
    good, bad, size = 0, 0, args.start
    while size <= args.max_crowd:
        passed = yield size
        if not passed:
            bad = size
            break
        good, size = size, size * 2
    for _ in range(args.refine if bad else 0):
        size = (good + bad) // 2
        if size in (good, bad) or bad - good < max(2, good // 20):
            break
        passed = yield size
        good, bad = (size, bad) if passed else (good, size)


def bench_config(
    index: int, config: Config, plan: Plan, args: argparse.Namespace, hash_cpu: float,
    backends: Backends,
) -> list[Step]:  # fmt: skip
    steps: list[Step] = []
    workdir = Path(tempfile.mkdtemp(prefix="quiz-exam-day-"))
    database, others = backends.database(config, index, workdir)
    sandbox, more = backends.sandbox(config)
    server = QuizServer(config, workdir, database, sandbox=sandbox, others={**others, **more})
    try:
        print(f"\n{config.name}: starting quiz serve (migrate, load challenges/) ...", flush=True)
        print(f"  ready in {server.wait_ready():.0f} s; log {server.log_path}", flush=True)
        print(HEADER, flush=True)
        sizes = crowd_sizes(args)
        passed = None
        with suppress(StopIteration):
            while True:
                crowd = sizes.send(passed) if passed is not None else next(sizes)
                step = run_step(
                    server, config, plan, crowd, f"c{index}s{len(steps)}",
                    doors=args.doors * args.scale, ramp=args.ramp * args.scale,
                    addresses=args.addresses, hash_cpu=hash_cpu,
                )  # fmt: skip
                steps.append(step)
                print(row(step), flush=True)
                print(detail(step), flush=True)
                passed = step.exam_passed if args.exam_only else step.passed
                time.sleep(max(2.0, 10 * args.scale))  # let the server settle
    finally:
        server.stop()
        if args.keep:
            print(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return steps


def report(steps: list[Step], args: argparse.Namespace, hash_cpu: float) -> None:
    print(
        f"\nExam day on this machine ({os.cpu_count()} cores, shared by the server and this"
        f" generator): learners arrive and sign in over {args.doors * args.scale:g} s"
        f" before the exam starts, start their runs within {args.ramp * args.scale:g} s of"
        f" its start, think {args.think * args.scale:g} s on average before each answer;"
        f" {args.addresses} client addresses."
    )
    print(
        "learners: the crowd; =@30s: the crowd offering the same request rate at 30 s think;"
        " arr/s: arrivals (sign-ins) a second; peak: learners in their exam at once;"
        " offered: the exam's req/s with the whole crowd in it (learners x requests each /"
        " exam length); doors: the server's CPU while the crowd signs in; server, busiest,"
        " gen: from the exam's start, CPU % of one core of the server's processes, its"
        " busiest one, and this generator; hash: the share of the server's CPU spent on argon2"
        f" ({hash_cpu * 1000:.0f} ms CPU a sign-in or registration). Criteria: p99 of the"
        f" exam's requests <= {P99_LIMIT_MS:.0f} ms (pages, htmx partials, answers; static"
        " files, Run it and the hashing posts apart), p99 of signing in or registering (the POST:"
        f" the hash) <= {SIGN_IN_P99_LIMIT_MS:.0f} ms, no error, no lost answer.\n"
    )
    print(HEADER)
    for step in steps:
        print(row(step))
    print()
    if steps and steps[-1].session:
        last = steps[-1]
        full_session = last.session * 30.0 / last.think  # the same exam at 30 s think
        print(
            f"The target, 20,000 learners at 30 s think, offers about"
            f" {20_000 * last.per_learner / full_session:.0f} exam req/s"
            f" ({last.per_learner:.1f} requests a learner over a {full_session:.0f} s exam)"
            f" and {20_000 / args.doors:.0f} sign-ins/s over"
            f" {args.doors:g} s of doors.\n"
        )
    for name in dict.fromkeys(s.config for s in steps):
        mine = [s for s in steps if s.config == name]
        for what, good in (
            ("", [s for s in mine if s.passed]),
            (", signing in apart,", [s for s in mine if s.exam_passed]),
        ):
            best = max(good, key=lambda s: s.crowd, default=None)
            if best is None:
                print(f"{name}: no crowd tried met the criteria{what}")
                continue
            print(
                f"{name}: largest crowd served{what} {best.crowd} learners"
                f" (= {best.equivalent} at 30 s think, {best.offered:.0f} exam req/s offered)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every time x 0.1")
    parser.add_argument("--scale", type=float, default=None, help="multiplies every time")
    parser.add_argument("--think", type=float, default=30.0, help="mean think time, s")
    parser.add_argument("--doors", type=float, default=600.0, help="signing in over, s")
    parser.add_argument("--ramp", type=float, default=30.0, help="runs started over, s")
    parser.add_argument("--crowds", type=lambda s: [int(v) for v in s.split(",")], default=None)
    parser.add_argument("--start", type=int, default=100, help="first crowd when doubling")
    parser.add_argument("--max-crowd", type=int, default=20_000)
    parser.add_argument("--refine", type=int, default=2, help="bisections after a failure")
    parser.add_argument("--register", type=float, default=0.1, help="share who register")
    parser.add_argument("--hint", type=float, default=0.2, help="chance of taking a hint")
    parser.add_argument("--run-it", type=float, default=0.0, help='chance of "Run it"')
    parser.add_argument("--no-static", action="store_true", help="skip the static files")
    parser.add_argument("--addresses", type=int, default=250, help="client IPs (127.0.x.y)")
    parser.add_argument("--config", type=Config.parse, action="append", default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the steps here")
    parser.add_argument(
        "--exam-only", action="store_true", help="step up while the exam's requests pass"
    )
    parser.add_argument(
        "--signed-in", action="store_true",
        help="learners come signed in (a session from the day before): no hash at the doors",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temp data folders")
    args = parser.parse_args()
    args.scale = args.scale if args.scale is not None else (0.1 if args.quick else 1.0)
    plan = Plan(
        think=args.think * args.scale, register=args.register, hint=args.hint,
        run_it=args.run_it, static=not args.no_static, signed_in=args.signed_in,
    )  # fmt: skip
    with suppress(ImportError):
        import uvloop

        uvloop.install()
    hash_cpu = hash_cpu_seconds()
    steps: list[Step] = []
    backends = Backends(Path(tempfile.mkdtemp(prefix="quiz-exam-day-")))
    try:
        for index, config in enumerate(args.config or [Config()]):
            steps += bench_config(index, config, plan, args, hash_cpu, backends)
    finally:
        backends.close()
        shutil.rmtree(backends.workdir, ignore_errors=True)
    report(steps, args, hash_cpu)
    if args.json:
        args.json.write_text(json.dumps([s.__dict__ for s in steps], indent=1, default=str))


if __name__ == "__main__":
    main()
