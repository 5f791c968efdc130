"""What isolation this host allows, as found by the zygote's probe child.

The probe is not a separate check that could drift from reality: at start the zygote
forks one child that goes through exactly the steps a job does, then verifies from
inside that each one holds (it is PID 1, sees only `lo`, its root is read-only, an
AF_INET socket is refused...). `quiz doctor` prints this report; `Sandbox.start()`
refuses to run learner code unless `full` is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.sandbox.isolation import FEATURES, REQUIRED_FEATURES


@dataclass(frozen=True)
class FeatureStatus:
    ok: bool
    detail: str
    required: bool


@dataclass(frozen=True)
class IsolationReport:
    features: dict[str, FeatureStatus] = field(default_factory=dict)
    root: bool = False
    python: str = ""

    @property
    def full(self) -> bool:
        return bool(self.features) and not self.reasons

    @property
    def reasons(self) -> list[str]:
        """Why isolation is not full, one line per missing required feature."""
        if not self.features:
            return ["the isolation probe did not run"]
        return [
            f"{name}: {status.detail}"
            for name, status in self.features.items()
            if status.required and not status.ok
        ]

    @classmethod
    def from_probe(cls, report: dict[str, Any]) -> IsolationReport:
        found = report.get("features", {})
        features: dict[str, FeatureStatus] = {}
        for name in (*FEATURES, *(n for n in found if n not in FEATURES)):
            ok, detail = found.get(name, (False, "not reported by the probe"))
            features[name] = FeatureStatus(
                ok=bool(ok),
                detail=str(detail),
                required=name in REQUIRED_FEATURES or name not in FEATURES,
            )
        return cls(features, root=bool(report.get("root")), python=str(report.get("python", "")))

    @classmethod
    def unavailable(cls, reason: str) -> IsolationReport:
        """The probe could not even run (the zygote failed to start)."""
        return cls({"zygote": FeatureStatus(False, reason, required=True)})

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "reasons": self.reasons,
            "root": self.root,
            "features": {
                name: {"ok": s.ok, "required": s.required, "detail": s.detail}
                for name, s in self.features.items()
            },
        }
