"""Content for instructors: each file's latest load (errors included), and problem previews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from app.domain.challenge import Level
from app.domain.variants import MAX_VARIANTS
from app.services import admin_preview, content_health, content_status
from app.web.admin.params import RunnerDep
from app.web.admin.schemas import ContentFileOut
from app.web.deps import DatabaseDep
from app.web.templating import is_htmx, render

pages = APIRouter()
api = APIRouter()


@pages.get("/content")
async def content(request: Request, db: DatabaseDep) -> HTMLResponse:
    files = await db.call_aside(content_status.content_files)
    # The page polls itself (htmx) so a saved file's errors show up without a reload.
    if is_htmx(request):
        return render(request, "admin/_content_files.html", {"files": files})
    grid = await db.call_aside(content_health.loaded_grid)
    return render(request, "admin/content.html", {"files": files, "grid": grid, "levels": Level})


@pages.get("/sets/{slug}")
async def outline(request: Request, slug: str, db: DatabaseDep) -> HTMLResponse:
    found = await db.call_aside(admin_preview.set_outline, slug=slug)
    return render(request, "admin/outline.html", {"outline": found})


VariantIndex = Annotated[int | None, Query(ge=0, lt=MAX_VARIANTS)]
VariantField = Annotated[int | None, Form(ge=0, lt=MAX_VARIANTS)]


@pages.get("/sets/{slug}/problems/{key}")
async def preview(
    request: Request,
    slug: str,
    key: str,
    db: DatabaseDep,
    runner: RunnerDep,
    variant: VariantIndex = None,
) -> HTMLResponse:
    shown = await db.call_aside(admin_preview.problem_preview, slug=slug, key=key, variant=variant)
    has_runner = runner is not None
    return render(request, "admin/preview.html", {"p": shown, "has_runner": has_runner})


@pages.post("/sets/{slug}/problems/{key}/run")
async def run_now(
    request: Request,
    slug: str,
    key: str,
    db: DatabaseDep,
    runner: RunnerDep,
    variant: VariantField = None,
) -> HTMLResponse:
    code = await db.call_aside(admin_preview.code_to_run, slug=slug, key=key, variant=variant)
    result = await admin_preview.run_code(runner, code)
    return render(request, "admin/_run_result.html", {"result": result})


@api.get("/content")
async def content_json(db: DatabaseDep) -> list[ContentFileOut]:
    files = await db.call_aside(content_status.content_files)
    return [ContentFileOut.model_validate(f) for f in files]
