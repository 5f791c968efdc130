"""The JSON API (CONTRACT §3) end to end through the app, with a FakeClock."""

from __future__ import annotations

import gc

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.domain.clock import FakeClock
from app.web.app import create_app
from tests.conftest import PASSWORD, TestClient


def start(api: TestClient, slug: str = "gru-test") -> dict:
    response = api.post(f"/api/challenges/{slug}/runs", json={})
    assert response.status_code == 201, response.text
    return response.json()


def option_index(problem: dict, text: str) -> int:
    return [o["text"] for o in problem["options"]].index(text)


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(settings: Settings, tmp_path) -> None:
    unreachable = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}"})  # a dir
    response = TestClient(create_app(unreachable)).get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "database unavailable"})


def test_what_exists_at_start_up_is_left_out_of_full_collections(app: FastAPI) -> None:
    with TestClient(app):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    answer = paths["/api/runs/{run_id}/problems/{n}/answer"]["post"]
    body = answer["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["answer"]
    assert [p["name"] for p in answer["parameters"]] == ["run_id", "n"]


def test_a_password_of_only_spaces_is_refused(client: TestClient) -> None:
    response = client.post("/api/auth/register", json={"username": "ada", "password": " " * 12})
    assert response.status_code == 422
    assert "only spaces" in response.json()["detail"]
    assert (
        client.post("/api/auth/login", json={"username": "ada", "password": " " * 12}).status_code
        == 401
    )


def test_register_login_and_wrong_password(client: TestClient) -> None:
    assert (
        client.post(
            "/api/auth/register", json={"username": "ada", "password": PASSWORD}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/auth/register", json={"username": "ADA", "password": PASSWORD}
        ).status_code
        == 409
    )
    client.post("/api/auth/logout", json={})
    assert client.get("/api/auth/me").status_code == 401
    assert (
        client.post(
            "/api/auth/login", json={"username": "ada", "password": "nope-nope"}
        ).status_code
        == 401
    )
    ok = client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert ok.status_code == 200
    assert client.get("/api/auth/me").json()["username"] == "ada"


def test_session_cookie_flags(client: TestClient) -> None:
    response = client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here


def test_session_cookie_is_secure_over_https(app) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]


def test_login_is_rate_limited(client: TestClient) -> None:
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    codes = [
        client.post(
            "/api/auth/login", json={"username": "ada", "password": "wrong-pass"}
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    refused = client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_login_limit_lifts_after_the_window(client: TestClient, clock: FakeClock) -> None:
    client.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
    for _ in range(5):
        client.post("/api/auth/login", json={"username": "ada", "password": "wrong-pass"})
    clock.advance(301)
    assert (
        client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD}).status_code
        == 200
    )


def test_api_posts_need_json_or_a_header(api: TestClient) -> None:
    """A cross-site form cannot send JSON or custom headers: the API's CSRF defence."""
    forged = api.post("/api/challenges/gru-test/runs", data={"x": "1"})
    assert forged.status_code == 403
    plain = api.post("/api/challenges/gru-test/runs", headers={"X-Requested-With": "fetch"})
    assert plain.status_code == 201


def test_catalog_lists_sets(client: TestClient) -> None:
    sets = {s["slug"]: s for s in client.get("/api/challenges").json()}
    assert sets["gru-test"]["problem_count"] == 3
    assert sets["gru-test"]["badge"]["name"] == "GRU Tester"
    assert sets["seq-pattern"]["kind"] == "pattern"


def test_problem_json_has_no_answer_until_over(api: TestClient, clock: FakeClock) -> None:
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/2"
    problem = api.get(url).json()
    assert problem["remaining_seconds"] == 90
    assert problem["attempts_left"] == 2
    assert problem["type"] == "conceptual"
    assert "correct" not in str(problem["options"])
    for key in ("explanation", "correct_answer", "correct_index"):
        assert problem[key] is None
    assert "The answer to gate" not in api.get(url).text
    wrong = next(i for i, o in enumerate(problem["options"]) if o["text"] != "Alpha answer")
    first = api.post(url + "/answer", json={"answer": wrong}).json()
    assert first == {
        "correct": False,
        "attempts_left": 1,
        "remaining_seconds": 90.0,
        "finished": False,
        "outcome": "pending",
        "explanation": None,
        "correct_answer": None,
        "correct_index": None,
    }
    right = option_index(problem, "Alpha answer")
    clock.advance(10)
    second = api.post(url + "/answer", json={"answer": right}).json()
    assert second["correct"] is True
    assert second["finished"] is True
    assert second["explanation"] == "The answer to gate is Alpha answer."
    assert second["correct_index"] == right
    assert api.get(url).json()["explanation"] == "The answer to gate is Alpha answer."


def test_answer_status_codes(api: TestClient, clock: FakeClock) -> None:
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/1"
    api.get(url)
    bad = api.post(url + "/answer", json={"answer": "(3, 4"})
    assert bad.status_code == 422
    assert "closing" in bad.json()["detail"]
    assert api.get(url).json()["attempts_left"] == 2
    assert api.post(url + "/answer", json={"answer": "(1,)"}).json()["attempts_left"] == 1
    assert api.post(url + "/answer", json={"answer": "[9, 9]"}).json()["finished"] is True
    assert api.post(url + "/answer", json={"answer": "(2, 3, 5)"}).status_code == 409
    late = f"/api/runs/{run['run_id']}/problems/2"
    api.get(late)
    clock.advance(92.5)
    assert api.post(late + "/answer", json={"answer": 0}).status_code == 410
    assert api.get(late).json()["outcome"] == "timed_out"


