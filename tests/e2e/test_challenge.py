"""A learner takes a challenge to its badge, uses a hint, and lets a timer run out."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import QUICK_SECONDS, register, shot

_names = itertools.count()

pytestmark = pytest.mark.e2e


def learner(page: Page) -> None:
    register(page, f"learner{next(_names)}")


def choose(page: Page, text: str) -> None:
    """Pick an option by its text with the keyboard: its number key, then Enter."""
    labels = page.locator(".option-text").all_inner_texts()
    page.keyboard.press(str(labels.index(text) + 1))
    page.keyboard.press("Enter")


def test_take_a_challenge_to_its_badge(page: Page) -> None:
    learner(page)
    shot(page, "catalog")
    page.get_by_role("link", name="GRU Test Badge").click()
    expect(page.get_by_text("Get all challenges correct to earn this badge!")).to_be_visible()
    shot(page, "intro")
    page.get_by_role("button", name="Start challenge").click()
    first_problem = page.url

    # 1: a free-text shape, with a mistake, an unreadable answer and a hint.
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"[12]:\d\d"))
    expect(page.get_by_text("❓ Predict Output")).to_be_visible()
    expect(page.get_by_text("Attempts: 2 left")).to_be_visible()
    shot(page, "problem")
    page.get_by_label("Your answer").fill("(3, 4")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("missing its closing")
    expect(page.get_by_text("Attempts: 2 left")).to_be_visible()
    page.get_by_label("Your answer").fill("(2, 5)")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✗ Incorrect — 1 attempt left")).to_be_visible()
    assert "(batch, seq_len, hidden)" not in page.content()
    page.get_by_role("button", name="Hint").click()
    expect(page.locator("#hint")).to_contain_text("Batch comes first.")
    shot(page, "problem-wrong-hint")
    page.get_by_label("Your answer").fill("torch.Size([2, 3, 5])")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    expect(page.locator(".reveal")).to_contain_text("(batch, seq_len, hidden)")

    # Over: "Run it" runs the snippet as shown (htmx swaps in the output); the other
    # problems are still to do, so it cannot be edited yet.
    editor = page.get_by_label("Code to run")
    expect(editor).to_have_value(re.compile(r"output = torch\.zeros\(2, 3, 5\)"))
    expect(editor).not_to_be_editable()
    expect(page.locator("#run-it-help")).to_contain_text("only the code as shown runs")
    page.get_by_role("button", name="Run", exact=True).click()
    output = page.locator("#run-output")
    expect(output).to_contain_text("Finished")
    expect(output.locator("pre")).to_have_text("torch.Size([2, 3, 5])")
    expect(output.get_by_role("table")).to_contain_text("output")
    expect(page).to_have_url(re.compile(r"/problems/1$"))  # only the output was swapped in
    shot(page, "run-it")
    page.get_by_role("link", name="Next problem →").click()

    # 2 and 3: multiple choice by keyboard; a wrong option stays disabled.
    wrong = next(t for t in page.locator(".option-text").all_inner_texts() if t != "Alpha answer")
    choose(page, wrong)
    expect(page.get_by_text("✗ Incorrect — 1 attempt left")).to_be_visible()
    expect(page.locator(".option.tried input")).to_be_disabled()
    choose(page, "Alpha answer")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    shot(page, "problem-correct")
    page.get_by_role("link", name="Next problem →").click()
    choose(page, "Charlie answer")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    page.get_by_role("link", name="See results").click()

    expect(page.get_by_text("Badge earned")).to_be_visible()
    expect(page.get_by_role("heading", name="GRU Tester")).to_be_visible()
    shot(page, "result")
    page.get_by_role("link", name="My badges").first.click()
    expect(page.get_by_role("heading", name="GRU Tester")).to_be_visible()
    shot(page, "badges")

    # The run is over: its code can be edited and run; Reset undoes an edit.
    page.goto(first_problem)
    editor = page.get_by_label("Code to run")
    expect(editor).to_be_editable()
    editor.fill("print('edited')")
    page.get_by_role("link", name="Reset").click()
    expect(editor).to_have_value(re.compile(r"^import torch\n"))

    # A retake waits 10:00 from the end of the run: the pages say when it opens.
    page.goto("/challenges/gru-test")
    expect(page.locator("[data-retake-wait]")).to_contain_text(
        re.compile(r"You can retake this set in (10|9) min, at \d\d:\d\d")
    )
    expect(page.get_by_role("button", name="Retake challenge")).to_be_disabled()
    shot(page, "intro-retake-wait")
    page.goto("/")
    expect(page.get_by_text(re.compile(r"Retake opens in (10|9) min"))).to_be_visible()
    shot(page, "catalog-retake-wait")


def test_an_open_run_is_continued_not_started_again(page: Page) -> None:
    learner(page)
    page.goto("/challenges/gru-test")
    page.get_by_role("button", name="Start challenge").click()
    expect(page.get_by_role("timer")).to_be_visible()
    page.goto("/challenges/gru-test")
    expect(page.get_by_role("button", name="Start challenge")).to_have_count(0)
    shot(page, "intro-open-run")
    page.get_by_role("link", name="Continue your run").click()
    expect(page.get_by_text("Run in progress")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("Continue your run →")).to_be_visible()
    shot(page, "catalog-open-run")


def test_timer_runs_out_and_shows_the_explanation(page: Page) -> None:
    learner(page)
    page.goto("/challenges/quick-test")
    page.get_by_role("button", name="Start challenge").click()
    timer = page.get_by_role("timer")
    expect(timer).to_contain_text("remaining")
    assert "The answer to quick" not in page.content()
    # The server's deadline plus its grace, and a little: the page asks again by itself.
    wait = (QUICK_SECONDS + 8) * 1000
    expect(page.locator("#timer-announcer")).to_have_text("Time's up", timeout=wait)
    expect(page.get_by_text("⏰ Time's up")).to_be_visible(timeout=wait)
    expect(page.locator(".reveal")).to_contain_text("The answer to quick is Alpha answer.")
    expect(page.locator(".option input").first).to_be_disabled()
    shot(page, "timed-out")


def test_refresh_keeps_the_deadline(page: Page) -> None:
    learner(page)
    page.goto("/challenges/gru-test")
    page.get_by_role("button", name="Start challenge").click()
    first = float(page.get_by_role("timer").get_attribute("data-remaining") or 0)
    page.reload()
    again = float(page.get_by_role("timer").get_attribute("data-remaining") or 0)
    assert again <= first


def test_timer_announces_at_60_30_and_10_seconds(page: Page) -> None:
    """The browser's clock is driven by the test; the server's deadline is not involved."""
    learner(page)
    page.clock.install()
    page.goto("/challenges/gru-test")
    page.get_by_role("button", name="Start challenge").click()
    page.get_by_role("link", name="Problem 2, pending").click()  # a 90 s problem
    announcer = page.locator("#timer-announcer")
    expect(announcer).to_have_text("")
    page.clock.run_for(31_000)
    expect(announcer).to_have_text("1 minute remaining")
    expect(page.get_by_role("timer")).to_contain_text("0:59")
    page.clock.run_for(30_000)
    expect(announcer).to_have_text("30 seconds remaining")
    page.clock.run_for(20_000)
    expect(announcer).to_have_text("10 seconds remaining")
