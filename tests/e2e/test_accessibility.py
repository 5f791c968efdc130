"""axe-core over the main pages at 1280 and 375 px: no WCAG 2.1 A/AA violations, no target
smaller than WCAG 2.2's 24 px, and nothing wider than the viewport.

axe-core is vendored in tests/e2e/vendor (4.14.1, from the npm package; MPL-2.0) and never
served by the app. It is injected with `page.evaluate`, which runs through the DevTools
protocol: the page's Content-Security-Policy (script-src 'self') governs only scripts the
page itself loads, so axe runs without loosening the policy the tests enforce, while
`add_script_tag` (an inline <script>) would be blocked and reported as a violation.

QUIZ_SHOTS=/tmp/shots saves a screenshot of every audited state at each width.
To cover a new page, add its path to one of the lists below (LEARNER_PAGES,
ANONYMOUS_PAGES, ADMIN_PAGES); states reached by clicking live in the flows.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, sign_in_admin
from tests.integration.admin.test_admin_web import PAGES as ADMIN_WEB_PAGES

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # wcag22aa: target-size
WIDTHS = [1280, 375]

ANONYMOUS_PAGES = ["/login", "/register"]
LEARNER_PAGES = [
    "/",
    "/?topic=Tensors&level=beginner&sort=newest",  # the catalog filtered
    "/?q=no-such-words-anywhere",  # and with nothing found
    "/challenges/gru-test",
    "/challenges/gru-mastery",
    "/patterns/sequence-classification",
    "/patterns/sequence-classification/practice/1",
    "/me/badges",
    "/me/progress",  # a new learner's: the welcome
    "/me/review",  # nothing scheduled yet
]
ADMIN_PAGES = [  # every admin page, and previews of a variant problem and a seed problem
    *ADMIN_WEB_PAGES,
    "/admin/sets/variant-test/problems/lstm",
    "/admin/sets/gru-mastery/problems/gru-output-shape",
]


class Audit:
    """Runs axe on each page state and keeps every finding, to report them all at once."""

    def __init__(self, page: Page, width: int) -> None:
        self.page = page
        self.width = width
        self.findings: list[str] = []
        page.set_viewport_size({"width": width, "height": 900})

    def visit(self, path: str) -> None:
        self.page.goto(path)
        self.check(path)

    def check(self, state: str) -> None:
        where = f"{state} at {self.width} px"
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE)
        result: dict[str, Any] = self.page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            TAGS,
        )
        self.findings += [_describe(where, violation) for violation in result["violations"]]
        widest = self.page.evaluate(WIDER_THAN_VIEWPORT)
        if widest:
            self.findings.append(f"{where}: overflows sideways: {', '.join(widest)}")
        if target := os.environ.get("QUIZ_SHOTS"):  # every audited state, at this width
            name = re.sub(r"[^a-z0-9]+", "-", state.lower()).strip("-") or "catalog"
            Path(target).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=f"{target}/axe-{name}-{self.width}.png", full_page=True)

    def assert_clean(self) -> None:
        if self.findings:
            pytest.fail("axe-core found:\n\n" + "\n\n".join(self.findings), pytrace=False)


# The elements that stick out past the viewport's right edge (outermost first).
WIDER_THAN_VIEWPORT = """() => {
  const limit = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= limit) return [];
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > limit + 1 && !(el.parentElement && out.includes(el.parentElement))) {
      const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
      out.push(`${name} (right edge ${Math.round(box.right)} px)`);
      if (out.length > 5) break;
    }
  }
  return out.length ? out : ['document ' + document.documentElement.scrollWidth + ' px'];
}"""


def _describe(where: str, violation: dict[str, Any]) -> str:
    lines = [f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:5]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"  - {' '.join(map(str, node['target']))}: {summary}")
    if len(violation["nodes"]) > 5:
        lines.append(f"  … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def audit(page: Page, request: pytest.FixtureRequest) -> Audit:
    return Audit(page, request.param)


def test_anonymous_pages(audit: Audit) -> None:
    for path in ANONYMOUS_PAGES:
        audit.visit(path)
    audit.assert_clean()


def test_learner_pages_and_states(page: Page, audit: Audit) -> None:
    register(page, f"axe-learner-{audit.width}")
    for path in LEARNER_PAGES:
        audit.visit(path)

    # A run: a problem before and after an answer, then the results and the badges.
    page.goto("/challenges/gru-test")
    page.get_by_role("button", name="Start challenge").click()
    audit.check("problem 1")
    page.get_by_label("Your answer").fill("(2, 3, 5)")
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Correct")).to_be_visible()
    audit.check("problem 1 answered")
    for answer in ("Alpha answer", "Charlie answer"):
        page.get_by_role("link", name="Next problem →").click()
        page.get_by_text(answer).click()
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_text("✓ Correct")).to_be_visible()
    audit.check("problem 3 answered")
    page.get_by_role("link", name="See results").click()
    expect(page.get_by_text("Badge earned")).to_be_visible()
    audit.check("results")
    audit.visit("/me/badges")
    audit.visit("/me/progress")  # a badge held, sets left, a suggestion
    page.goto("/challenges/gru-mastery")  # a seed problem: real code, long lines
    page.get_by_role("button", name="Start challenge").click()
    audit.check("seed problem 1")

    # A pattern: the quiz answered, then its test taken and scored.
    page.goto("/patterns/sequence-classification")
    page.locator("#quiz-0").get_by_text("nn.LSTM").click()
    page.locator("#quiz-0").get_by_role("button", name="Check").click()
    expect(page.locator("#quiz-0")).to_contain_text("✓ Correct")
    audit.check("pattern, quiz answered")
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_text("10 questions across easy, medium, and hard")).to_be_visible()
    audit.check("pattern test")
    page.get_by_role("button", name="Submit and see my score").click()
    expect(page.get_by_text("You scored")).to_be_visible()
    audit.check("pattern test scored")
    audit.assert_clean()


def test_admin_pages(page: Page, audit: Audit) -> None:
    sign_in_admin(page)
    for path in ADMIN_PAGES:
        audit.visit(path)
    audit.assert_clean()
