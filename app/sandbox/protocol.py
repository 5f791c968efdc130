"""What a snippet job is, what comes back, the limits, and the bytes in between.

Both sides import this module (the server, and the zygote with its job processes), so
it imports nothing but the standard library.

Processes and channels
----------------------
The server (host) starts one *zygote*: ``python -I`` with an empty environment, which
imports torch once, then forks one child per job. The channels:

``control``  host <-> zygote, an AF_UNIX SOCK_SEQPACKET socketpair. Each message is one
    JSON object (one datagram, at most ``CONTROL_MAX`` bytes); file descriptors travel
    beside it as SCM_RIGHTS. A Unix socket is used only because pipes cannot carry
    descriptors; children close it before they isolate, so no job can reach it.

    host -> zygote
      {"op": "config", "limits": {...}, "identities": N, "base_uid": U, "strict": bool}
          once, first.
      {"op": "spawn", "identity": k}
          fork a child that isolates itself as identity k: uid B+k, where B is the
          first uid of the block this zygote holds (`uid_blocks`), and cgroup slot-k.
      {"op": "shutdown"}      (EOF on the socket means the same)
    zygote -> host
      {"op": "hello", "pid": P, "report": {...}}        after warm-up and the probe
      {"op": "spawned", "identity": k, "pid": P}        + fds [pidfd, job, out, err, result]
      {"op": "spawn_failed", "identity": k, "reason": "..."}
      {"op": "reaped", "pid": P, "status": S, "oom": bool}   S as from waitpid()

``job``      host -> child, a pipe: one frame, {"job": {SnippetJob fields},
    "output_bytes": N}, then EOF. The child starts reading only once it is isolated.
``out/err``  child -> host, pipes that are the job's fd 1 and 2. Raw bytes; the host
    keeps the first ``output_bytes`` of each and marks the rest as truncated.
``result``   child -> host, a pipe carrying frames:
      {"kind": "ready"}                       isolation is complete; send the job
      {"kind": "isolation_failed", "reason"}  the child gave up before running anything
      {"kind": "probe", "features": {...}}    the probe child's findings (zygote only)
      {"kind": "result", ...SnippetResult fields but stdout/stderr}

A *frame* is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
The host treats every byte from a child as hostile: frames over ``RESULT_MAX`` or that
fail to parse end the job as ``killed``.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

Status = Literal["ok", "error", "timeout", "memory", "killed"]
STATUSES: tuple[str, ...] = get_args(Status)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

CONTROL_MAX = 64 * KIB
RESULT_MAX = 256 * KIB
JOB_MAX = 1 * MIB
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """Bytes from the other side that do not follow this protocol."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-job limits. The defaults are the product's settings for learners."""

    wall_seconds: float = 3.0
    cpu_seconds: float = 2.0
    memory_bytes: int = 512 * MIB
    # RLIMIT_AS is only a backstop: torch alone maps ~600 MiB of address space.
    address_space_bytes: int = 4 * GIB
    processes: int = 16
    tmpfs_bytes: int = 16 * MIB
    file_size_bytes: int = 16 * MIB
    open_files: int = 64
    source_bytes: int = 64 * KIB
    output_bytes: int = 64 * KIB
    # CPU share of one job as a cgroup quota, so a spinning job leaves cores free.
    cpu_cores: float = 1.0

    @classmethod
    def for_check(cls) -> SandboxLimits:
        """Limits for `quiz check`: instructor snippets get a longer wall clock."""
        return cls(wall_seconds=10.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxLimits:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class SnippetJob:
    """One snippet to run.

    shape_of: an expression evaluated in the snippet's namespace after it ran; a tensor
    gives its shape, a torch.Size or tuple of ints gives itself.
    device: "meta" runs the snippet with torch's meta device as the default device.
    wall_seconds: None means the sandbox's default.
    collect_shapes: report the shapes of the top-level variables that are tensors.
    """

    code: str
    shape_of: str | None = None
    device: str | None = None
    wall_seconds: float | None = None
    collect_shapes: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SnippetJob:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class SnippetResult:
    """What running a snippet did. `status` is about the snippet, not the sandbox."""

    status: Status
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    exception: str | None = None
    exception_message: str | None = None
    duration_ms: float = 0.0
    shape: list[int] | None = None
    shape_error: str | None = None
    tensors: dict[str, list[int]] = field(default_factory=dict)
    # Why the snippet cannot run on the meta device; the caller shows
    # "cannot run on meta: <reason>".
    meta_unsupported: str | None = None

    def __post_init__(self) -> None:
        # A snippet chooses its exception's message and its globals' names: a lone
        # surrogate there must not make the result unencodable as UTF-8 JSON.
        for name in (
            "stdout",
            "stderr",
            "exception",
            "exception_message",
            "shape_error",
            "meta_unsupported",
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, _utf8(value))
        if isinstance(self.tensors, dict):
            self.tensors = {
                _utf8(k) if isinstance(k, str) else k: v for k, v in self.tensors.items()
            }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SnippetResult:
        status = data.get("status")
        if status not in STATUSES:
            raise ProtocolError(f"unknown status {status!r}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> SnippetResult:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ProtocolError("a result must be a JSON object")
        return cls.from_dict(data)


def _utf8(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return _HEADER.pack(len(body)) + body


class FrameDecoder:
    """Splits a byte stream into frames, refusing any frame over `max_frame` bytes."""

    def __init__(self, max_frame: int) -> None:
        self._buffer = bytearray()
        self._max_frame = max_frame

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        frames: list[dict[str, Any]] = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if length > self._max_frame:
                raise ProtocolError(f"frame of {length} bytes exceeds {self._max_frame}")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            frames.append(decode_message(bytes(self._buffer[_HEADER.size : end])))
            del self._buffer[:end]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame: non-zero at EOF means the sender died mid-frame."""
        return len(self._buffer)


def decode_message(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"undecodable message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message
