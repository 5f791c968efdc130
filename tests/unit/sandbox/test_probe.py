"""Reading the probe child's findings: what makes isolation full, and why not."""

from __future__ import annotations

from typing import Any

from app.sandbox.isolation import FEATURES, REQUIRED_FEATURES
from app.sandbox.probe import IsolationReport


def probe(**overrides: tuple[bool, str]) -> dict[str, Any]:
    features: dict[str, Any] = {name: [True, "ok"] for name in FEATURES}
    features.update({name: list(value) for name, value in overrides.items()})
    return {"features": features, "root": True, "python": "3.11.7"}


def test_every_required_feature_makes_it_full() -> None:
    report = IsolationReport.from_probe(probe())
    assert report.full
    assert report.reasons == []


def test_a_missing_required_feature_is_named_in_the_reasons() -> None:
    report = IsolationReport.from_probe(probe(seccomp=(False, "libseccomp is not available")))
    assert not report.full
    assert report.reasons == ["seccomp: libseccomp is not available"]


def test_cgroups_and_the_user_namespace_are_optional() -> None:
    report = IsolationReport.from_probe(
        probe(cgroups=(False, "no cgroups"), user_namespace=(False, "not permitted"))
    )
    assert report.full
    assert not report.features["cgroups"].ok


def test_a_feature_the_probe_did_not_report_counts_as_missing() -> None:
    found = probe()
    del found["features"]["pid_namespace"]
    report = IsolationReport.from_probe(found)
    assert not report.full
    assert report.reasons == ["pid_namespace: not reported by the probe"]


def test_a_probe_child_that_gave_up_is_not_full() -> None:
    report = IsolationReport.from_probe(
        {"features": {"probe": [False, "mount_namespace: Operation not permitted"]}}
    )
    assert not report.full
    assert any("Operation not permitted" in reason for reason in report.reasons)


def test_no_probe_at_all_is_not_full() -> None:
    assert not IsolationReport.unavailable("the zygote did not start").full
    assert not IsolationReport().full


def test_the_required_set_is_what_the_issue_asks_for() -> None:
    assert set(REQUIRED_FEATURES) == {
        "pid_namespace",
        "net_namespace",
        "mount_namespace",
        "filesystem",
        "rlimits",
        "uid_drop",
        "no_new_privs",
        "seccomp",
    }


def test_the_report_serialises_for_doctor_json() -> None:
    data = IsolationReport.from_probe(probe(cgroups=(False, "none"))).to_dict()
    assert data["full"] is True
    assert data["features"]["cgroups"] == {"ok": False, "required": False, "detail": "none"}