def test_a_problem_number_out_of_range_is_404(api: TestClient) -> None:
    run = start(api)
    base = f"/api/runs/{run['run_id']}/problems"
    for n in ("0", "6", "1001", "99999999999999999999", "two"):
        assert api.get(f"{base}/{n}").status_code == 404, n
        assert api.post(f"{base}/{n}/answer", json={"answer": "(1,)"}).status_code == 404, n
        assert api.post(f"{base}/{n}/hint", json={}).status_code == 404, n


def test_hint_is_recorded(api: TestClient) -> None:
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/1"
    assert api.get(url).json()["hint"] is None
    assert api.post(url + "/hint", json={}).json() == {"hint": "Batch comes first."}
    summary = api.get(f"/api/runs/{run['run_id']}").json()
    assert summary["problems"][0]["hint_used"] is True


def test_badge_after_perfect_run(api: TestClient) -> None:
    run = start(api)
    base = f"/api/runs/{run['run_id']}/problems"
    for n, text in ((1, "(2, 3, 5)"), (2, "Alpha answer"), (3, "Charlie answer")):
        problem = api.get(f"{base}/{n}").json()
        answer = text if problem["options"] is None else option_index(problem, text)
        assert api.post(f"{base}/{n}/answer", json={"answer": answer}).json()["correct"]
    summary = api.get(f"/api/runs/{run['run_id']}").json()
    assert summary["finished"] is True
    assert summary["badge_awarded"] is True
    badges = api.get("/api/me/badges").json()
    assert [b["badge_name"] for b in badges] == ["GRU Tester"]


def test_other_learner_gets_404(api: TestClient, app) -> None:
    run = start(api)
    with TestClient(app) as other:
        other.post("/api/auth/register", json={"username": "eve", "password": PASSWORD})
        assert other.get(f"/api/runs/{run['run_id']}").status_code == 404
        assert other.get(f"/api/runs/{run['run_id']}/problems/1").status_code == 404
        answer = other.post(f"/api/runs/{run['run_id']}/problems/1/answer", json={"answer": "(1,)"})
        assert answer.status_code == 404


def test_signed_out_api_is_401(client: TestClient) -> None:
    assert client.post("/api/challenges/gru-test/runs", json={}).status_code == 401
    assert client.get("/api/me/badges").status_code == 401


def test_playground_without_sandbox_is_503(api: TestClient) -> None:
    response = api.post("/api/playground/run", json={"code": "print(1)"})
    assert response.status_code == 503


def test_an_unreadable_answer_body_is_422_and_costs_no_attempt(api: TestClient) -> None:
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/1"
    api.get(url)
    missing = api.post(url + "/answer", json={"reply": "(2, 3, 5)"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "answer"]
    broken = api.post(url + "/answer", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert api.get(url).json()["attempts_left"] == 2


def test_every_api_post_needs_json_or_a_header(api: TestClient) -> None:
    run = start(api)
    forged = api.post(f"/api/runs/{run['run_id']}/problems/1/answer", data={"answer": "1"})
    assert forged.status_code == 403
    assert forged.json()["error"] == "NotAllowed"
    assert api.post("/api/admin/learners/1/time-multiplier", data={}).status_code == 403


def test_an_oversized_shape_answer_is_422_and_costs_no_attempt(api: TestClient) -> None:
    """Issue 11, point 8: a 5,000-digit dimension answered 500 and dropped the connection."""
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/1"
    api.get(url)
    json_type = {"Content-Type": "application/json"}
    for body in (
        '{"answer": "(' + "9" * 5000 + ', 3)"}',
        '{"answer": "(2147483648, 3, 5)"}',
        '{"answer": "(' + ", ".join(["1"] * 40) + ')"}',
        '{"answer": ' + "9" * 20 + "}",
    ):
        response = api.post(url + "/answer", content=body.encode(), headers=json_type)
        assert response.status_code == 422, body[:40]
        said = response.text
        assert "at most" in said or "below 2147483648" in said, said
    number = '{"answer": ' + "9" * 5000 + "}"  # pydantic-core refuses it as out of range
    assert api.post(url + "/answer", content=number, headers=json_type).status_code == 422
    assert api.get(url).json()["attempts_left"] == 2
    assert api.post(url + "/answer", json={"answer": "(2, 3, 5)"}).json()["correct"] is True


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize("tail", ["", "/answer", "/hint"])
def test_a_5000_digit_problem_number_is_404_not_500(
    api: TestClient, method: str, tail: str
) -> None:
    """A problem number past int()'s 4,300-digit limit raised ValueError in the path's
    int convertor: 500, on the direct routes and through the router alike."""
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/{'9' * 5000}{tail}"
    response = api.request(method, url, json={"answer": 1} if method != "GET" else None)
    assert response.status_code in (404, 405), response.text
    assert api.get(f"/api/runs/{run['run_id']}").json()["problems"][0]["outcome"] == "pending"


@pytest.mark.parametrize("answer", ["true", "false", "1.0", "0.0"])
def test_a_boolean_or_float_answer_is_422_and_costs_no_attempt(
    api: TestClient, answer: str
) -> None:
    """`true` was read as option 1 and `0.0` as option 0 (pydantic's lax int), each
    using an attempt: a client's bug cost the learner a try at a choice problem."""
    run = start(api)
    url = f"/api/runs/{run['run_id']}/problems/2"
    api.get(url)
    response = api.post(
        url + "/answer",
        content=('{"answer": ' + answer + "}").encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert api.get(url).json()["attempts_left"] == 2
    assert api.post(url + "/answer", json={"answer": 0}).status_code == 200
