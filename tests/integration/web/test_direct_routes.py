"""Direct routes answer exactly as the same route through FastAPI's router would."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from app.domain.errors import NotFound
from app.web import errors
from app.web.api.bodies import read_json
from app.web.api.router import direct_routes
from app.web.direct_routes import DirectRoute, DirectRoutes
from tests.conftest import TestClient

PATH = "/api/things/{name}/parts/{n:int}"


class Part(BaseModel):
    size: int


async def part(request: Request) -> Response:
    name, n = request.path_params["name"], request.path_params["n"]
    if name == "missing":
        raise NotFound("There is no such thing.")
    if name == "bug":
        raise RuntimeError("a bug")
    body = await read_json(request, Part) if request.method == "POST" else Part(size=0)
    via = request.scope.get("via", "router")
    return JSONResponse({"name": name, "n": n, "n_type": type(n).__name__, "size": body.size,
                         "via": via})  # fmt: skip


def make(*, direct: bool) -> FastAPI:
    app = FastAPI()
    app.add_api_route(PATH, part, methods=["GET", "POST"])
    errors.install(app)
    if direct:
        app.add_middleware(DirectRoutes, routes=[DirectRoute(PATH, {"GET", "POST"}, tagged)])
    return app


async def tagged(request: Request) -> Response:
    """`part`, marking that the direct route served it."""
    request.scope["via"] = "direct"
    return await part(request)


@pytest.fixture(params=[False, True], ids=["router", "direct"])
def client(request: pytest.FixtureRequest) -> TestClient:
    return TestClient(make(direct=request.param), raise_server_exceptions=False)


def body(response: Any) -> dict[str, object]:
    out = dict(response.json())
    out.pop("via", None)
    return out


def test_path_parameters_arrive_converted(client: TestClient) -> None:
    response = client.get("/api/things/lamp/parts/3")
    assert response.status_code == 200
    assert body(response) == {"name": "lamp", "n": 3, "n_type": "int", "size": 0}


def test_the_body_is_read_and_validated_alike(client: TestClient) -> None:
    ok = client.post("/api/things/lamp/parts/3", json={"size": 7})
    assert ok.json()["size"] == 7
    bad = client.post("/api/things/lamp/parts/3", json={"size": "big"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "size"]


def test_user_errors_get_the_app_s_responses(client: TestClient) -> None:
    response = client.get("/api/things/missing/parts/1")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no such thing.", "error": "NotFound"}


def test_a_bug_is_a_plain_500(client: TestClient) -> None:
    response = client.get("/api/things/bug/parts/1")
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side."}


def test_what_does_not_match_goes_on_to_the_router(client: TestClient) -> None:
    assert client.get("/api/things/lamp/parts/three").status_code == 404  # not an int
    assert client.delete("/api/things/lamp/parts/3").status_code == 405


def test_the_direct_route_serves_what_matches() -> None:
    direct = TestClient(make(direct=True))
    assert direct.get("/api/things/lamp/parts/3").json()["via"] == "direct"
    assert TestClient(make(direct=False)).get("/api/things/lamp/parts/3").json()["via"] == "router"


def test_an_endpoint_with_parameters_is_refused() -> None:
    async def declared(name: str, request: Request) -> Response:
        return Response()

    with pytest.raises(TypeError, match="takes only the request"):
        DirectRoute(PATH, {"GET"}, declared)  # type: ignore[arg-type]


def test_the_app_serves_viewing_answering_and_hints_directly() -> None:
    served = {(route.path, frozenset(route.methods)) for route in direct_routes()}
    assert served == {
        ("/api/runs/{run_id}/problems/{n:problem_number}", frozenset({"GET"})),
        ("/api/runs/{run_id}/problems/{n:problem_number}/answer", frozenset({"POST"})),
        ("/api/runs/{run_id}/problems/{n:problem_number}/hint", frozenset({"POST"})),
    }
