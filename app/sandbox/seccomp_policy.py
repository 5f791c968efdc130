"""The seccomp filter every job runs under, built with libseccomp (via pyseccomp).

An allow list: a job may make the system calls named below and no other; anything else,
including every system call a future kernel adds, fails with EPERM (so Python raises a
readable PermissionError instead of dying). libseccomp also takes care of the parts
that are easy to get wrong by hand: the architecture check and x32 syscall numbers
(both kill the process).

The list was measured, not guessed: `strace -f` attached to a zygote while it ran the
hostile corpus (tests/integration/sandbox), every snippet of `challenges/`, the
snippets of the sandbox's tests and a probe of ordinary Python (files, sockets,
selectors, asyncio, threads, fork, sqlite3, mmap, signals, torch with threads, meta
tensors), counting only what each job process did after loading its filter
(docs/sandbox.md, "The seccomp allow list"). A few calls were added beside a measured
one because glibc or CPython pick one or the other (fstat beside newfstatat, dup beside
fcntl(F_DUPFD)): those are marked "equivalent".

Never allowed, whatever may use them elsewhere (DANGEROUS_SYSCALLS, checked by the
tests): ptrace, mount and the new mount API, unshare/setns, keyctl, bpf,
perf_event_open, kexec, module loading, userfaultfd, io_uring, process_vm_*,
personality. clone is allowed only without namespace flags; clone3 answers ENOSYS so
glibc falls back to clone, whose flags the filter can see.
"""

from __future__ import annotations

import errno
import socket
import termios

import pyseccomp as seccomp

from app.sandbox.linux import NAMESPACE_FLAGS

ALLOWED_SYSCALLS: tuple[str, ...] = (
    # memory
    "brk",
    "mmap",
    "munmap",
    "mprotect",
    "mremap",  # equivalent: realloc of large blocks
    "madvise",
    "msync",
    # descriptors and file contents
    "read",
    "write",
    "readv",  # equivalent of read/write for buffered IO
    "writev",
    "pread64",
    "pwrite64",
    "lseek",
    "openat",
    "open",  # equivalent of openat (x86_64 keeps both)
    "close",
    "close_range",
    "dup",  # equivalent of fcntl(F_DUPFD)
    "dup2",
    "dup3",
    "fcntl",
    "pipe2",
    "pipe",  # equivalent of pipe2
    "sendfile",
    "fsync",
    "fdatasync",
    "ftruncate",  # equivalent of truncate
    "truncate",
    # the file tree (read-only but for /tmp, which the mounts enforce)
    "newfstatat",
    "fstat",  # equivalent of newfstatat
    "stat",
    "lstat",
    "statx",  # equivalent: what newer glibc uses for stat
    "statfs",
    "fstatfs",
    "access",
    "faccessat",  # equivalent of access
    "faccessat2",
    "readlink",
    "readlinkat",  # equivalent of readlink
    "getdents64",
    "getcwd",
    "chdir",
    "fchdir",
    "mkdir",
    "mkdirat",
    "rmdir",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",  # equivalent of rename
    "renameat2",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "utimensat",
    "umask",
    # processes and threads (clone: see the rule below; execve finds nothing to run
    # in the job's root, but subprocess tries it)
    "vfork",
    "execve",
    "exit",
    "exit_group",
    "wait4",
    "waitid",  # equivalent of wait4
    "kill",
    "tgkill",
    "tkill",
    "getpid",
    "getppid",
    "gettid",
    "set_robust_list",
    "rseq",
    "futex",
    "sched_yield",
    "sched_getaffinity",
    "setsid",
    "setpgid",
    "getpgrp",
    "getpgid",
    "getsid",
    "getrusage",
    "times",
    "prlimit64",  # lowering only: raising a hard limit needs CAP_SYS_RESOURCE
    "getrlimit",
    # credentials: reading them; changing them is refused by the kernel (no
    # capabilities), and the user-namespace tests rely on its answer
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "setuid",
    "setgid",
    "setresuid",
    "setresgid",
    "setgroups",
    # signals and timers
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "sigaltstack",
    "alarm",
    "setitimer",
    "getitimer",
    "pause",
    # time (mostly answered by the vDSO without a system call)
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    # waiting on descriptors: select, poll, selectors, asyncio
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",  # equivalent of epoll_wait
    "eventfd2",
    # Unix sockets only (socket() itself: see the rule below)
    "socketpair",
    "bind",
    "listen",
    "accept4",
    "connect",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "shutdown",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    # about the machine
    "getrandom",
    "uname",
    "sysinfo",
    "getcpu",
    "sethostname",  # the job's own UTS namespace; the probe checks the kernel refuses it
)

