"""The sandbox service (`quiz sandbox serve`) over real sockets on loopback, the real
sandbox behind it, and the app's `RemoteSandbox` spreading jobs over services."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.sandbox.client import Sandbox
from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SnippetJob
from app.sandbox.remote import RemoteSandbox
from app.sandbox.service import service_app
from tests.integration.sandbox.helpers import wait_until
from tests.live_server import LiveServer, free_port

TOKEN = "tq-sandbox-token-" + "5" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PRINT_42 = {"code": "print(6 * 7)"}


@pytest.fixture
def service(sandbox: Sandbox) -> Iterator[LiveServer]:
    with LiveServer(service_app(sandbox, token=TOKEN)) as server:  # type: ignore[arg-type]
        yield server


def test_a_request_without_the_token_or_with_a_wrong_one_is_refused(service: LiveServer) -> None:
    for headers in ({}, {"Authorization": "Bearer " + "x" * 40}, {"Authorization": TOKEN}):
        for method, path in (("POST", "/run"), ("GET", "/healthz")):
            response = httpx.request(method, service.url + path, json=PRINT_42, headers=headers)
            assert response.status_code == 401, (headers, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"] == "unauthorized"


def test_a_snippet_runs_through_http(service: LiveServer) -> None:
    job = {"code": "import torch\nx = torch.zeros(2, 3)\nprint(x.shape)", "collect_shapes": True}
    response = httpx.post(service.url + "/run", json=job, headers=AUTH, timeout=30)
    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "ok"
    assert result["stdout"] == "torch.Size([2, 3])\n"
    assert result["tensors"] == {"x": [2, 3]}
    for field in ("stderr", "exception", "duration_ms"):
        assert field in result
    health = httpx.get(service.url + "/healthz", headers=AUTH)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


def test_a_job_the_sandbox_refuses_is_a_400_with_its_reason(service: LiveServer) -> None:
    for job, reason in (
        ({"code": "x = 1", "device": "cuda"}, "unknown device"),
        ({"code": 7}, "`code` has the wrong type"),
        ({"shape_of": "x"}, "no `code`"),
    ):
        response = httpx.post(service.url + "/run", json=job, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["error"] == "rejected"
        assert reason in response.json()["detail"]
    huge = httpx.post(service.url + "/run", content=b"x" * (2 << 20), headers=AUTH)
    assert huge.status_code == 413


def test_the_client_skips_a_dead_service_and_uses_the_next(service: LiveServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with RemoteSandbox([dead, service.url], TOKEN) as remote:
        for _ in range(3):  # whichever comes first in the turn, the live one answers
            result = remote.run(SnippetJob(code="print(6 * 7)"))
            assert result.stdout == "42\n"
        assert remote.healthy() == [service.url]
    with RemoteSandbox([dead], TOKEN) as remote, pytest.raises(SandboxUnavailable):
        remote.run(SnippetJob(code="print(1)"))


def test_a_client_with_a_wrong_token_gets_no_run(service: LiveServer) -> None:
    with RemoteSandbox([service.url], "w" * 40) as remote, pytest.raises(SandboxUnavailable):
        remote.run(SnippetJob(code="print(1)"))


def test_the_service_refuses_to_start_off_loopback_without_a_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUIZ_SANDBOX_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "QUIZ_SANDBOX_TOKEN is not set" in lines[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`quiz sandbox serve` as a process of its own: one slot and no queue."""
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root (CI runs as root)")
    port = free_port()
    env = {**os.environ, "QUIZ_SANDBOX_TOKEN": TOKEN}
    quiz = str(Path(sys.executable).parent / "quiz")
    command = [quiz, "sandbox", "serve", "--port", str(port)]
    command += ["--pool-size", "1", "--queue-size", "0"]
    log = (tmp_path / "service.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(url), timeout=120), (
            tmp_path / "service.log"
        ).read_text()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", headers=AUTH).status_code == 200
    except httpx.HTTPError:
        return False


def test_quiz_sandbox_serve_runs_snippets_without_showing_them_its_token(served: str) -> None:
    assert httpx.post(served + "/run", json=PRINT_42).status_code == 401
    snoop = "import os\nprint(os.environ.get('QUIZ_SANDBOX_TOKEN'))\nprint(len(os.environ))"
    response = httpx.post(served + "/run", json={"code": snoop}, headers=AUTH, timeout=30)
    assert response.status_code == 200
    assert response.json()["stdout"].split("\n")[0] == "None"
    assert TOKEN not in response.text


def test_a_full_service_answers_503_busy_with_retry_after(served: str) -> None:
    spinning: list[httpx.Response] = []
    spin = threading.Thread(
        target=lambda: spinning.append(
            httpx.post(served + "/run", json={"code": "while True: pass"}, headers=AUTH, timeout=60)
        )
    )
    spin.start()
    try:
        assert wait_until(lambda: _in_flight(served) == 1)
        full = httpx.post(served + "/run", json=PRINT_42, headers=AUTH, timeout=30)
        assert full.status_code == 503
        assert full.json()["error"] == "busy"
        assert int(full.headers["retry-after"]) > 0
    finally:
        spin.join()
    assert spinning[0].status_code == 200
    assert spinning[0].json()["status"] in ("timeout", "killed")
    again = httpx.post(served + "/run", json=PRINT_42, headers=AUTH, timeout=30)
    assert again.json()["stdout"] == "42\n"


def _in_flight(url: str) -> int:
    return int(httpx.get(url + "/healthz", headers=AUTH).json()["in_flight"])


SHAPES = """\
slug: shapes
kind: challenge
title: Shapes
topic: Tensors
badge: {name: Shaper, description: Knew the shapes.}
problems:
  - id: zeros
    type: predict_output
    level: beginner
    title: Zeros
    prompt: What shape?
    code: "import torch\\nx = torch.zeros(2, 3)"
    answer: {shape_of: x, expected: "EXPECTED"}
"""


def test_quiz_check_runs_snippets_on_the_service_when_one_is_set(
    service: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "challenges"
    folder.mkdir()
    (folder / "shapes.yaml").write_text(SHAPES.replace("EXPECTED", "(2, 3)"), encoding="utf-8")
    monkeypatch.setenv("QUIZ_SANDBOX_TOKEN", TOKEN)
    monkeypatch.setenv("QUIZ_SANDBOX_URL", f"http://127.0.0.1:{free_port()}")
    nobody = CliRunner().invoke(cli, ["check", str(folder)])
    assert nobody.exit_code == 1
    assert "no sandbox service answers" in nobody.output

    monkeypatch.setenv("QUIZ_SANDBOX_URL", service.url)
    good = CliRunner().invoke(cli, ["check", str(folder)])
    assert good.exit_code == 0, good.output
    (folder / "shapes.yaml").write_text(SHAPES.replace("EXPECTED", "(3, 2)"), encoding="utf-8")
    wrong = CliRunner().invoke(cli, ["check", str(folder)])
    assert wrong.exit_code == 1
    assert "(2, 3)" in wrong.output  # what the code really gives, found by running it
