"""Jinja2 pages with a layout switch: htmx requests get the fragment, others the full page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from markupsafe import Markup

from app.domain.flashcards import Rating
from app.domain.runs import Outcome, format_clock
from app.web import rendering
from app.web.security import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LETTERS = "ABCDEFGHIJ"


def duration(ms: float) -> str:
    """A run's duration as a person reads it: 0.4 ms, 12 ms, 1.3 s."""
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"


def width(percent: float) -> str:
    """A bar's width as a class (w-0 .. w-100 in app.css): the CSP allows no style attribute."""
    return f"w-{max(0, min(100, round(percent)))}"


class Fragments:
    """Parts of a page that read the same for everyone who sees them, rendered once.

    `fragment("_statement.html", title=..., prompt=...)` in a template renders that
    template with those values and nothing else: no request, session, CSRF token or
    learner is in its context, so a cached fragment cannot carry one learner's state
    to another. The values are the key: a new revision or another variant of a problem
    has other texts, hence another fragment. Give it only what everyone may see before
    a problem is over (its statement, never its answer or explanation).
    """

    def __init__(self, env: Environment, size: int = 4096) -> None:
        self._env = env
        self._size = size
        self._cache: dict[tuple[str, tuple[tuple[str, Any], ...]], Markup] = {}

    def __call__(self, name: str, **values: Any) -> Markup:
        key = (name, tuple(sorted(values.items())))
        found = self._cache.get(key)
        if found is None:
            found = Markup(self._env.get_template(name).render(values))  # noqa: S704 - escaped
            if len(self._cache) >= self._size:
                self._cache.clear()  # texts change only with content: a rare, cheap refill
            self._cache[key] = found
        return found

    def cached(self) -> list[Markup]:
        """What is held now (for tests: it must never hold an answer)."""
        return list(self._cache.values())


OUTCOME_LABELS = {outcome: outcome.value.replace("_", " ") for outcome in Outcome}


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.auto_reload = False  # no stat() of every template per page; restart to see edits
    env.filters.update(
        md=rendering.markdown,
        md_inline=rendering.markdown_inline,
        code=rendering.code_block,
        clock=format_clock,
        letter=lambda index: LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1),
        minutes=lambda seconds: format_clock(seconds),
        duration=duration,
        width=width,
    )
    env.globals.update(
        ratings=list(Rating),
        fragment=Fragments(env),
        outcome_labels=OUTCOME_LABELS,
        numbered=enumerate,  # a loop without Jinja's `loop` object, which costs every page
        zip=zip,
    )
    return templates


def is_htmx(request: Request) -> bool:
    """A fragment is wanted; a history restore (a pushed URL not in htmx's cache) is not:
    it swaps the body with the whole page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and not headers.get("hx-boosted")
        and not headers.get("hx-history-restore-request")
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    full = {
        "layout": "_partial.html" if is_htmx(request) else "base.html",
        "csrf_token": csrf_token(request.session),
        "viewer": request.session.get("name"),
        "viewer_is_admin": request.session.get("admin") is True,
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=headers
    )
