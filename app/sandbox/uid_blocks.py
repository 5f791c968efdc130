"""Which uids a zygote's jobs run as: a block of them that no other zygote holds.

Two sandboxes on one host (`quiz serve` with a `quiz check` beside it, two test runs)
must never run concurrent jobs under one uid: RLIMIT_NPROC counts processes per uid,
and a uid of its own per live job is the isolation promise. Each zygote claims a
block with an exclusive flock, which the kernel drops when the zygote dies.
"""

from __future__ import annotations

import fcntl
import os
import tempfile

BLOCK = 100  # uids per zygote: more than any pool needs
BLOCKS = 64
_ROOT_DIRECTORY = "/run/torch-quiz-sandbox"  # /run is root's: nobody else can squat a lock


def claim_uid_block(base_uid: int, count: int) -> tuple[int, int]:
    """(first uid of a free block, the lock's fd: keep it open as long as the block is used)."""
    if count > BLOCK:
        raise ValueError(f"at most {BLOCK} identities per sandbox")
    directory = _ROOT_DIRECTORY if os.geteuid() == 0 else tempfile.gettempdir()
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for block in range(BLOCKS):
        path = os.path.join(directory, f"uids-{base_uid}-{block}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return base_uid + block * BLOCK, fd
    raise OSError(f"all {BLOCKS} uid blocks are held by other sandboxes")
