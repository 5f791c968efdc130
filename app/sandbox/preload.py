"""What the zygote does once, so that no job has to: import torch and warm it up.

Everything here runs before the first fork; afterwards every job shares these pages
copy-on-write.
"""

from __future__ import annotations

import ctypes
import gc
import os
import warnings
from typing import Any

THREAD_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
_HUGE_PAGE = 2 * 1024 * 1024
_MADV_COLLAPSE = 25


def prepare_interpreter() -> None:
    """Heavy imports and first-use costs, paid once here instead of in every job."""
    # Thread counts must be fixed before torch loads its OpenMP runtime: a job may not
    # start threads behind the pids limit's back, and forking a threaded process is unsafe.
    os.environ.update(THREAD_ENVIRONMENT)
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    import torch  # imported here, after the environment is set

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    _warm_up(torch)
    gc.collect()
    # Keep the warm heap out of the collector's way, so children do not copy it on write.
    gc.freeze()
    _collapse_into_huge_pages()


def _collapse_into_huge_pages() -> None:
    """Back the zygote's heap with 2 MiB pages: fork and exit then copy and free a few
    hundred page-table entries instead of ~35,000, which halves a job's fixed cost.

    A child's first write to a huge page splits it, so copy-on-write stays 4 KiB.
    MADV_COLLAPSE (Linux 6.1) may fail for lack of free huge pages: that only costs speed.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        anonymous = len(fields) == 5 or fields[5] == "[heap]"
        if fields[1] != "rw-p" or not anonymous:
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        first = -(-start // _HUGE_PAGE) * _HUGE_PAGE
        last = end // _HUGE_PAGE * _HUGE_PAGE
        if last > first:
            libc.madvise(first, last - first, _MADV_COLLAPSE)


def _warm_up(torch: Any) -> None:
    import torch.nn.functional
    import torch.optim

    from app.sandbox import runner  # noqa: F401 - the job side, ready for forks

    torch.manual_seed(0)
    x = torch.randn(4, 3, 8)
    for layer in (torch.nn.GRU(8, 5, batch_first=True), torch.nn.LSTM(8, 5)):
        output, _ = layer(x)
        output.sum().backward()
    conv = torch.nn.Conv2d(3, 4, 3)
    conv(torch.randn(1, 3, 8, 8)).relu().mean().backward()
    torch.nn.functional.softmax(torch.randn(2, 5) @ torch.randn(5, 3), dim=-1)
