"""Jinja2 pages with a layout switch: htmx requests get the fragment, others the full page."""

from __future__ import annotations

import re
import secrets
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from markupsafe import Markup, escape

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
        self._cache: Kept[Markup] = Kept(size)

    def __call__(self, name: str, **values: Any) -> Markup:
        key = (name, tuple(sorted(values.items())))
        found = self._cache.get(key)
        if found is None:
            found = Markup(self._env.get_template(name).render(values))  # noqa: S704 - escaped
            self._cache.put(key, found)
        return found

    def cached(self) -> list[Markup]:
        """What is held now (for tests: it must never hold an answer)."""
        return self._cache.values()


V = TypeVar("V")


class Kept(Generic[V]):
    """At most `size` rendered texts by key; cleared when full (what is kept changes only
    with content or a page's state, so a refill is rare and cheap)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[Hashable, V] = {}

    def get(self, key: Hashable) -> V | None:
        return self._items.get(key)

    def put(self, key: Hashable, value: V) -> None:
        if len(self._items) >= self._size:
            self._items.clear()
        self._items[key] = value

    def values(self) -> list[V]:
        return list(self._items.values())


# A hole's marker: letters and digits only, so that escaping leaves it as it is, with a
# token made at start-up, so that no content or input can spell one.
_HOLE_TOKEN = secrets.token_hex(8)
_HOLE = re.compile(f"tqhole{_HOLE_TOKEN}([a-wyz]+)x")  # a name has no "x": the first ends it
_ANY_CASE_TOKEN = re.compile(_HOLE_TOKEN, re.IGNORECASE)  # a page's holes, filtered or not


def hole(name: str) -> str:
    """Where a shared page leaves `name` open (lower-case letters but x, its end): see
    SharedPages."""
    if not re.fullmatch("[a-wyz]+", name):
        raise ValueError(f"a hole's name is lower-case letters but x: {name!r}")
    return f"tqhole{_HOLE_TOKEN}{name}x"


@dataclass(frozen=True)
class _Shape:
    """A rendered page cut at its holes: text, hole, text, hole, ..., text."""

    parts: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        parts = list(self.parts)
        for i in range(1, len(parts), 2):
            parts[i] = values[parts[i]]
        return "".join(parts)


class SharedPages:
    """Whole pages that depend only on what they show, rendered once per state.

    `render(template, context, holes)` renders `template` with `context`, in which each
    value that is the viewer's own (a run's id, the form token, a name, a clock's reading)
    is a `hole(name)` marker, and fills the markers with `holes[name]`, escaped. The
    rendered page is kept with the context as its key: every value the template reads is
    in the key or is a hole, so a kept page is exactly what rendering that context gives,
    whoever asks. Two learners whose problems read the same (same revision, variant and
    state, same answers tried) share it; neither sees the other's run, token or name.
    A hole's value must be shown as it is (not filtered, sliced or compared), and the
    context's values hashable (frozen dataclasses, tuples); one that is not is rendered
    and filled, not kept.
    """

    def __init__(self, env: Environment, size: int = 2048) -> None:
        self._env = env
        self._cache: Kept[_Shape] = Kept(size)

    def render(
        self,
        template: str,
        context: Mapping[str, Any],
        holes: Mapping[str, str],
        *,
        keep: bool = True,
    ) -> str:
        """`keep=False`: a page few will see again (one carrying a learner's own code)."""
        key: Hashable | None = None
        shape = None
        if keep:
            try:
                # with each value's type: "<i>" == Markup("<i>") and 1 == True, shown apart;
                # in the context's order (another order is another key: a miss, never wrong)
                key = (template, tuple([(n, type(v), v) for n, v in context.items()]))
                shape = self._cache.get(key)
            except TypeError:  # an unhashable value: render it, keep nothing
                key = None
        if shape is None:
            rendered = self._env.get_template(template).render(context)
            shape = _Shape(tuple(_HOLE.split(rendered)))
            if len(_ANY_CASE_TOKEN.findall(rendered)) != len(shape.parts) // 2:
                raise ValueError(f"{template} shows a hole's marker: a hole is shown as it is")
            if key is not None:
                self._cache.put(key, shape)
        return shape.fill({name: str(escape(value)) for name, value in holes.items()})

    def cached(self) -> list[str]:
        """The kept pages, holes and all (for tests)."""
        return ["".join(shape.parts) for shape in self._cache.values()]


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


_CSRF, _VIEWER, _INITIAL = hole("csrf"), hole("viewer"), hole("initial")
NAV_ITEMS = {"/": "catalog", "/me/badges": "badges", "/me/progress": "progress"}
NAV_ITEMS |= {"/me/review": "progress", "/me/password": "password"}


def nav_item(path: str) -> str | None:
    """Which item of the main navigation is the page at `path` (aria-current)."""
    if path == "/admin" or path.startswith("/admin/"):
        return "admin"
    return NAV_ITEMS.get(path)


def _layout(request: Request) -> dict[str, Any]:
    """What the layout reads: the viewer's name and rights, the form token, the nav."""
    viewer = request.session.get("name")
    return {
        "layout": "_partial.html" if is_htmx(request) else "base.html",
        "csrf_token": csrf_token(request.session),
        "viewer": viewer,
        "viewer_initial": viewer[:1].upper() if isinstance(viewer, str) else "",
        "viewer_is_admin": request.session.get("admin") is True,
        "nav": nav_item(request.scope["path"]),  # not request.url: it builds a URL
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    full = {**_layout(request), "request": request, **(context or {})}
    page = templates.env.get_template(template).render(full)
    return HTMLResponse(page, status_code=status_code, headers=headers)


def render_shared(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    holes: Mapping[str, str],
    *,
    status_code: int = 200,
    keep: bool = True,
) -> HTMLResponse:
    """`render` through SharedPages: `context` holds `hole(name)` where `holes[name]` goes.
    The layout's own values (the viewer's name, the form token) are holes already; the
    template has no `request` to read."""
    layout = _layout(request)
    mine = {"csrf": layout["csrf_token"]}
    shared = {**layout, "csrf_token": _CSRF}
    if layout["viewer"] is not None:
        mine |= {"viewer": layout["viewer"], "initial": layout["viewer_initial"]}
        shared |= {"viewer": _VIEWER, "viewer_initial": _INITIAL}
    pages: SharedPages = request.app.state.shared_pages
    page = pages.render(template, {**shared, **context}, {**mine, **holes}, keep=keep)
    return HTMLResponse(page, status_code=status_code)
