"""The attack of issue 11.9 against the real sandbox: one learner sends eight spinning
snippets at once, another a quick one. The first never has more than two in the sandbox
(the rest are refused), and the other's runs and prints."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.domain.clock import FakeClock
from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.web.app import create_app
from tests.conftest import FAST_HASHER, PASSWORD

SPIN = "while True: pass"


class Watched:
    """The real sandbox, counting how many spinning jobs are in it at once."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.pool_size, self.queue_size = sandbox.pool_size, sandbox.queue_size
        self.spinning = 0
        self.most_spinning = 0

    async def run_async(self, job: SnippetJob) -> SnippetResult:
        spins = job.code == SPIN
        self.spinning += spins
        self.most_spinning = max(self.most_spinning, self.spinning)
        try:
            return await self.sandbox.run_async(job)
        finally:
            self.spinning -= spins


def test_one_learner_cannot_fill_the_sandbox(
    settings: Settings, clock: FakeClock, loaded: sessionmaker[Session], sandbox: Sandbox
) -> None:
    watched = Watched(sandbox)
    app = create_app(settings, clock=clock, sandbox=watched, password_hasher=FAST_HASHER)

    async def attack() -> tuple[list[httpx.Response], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as mallory,
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as ada,
        ):
            for name, client in (("mallory", mallory), ("ada", ada)):
                account = {"username": name, "password": PASSWORD}
                await client.post("/api/auth/register", json=account)
            spins = [mallory.post("/api/playground/run", json={"code": SPIN}) for _ in range(8)]
            answers = await asyncio.gather(
                *spins, ada.post("/api/playground/run", json={"code": "print(6 * 7)"})
            )
            return list(answers[:-1]), answers[-1]

    with ThreadPoolExecutor(1) as pool:
        spun, quick = pool.submit(lambda: asyncio.run(attack())).result()

    assert quick.status_code == 200
    assert quick.json()["status"] == "ok"
    assert quick.json()["stdout"] == "42\n"
    assert watched.most_spinning <= 2
    ran = [r for r in spun if r.status_code == 200]
    refused = [r for r in spun if r.status_code == 429]
    assert len(ran) + len(refused) == 8
    assert ran
    assert refused
    assert all(r.json()["status"] in ("timeout", "killed") for r in ran)
    assert {r.json()["detail"] for r in refused} == {
        "You already have 2 snippets running; wait for one to finish."
    }
