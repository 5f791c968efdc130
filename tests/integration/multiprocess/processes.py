"""`quiz` commands as real processes on loopback, as they run on app and sandbox hosts.

Each process writes its stdout and stderr to files in the test's folder; a test waits
for a line or for /healthz, with a deadline that only guards against a hang (a process
that ends first fails the wait at once, printing what it said).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from tests.live_server import free_port

QUIZ = Path(sys.executable).with_name("quiz")
SECRET_KEY = "multiprocess-test-key-0123456789-abcdefghijklmnop"
SANDBOX_TOKEN = "multiprocess-sandbox-token-0123456789-abcdefgh"
START_DEADLINE = 180.0  # seconds: a loaded 2-core machine starting torch in each zygote
STOP_DEADLINE = 60.0


def quiz_environment(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an app host: this test's database, challenges and one shared key."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("QUIZ_") and name != "DATABASE_URL"
    }
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "QUIZ_ENV": "production",
        "QUIZ_SECRET_KEY": SECRET_KEY,
        "QUIZ_CHALLENGES_DIR": str(folder / "challenges"),
        "QUIZ_DATA_DIR": str(folder / "data"),
        # The address behind the proxy; loopback names are answered besides.
        "QUIZ_PUBLIC_URL": "http://quiz.test",
        "QUIZ_ALLOWED_HOSTS": "quiz.test",
        **extra,
    }


class QuizProcess:
    """One `quiz ...` command running in its own process group."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], folder: Path) -> None:
        self.name = name
        self.stdout_path = folder / f"{name}.out"
        self.stderr_path = folder / f"{name}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [str(QUIZ), *args],
                stdout=out,
                stderr=err,
                env=dict(env),
                cwd=folder,
                start_new_session=True,
            )

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def said(self) -> str:
        return f"--- {self.name} stdout\n{self.stdout}\n--- {self.name} stderr\n{self.stderr}"

    def wait_for_line(self, text: str) -> None:
        """Until stdout or stderr holds `text`."""
        self._wait(lambda: text in self.stdout or text in self.stderr, f"to say {text!r}")

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while not done():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} ended ({self.process.returncode}) before {what}\n{self.said()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} still running, never {what}\n{self.said()}")
            time.sleep(0.1)

    def stop(self) -> int:
        """SIGTERM, as a container stop sends; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise AssertionError(f"{self.name} ignored SIGTERM\n{self.said()}") from None
        return self.process.returncode


class _Listening(QuizProcess):
    """A command serving HTTP on a free loopback port (or the one given, to come back on)."""

    health_headers: Mapping[str, str] = {}

    def __init__(
        self, name: str, args: list[str], env: Mapping[str, str], folder: Path, port: int
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        super().__init__(name, [*args, "--port", str(port)], env, folder)

    def wait_until_serving(self) -> None:
        self._wait(self._healthy, f"to answer {self.url}/healthz")

    def _healthy(self) -> bool:
        try:
            answer = httpx.get(f"{self.url}/healthz", headers=self.health_headers, timeout=5)
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class AppServer(_Listening):
    """`quiz serve` on a free loopback port."""

    def __init__(self, name: str, env: Mapping[str, str], folder: Path, *extra: str) -> None:
        super().__init__(name, ["serve", *extra], env, folder, free_port())

    def client(self) -> httpx.Client:
        """A client of this process, as a script calls the API (CSRF: X-Requested-With)."""
        return httpx.Client(base_url=self.url, headers={"X-Requested-With": "test"}, timeout=60)


class SandboxService(_Listening):
    """`quiz sandbox serve` with QUIZ_SANDBOX_TOKEN, one snippet at a time."""

    def __init__(
        self, name: str, env: Mapping[str, str], folder: Path, port: int | None = None
    ) -> None:
        self.health_headers = {"Authorization": f"Bearer {env['QUIZ_SANDBOX_TOKEN']}"}
        args = ["sandbox", "serve", "--pool-size", "1"]
        super().__init__(name, args, env, folder, port or free_port())
