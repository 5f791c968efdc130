"""Signing in and out in the browser, and the friendly error page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, shot

pytestmark = pytest.mark.e2e


def test_sign_in_out_and_errors(page: Page) -> None:
    register(page, "returning")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/me/badges")
    expect(page).to_have_url("/login?next=/me/badges")
    shot(page, "login")
    page.get_by_label("Username").fill("returning")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    shot(page, "login-error")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My badges")).to_be_visible()
    shot(page, "badges-empty")
    page.goto("/challenges/no-such-thing")
    expect(page.get_by_text("There is no set called 'no-such-thing'.")).to_be_visible()
    shot(page, "error-404")
