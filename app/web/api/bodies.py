"""Reading a JSON body by hand, for the hottest route (answering).

FastAPI's body handling parses the Content-Type with the `email` package and walks its
generic field machinery on every request, several times the cost of pydantic-core
parsing and validating the JSON itself. A route that reads its body here declares
the schema with `body_schema` so the docs stay the same, and a bad body is the same
422 as before.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError([_as_fastapi(problem) for problem in error.errors()]) from None


def _as_fastapi(problem: ErrorDetails) -> dict[str, Any]:
    """As FastAPI words a body error: located under "body"; the input is never echoed."""
    return {"type": problem["type"], "loc": ("body", *problem["loc"]), "msg": problem["msg"]}


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads `model` with `read_json`."""
    schema = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": True, "content": schema}}
