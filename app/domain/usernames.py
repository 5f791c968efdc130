"""Usernames: the one key an account is known by, however its name is typed.

"Alice", "alice " and "ＡＬＩＣＥ" are one account: sign-in, registration, the unique
index and the login throttle all go through `username_key`, so no two of them can
disagree about which account a spelling means.
"""

from __future__ import annotations

import unicodedata


def username_key(name: str) -> str:
    """NFKC (compatibility forms fold: fullwidth letters, ligatures), trimmed, case-folded."""
    folded = unicodedata.normalize("NFKC", name).strip().casefold()
    return unicodedata.normalize("NFKC", folded)  # case folding can undo NFKC; redo it
