"""Request size limits (issue 11, point 4): a body too large is refused before anything
reads it, and a body that does not validate is never echoed back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.conftest import PASSWORD, TestClient
from tests.integration.web.helpers import csrf
from tests.live_server import LiveServer

KIB = 1024
MARKER = "zq-echo-"


class ReadCounter:
    """Wraps the app: how many body bytes the app pulled through `receive`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.messages = 0
        self.bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                self.messages += 1
                self.bytes += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)

    @property
    def state(self) -> object:  # TestClient's lifespan reaches for app.state
        return self.app.state  # type: ignore[attr-defined]


def test_a_300_kib_json_body_is_413_and_never_read(app: FastAPI) -> None:
    counter = ReadCounter(app)
    body = b'{"username": "' + b"a" * (300 * KIB) + b'", "password": "x"}'
    with TestClient(counter) as client:
        response = client.post(
            "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"
    assert "64 KiB" in response.json()["detail"]
    assert counter.messages == 0  # refused on its Content-Length, unread


def test_an_api_body_at_the_limit_is_still_read(api: TestClient) -> None:
    padding = "p" * (60 * KIB)
    response = api.post("/api/playground/run", json={"code": f"# {padding}\nprint(1)"})
    assert response.status_code != 413


def test_a_2_mib_form_is_413(client: TestClient) -> None:
    token = csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "ada", "password": "x" * (2 * KIB * KIB), "csrf_token": token},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "1 MiB" in response.text


def test_a_2_mib_file_upload_is_413(client: TestClient) -> None:
    token = csrf(client.get("/credentials/verify").text)
    response = client.post(
        "/credentials/verify",
        data={"csrf_token": token},
        files={"credential_file": ("big.json", b"{" + b" " * (2 * KIB * KIB), "application/json")},
    )
    assert response.status_code == 413


def test_a_small_file_upload_still_works(client: TestClient) -> None:
    token = csrf(client.get("/credentials/verify").text)
    response = client.post(
        "/credentials/verify",
        data={"csrf_token": token},
        files={"credential_file": ("badge.json", b'{"not": "a credential"}', "application/json")},
    )
    assert response.status_code == 200


def test_a_multipart_form_is_refused_where_no_file_is_taken(client: TestClient) -> None:
    """The CSRF check would parse it (spooling its files to disk) before refusing it."""
    counter = ReadCounter(client.app)
    with TestClient(counter) as raw:
        token = csrf(raw.get("/register").text)
        response = raw.post(
            "/register",
            data={"username": "ada", "password": PASSWORD, "csrf_token": token},
            files={"junk": ("junk.bin", b"x" * (100 * KIB), "application/octet-stream")},
        )
    assert response.status_code == 415
    assert "file" in response.text
    assert counter.messages == 0


def _chunks(total: int, size: int = 8 * KIB) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


