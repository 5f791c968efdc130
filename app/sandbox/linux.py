"""Thin ctypes wrappers for the Linux calls that Python 3.11's `os` lacks.

unshare/setns arrived in `os` only in 3.12; mount, umount2, pivot_root and prctl are
not there at all. Each wrapper raises OSError with the real errno, like `os` does.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWTIME = 0x00000080
NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_NEWTIME,
)

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_SYS_PIVOT_ROOT = 155  # x86_64; the sandbox only supports x86_64 and checks it
_SYS_CAPSET = 126
_CAPABILITY_VERSION_3 = 0x20080522


@functools.cache
def _libc() -> ctypes.CDLL:
    """libc with argument types declared, loaded on first use rather than at import."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = (
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    )
    libc.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)
    libc.unshare.argtypes = (ctypes.c_int,)
    libc.setns.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.prctl.argtypes = (
        ctypes.c_int,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_ulong,
    )
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _path(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def setns(fd: int, nstype: int) -> None:
    _check(_libc().setns(fd, nstype), "setns")


def mount(
    source: str | None,
    target: str,
    fstype: str | None = None,
    flags: int = 0,
    data: str | None = None,
) -> None:
    result = _libc().mount(
        _path(source), _path(target), _path(fstype), flags, None if data is None else data.encode()
    )
    _check(result, f"mount {target}")


def umount2(target: str, flags: int = 0) -> None:
    _check(_libc().umount2(_path(target), flags), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    result = _libc().syscall(
        ctypes.c_long(_SYS_PIVOT_ROOT),
        ctypes.c_char_p(_path(new_root)),
        ctypes.c_char_p(_path(put_old)),
    )
    _check(result, "pivot_root")


def prctl(option: int, arg2: int = 0) -> int:
    return _check(_libc().prctl(option, arg2, 0, 0, 0), f"prctl {option}")


def set_process_name(name: str) -> None:
    """The name `ps` shows (15 bytes at most), so leftovers are easy to spot."""
    buffer = ctypes.create_string_buffer(name.encode()[:15])
    _check(_libc().prctl(PR_SET_NAME, ctypes.addressof(buffer), 0, 0, 0), "prctl PR_SET_NAME")


def drop_capabilities() -> None:
    """Every capability gone: effective, permitted, inheritable, ambient and bounding."""
    # Every capability number the kernel knows, up to the first it calls invalid
    # (/proc/sys/kernel/cap_last_cap is not visible inside a job's /proc).
    for capability in range(64):
        try:
            prctl(PR_CAPBSET_DROP, capability)
        except OSError as exc:
            if exc.errno != errno.EINVAL or capability == 0:
                raise
            break
    _check(_libc().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl ambient")
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two of {effective, permitted, inheritable}: all zero
    _check(_libc().syscall(ctypes.c_long(_SYS_CAPSET), header, data), "capset")
