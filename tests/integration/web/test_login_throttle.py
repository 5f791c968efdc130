"""The login throttle (issue 11, point 5): in the database, checked before the password.

Every password verification is counted by a hasher injected through create_app, so the
tests assert how many passwords were checked, never how long anything took.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from app.config import Settings
from app.domain.clock import FakeClock
from app.web.app import create_app
from tests.conftest import PASSWORD, TestClient
from tests.integration.web.helpers import csrf, text
from tests.live_server import LiveServer

WRONG = "not the password at all"


class CountingHasher(PasswordHasher):
    """Cheap argon2 that counts how many passwords it verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def counted_app(settings: Settings, clock: FakeClock, hasher: CountingHasher) -> FastAPI:
    return create_app(settings, clock=clock, password_hasher=hasher)


@pytest.fixture
def web(counted_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(counted_app) as client:
        yield client


def register(client: TestClient, name: str) -> None:
    response = client.post("/api/auth/register", json={"username": name, "password": PASSWORD})
    assert response.status_code == 201, response.text
    client.cookies.clear()


def login(client: TestClient, name: str, password: str = WRONG) -> httpx.Response:
    return client.post("/api/auth/login", json={"username": name, "password": password})


class HeldHasher(CountingHasher):
    """Holds each verification until `hold` are under way (or a moment has passed).

    Real argon2 takes long enough that concurrent guesses overlap; this makes them
    overlap on any machine: a throttle that counts a guess only after its verification
    lets all of them through while the first ones are held.
    """

    def __init__(self, hold: int) -> None:
        super().__init__()
        self._barrier = threading.Barrier(hold)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        # Broken: fewer than `hold` got this far in a second, the throttle stopped the rest.
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait(timeout=1)
        return super().verify(hash, password)


def test_concurrent_guesses_check_no_more_passwords_than_the_limit(
    settings: Settings, clock: FakeClock
) -> None:
    hasher = HeldHasher(hold=6)
    app = create_app(settings, clock=clock, password_hasher=hasher)
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(lambda: asyncio.run(_guess(server.url, 24))).result()
    assert hasher.verified == 5  # the account's limit, however the 24 interleaved
    assert sorted(statuses) == [401] * 5 + [429] * 19


async def _guess(url: str, guesses: int) -> list[int]:
    async with httpx.AsyncClient(base_url=url) as client:
        account = {"username": "ada", "password": PASSWORD}
        assert (await client.post("/api/auth/register", json=account)).status_code == 201
        client.cookies.clear()
        answers = await asyncio.gather(
            *(
                client.post("/api/auth/login", json={"username": "ada", "password": f"guess{i}"})
                for i in range(guesses)
            )
        )
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) > 0
    return [answer.status_code for answer in answers]


def test_an_unknown_name_costs_a_password_check_like_a_known_one(
    web: TestClient, hasher: CountingHasher
) -> None:
    register(web, "ada")
    before = hasher.verified
    assert login(web, "ada").status_code == 401
    known = hasher.verified - before
    assert login(web, "nobody-here").status_code == 401
    unknown = hasher.verified - before - known
    assert (known, unknown) == (1, 1)
    assert login(web, "nobody-here").json()["detail"] == login(web, "ada").json()["detail"]


def test_spellings_of_one_name_count_against_one_account(web: TestClient, clock: FakeClock) -> None:
    register(web, "alice")
    register(web, "bob")
    for spelling in ("Alice", "alice ", "ALICE", " aLiCe", "\uff21\uff4c\uff49\uff43\uff45"):
        assert login(web, spelling).status_code == 401
    refused = login(web, "alice", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert "Try again in 30 seconds" in refused.json()["detail"]
    assert login(web, "bob", PASSWORD).status_code == 200  # another account is not locked
    clock.advance(30)
    assert login(web, "alice", PASSWORD).status_code == 200


def test_the_lock_doubles_each_time_up_to_fifteen_minutes(
    web: TestClient, clock: FakeClock
) -> None:
    register(web, "ada")
    waits = []
    for _ in range(7):
        for _ in range(5):
            assert login(web, "ada").status_code == 401
        refused = login(web, "ada", PASSWORD)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    assert login(web, "ada", PASSWORD).status_code == 200


def test_a_successful_sign_in_clears_the_accounts_failures(web: TestClient) -> None:
    register(web, "ada")
    for _ in range(2):
        for _ in range(4):
            assert login(web, "ada").status_code == 401
        assert login(web, "ada", PASSWORD).status_code == 200
        web.cookies.clear()


def test_one_address_guessing_many_names_is_stopped(counted_app: FastAPI) -> None:
    with (
        TestClient(counted_app, client=("203.0.113.7", 4000)) as guesser,
        TestClient(counted_app, client=("198.51.100.2", 4000)) as other,
    ):
        register(other, "ada")
        for i in range(20):
            assert login(guesser, f"name{i}").status_code == 401
        refused = login(guesser, "ada", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == 30
        assert login(other, "ada", PASSWORD).status_code == 200


def test_app_processes_share_the_count(
    settings: Settings, clock: FakeClock, counted_app: FastAPI
) -> None:
    second = create_app(settings, clock=clock, password_hasher=CountingHasher())
    with TestClient(counted_app) as one, TestClient(second) as two:
        register(one, "ada")
        for client in (one, two, one, two, one):
            assert login(client, "ada").status_code == 401
        assert login(two, "ada", PASSWORD).status_code == 429
        assert login(one, "ada", PASSWORD).status_code == 429


def test_the_sign_in_page_says_when_to_try_again(web: TestClient) -> None:
    register(web, "ada")
    for _ in range(5):
        login(web, "ada")
    token = csrf(web.get("/login").text)
    page = web.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 429
    assert page.headers["Retry-After"] == "30"
    assert "Try again in 30 seconds" in text(page.text)


def test_failures_older_than_the_window_are_forgotten(web: TestClient, clock: FakeClock) -> None:
    register(web, "ada")
    for _ in range(4):
        assert login(web, "ada").status_code == 401
    clock.advance(15 * 60)
    for _ in range(4):
        assert login(web, "ada").status_code == 401
    assert login(web, "ada", PASSWORD).status_code == 200


def test_a_quiet_day_forgets_the_backoff(web: TestClient, clock: FakeClock) -> None:
    register(web, "ada")

    def lock() -> int:
        for _ in range(5):
            assert login(web, "ada").status_code == 401
        return int(login(web, "ada", PASSWORD).headers["Retry-After"])

    assert lock() == 30
    clock.advance(30)
    assert lock() == 60
    clock.advance(24 * 3600)
    assert lock() == 30
