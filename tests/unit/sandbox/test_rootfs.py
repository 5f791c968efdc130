"""What of the host the job's filesystem holds: Python and its libraries, nothing else."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import app
from app.sandbox.rootfs import RootPlan, plan_root

PROJECT = Path(app.__file__).resolve().parents[1]


def covered(path: str, plan: RootPlan) -> bool:
    real = os.path.realpath(path)
    inside = [target for _, target in plan.binds] + [link for link, _ in plan.symlinks]
    return any(real == t or real.startswith(t.rstrip("/") + "/") for t in inside) or any(
        path == t or path.startswith(t.rstrip("/") + "/") for t in inside
    )


def test_the_interpreters_library_directories_are_there() -> None:
    plan = plan_root("/staging")
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        assert covered(paths[key], plan), key
    for entry in sys.path:
        if entry.startswith((sys.prefix, sys.base_prefix)) and os.path.isdir(entry):
            assert covered(entry, plan), entry


def test_sys_path_entries_outside_the_installation_stay_out() -> None:
    # pytest (or a path-style editable install) puts the project root on sys.path.
    assert any(os.path.realpath(p) == str(PROJECT) for p in sys.path if p)
    assert not covered(str(PROJECT / "app" / "config.py"), plan_root("/staging"))


def test_the_project_database_and_secrets_are_not_there() -> None:
    plan = plan_root("/staging")
    for absent in (PROJECT / "app", PROJECT / "challenges", PROJECT / "data", PROJECT):
        assert not any(target == str(absent) for _, target in plan.binds)
        assert not covered(str(absent / "some-file"), plan), absent
    for host_dir in ("/etc", "/home", "/root", "/tmp", "/var", "/run", "/proc", "/sys"):
        assert not covered(host_dir + "/x", plan), host_dir


def test_binds_are_not_nested() -> None:
    targets = [target for _, target in plan_root("/staging").binds]
    for target in targets:
        others = [t for t in targets if t != target]
        assert not any(target.startswith(t.rstrip("/") + "/") for t in others)
