"""Changing one's password in the browser signs out every other browser; a cookie kept
past signing out opens nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import register, shot

pytestmark = pytest.mark.e2e
OLD, NEW = "correct horse battery", "a brand new passphrase"


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_password_change_signs_out_the_other_browser(
    page: Page, browser: Browser, context: BrowserContext, server: str
) -> None:
    register(page, "changer")
    other = browser.new_context(base_url=server)
    elsewhere = other.new_page()
    sign_in(elsewhere, "changer", OLD)
    elsewhere.goto("/me/badges")
    expect(elsewhere.get_by_role("heading", name="My badges")).to_be_visible()

    page.get_by_role("link", name="Signed in as changer").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    shot(page, "password")
    page.get_by_label("Current password").fill("not the password")
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password, again").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("Your current password is not right.")
    shot(page, "password-error")
    page.get_by_label("Current password").fill(OLD)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password, again").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Your password is changed")
    shot(page, "password-changed")

    elsewhere.goto("/me/badges")
    expect(elsewhere).to_have_url("/login?next=/me/badges")
    sign_in(elsewhere, "changer", OLD)
    expect(elsewhere.get_by_role("alert")).to_contain_text("do not match")
    sign_in(elsewhere, "changer", NEW)
    elsewhere.goto("/me/badges")
    expect(elsewhere.get_by_role("heading", name="My badges")).to_be_visible()
    other.close()


def test_a_cookie_kept_past_sign_out_opens_nothing(page: Page, context: BrowserContext) -> None:
    register(page, "keeper")
    kept = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    context.add_cookies(kept)  # as if copied before signing out
    page.goto("/me/badges")
    expect(page).to_have_url("/login?next=/me/badges")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
