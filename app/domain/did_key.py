"""Ed25519 public keys as multibase strings and `did:key` identifiers, and base64url.

did:key is self-certifying: the identifier *is* the public key (multicodec
`ed25519-pub`, 0xed 0x01, then the 32 key bytes, base58btc with the multibase prefix
`z`), so a verifier needs no lookup and the issuer id survives a change of hostname.
"""

from __future__ import annotations

import base64
import re

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
_ED25519_PUB = b"\xed\x01"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
ED25519_KEY_BYTES = 32


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_of(public_key: bytes) -> str:
    if len(public_key) != ED25519_KEY_BYTES:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return "z" + b58encode(_ED25519_PUB + public_key)


def public_key_of(multibase: str) -> bytes:
    """The raw key of a `z6Mk...` multibase string; ValueError when it is not Ed25519."""
    if not multibase.startswith("z"):
        raise ValueError("only base58btc multibase (z...) is supported")
    data = b58decode(multibase[1:])
    if not data.startswith(_ED25519_PUB) or len(data) != 2 + ED25519_KEY_BYTES:
        raise ValueError("not an Ed25519 public key")
    return data[2:]


def did_of(multibase: str) -> str:
    return f"did:key:{multibase}"


def verification_method_of(multibase: str) -> str:
    return f"did:key:{multibase}#{multibase}"


def multibase_from_did(did_or_method: str) -> str:
    """`did:key:z6Mk...` or `did:key:z6Mk...#z6Mk...` -> `z6Mk...`."""
    if not did_or_method.startswith("did:key:"):
        raise ValueError("not a did:key identifier")
    return did_or_method.removeprefix("did:key:").split("#", 1)[0]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: a character that is not base64url, or spare bits that are not zero, is an error.

    Without the second check, changing the last character of a signature can leave
    the decoded bytes the same, and a changed credential would still verify.
    """
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError as error:
        raise ValueError("not base64url") from error
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data
