"""The container's seccomp profile (deploy/seccomp-sandbox.json, Docker's format) against
the calls the sandbox makes. No Docker engine runs here: this checks the file, not a
container started with it (docs/sandbox.md, "In a container")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyseccomp
import pytest

from app.sandbox.seccomp_policy import ALLOWED_SYSCALLS, DANGEROUS_SYSCALLS, ZYGOTE_SYSCALLS

ROOT = Path(__file__).resolve().parents[3]
PROFILE = ROOT / "deploy" / "seccomp-sandbox.json"


@pytest.fixture(scope="module")
def profile() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PROFILE.read_text())
    return data


def allowed(profile: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for rule in profile["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW":
            # An argument or capability condition would narrow what the sandbox needs whole.
            assert not {"args", "includes", "excludes"} & set(rule), rule["comment"]
            names.update(rule["names"])
    return names


def test_it_is_an_allow_list(profile: dict[str, Any]) -> None:
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    assert profile["architectures"] == ["SCMP_ARCH_X86_64"]


def test_it_allows_every_call_of_the_jobs_and_of_the_zygotes_set_up(
    profile: dict[str, Any],
) -> None:
    needed = {*ALLOWED_SYSCALLS, *ZYGOTE_SYSCALLS, "clone", "socket", "ioctl", "prctl"}
    assert needed - allowed(profile) == set()


def test_it_refuses_what_no_part_of_the_sandbox_needs(profile: dict[str, Any]) -> None:
    never = set(DANGEROUS_SYSCALLS) - set(ZYGOTE_SYSCALLS)
    assert allowed(profile) & never == set()
    assert {"ptrace", "bpf", "keyctl", "io_uring_setup", "kexec_load", "init_module"} <= never
    clone3 = [rule for rule in profile["syscalls"] if "clone3" in rule["names"]]
    assert clone3 == [{**clone3[0], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]


def test_every_name_is_a_real_x86_64_call(profile: dict[str, Any]) -> None:
    names = [name for rule in profile["syscalls"] for name in rule["names"]]
    assert [n for n in names if pyseccomp.resolve_syscall(0, n) < 0] == []
    assert len(names) == len(set(names))


def test_the_dockerfile_and_the_docs_name_it() -> None:
    option = "--security-opt seccomp=deploy/seccomp-sandbox.json"
    assert option in (ROOT / "Dockerfile").read_text()
    assert option in (ROOT / "docs" / "sandbox.md").read_text()
