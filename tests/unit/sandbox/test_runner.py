"""The in-box runner's pure parts: output capping, shapes, and meta-device diagnoses.

Running whole jobs needs the sandbox: see tests/integration/sandbox.
"""

from __future__ import annotations

import os
import warnings

import pytest

with warnings.catch_warnings():
    # This torch build warns at import that NumPy is absent; that is fine here.
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    import torch

from app.sandbox import runner


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_capped_stream_lets_one_byte_past_the_cap_then_drops() -> None:
    read_end, write_end = os.pipe()
    stream = runner.CappedStream(write_end, limit=10)
    assert stream.write("0123456789") == 10
    assert stream.write("abcdef") == 6  # accepted, as outside the sandbox
    stream.buffer.write(b"more bytes")
    os.close(write_end)
    assert read_all(read_end) == b"0123456789a"
    os.close(read_end)


def test_capped_stream_encodes_what_utf8_cannot_hold() -> None:
    read_end, write_end = os.pipe()
    stream = runner.CappedStream(write_end, limit=100)
    stream.write("é\udc80")
    os.close(write_end)
    assert read_all(read_end) == "é".encode() + b"\\udc80"
    os.close(read_end)


def test_capped_stream_refuses_bytes_like_a_text_file() -> None:
    with pytest.raises(TypeError):
        runner.CappedStream(1, limit=1).write(b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        (torch.zeros(2, 3, 5), [2, 3, 5]),
        (torch.zeros(2, 3).shape, [2, 3]),
        ((8, 3), [8, 3]),
        ([4], [4]),
        (torch.tensor(1.0), []),
        ("(2, 3)", None),
        ((2, True), None),
        ((2.0, 3), None),
        (None, None),
    ],
)
def test_only_tensors_and_tuples_of_ints_are_shapes(value: object, shape: list[int] | None) -> None:
    assert runner._as_shape(value) == shape


def meta_error(code: str) -> BaseException:
    with torch.device("meta"):
        try:
            exec(code, {"torch": torch})
        except Exception as exc:
            return exc
    raise AssertionError("expected the code to fail on meta")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("torch.randn(3).sum().item()", "reads a tensor's value"),
        ("if torch.randn(3).sum() > 0: pass", "reads a tensor's value"),
        ("torch.randn(3).tolist()", "copies tensor data out"),
        ("x = torch.randn(3); x[x > 0]", "depends on tensor values"),
    ],
)
def test_value_dependent_code_cannot_run_on_meta(code: str, reason: str) -> None:
    message = runner._meta_reason(meta_error(code), printed_meta=[])
    assert message is not None
    assert reason in message


def test_a_real_shape_error_is_not_blamed_on_meta() -> None:
    error = meta_error("torch.randn(3, 4) @ torch.randn(5, 2)")
    assert isinstance(error, RuntimeError)
    assert runner._meta_reason(error, printed_meta=[]) is None


def test_printing_a_meta_tensor_is_reported() -> None:
    assert runner._meta_reason(None, printed_meta=[True]) == (
        "it prints tensor values, and meta tensors have none"
    )
    assert runner._meta_reason(None, printed_meta=[]) is None
