"""Browser tests: a real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

One server and one browser per session; each test gets a fresh browser context (its
own cookies). The seed challenges load from challenges/, plus test-only sets: one
with known answers and one whose problem lasts 5 seconds (for the timer). "Run it"
goes to a stand-in sandbox (tests.fakes), so these tests need no root; the real one
runs the same page in tests/integration/sandbox.
Set QUIZ_SHOTS=/tmp/shots to save screenshots of each page at 1280 and 375 px.
Every page of every test records Content-Security-Policy violations (the DOM event and
Chromium's console report) and fails the test if there was one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from app.config import Settings
from app.domain.clock import system_clock
from app.persistence.database import Database
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.sets import SetRepository
from app.services import admins
from app.services.loading import load_tree
from app.web.app import create_app
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD, save_sets, unit_of
from tests.databases import SqliteDatabases
from tests.fakes import FakeRunner
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
QUICK_SECONDS = 5
ADMIN = "e2e-admin"
# Runs before any page script, in every frame and after every navigation.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportCsp(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                   " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory, template_db: SqliteDatabases) -> str:
    """The served database's URL: tests may seed it through the services (the server's
    clock is the real one, so a review due in the past is seeded with an earlier clock)."""
    db = tmp_path_factory.mktemp("e2e") / "quiz.db"
    shutil.copy(template_db.path, db)
    return f"sqlite:///{db}"


@pytest.fixture(scope="session")
def server(e2e_database: str) -> Iterator[str]:
    settings = Settings(DATABASE_URL=e2e_database, QUIZ_SECRET_KEY="e2e-" + "k" * 40)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    units = Database(engine).units
    load_tree(units, ROOT / "challenges", clock=system_clock)
    quick = builders.choice("quick", 0, seconds=QUICK_SECONDS)
    save_sets(
        sessions,
        system_clock,
        builders.challenge(),
        builders.challenge("quick-test", (quick,), title="Quick Test"),
        builders.variant_challenge(),
    )
    with unit_of(sessions) as uow:  # what loading with the sandbox check would store
        variant = builders.variant_problem()
        executed = builders.variant_executed(variant)
        SetRepository(uow.session).set_executed("variant-test", variant.key, executed)
        uow.commit()
    admins.create_admin(
        units, FAST_HASHER, clock=system_clock, username=ADMIN, password=PASSWORD,
        via={"via": "e2e"},
    )  # fmt: skip
    engine.dispose()
    app = create_app(settings, sandbox=FakeRunner(), password_hasher=FAST_HASHER)
    with LiveServer(app) as live:
        yield live.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    violations: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.expose_function("reportCsp", lambda violation: violations.append(violation))
    page.add_init_script(REPORT_CSP)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert not errors, f"JavaScript errors: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


def shot(page: Page, name: str) -> None:
    """Screenshots for a person to look at (QUIZ_SHOTS=dir); no-op otherwise."""
    target = os.environ.get("QUIZ_SHOTS")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{target}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def register(page: Page, username: str) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")


def sign_in_admin(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
