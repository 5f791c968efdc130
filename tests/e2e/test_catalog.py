"""A learner narrows the catalog by topic and level, searches it, and opens a set."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def cards(page: Page) -> list[str]:
    return page.locator("#catalog-results h3").all_inner_texts()


def test_filter_search_and_open_a_set(page: Page) -> None:
    page.goto("/")
    count = page.get_by_role("status")
    expect(count).to_have_text(re.compile(r"^\d+ sets$"))
    shot(page, "catalog-all")

    page.get_by_label("Topic").select_option("NLP")
    expect(page).to_have_url(re.compile(r"topic=NLP"))  # htmx pushed the filtered URL
    expect(count).to_have_text(re.compile(r"^\d+ of \d+ sets match"))
    expect(page.get_by_role("link", name="GRU Test Badge")).to_be_visible()
    expect(page.get_by_role("link", name="Sequence Classification Master")).to_have_count(0)
    assert "GRU Mastery Badge" in cards(page)

    page.get_by_label("Level").select_option("intermediate")
    expect(page).to_have_url(re.compile(r"level=intermediate"))
    expect(page.get_by_role("link", name="GRU Mastery Badge")).to_have_count(0)  # advanced
    expect(page.get_by_role("link", name="GRU Test Badge")).to_be_visible()
    shot(page, "catalog-filtered")

    search = page.get_by_label("Search")
    search.fill("no set says zyzzyva")
    expect(page.get_by_text("No sets match “no set says zyzzyva”.")).to_be_visible()
    expect(count).to_have_text(re.compile(r"^0 of \d+ sets match$"))
    shot(page, "catalog-empty")
    expect(search).to_be_focused()  # typing was not interrupted by the update

    search.fill("output of GRU")  # a problem's title in the set
    expect(count).to_have_text(re.compile(r"^1 of \d+ sets matches$"))
    assert cards(page) == ["GRU Test Badge"]
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the catalog scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.reload()  # the URL holds the filters: a bookmark shows the same list
    expect(page.get_by_label("Topic")).to_have_value("NLP")
    expect(page.get_by_label("Level")).to_have_value("intermediate")
    expect(page.get_by_label("Search")).to_have_value("output of GRU")
    assert cards(page) == ["GRU Test Badge"]

    page.get_by_role("link", name="GRU Test Badge").click()
    expect(page).to_have_url(re.compile(r"/challenges/gru-test$"))
    expect(page.get_by_role("heading", name="GRU Test Badge")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Topic")).to_have_value("NLP")

    page.get_by_role("link", name="Clear filters").click()
    expect(count).to_have_text(re.compile(r"^\d+ sets$"))
    expect(page.get_by_label("Topic")).to_have_value("")
