"""Review finding: RemoteSandbox's httpx client trusts HTTP_PROXY/ALL_PROXY from the
environment, so an app host with a proxy configured (for pip, say) sends every job and
the QUIZ_SANDBOX_TOKEN to that proxy instead of the sandbox service."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from app.sandbox.errors import SandboxError
from app.sandbox.protocol import SnippetJob
from app.sandbox.remote import RemoteSandbox
from tests.live_server import free_port

TOKEN = "tq-sandbox-token-" + "7" * 32


def test_the_token_never_goes_to_a_proxy_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []
    proxy = socket.create_server(("127.0.0.1", 0))
    proxy.settimeout(5)

    def accept_one() -> None:
        try:
            conn, _ = proxy.accept()
        except OSError:
            return
        with conn:
            seen.append(conn.recv(65536))
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")

    listener = threading.Thread(target=accept_one, daemon=True)
    listener.start()
    proxy_url = f"http://127.0.0.1:{proxy.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy_url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    # The sandbox service: nothing listens there, so a direct attempt fails to connect.
    remote = RemoteSandbox([f"http://10.255.255.1:{free_port()}"], TOKEN, connect_timeout=0.5)
    with pytest.raises(SandboxError):
        asyncio.run(remote.run_async(SnippetJob(code="print(1)")))
    proxy.close()
    listener.join(5)
    assert not any(TOKEN.encode() in request for request in seen), "the token reached the proxy"
