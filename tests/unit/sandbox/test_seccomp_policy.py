"""The seccomp filter, loaded for real in a forked child and probed syscall by syscall."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import termios
import threading
from collections.abc import Callable

import pyseccomp
import pytest

from app.sandbox.linux import CLONE_NEWNET, CLONE_NEWUSER
from app.sandbox.seccomp_policy import ALLOWED_SYSCALLS, DANGEROUS_SYSCALLS, build_filter

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

# x86_64 syscall numbers of calls that glibc does not wrap.
SYS_BPF = 321
SYS_USERFAULTFD = 323
SYS_PERF_EVENT_OPEN = 298
SYS_IO_URING_SETUP = 425
SYS_CLONE3 = 435
SYS_KEYCTL = 250
# Calls no job needs that the old deny list did not name: the allow list must refuse them.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_PROCESS_MADVISE = 440
SYS_CACHESTAT = 451
SYS_MAP_SHADOW_STACK = 453
SYS_MADE_UP = 1017  # no kernel has it: the next kernel's new call
PTRACE_ATTACH = 16
# Every probe is harmless if the filter failed to load: it would fail with another errno
# (ESRCH, ENODEV, EINVAL, ENOTTY...) rather than change anything.
NO_SUCH_PID = 2**22 + 12345


def _errno_of(call: Callable[[], int]) -> int:
    ctypes.set_errno(0)
    result = call()
    return ctypes.get_errno() if result == -1 else 0


def _socket_errno(family: int) -> int:
    try:
        socket.socket(family, socket.SOCK_STREAM).close()
    except OSError as exc:
        return exc.errno or -1
    return 0


def _fork_and_thread_work() -> bool:
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(True))
    thread.start()
    thread.join()
    return os.waitstatus_to_exitcode(status) == 7 and seen == [True]


def _probe_under_filter() -> dict[str, int | bool]:
    build_filter().load()
    null = os.open(os.devnull, os.O_RDONLY)
    return {
        "inet": _socket_errno(socket.AF_INET),
        "inet6": _socket_errno(socket.AF_INET6),
        "unix": _socket_errno(socket.AF_UNIX),
        "ptrace": _errno_of(lambda: _libc.ptrace(PTRACE_ATTACH, NO_SUCH_PID, 0, 0)),
        "unshare_user": _errno_of(lambda: _libc.unshare(CLONE_NEWUSER)),
        "unshare_net": _errno_of(lambda: _libc.unshare(CLONE_NEWNET)),
        "setns": _errno_of(lambda: _libc.setns(0, 0)),
        "mount": _errno_of(
            lambda: _libc.mount(b"none", b"/nonexistent-tq", b"no-such-fs-tq", 0, None)
        ),
        "bpf": _errno_of(lambda: _libc.syscall(SYS_BPF, 0, 0, 0)),
        "keyctl": _errno_of(lambda: _libc.syscall(SYS_KEYCTL, 0, 0, 0)),
        "perf_event_open": _errno_of(lambda: _libc.syscall(SYS_PERF_EVENT_OPEN, 0, 0, -1, -1, 0)),
        "userfaultfd": _errno_of(lambda: _libc.syscall(SYS_USERFAULTFD, 0)),
        "io_uring_setup": _errno_of(lambda: _libc.syscall(SYS_IO_URING_SETUP, 1, 0)),
        "clone3": _errno_of(lambda: _libc.syscall(SYS_CLONE3, 0, 0)),
        "landlock": _errno_of(lambda: _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, 0, 0, 1)),
        "process_madvise": _errno_of(lambda: _libc.syscall(SYS_PROCESS_MADVISE, -1, 0, 0, 0, 0)),
        "cachestat": _errno_of(lambda: _libc.syscall(SYS_CACHESTAT, -1, 0, 0, 0)),
        "map_shadow_stack": _errno_of(lambda: _libc.syscall(SYS_MAP_SHADOW_STACK, 0, 0, 0)),
        "made_up": _errno_of(lambda: _libc.syscall(SYS_MADE_UP, 0)),
        "personality": _errno_of(lambda: _libc.personality(0x0040000)),  # ADDR_NO_RANDOMIZE
        "set_dumpable": _errno_of(lambda: _libc.prctl(4, 0, 0, 0, 0)),  # PR_SET_DUMPABLE
        "set_name": _errno_of(lambda: _libc.prctl(15, b"tq-probe", 0, 0, 0)),  # PR_SET_NAME
        # Without the filter this is ENOTTY (/dev/null is no terminal); EPERM means denied.
        "tiocsti": _errno_of(lambda: _libc.ioctl(null, termios.TIOCSTI, b"x")),
        "tiocsti_high_bits": _errno_of(
            lambda: _libc.ioctl(null, termios.TIOCSTI | (1 << 32), b"x")
        ),
        "no_new_privs": _libc.prctl(39, 0, 0, 0, 0),
        "fork_and_threads": _fork_and_thread_work(),
    }


@pytest.fixture(scope="module")
def under_filter() -> dict[str, int | bool]:
    """What each call did in a child that loaded the job filter."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            os.write(write_end, json.dumps(_probe_under_filter()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    return dict(json.loads(report))