# Refused even if something a job runs would like them: each is kernel attack surface
# or a way out of the box. None may ever appear in ALLOWED_SYSCALLS (a unit test checks).
DANGEROUS_SYSCALLS: tuple[str, ...] = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
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
    "personality",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "quotactl",
    "vhangup",
    "clone3",
)

# ioctl requests a job may make: terminal queries (isatty, the terminal size) and
# non-blocking/close-on-exec flags. TIOCSTI and TIOCLINUX, which push input into
# another program's terminal, are not among them.
ALLOWED_IOCTLS: tuple[int, ...] = (
    termios.TCGETS,
    termios.TIOCGWINSZ,
    termios.FIONBIO,
    termios.FIOCLEX,
    termios.FIONCLEX,
    termios.FIONREAD,
)

# prctl options a job may use: naming threads (measured) and reading its own state.
# Not PR_SET_DUMPABLE: a job that made itself undumpable would hide its memory from a
# host without cgroups that counts it (app.sandbox.memory_watch).
ALLOWED_PRCTLS: tuple[int, ...] = (
    15,  # PR_SET_NAME
    16,  # PR_GET_NAME
    3,  # PR_GET_DUMPABLE
    39,  # PR_GET_NO_NEW_PRIVS
    21,  # PR_GET_SECCOMP
    23,  # PR_CAPBSET_READ
    2,  # PR_GET_PDEATHSIG
)

# clone() may fork and start threads but never create a namespace (a new user
# namespace would hand the job capabilities inside it).
_NAMESPACE_MASK = 0
for _flag in NAMESPACE_FLAGS:
    _NAMESPACE_MASK |= _flag


def build_filter() -> seccomp.SyscallFilter:
    """The job filter, ready to `load()`; loading also sets no_new_privs."""
    policy = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
    for name in ALLOWED_SYSCALLS:
        policy.add_rule(seccomp.ALLOW, name)
    policy.add_rule(seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _NAMESPACE_MASK, 0))
    for option in ALLOWED_PRCTLS:
        policy.add_rule(seccomp.ALLOW, "prctl", seccomp.Arg(0, seccomp.EQ, option))
    # Only Unix sockets: together with the empty network namespace, no network at all.
    policy.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, socket.AF_UNIX))
    # The kernel reads ioctl's request as 32 bits, so compare only those bits.
    for request in ALLOWED_IOCTLS:
        policy.add_rule(
            seccomp.ALLOW, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request)
        )
    # clone3 passes its flags in memory, out of seccomp's sight; ENOSYS makes glibc
    # fall back to clone(), which the rule above can inspect.
    policy.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return policy


# What the zygote and each job process call *before* the job filter is loaded, to make
# the namespaces, the root and the uid drop; measured with `strace -f -c` of a sandbox
# in a user namespace, as a container's non-root user starts it. A container's own
# seccomp profile (deploy/seccomp-sandbox.json) must allow these besides
# ALLOWED_SYSCALLS: Docker's default profile refuses most of them.
ZYGOTE_SYSCALLS: tuple[str, ...] = (
    "unshare",  # user, PID, mount, network, IPC, UTS, cgroup namespaces
    "clone",  # with CLONE_NEWPID in force: the job's PID namespace
    "setns",  # the zygote back into its own PID namespace after each fork
    "mount",  # the job's root: tmpfs, read-only binds, procfs
    "umount2",  # the old root, detached
    "pivot_root",
    "sethostname",
    "setgroups",
    "setresuid",
    "setresgid",
    "capset",  # the job drops every capability of its own user namespace
    "prctl",  # no_new_privs, the bounding set, the parent-death signal
    "prlimit64",  # the job's rlimits
    "seccomp",  # loading the job filter
    "pidfd_open",  # the host's handle on each job
    "pidfd_send_signal",  # the wall clock's SIGKILL
    "socketpair",  # the control socket
    "sendmsg",  # job pipes handed to the server (SCM_RIGHTS)
    "recvmsg",
)
