"""The catalog page: filters in the query string, so a filtered catalog can be bookmarked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.domain.catalog import CatalogQuery, Sort, read_query
from app.domain.challenge import Level
from app.domain.errors import InvalidInput
from app.services import catalog
from app.web.deps import Visitor
from app.web.templating import render

router = APIRouter()

RESULTS_ID = "catalog-results"  # the filter form's htmx target: it gets the list alone


@router.get("/")
async def home(
    request: Request,
    visit: Visitor,
    topic: Annotated[str | None, Query()] = None,
    level: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
    sort: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    notice, status = None, 200
    try:
        query = read_query(topic=topic, level=level, q=q, sort=sort)
    except InvalidInput as error:  # shown above the whole catalog, as if unfiltered
        query, notice, status = CatalogQuery(), error.message, 422
    found = await visit.ask(catalog.browse, query)
    partial = request.headers.get("hx-target") == RESULTS_ID
    context = {
        "found": found,
        "levels": list(Level),
        "sorts": list(Sort),
        "notice": notice,
        "partial_update": partial,
    }
    template = "_catalog_results.html" if partial else "catalog.html"
    return render(request, template, context, status_code=status)
