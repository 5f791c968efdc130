"""The JSON Schema: the committed file is `quiz schema`'s output, and every file points at it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.authoring.loader import find_files
from app.authoring.schema import json_schema

REPO_ROOT = Path(__file__).resolve().parents[3]
COMMITTED = REPO_ROOT / "challenges" / "challenge.schema.json"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$", re.MULTILINE)
SHIPPED = sorted(find_files(REPO_ROOT / "challenges"))


def test_committed_schema_is_the_printed_one() -> None:
    # If this fails after a change to app/authoring/schema.py, regenerate with
    # `quiz schema > challenges/challenge.schema.json`.
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == json_schema()


def test_schema_describes_both_kinds_of_set() -> None:
    schema = json_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["discriminator"]["propertyName"] == "kind"
    assert set(schema["discriminator"]["mapping"]) == {"challenge", "pattern"}
    challenge = schema["$defs"]["ChallengeFileSpec"]
    assert {"kind", "title", "badge", "problems"} <= set(challenge["required"])
    assert challenge["additionalProperties"] is False


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_file_points_editors_at_the_schema(path: Path) -> None:
    match = MODELINE.search(path.read_text(encoding="utf-8"))

    assert match, f"{path.name} lacks '# yaml-language-server: $schema=...'"
    target = (path.parent / match.group(1)).resolve()
    assert target == COMMITTED.resolve()
