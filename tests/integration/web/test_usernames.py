"""Usernames that differ only in case are one name (issue 11, point 7)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.learners import LearnerRepository
from app.persistence.tables import User
from tests.conftest import FAST_HASHER, PASSWORD, TestClient, unit_of
from tests.integration.web.helpers import csrf, text
from tests.live_server import LiveServer

SPELLINGS = ("Bob", "bob", "BOB")


def test_concurrent_registrations_of_one_name_in_three_cases(app: FastAPI) -> None:
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(_register_all(server.url))).result()
    with app.state.engine.connect() as connection:
        stored = connection.execute(select(User.username)).scalars().all()
    assert len(stored) == 1
    assert stored[0] in SPELLINGS


async def _register_all(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        answers = await asyncio.gather(
            *(
                client.post("/api/auth/register", json={"username": name, "password": PASSWORD})
                for name in SPELLINGS
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["detail"].startswith("That name is taken")
        client.cookies.clear()
        for name in (*SPELLINGS, " bob "):
            login = await client.post(
                "/api/auth/login", json={"username": name, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            client.cookies.clear()


def test_the_register_form_says_the_name_is_taken(client: TestClient) -> None:
    registered = client.post("/api/auth/register", json={"username": "Ada", "password": PASSWORD})
    assert registered.status_code == 201
    client.cookies.clear()
    token = csrf(client.get("/register").text)
    page = client.post(
        "/register", data={"username": "ADA", "password": PASSWORD, "csrf_token": token}
    )
    assert page.status_code == 409
    assert "That name is taken" in text(page.text)


def test_the_repository_refuses_a_second_spelling_at_insert(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    # The race the form's early check cannot see: the unique index decides.
    with unit_of(sessions) as uow:
        first = LearnerRepository(uow.session).add("Bob", FAST_HASHER.hash(PASSWORD), clock())
        uow.commit()
    with unit_of(sessions) as uow:
        second = LearnerRepository(uow.session).add("bOB", FAST_HASHER.hash(PASSWORD), clock())
    assert first is not None
    assert second is None
