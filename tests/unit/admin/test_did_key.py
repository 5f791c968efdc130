"""did:key and base64url: round trips, a published vector, and strict decoding."""

from __future__ import annotations

import pytest

from app.domain import did_key

# RFC 8037, appendix A.2: the Ed25519 public key of the example.
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"


def test_base58_round_trip_keeps_leading_zeros() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert did_key.b58decode(did_key.b58encode(data)) == data
    assert did_key.b58encode(b"hello world") == "StV1DL6CwTryKyV"


def test_ed25519_multibase_starts_like_every_did_key() -> None:
    raw = did_key.b64url_decode(RFC8037_X)
    multibase = did_key.multibase_of(raw)
    assert multibase.startswith("z6Mk")
    assert did_key.public_key_of(multibase) == raw
    did = did_key.did_of(multibase)
    assert did_key.multibase_from_did(did_key.verification_method_of(multibase)) == multibase
    assert did == f"did:key:{multibase}"


def test_wrong_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        did_key.multibase_of(b"short")
    with pytest.raises(ValueError, match="Ed25519"):
        did_key.public_key_of("z" + did_key.b58encode(b"\x12\x00" + bytes(32)))
    with pytest.raises(ValueError, match="did:key"):
        did_key.multibase_from_did("did:web:example.com")


def test_base64url_decoding_is_strict() -> None:
    assert did_key.b64url_decode(did_key.b64url(b"\xfb\xff")) == b"\xfb\xff"
    with pytest.raises(ValueError, match="not base64url"):
        did_key.b64url_decode("a+b/")
    # "QQ" and "QR" decode to the same byte in lax decoders; only "QQ" is canonical.
    assert did_key.b64url_decode("QQ") == b"A"
    with pytest.raises(ValueError, match="canonical"):
        did_key.b64url_decode("QR")
