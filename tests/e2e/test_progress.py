"""The progress page in the browser: due cards reviewed from it, one at a time.

The e2e server runs on the real clock, so cards due in the past are seeded by rating
them through the services with a clock two days back, as if reviewed then.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.domain.clock import FakeClock, system_clock
from app.domain.flashcards import Rating
from app.persistence.database import Database
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, flashcards
from tests.conftest import FAST_HASHER, PASSWORD
from tests.e2e.conftest import shot
from tests.e2e.test_accessibility import WIDTHS, Audit

pytestmark = pytest.mark.e2e
PATTERN = "sequence-classification"  # a seed pattern (challenges/patterns)

# Overflow, small targets and unreachable scroll regions, measured in the page.
LAYOUT_PROBLEMS = """() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > doc.clientWidth) problems.push("overflow " + doc.scrollWidth);
  for (const el of document.querySelectorAll("main a, main button, main summary")) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.height < 24 || box.width < 24)) {
      problems.push("small target " + el.textContent.trim() + " " + box.width + "x" + box.height);
    }
  }
  for (const el of document.querySelectorAll("main *")) {
    const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    const style = getComputedStyle(el);
    if (scrolls && /(auto|scroll)/.test(style.overflowX + style.overflowY) && el.tabIndex < 0
        && !el.querySelector("a, button, input, textarea, select, summary")) {
      problems.push("scroll region not focusable " + el.className);
    }
  }
  return problems;
}"""


@pytest.fixture
def served(e2e_database: str, server: str) -> Iterator[UnitOfWorkFactory]:
    database = Database.at(e2e_database)
    yield database.units
    database.dispose()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def check_layout(page: Page, state: str) -> None:
    """axe-core finds nothing, and our own measures (targets of every kind) neither."""
    for width in WIDTHS:
        audit = Audit(page, width)
        audit.check(state)
        audit.assert_clean()
        assert page.evaluate(LAYOUT_PROBLEMS) == [], f"at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_review_due_cards_from_the_progress_page(page: Page, served: UnitOfWorkFactory) -> None:
    learner = accounts.register(
        served, FAST_HASHER, clock=system_clock, username="reviewer", password=PASSWORD
    )
    two_days_ago = FakeClock(system_clock() - timedelta(days=2))
    for index in (0, 1):
        flashcards.rate_card(
            served, clock=two_days_ago, learner_id=learner.id, slug=PATTERN, index=index,
            rating=Rating.GOOD,
        )  # fmt: skip
    sign_in(page, "reviewer")

    page.get_by_role("link", name="Progress").click()
    expect(page.get_by_role("heading", name="My progress")).to_be_visible()
    expect(page.get_by_role("heading", name="2 cards due now")).to_be_visible()
    expect(page.get_by_text("Up next")).to_be_visible()
    check_layout(page, "progress, cards due")
    shot(page, "progress")

    page.get_by_role("link", name="Review due cards").click()
    expect(page.get_by_text("2 cards due")).to_be_visible()
    check_layout(page, "review, a card due")
    shot(page, "review")
    page.get_by_text("Click to reveal answer").click()
    check_layout(page, "review, a card revealed")
    page.get_by_role("button", name="Good").click()
    expect(page.get_by_role("status")).to_contain_text("Rated Good")
    expect(page.get_by_text("1 card due")).to_be_visible()
    page.get_by_text("Click to reveal answer").click()
    page.keyboard.press("4")  # the pattern page's shortcut: Easy
    expect(page.get_by_role("status")).to_contain_text("Rated Easy")
    expect(page.get_by_text("All caught up")).to_be_visible()
    expect(page.get_by_text("The next card is due in")).to_be_visible()
    check_layout(page, "review, all caught up")
    shot(page, "review-done")

    page.get_by_role("link", name="Back to your progress").click()
    expect(page.get_by_role("heading", name="0 cards due now")).to_be_visible()
    expect(page.get_by_text("The next card is due in")).to_be_visible()


def test_a_new_learner_sees_where_to_start(page: Page, served: UnitOfWorkFactory) -> None:
    accounts.register(
        served, FAST_HASHER, clock=system_clock, username="newcomer", password=PASSWORD
    )
    sign_in(page, "newcomer")
    page.goto("/me/progress")
    expect(page.get_by_text("Nothing here yet")).to_be_visible()
    check_layout(page, "progress, new learner")
    shot(page, "progress-new")
