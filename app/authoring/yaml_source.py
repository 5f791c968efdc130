"""YAML to plain data, remembering the line of every key and value.

PyYAML's composer gives nodes with positions; we build the Python values ourselves
so that duplicate keys are an error (PyYAML silently keeps the last one) and every
path such as ("problems", 3, "time_limit") maps back to a line of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from app.authoring.errors import AuthoringError, Path

try:  # the C composer is several times faster; the pure one behaves the same
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


@dataclass
class Located:
    """Parsed data plus where each part of it stands in the file (1-based lines)."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that exists in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Path, int] = {}
        self.errors: list[AuthoringError] = []
        self._scalars = SafeConstructor()

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalars.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.errors.append(
                    AuthoringError(
                        self.source,
                        key_node.start_mark.line + 1,
                        path,
                        "YAML merge keys (<<) are not supported; write the fields out",
                    )
                )
                continue
            key = self._scalars.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in result:
                self.errors.append(
                    AuthoringError(
                        self.source,
                        line,
                        child,
                        f"duplicate key {key!r}; it was already given on line {self.lines[child]}",
                    )
                )
                continue
            self.lines[child] = line
            result[key] = self.build(value_node, child)
        return result


def load_located(text: str, source: str) -> tuple[Located | None, list[AuthoringError]]:
    """Parse YAML text; on a syntax error return None and the error with its line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_error(error, text, source)]
    except yaml.YAMLError as error:  # pragma: no cover - unmarked errors are rare
        return None, [AuthoringError(source, 1, (), f"not valid YAML: {error}")]
    if node is None:
        return None, [AuthoringError(source, 1, (), "the file is empty")]
    builder = _Builder(source)
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as error:
        return None, [_syntax_error(error, text, source)]
    return Located(data, builder.lines), builder.errors


# PyYAML's words for common slips, and what an author can do about each.
_HINTS = {
    "mapping values are not allowed": (
        "; put text that contains `: ` in quotes, or check the indentation"
    ),
    "cannot start any token": "; text that starts with @ or ` must be in quotes",
}


def _syntax_error(error: yaml.MarkedYAMLError, text: str, source: str) -> AuthoringError:
    mark = error.problem_mark or error.context_mark
    lines = text.splitlines()
    # At the end of the stream the mark points one line past the last one.
    line = min(mark.line + 1, max(len(lines), 1)) if mark else 1
    problem = error.problem or "not valid YAML"
    offending = lines[line - 1] if mark and line <= len(lines) else ""
    if (
        "\t" in problem
        or "'\\t'" in problem
        or "\t" in offending[: (mark.column if mark else 0) + 1]
    ):
        return AuthoringError(
            source, line, (), "a tab character is used for indentation; YAML needs spaces"
        )
    opened = error.context_mark.line + 1 if error.context_mark else None
    if "end of stream" in problem and error.context == "while scanning a quoted scalar" and opened:
        message = "YAML syntax error: this quoted text has no closing quote"
        return AuthoringError(source, opened, (), message)
    context = error.context or ""
    if context and opened and opened != line:
        context += f" that starts on line {opened}"
    hint = next((words for key, words in _HINTS.items() if key in problem), "")
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "") + hint
    return AuthoringError(source, line, (), message)
