"""The seccomp filter every job runs under, built with libseccomp (via pyseccomp).

Default allow, with an explicit deny list: a snippet needs the ordinary syscalls of a
Python process (threads, fork, files, pipes), and never the ones below. Denied calls
fail with EPERM so Python raises a readable PermissionError instead of dying.
libseccomp also takes care of the parts that are easy to get wrong by hand: the
architecture check and x32 syscall numbers (both kill the process).
"""

from __future__ import annotations

import errno
import socket
import termios

import pyseccomp as seccomp

from app.sandbox.linux import NAMESPACE_FLAGS

DENIED_SYSCALLS: tuple[str, ...] = (
    # debugging and reading other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    # the filesystem view and namespaces
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "open_tree",
    "move_mount",
    "mount_setattr",
    "open_by_handle_at",
    "name_to_handle_at",
    # kernel attack surface a snippet has no use for
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "quotactl",
    "vhangup",
)

# Terminal ioctls that push input into, or control, another program's terminal.
DENIED_IOCTLS: tuple[int, ...] = (termios.TIOCSTI, getattr(termios, "TIOCLINUX", 0x541C))


def build_filter() -> seccomp.SyscallFilter:
    """The job filter, ready to `load()`; loading also sets no_new_privs."""
    deny = seccomp.ERRNO(errno.EPERM)
    policy = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        policy.add_rule(deny, name)
    # Only Unix sockets: together with the empty network namespace, no network at all.
    policy.add_rule(deny, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    # The kernel reads ioctl's request as 32 bits, so compare only those bits.
    for request in DENIED_IOCTLS:
        policy.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    # clone() may fork and start threads but never create a namespace (a new user
    # namespace would hand the job capabilities inside it).
    for flag in NAMESPACE_FLAGS:
        policy.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, out of seccomp's sight; ENOSYS makes glibc
    # fall back to clone(), which the rules above can inspect.
    policy.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return policy
