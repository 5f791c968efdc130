"""A learner takes a set with a variant problem and a pool to its badge, reading their own
variant from the page (never from the database); an admin previews every variant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, shot, sign_in_admin

pytestmark = pytest.mark.e2e


def test_a_variant_problem_and_a_pool_to_the_badge(page: Page) -> None:
    register(page, "variant-learner")
    page.goto("/challenges/variant-test")
    page.get_by_role("button", name="Start challenge").click()

    # 1: the variant drawn for this learner, as the page states it.
    prompt = page.locator(".problem .prose").first.inner_text()
    found = re.search(r"A batch of (\d+) sequences through hidden_size=(\d+)", prompt)
    assert found, prompt
    batch, hidden = found.groups()
    expect(page.locator(".problem")).to_contain_text(f"torch.randn({batch}, 7, 4)")
    assert "${" not in page.content()
    shot(page, "variant-problem")
    wrong_batch = "3" if batch == "2" else "2"  # the other variant's answer is wrong here
    page.get_by_label("Your answer").fill(f"({wrong_batch}, 7, {hidden})")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✗ Incorrect — 1 attempt left")).to_be_visible()
    page.get_by_label("Your answer").fill(f"({batch}, 7, {hidden})")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    expect(page.locator(".reveal")).to_contain_text(f"({batch}, 7, {hidden})")
    # "Run it" starts from this learner's variant of the code.
    expect(page.get_by_label("Code to run")).to_have_value(
        re.compile(rf"LSTM\(4, {hidden}, batch_first=True\)[\s\S]*randn\({batch}, 7, 4\)")
    )
    shot(page, "variant-problem-correct")
    page.get_by_role("link", name="Next problem →").click()

    # 2: one problem of the pool; either one's right answer is Alpha.
    expect(page.get_by_role("heading", name=re.compile(r"Question pool-[ab]"))).to_be_visible()
    labels = page.locator(".option-text").all_inner_texts()
    page.keyboard.press(str(labels.index("Alpha answer") + 1))
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    page.get_by_role("link", name="See results").click()

    expect(page.get_by_text("Badge earned")).to_be_visible()
    expect(page.get_by_role("heading", name="GRU Tester")).to_be_visible()


def test_admin_previews_every_variant(page: Page) -> None:
    sign_in_admin(page)

    page.goto("/admin/sets/variant-test/problems/lstm")
    table = page.locator(".variants table")
    expect(table).to_contain_text("batch=3, hidden=6")
    expect(table).to_contain_text("(3, 7, 6)")
    expect(page.locator(".variants tbody tr")).to_have_count(5)  # as written + 4 variants
    shot(page, "admin-variants")
    page.get_by_role("link", name="batch=2, hidden=6").click()
    expect(page.get_by_text("variant 2 of 4: batch=2, hidden=6")).to_be_visible()
    expect(page.locator("article.card")).to_contain_text("LSTM(4, 6, batch_first=True)")
    shot(page, "admin-variant-2")
