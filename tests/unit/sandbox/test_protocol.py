"""The wire format and the value types shared by the host and the job processes."""

from __future__ import annotations

import json

import pytest

from app.sandbox.protocol import (
    KIB,
    MIB,
    FrameDecoder,
    ProtocolError,
    SandboxLimits,
    SnippetJob,
    SnippetResult,
    encode_frame,
)


def test_default_limits_are_the_product_settings() -> None:
    limits = SandboxLimits()
    assert limits.wall_seconds == 3.0
    assert limits.cpu_seconds == 2.0
    assert limits.memory_bytes == 512 * MIB
    assert limits.processes == 16
    assert limits.tmpfs_bytes == 16 * MIB
    assert limits.source_bytes == 64 * KIB
    assert limits.output_bytes == 64 * KIB
    # A backstop above what torch maps by itself (~600 MiB), not the memory limit.
    assert limits.address_space_bytes >= 2 * 1024 * MIB


def test_quiz_check_gets_ten_seconds_of_wall_clock() -> None:
    assert SandboxLimits.for_check().wall_seconds == 10.0
    assert SandboxLimits.for_check().cpu_seconds == SandboxLimits().cpu_seconds


def test_limits_survive_the_trip_to_the_zygote() -> None:
    limits = SandboxLimits(wall_seconds=1.5, processes=4)
    assert SandboxLimits.from_dict(json.loads(json.dumps(limits.to_dict()))) == limits


def test_frames_are_reassembled_from_any_chunking() -> None:
    stream = encode_frame({"kind": "ready"}) + encode_frame({"kind": "result", "n": "é" * 50})
    decoder = FrameDecoder(max_frame=1024)
    frames = []
    for byte in stream:
        frames += decoder.feed(bytes([byte]))
    assert frames == [{"kind": "ready"}, {"kind": "result", "n": "é" * 50}]
    assert decoder.pending == 0


def test_an_unfinished_frame_is_visible_at_eof() -> None:
    decoder = FrameDecoder(max_frame=1024)
    assert decoder.feed(encode_frame({"kind": "ready"})[:-1]) == []
    assert decoder.pending > 0


def test_a_frame_over_the_limit_is_refused_before_it_is_buffered() -> None:
    decoder = FrameDecoder(max_frame=16)
    with pytest.raises(ProtocolError, match="exceeds"):
        decoder.feed((1 << 30).to_bytes(4, "big"))


@pytest.mark.parametrize("body", [b"[1, 2]", b"\xff\xfe", b"not json"])
def test_frames_must_hold_a_json_object(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder(max_frame=64).feed(len(body).to_bytes(4, "big") + body)


def test_results_round_trip_through_json() -> None:
    result = SnippetResult(
        status="error",
        stdout="out",
        stderr="Traceback ...",
        exception="RuntimeError",
        exception_message="mat1 and mat2 shapes cannot be multiplied",
        duration_ms=1.5,
        shape=[2, 3],
        tensors={"x": [2, 3]},
        meta_unsupported=None,
    )
    assert SnippetResult.from_json(result.to_json()) == result
    assert set(json.loads(result.to_json())) >= {
        "status",
        "stdout",
        "stderr",
        "exception",
        "duration_ms",
    }


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ProtocolError, match="status"):
        SnippetResult.from_dict({"status": "fine"})


def test_jobs_ignore_fields_they_do_not_know() -> None:
    job = SnippetJob.from_dict({"code": "x = 1", "device": "meta", "future_field": True})
    assert job == SnippetJob(code="x = 1", device="meta")
