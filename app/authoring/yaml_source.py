"""YAML to plain data, remembering the line of every key and value.

PyYAML's composer gives nodes with positions; we build the Python values ourselves
so that duplicate keys are an error (PyYAML silently keeps the last one) and every
path such as ("problems", 3, "time_limit") maps back to a line of the file.

Challenge files come from authors, not from trusted code, so the composer refuses what
the format never needs before it costs anything: anchors and aliases (an alias bomb
expands nine-fold per line; `&x [*x]` contains itself) at the first such event, and
nesting deeper than MAX_DEPTH. The file's size is bounded by the loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor

from app.authoring.errors import AuthoringError, Path

MAX_DEPTH = 50  # nested mappings and lists; the seed sets use 5

try:  # libyaml's parser is several times faster; the pure one behaves the same
    _Parser: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - libyaml missing
    _Parser = yaml.SafeLoader


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _GuardedComposer(Composer):
    """PyYAML's composer, fed by the parser's events, refusing anchors, aliases and depth.

    libyaml's own composer resolves aliases where nothing can intervene; this one sees
    each event before a node is made of it. It takes about half again as long (4.4 ms
    instead of 2.9 for the seed sets), paid once per load, never per request.
    """

    # The parser's, mixed in by _Loader; where a node starts, its event is a NodeEvent.
    peek_event: Callable[[], yaml.NodeEvent]

    def __init__(self) -> None:
        Composer.__init__(self)  # not super(): with the pure parser, next in line is SafeLoader
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, _NO_ANCHORS.format(f"*{event.anchor}"))
        if event.anchor is not None:
            raise _Refused(line, _NO_ANCHORS.format(f"&{event.anchor}"))
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _Refused(line, _TOO_DEEP)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_GuardedComposer, _Parser):  # type: ignore[misc,valid-type]
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _GuardedComposer.__init__(self)


_KINDS = {
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:binary": "binary value",
    "tag:yaml.org,2002:bool": "true/false value",
}
_TOO_DEEP = f"the YAML is nested more than {MAX_DEPTH} levels deep; challenge files need far fewer"
_NO_ANCHORS = "YAML anchors and aliases are not allowed (found {}); write each value out in full"


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
        return self._construct(node, path)

    def _construct(self, node: yaml.Node, path: Path) -> Any:
        """A scalar (or a key) by PyYAML's safe rules; what they cannot build is an error."""
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ValueError, LookupError) as error:  # 2001-13-45, !!bool maybe, 5,000 digits
            kind = _KINDS.get(node.tag, "value")
            reason = str(error).split(";")[0]
            message = f"cannot be read as a {kind}: {reason[:1].lower()}{reason[1:]}"
            self.errors.append(AuthoringError(self.source, node.start_mark.line + 1, path, message))
            return None

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
            key = self._construct(key_node, path)
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
    """Parse YAML text; on a syntax error or a refusal (an anchor, an alias, nesting past
    MAX_DEPTH) return None and the error with its line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _Refused as refusal:
        return None, [AuthoringError(source, refusal.line, (), refusal.message)]
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