@pytest.mark.parametrize(
    "call",
    [
        "inet",
        "inet6",
        "ptrace",
        "unshare_user",
        "unshare_net",
        "setns",
        "mount",
        "bpf",
        "keyctl",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "tiocsti",
        "tiocsti_high_bits",
    ],
)
def test_denied_calls_fail_with_eperm(under_filter: dict[str, int | bool], call: str) -> None:
    assert under_filter[call] == errno.EPERM


@pytest.mark.parametrize(
    "call", ["landlock", "process_madvise", "cachestat", "map_shadow_stack", "made_up"]
)
def test_calls_outside_the_allow_list_fail_with_eperm(
    under_filter: dict[str, int | bool], call: str
) -> None:
    # Without the filter each is EBADF/EINVAL/ENOSYS: refused for bad arguments or unknown.
    assert under_filter[call] == errno.EPERM


def test_personality_cannot_turn_off_address_randomisation(
    under_filter: dict[str, int | bool],
) -> None:
    assert under_filter["personality"] == errno.EPERM


def test_a_job_cannot_hide_its_memory_by_becoming_undumpable(
    under_filter: dict[str, int | bool],
) -> None:
    assert under_filter["set_dumpable"] == errno.EPERM
    assert under_filter["set_name"] == 0  # naming threads, as the corpus does, still works


def test_unix_sockets_still_work(under_filter: dict[str, int | bool]) -> None:
    assert under_filter["unix"] == 0


def test_clone3_looks_absent_so_glibc_falls_back_to_clone(
    under_filter: dict[str, int | bool],
) -> None:
    assert under_filter["clone3"] == errno.ENOSYS


def test_ordinary_fork_and_threads_still_work(under_filter: dict[str, int | bool]) -> None:
    assert under_filter["fork_and_threads"] is True


def test_loading_the_filter_sets_no_new_privs(under_filter: dict[str, int | bool]) -> None:
    assert under_filter["no_new_privs"] == 1


def test_no_dangerous_call_is_on_the_allow_list() -> None:
    assert set(ALLOWED_SYSCALLS).isdisjoint(DANGEROUS_SYSCALLS)
    assert {"clone", "socket", "ioctl"}.isdisjoint(ALLOWED_SYSCALLS)  # allowed only by rule


def test_every_allowed_name_is_a_real_x86_64_call() -> None:
    unknown = [n for n in ALLOWED_SYSCALLS if pyseccomp.resolve_syscall(0, n) < 0]
    assert unknown == []
    assert len(set(ALLOWED_SYSCALLS)) == len(ALLOWED_SYSCALLS)
