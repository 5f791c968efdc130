"""Pattern pages in the browser: flashcards, quiz, explain prompts, practice, the test."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, shot

pytestmark = pytest.mark.e2e


def test_review_and_practice_a_pattern(page: Page) -> None:
    register(page, "patterner")
    page.goto("/patterns/sequence-classification")
    shot(page, "pattern")
    card = page.locator("#card-0")
    card.get_by_text("Click to reveal answer").click()
    expect(card).to_contain_text("assigning a label")
    card.get_by_role("button", name="Good").click()
    expect(card.get_by_role("status")).to_contain_text("comes back in")

    quiz = page.locator("#quiz-0")
    quiz.get_by_text("nn.LSTM").click()
    quiz.get_by_role("button", name="Check").click()
    expect(page.locator("#quiz-0")).to_contain_text("✓ Correct")

    explain = page.locator("#explain-0")
    explain.get_by_role("textbox").fill(
        "An LSTM reads the tokens in order and its gates remember earlier steps."
    )
    explain.get_by_role("button", name="Check my answer").click()
    expect(page.locator("#explain-0")).to_contain_text("You got 2/3 concepts.")
    expect(page.locator("#explain-0")).to_contain_text("Missed: final hidden state")

    page.get_by_role("link", name="Start practice (1/5)").click()
    expect(page.get_by_text("Practice (1/5)")).to_be_visible()
    page.get_by_text("To assign a label to the entire input sequence").click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    expect(page.get_by_text("Final Answer:")).to_be_visible()
    expect(page.get_by_text("Common Mistakes:")).to_be_visible()
    shot(page, "practice")

    page.goto("/patterns/sequence-classification")
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_text("10 questions across easy, medium, and hard")).to_be_visible()
    shot(page, "pattern-test")
    page.get_by_role("button", name="Submit and see my score").click()
    expect(page.get_by_text("You scored")).to_be_visible()
    shot(page, "pattern-test-scored")
