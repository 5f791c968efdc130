"""`quiz sandbox serve`: the snippet sandbox as an HTTP service for app hosts (CONTRACT §2).

It needs QUIZ_SANDBOX_TOKEN unless it listens on loopback only, and nothing else of the
app's settings (no database, no site key): learners' code runs away from both.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from app.cli.output import fail, warn
from app.config import SandboxSettings
from app.sandbox.client import Sandbox
from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SandboxLimits
from app.sandbox.service import service_app

UNAVAILABLE = 2
DEFAULT_PORT = 8100

sandbox = typer.Typer(
    name="sandbox",
    help="The snippet sandbox as a service of its own (for app hosts with QUIZ_SANDBOX_URL).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox)


@sandbox.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    pool_size: Annotated[
        int | None,
        typer.Option("--pool-size", min=1, help="Snippets run at once (default: one per core)."),
    ] = None,
    queue_size: Annotated[
        int | None,
        typer.Option(
            "--queue-size", min=0, help="Snippets waiting for a slot before 503 (default: 2x pool)."
        ),
    ] = None,
) -> None:
    """Run snippets for app hosts: POST /run, GET /healthz (bearer QUIZ_SANDBOX_TOKEN)."""
    token = _token()
    if token is None and not is_loopback(host):
        raise fail(
            f"QUIZ_SANDBOX_TOKEN is not set: refusing to serve the sandbox on {host} "
            "(set a random 32+ character token, or listen on 127.0.0.1)"
        )
    if token is None:
        warn("QUIZ_SANDBOX_TOKEN is not set: any local process may run snippets here")
    slots = pool_size or os.cpu_count() or 2
    box = Sandbox(SandboxLimits(), pool_size=slots, queue_size=queue_size)
    try:
        box.start()
    except SandboxUnavailable as error:
        raise fail(
            f"sandbox unavailable: {error.reason} (`quiz doctor` says what the host lacks)",
            UNAVAILABLE,
        ) from None
    typer.echo(
        f"Serving the sandbox on http://{host}:{port} "
        f"({box.pool_size} at once, {box.queue_size} waiting)"
    )
    try:
        uvicorn.run(
            service_app(box, token=token),
            host=host,
            port=port,
            log_level="info",
            # Connections past what the pool and queue could use get uvicorn's own 503.
            limit_concurrency=4 * (box.pool_size + box.queue_size) + 16,
        )
    finally:
        box.close()


def _token() -> str | None:
    try:
        return SandboxSettings().sandbox_token
    except ValidationError as error:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise fail(f"settings: {messages}") from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere
