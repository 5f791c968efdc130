"""Runs one snippet inside an isolated job process and describes what happened.

Nothing here is a security boundary (the process is already locked in by
`isolation`); it is about giving learners faithful, reproducible results: seeded
RNGs, output capped as it is written, tracebacks that show only the snippet's frames,
and telling apart "this snippet is wrong" from "this snippet cannot run on meta".
"""

from __future__ import annotations

import builtins
import contextlib
import io
import linecache
import os
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import torch

from app.sandbox.protocol import SnippetJob

SNIPPET_FILE = "<snippet>"
_MAX_MESSAGE = 4096
_MAX_TENSORS = 100
_SEED = 0


class CappedStream(io.TextIOBase):
    """sys.stdout/sys.stderr of a job: writes through to a pipe, then drops past the cap.

    One byte more than the cap is let through so the host can tell "exactly full" from
    "cut". Dropping here, rather than failing, keeps a chatty snippet's behaviour the
    same as outside the sandbox.
    """

    def __init__(self, fd: int, limit: int) -> None:
        super().__init__()
        self._fd = fd
        self._left = limit + 1
        self.buffer = _CappedBytes(self)

    @property  # io.TextIOBase's own `encoding` is a read-only None
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.write_bytes(text.encode("utf-8", "backslashreplace"))
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        if self._left <= 0:
            return
        view = memoryview(data)[: self._left]
        self._left -= len(view)
        while view:
            try:
                written = os.write(self._fd, view)
            except OSError:
                self._left = 0  # the host stopped listening
                return
            view = view[written:]


class _CappedBytes:
    """`sys.stdout.buffer` for snippets that write bytes."""

    def __init__(self, owner: CappedStream) -> None:
        self._owner = owner

    def write(self, data: bytes) -> int:
        self._owner.write_bytes(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def warm_up() -> None:
    """Take, while waiting for a job, the first-use costs that every job pays.

    A forked child pays a copy-on-write fault for each page it first writes to, and
    CPython writes to every object it touches (reference counts). Seeding torch's
    generators and compiling touch the same pages for every snippet, so doing both
    here takes ~2 ms off each job at no cost. (Running a whole typical snippet here
    took ~3 ms more off a GRU job, but cost ~6 ms of CPU per job that does less: a
    third of the pool's throughput.)
    """
    _reseed()
    compile("import torch\nx = torch.zeros(1)\nprint(x.shape)", SNIPPET_FILE, "exec")


def execute(job: SnippetJob, output_bytes: int) -> dict[str, Any]:
    """Run `job` in this process; return the result frame's fields (no stdout/stderr)."""
    # __stdout__ too: a snippet printing to it must not get around the cap.
    sys.stdout = sys.__stdout__ = CappedStream(1, output_bytes)  # type: ignore[misc, assignment]
    sys.stderr = sys.__stderr__ = CappedStream(2, output_bytes)  # type: ignore[misc, assignment]
    _reseed()
    on_meta = job.device == "meta"
    printed_meta: list[bool] = []
    if on_meta:
        _watch_meta_printing(printed_meta)
    linecache.cache[SNIPPET_FILE] = (
        len(job.code),
        None,
        job.code.splitlines(keepends=True),
        SNIPPET_FILE,
    )
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    started = time.perf_counter()
    error = _run(job, namespace)
    duration_ms = (time.perf_counter() - started) * 1000
    shape, shape_error = _shape_of(job, namespace, error)
    result: dict[str, Any] = {
        "kind": "result",
        "status": _status(error),
        "exception": None if error is None else _name(error),
        "exception_message": None if error is None else _message(error),
        "duration_ms": duration_ms,
        "shape": shape,
        "shape_error": shape_error,
        "tensors": _tensor_shapes(namespace) if job.collect_shapes else {},
        "meta_unsupported": _meta_reason(error, printed_meta) if on_meta else None,
    }
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    return result


def _run(job: SnippetJob, namespace: dict[str, Any]) -> BaseException | None:
    try:
        code = compile(job.code, SNIPPET_FILE, "exec")
        with _default_device(job.device):
            exec(code, namespace)  # noqa: S102 - running snippets is the point; the OS is the boundary
    except SystemExit as exc:
        if exc.code in (None, 0):
            return None
        return exc
    except BaseException as exc:
        # Drop this frame: the learner should see only their own code.
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        with contextlib.suppress(Exception):
            traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
        return exc
    return None


@contextlib.contextmanager
def _default_device(device: str | None) -> Iterator[None]:
    if device is None or device == "cpu":
        yield
        return
    with torch.device(device):
        yield


def _reseed() -> None:
    """Same seed for every job, so a snippet's output is the same on every run."""
    random.seed(_SEED)
    torch.manual_seed(_SEED)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(_SEED)


def _status(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, RuntimeError) and "can't allocate memory" in _message(error):
        return "memory"  # torch's allocator under RLIMIT_AS
    return "error"


def _name(error: BaseException) -> str:
    name = type(error).__name__
    return name if isinstance(name, str) else "Exception"


def _message(error: BaseException) -> str:
    try:
        return str(error)[:_MAX_MESSAGE]
    except Exception:  # a hostile __str__ only spoils its own message
        return "<unprintable exception>"


def _shape_of(
    job: SnippetJob, namespace: dict[str, Any], error: BaseException | None
) -> tuple[list[int] | None, str | None]:
    if job.shape_of is None:
        return None, None
    if error is not None:
        return None, f"not evaluated: the snippet raised {_name(error)}"
    try:
        with _default_device(job.device):
            value = eval(job.shape_of, namespace)  # noqa: S307 - same: inside the box
    except Exception as exc:
        return None, f"{job.shape_of} raised {_name(exc)}: {_message(exc)}"
    shape = _as_shape(value)
    if shape is None:
        return None, f"{job.shape_of} is a {type(value).__name__}, not a tensor or a shape"
    return shape, None


def _as_shape(value: object) -> list[int] | None:
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, tuple | list) and all(
        isinstance(d, int) and not isinstance(d, bool) for d in value
    ):
        return [int(d) for d in value]  # torch.Size is a tuple of ints
    return None


def _tensor_shapes(namespace: dict[str, Any]) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for name, value in namespace.items():
        if not name.startswith("_") and isinstance(value, torch.Tensor):
            shapes[name] = list(value.shape)
            if len(shapes) >= _MAX_TENSORS:
                break
    return shapes


def _watch_meta_printing(printed: list[bool]) -> None:
    """Printing a meta tensor shows "tensor(..., device='meta')": worth flagging."""
    original: Callable[..., str] = torch.Tensor.__repr__

    def watched(self: torch.Tensor, *args: Any, **kwargs: Any) -> str:
        if self.is_meta:
            printed.append(True)
        return original(self, *args, **kwargs)

    torch.Tensor.__repr__ = watched  # type: ignore[method-assign, assignment]


def _meta_reason(error: BaseException | None, printed_meta: list[bool]) -> str | None:
    if error is not None:
        message = _message(error)
        if "item() cannot be called on meta" in message:
            return (
                "it reads a tensor's value (.item(), int()/float() of a tensor, "
                "or an if/while on a tensor)"
            )
        if "Cannot copy out of meta tensor" in message:
            return "it copies tensor data out (.tolist(), .numpy() or similar)"
        if "data-independent" in message or "nonzero" in message:
            return "its output shape depends on tensor values (masking, nonzero, unique)"
        if isinstance(error, NotImplementedError | RuntimeError) and "meta" in message.lower():
            return message.splitlines()[0] if message else _name(error)
    if printed_meta:
        return "it prints tensor values, and meta tensors have none"
    return None
