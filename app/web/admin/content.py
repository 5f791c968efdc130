"""Content for instructors: each file's latest load (errors included), and problem previews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from app.domain.challenge import Level
from app.domain.variants import MAX_VARIANTS
from app.services import admin_preview, content_health, content_status
from app.web.admin.schemas import ContentFileOut
from app.web.deps import SessionsDep
from app.web.templating import is_htmx, render

pages = APIRouter()
api = APIRouter()


@pages.get("/content")
def content(request: Request, sessions: SessionsDep) -> HTMLResponse:
    files = content_status.content_files(sessions)
    # The page polls itself (htmx) so a saved file's errors show up without a reload.
    if is_htmx(request):
        return render(request, "admin/_content_files.html", {"files": files})
    grid = content_health.loaded_grid(sessions)
    return render(request, "admin/content.html", {"files": files, "grid": grid, "levels": Level})


@pages.get("/sets/{slug}")
def outline(request: Request, slug: str, sessions: SessionsDep) -> HTMLResponse:
    found = admin_preview.set_outline(sessions, slug=slug)
    return render(request, "admin/outline.html", {"outline": found})


VariantIndex = Annotated[int | None, Query(ge=0, lt=MAX_VARIANTS)]
VariantField = Annotated[int | None, Form(ge=0, lt=MAX_VARIANTS)]


@pages.get("/sets/{slug}/problems/{key}")
def preview(
    request: Request, slug: str, key: str, sessions: SessionsDep, variant: VariantIndex = None
) -> HTMLResponse:
    shown = admin_preview.problem_preview(sessions, slug=slug, key=key, variant=variant)
    has_runner = request.app.state.sandbox is not None
    return render(request, "admin/preview.html", {"p": shown, "has_runner": has_runner})


@pages.post("/sets/{slug}/problems/{key}/run")
async def run_now(
    request: Request, slug: str, key: str, sessions: SessionsDep, variant: VariantField = None
) -> HTMLResponse:
    result = await admin_preview.run_problem_code(
        request.app.state.sandbox, sessions, slug=slug, key=key, variant=variant
    )
    return render(request, "admin/_run_result.html", {"result": result})


@api.get("/content")
def content_json(sessions: SessionsDep) -> list[ContentFileOut]:
    return [ContentFileOut.model_validate(f) for f in content_status.content_files(sessions)]
