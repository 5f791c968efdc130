"""Authoring errors: what is wrong, in which file, on which line, at which field."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """("problems", 3, "time_limit") -> "problems[3].time_limit"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True, order=True)
class AuthoringError:
    source: str
    line: int
    path: Path
    message: str

    def __str__(self) -> str:
        where = format_path(self.path)
        prefix = f"{self.source}:{self.line}: "
        return f"{prefix}{where}: {self.message}" if where else f"{prefix}{self.message}"
