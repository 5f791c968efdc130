"""A challenge file -> a ChallengeSet, or every error in it with file:line.

All errors of a file are reported at once: YAML problems, then structure and
types, then the rules that span fields. A directory adds one more rule: a slug
belongs to one file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path as FilePath

from pydantic import ValidationError

from app.authoring.convert import to_challenge_set
from app.authoring.errors import AuthoringError
from app.authoring.errors import Path as ErrorPath
from app.authoring.messages import translate
from app.authoring.rules import check_partially, check_set
from app.authoring.schema import SET_FILE_ADAPTER, SLUG_PATTERN
from app.authoring.yaml_source import Located, load_located
from app.domain.challenge import ChallengeSet

MAX_FILE_BYTES = 1024 * 1024
SUFFIXES = (".yaml", ".yml")


@dataclass
class ParsedFile:
    path: FilePath
    source: str  # how messages name the file
    challenge_set: ChallengeSet | None = None
    errors: list[AuthoringError] = field(default_factory=list)
    slug_line: int = 1
    located: Located | None = None

    def line_of(self, path: ErrorPath) -> int:
        return self.located.line_of(path) if self.located else 1

    @property
    def ok(self) -> bool:
        return self.challenge_set is not None and not self.errors


def parse_text(text: str, *, source: str, default_slug: str) -> ParsedFile:
    parsed = ParsedFile(path=FilePath(source), source=source)
    located, errors = load_located(text, source)
    parsed.errors.extend(errors)
    if located is None:
        return parsed
    if not isinstance(located.data, dict):
        got = "a list" if isinstance(located.data, list) else "a single value"
        message = f"a challenge file is a mapping of fields (`key: value` lines), not {got}"
        parsed.errors.append(AuthoringError(source, 1, (), message))
        return parsed
    parsed.slug_line = located.line_of(("slug",))
    parsed.located = located
    try:
        spec = SET_FILE_ADAPTER.validate_python(located.data)
    except ValidationError as error:
        for detail in error.errors():
            path, message = translate(detail)
            parsed.errors.append(AuthoringError(source, located.line_of(path), path, message))
        for path, message in check_partially(located.data):
            parsed.errors.append(AuthoringError(source, located.line_of(path), path, message))
        parsed.errors.sort(key=lambda e: e.line)
        return parsed
    for path, message in check_set(spec):
        parsed.errors.append(AuthoringError(source, located.line_of(path), path, message))
    if spec.slug is None and not SLUG_PATTERN.match(default_slug):
        message = f"the file name makes no usable slug; add `slug:` (got {default_slug!r})"
        parsed.errors.append(AuthoringError(source, 1, (), message))
    if parsed.errors:
        parsed.errors.sort(key=lambda e: e.line)
        return parsed
    parsed.challenge_set = to_challenge_set(spec, default_slug=default_slug, source=source)
    return parsed


def parse_file(path: FilePath, *, source: str | None = None) -> ParsedFile:
    name = source or str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return ParsedFile(path, name, errors=[AuthoringError(name, 1, (), f"cannot read: {error}")])
    if len(raw) > MAX_FILE_BYTES:
        message = f"the file is {len(raw)} bytes; a challenge file may be at most 1 MiB"
        return ParsedFile(path, name, errors=[AuthoringError(name, 1, (), message)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start : error.start + 1].hex()
        message = f"the file is not UTF-8 text (byte 0x{byte} on this line); save it as UTF-8"
        return ParsedFile(path, name, errors=[AuthoringError(name, line, (), message)])
    parsed = parse_text(text, source=name, default_slug=slug_from_file_name(path))
    parsed.path = path
    return parsed


def slug_from_file_name(path: FilePath) -> str:
    """ "GRU_Mastery.yaml" -> "gru-mastery": a file name people write, made a slug."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:128]


def find_files(root: FilePath) -> list[FilePath]:
    """Every challenge file under `root` (or `root` itself), in a stable order."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def display_name(path: FilePath) -> str:
    try:
        return str(path.resolve().relative_to(FilePath.cwd()))
    except ValueError:
        return str(path)


def parse_tree(root: FilePath) -> list[ParsedFile]:
    inside = root.resolve() if root.is_dir() else root.resolve().parent
    parsed = [
        parse_file(path, source=display_name(path))
        if path.resolve().is_relative_to(inside)
        else _outside(path, inside)
        for path in find_files(root)
    ]
    _refuse_shared_slugs(parsed)
    return parsed


def _outside(path: FilePath, inside: FilePath) -> ParsedFile:
    # A link out of the folder would have the loader read (and quote) any file the
    # server can read; challenge files live in the folder they are loaded from.
    name = str(path)  # the link, not what it points at
    message = f"links to a file outside {inside.name}/; copy the file in instead of linking it"
    return ParsedFile(path, name, errors=[AuthoringError(name, 1, (), message)])


def _refuse_shared_slugs(parsed: Iterable[ParsedFile]) -> None:
    by_slug: dict[str, list[ParsedFile]] = defaultdict(list)
    for item in parsed:
        if item.challenge_set is not None:
            by_slug[item.challenge_set.slug].append(item)
    for slug, files in by_slug.items():
        if len(files) < 2:
            continue
        # Neither file wins: which set learners get must not depend on file order.
        for item in files:
            others = ", ".join(other.source for other in files if other is not item)
            written = item.located is not None and ("slug",) in item.located.lines
            origin = "" if written else " (from the file name)"
            message = f'"{slug}"{origin} is also the slug of {others}; each set needs its own'
            item.errors.append(AuthoringError(item.source, item.slug_line, ("slug",), message))
            item.challenge_set = None
