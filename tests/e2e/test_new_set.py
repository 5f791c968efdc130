"""A learner finds one of the curriculum's sets through the catalog's filters and takes it
to its badge in Chromium, answering each problem from what their page shows: the test
knows the set's file (as a learner who studied would know the material), recognises the
variant drawn from the code on the page, and picks that variant's right option."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.authoring.loader import parse_file
from app.domain.challenge import ChallengeSet, Problem
from app.domain.variants import render, variants_of
from tests.e2e.conftest import register, shot

pytestmark = pytest.mark.e2e

SET_FILE = Path(__file__).resolve().parents[2] / "challenges" / "tensors-broadcasting.yaml"


def plain(text: str) -> str:
    """Text as the page shows it: Markdown's backticks and emphasis gone, spaces collapsed."""
    return " ".join(re.sub(r"[`*]", "", text).split())


def right_option(problem: Problem, page_text: str) -> str:
    """The right option's text for the variant whose code is on the page."""
    candidates = [render(problem, v) for v in variants_of(problem.params)] or [problem]
    shown = [
        c
        for c in candidates
        if all(line.strip() in page_text for line in (c.code or "").splitlines() if line.strip())
    ]
    answers = {plain(c.options[c.correct_index or 0].text) for c in shown}
    assert len(answers) == 1, (problem.key, answers)
    return answers.pop()


def test_filter_the_catalog_and_take_a_new_set_to_its_badge(page: Page) -> None:
    parsed = parse_file(SET_FILE)
    assert isinstance(parsed.challenge_set, ChallengeSet)
    challenge = parsed.challenge_set
    by_title = {problem.title: problem for problem in challenge.problems}

    register(page, "curriculum-learner")
    page.get_by_label("Topic").select_option("Tensors")
    expect(page).to_have_url(re.compile(r"topic=Tensors"))
    page.get_by_role("link", name=challenge.title, exact=True).click()
    page.get_by_role("button", name="Start challenge").click()

    for n in range(1, len(challenge.positions()) + 1):
        heading = page.locator("h1.problem-title").inner_text()
        problem = next(p for title, p in by_title.items() if title in heading)
        answer = right_option(problem, page.locator("main").inner_text())
        labels = [plain(label) for label in page.locator(".option-text").all_inner_texts()]
        page.keyboard.press(str(labels.index(answer) + 1))
        page.keyboard.press("Enter")
        expect(page.get_by_text("✓ Correct")).to_be_visible()
        if n == 1:
            shot(page, "new-set-problem")
        last = n == len(challenge.positions())
        page.get_by_role("link", name="See results" if last else "Next problem →").click()

    expect(page.get_by_text("Badge earned")).to_be_visible()
    assert challenge.badge is not None
    expect(page.get_by_role("heading", name=challenge.badge.name)).to_be_visible()
    shot(page, "new-set-badge")