def test_a_chunked_body_over_the_limit_is_413_once_over(app: FastAPI) -> None:
    counter = ReadCounter(app)
    with LiveServer(counter) as server, httpx.Client(base_url=server.url) as http:  # type: ignore[arg-type]
        response = http.post(
            "/api/auth/login",
            content=_chunks(2048 * KIB, size=16 * KIB),
            headers={"Content-Type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json()["error"] == "PayloadTooLarge"
        # Reading stopped soon past the limit (the server hands over up to about 128 KiB a
        # message), not at the end of the body: the server discarded the rest.
        assert counter.bytes < 512 * KIB
        # The connection still serves the next request.
        assert http.get("/healthz").status_code == 200


def test_a_chunked_form_over_the_limit_is_413(app: FastAPI) -> None:
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        response = http.post(
            "/login",
            content=_chunks(1100 * KIB, size=64 * KIB),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413


def test_a_chunked_body_under_the_limit_is_served(app: FastAPI) -> None:
    body = f'{{"username": "ada", "password": "{PASSWORD}"}}'.encode()
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        response = http.post(
            "/api/auth/register",
            content=iter([body[:10], body[10:]]),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201


def test_a_10_mb_invalid_body_is_refused_not_echoed(client: TestClient) -> None:
    body = ('{"username": "' + MARKER * (10_000_000 // len(MARKER))).encode()
    response = client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert MARKER not in response.text
    assert len(response.content) < 1000


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "' + MARKER * 1000 + '", "password": "x"}',  # too long
        '{"username": ["' + MARKER * 1000 + '"], "password": "x"}',  # wrong type
        '{"username": "' + MARKER * 1000,  # not JSON
    ],
    ids=["too-long", "wrong-type", "not-json"],
)
def test_a_422_does_not_echo_the_body(client: TestClient, body: str) -> None:
    response = client.post(
        "/api/auth/login", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert MARKER not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"loc", "msg", "type"}


def test_a_422_of_the_answer_route_does_not_echo_the_body(api: TestClient) -> None:
    run = api.post("/api/challenges/gru-test/runs", json={}).json()
    url = f"/api/runs/{run['run_id']}/problems/1/answer"
    for body in ('{"answer": ["' + MARKER * 500 + '"]}', '{"answer": "' + MARKER * 500):
        response = api.post(
            url, content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert MARKER not in response.text
        assert response.json()["detail"][0]["loc"][0] == "body"


class HashGate:
    """Stands in for argon2's work: counts the hashes running at once, holds each until
    released (or a few seconds pass), so concurrent requests pile up inside it."""

    def __init__(self, hold: float = 3.0) -> None:
        import threading

        self.lock = threading.Lock()
        self.release = threading.Event()
        self.inside = 0
        self.most = 0
        self.hold = hold  # at most: a guard, should the test fail before releasing

    def enter(self) -> None:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        self.release.wait(timeout=self.hold)
        with self.lock:
            self.inside -= 1


def test_anonymous_registrations_cannot_run_more_than_a_few_hashes_at_once(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each argon2 hash takes 64 MiB: 80 concurrent anonymous registrations grew the
    server from 130 MiB to 1 GiB (up to 40 at once, the thread pool's size: 2.5 GiB).
    Hashes and verifications now wait for one of a few slots."""

    from argon2 import PasswordHasher

    from app.services.hashing import HASHES_AT_ONCE

    gate = HashGate()
    real_hash = PasswordHasher.hash

    def held_hash(self: PasswordHasher, password: str | bytes, **kwargs: object) -> str:
        gate.enter()
        return real_hash(self, password)

    monkeypatch.setattr(PasswordHasher, "hash", held_hash)

    async def register_many(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:

            async def one(i: int) -> int:
                body = {"username": f"flood{i}", "password": PASSWORD}
                return (await http.post("/api/auth/register", json=body)).status_code

            tasks = [asyncio.create_task(one(i)) for i in range(12)]
            while gate.most < 12 and not all(t.done() for t in tasks):
                await asyncio.sleep(0.05)
                if gate.inside >= HASHES_AT_ONCE:  # give the others time to pile in too
                    await asyncio.sleep(0.5)
                    break
            gate.release.set()
            return list(await asyncio.gather(*tasks))

    with LiveServer(app) as server:
        codes = asyncio.run(register_many(server.url))
    assert codes == [201] * 12
    assert gate.most <= HASHES_AT_ONCE < 12


def held_registrations(monkeypatch: pytest.MonkeyPatch) -> HashGate:
    """Every registration's hash held in a gate until the test releases it."""
    from argon2 import PasswordHasher

    gate = HashGate(hold=60)
    real_hash = PasswordHasher.hash

    def held_hash(self: PasswordHasher, password: str | bytes, **kwargs: object) -> str:
        gate.enter()
        return real_hash(self, password)

    monkeypatch.setattr(PasswordHasher, "hash", held_hash)
    return gate


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(600):  # a guard of 30 s, should the server never get there
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


def test_sign_ins_waiting_for_a_hash_hold_no_thread_the_rest_of_the_app_needs(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the exam-day bench: 800 learners signing in within a minute queued their
    hashes inside the shared thread pool (40 threads: 4 hashing, the rest waiting for a
    slot), so static files, and on PostgreSQL every service call, waited behind them
    until the browsers gave up. Sign-ins now wait for a slot outside that pool."""
    from app.services.hashing import HASHES_AT_ONCE

    gate = held_registrations(monkeypatch)

    async def crowd(url: str) -> tuple[int, int, list[int]]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=url, timeout=90, limits=limits) as http:

            async def register(i: int) -> int:
                body = {"username": f"crowd{i}", "password": PASSWORD}
                return (await http.post("/api/auth/register", json=body)).status_code

            tasks = [asyncio.create_task(register(i)) for i in range(60)]
            try:
                await until(lambda: gate.inside >= HASHES_AT_ONCE, "the slots are full")
                await asyncio.sleep(0.5)  # the other 56 pile in behind them
                static = await asyncio.wait_for(http.get("/static/app.css"), 10)
                health = await asyncio.wait_for(http.get("/healthz"), 10)
            finally:
                gate.release.set()
            return static.status_code, health.status_code, list(await asyncio.gather(*tasks))

    with LiveServer(app) as server:
        static, health, codes = asyncio.run(crowd(server.url))
    assert (static, health) == (200, 200)
    assert codes == [201] * 60
    assert gate.most <= HASHES_AT_ONCE


def test_more_sign_ins_than_can_wait_are_told_to_come_back(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond a bound, a sign-in or registration is answered 503 at once with
    Retry-After, rather than queued past the point where its browser gives up."""
    from app.services.hashing import HASHES_AT_ONCE
    from app.web import deps

    monkeypatch.setattr(deps, "MOST_WAITING_TO_HASH", 8)
    gate = held_registrations(monkeypatch)
    refused = 20 - HASHES_AT_ONCE - 8

    async def crowd(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=url, timeout=90, limits=limits) as http:

            async def register(i: int) -> httpx.Response:
                body = {"username": f"crowd{i}", "password": PASSWORD}
                return await http.post("/api/auth/register", json=body)

            tasks = [asyncio.create_task(register(i)) for i in range(20)]
            try:
                await until(lambda: sum(t.done() for t in tasks) >= refused, "refusals")
            finally:
                gate.release.set()
            return list(await asyncio.gather(*tasks))

    with LiveServer(app) as server:
        replies = asyncio.run(crowd(server.url))
    codes = sorted(reply.status_code for reply in replies)
    assert codes == [201] * (20 - refused) + [503] * refused
    busy = next(reply for reply in replies if reply.status_code == 503)
    assert busy.headers["retry-after"] == "5"
    assert "try again" in busy.json()["detail"]


@pytest.mark.parametrize("door", ["/login", "/register"])
def test_the_forms_say_to_come_back_when_too_many_wait_for_a_hash(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    from app.services.hashing import HASHES_AT_ONCE
    from app.web import deps

    monkeypatch.setattr(deps, "MOST_WAITING_TO_HASH", -HASHES_AT_ONCE)  # none may wait
    with TestClient(app) as browser:
        token = csrf(browser.get(door).text)
        fields = {"username": "ada", "password": PASSWORD, "csrf_token": token}
        page = browser.post(door, data=fields)
    assert page.status_code == 503
    assert page.headers["retry-after"] == "5"
    assert "Please try again in a few seconds." in page.text
    assert 'value="ada"' in page.text  # the name typed is kept


def test_the_password_form_says_when_to_come_back_when_too_many_wait_for_a_hash(
    browser: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password page, like the sign-in form, tells the browser when to come back:
    a 503 without Retry-After looks like an outage, not a crowd."""
    from app.services.hashing import HASHES_AT_ONCE
    from app.web import deps

    token = csrf(browser.get("/me/password").text)
    monkeypatch.setattr(deps, "MOST_WAITING_TO_HASH", -HASHES_AT_ONCE)  # none may wait
    form = {"current_password": PASSWORD, "new_password": "a longer passphrase"}
    page = browser.post("/me/password", data={**form, "csrf_token": token})
    assert page.status_code == 503
    assert page.headers.get("retry-after") == "5"
    assert "Please try again in a few seconds." in page.text


def test_a_sign_in_waiting_on_one_event_loop_is_woken_when_another_loops_slots_free() -> None:
    """An app served by two event loops (two test clients, a live server beside one):
    a sign-in waiting on one loop, behind hashes another loop held, must not sleep on
    after they end (woken from the other loop's thread, it never was)."""
    import threading

    from app.services.hashing import HASHES_AT_ONCE
    from app.web.deps import HashingSlots

    slots = HashingSlots()
    inside = threading.Semaphore(0)
    release = threading.Event()

    def held() -> str:
        inside.release()
        release.wait(30)
        return "held"

    async def hold_all() -> list[str]:
        return list(await asyncio.gather(*(slots.run(held) for _ in range(HASHES_AT_ONCE))))

    results: list[list[str]] = []
    other = threading.Thread(target=lambda: results.append(asyncio.run(hold_all())))
    other.start()
    try:
        for _ in range(HASHES_AT_ONCE):
            assert inside.acquire(timeout=30)  # the other loop holds every slot

        async def sign_in() -> str:
            waiting = asyncio.create_task(slots.run(lambda: "signed in"))
            await asyncio.sleep(0)  # it asks for a slot
            release.set()
            return await asyncio.wait_for(waiting, 10)

        assert asyncio.run(sign_in()) == "signed in"
    finally:
        release.set()
        other.join(30)
    assert results == [["held"] * HASHES_AT_ONCE]
