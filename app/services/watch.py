"""The instructor loop: watch challenges/, reload on save, report what changed.

`Reloader.reload` loads the whole tree (unchanged files cost a parse and a hash
compare), so rules across files, such as one slug per file, hold on every save. It
reports only what is news: the files just saved, and files whose outcome changed.
`watch` feeds it from `watchfiles`, which batches the events of one save (editors
write a temporary file, then rename) and yields about 50 ms after they stop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles

from app.authoring.loader import SUFFIXES, display_name
from app.domain.clock import Clock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import content_status
from app.services.loading import FileOutcome, FileStatus, LoadReport, Verifier, load_tree

Snapshot = tuple[bool, tuple[str, ...]]


@dataclass
class Reloader:
    units: UnitOfWorkFactory
    root: Path
    clock: Clock
    verify: Verifier | None = None
    _last: dict[str, Snapshot] = field(default_factory=dict)

    def reload(self, changed: Collection[Path] = ()) -> LoadReport:
        """Load the tree; the report holds the changed files and every file whose outcome moved."""
        report = load_tree(self.units, self.root, clock=self.clock, verify=self.verify)
        content_status.record_report(self.units, report, clock=self.clock, whole_tree=True)
        saved = {display_name(path) for path in changed}
        news = [outcome for outcome in report.files if self._is_news(outcome, saved)]
        self._last = {outcome.source: _snapshot(outcome) for outcome in report.files}
        return LoadReport(files=news, retired=report.retired)

    def _is_news(self, outcome: FileOutcome, saved: set[str]) -> bool:
        if outcome.source in saved or outcome.status in (FileStatus.LOADED, FileStatus.UPDATED):
            return True
        return self._last.get(outcome.source) != _snapshot(outcome)


def _snapshot(outcome: FileOutcome) -> Snapshot:
    """What would make a file news again: failing or not, and with which errors."""
    return outcome.status is FileStatus.FAILED, tuple(str(error) for error in outcome.errors)


def is_challenge_file(_change: watchfiles.Change, path: str) -> bool:
    return path.endswith(SUFFIXES) and not Path(path).name.startswith(".")


def watch(
    root: Path,
    on_change: Callable[[set[Path]], None],
    *,
    stop: threading.Event,
    force_polling: bool | None = None,
) -> None:
    """Call `on_change` with each batch of changed challenge files until `stop` is set."""
    for changes in watchfiles.watch(
        root,
        watch_filter=is_challenge_file,
        stop_event=stop,
        debounce=1000,
        step=50,
        force_polling=force_polling,
        raise_interrupt=False,
    ):
        on_change({Path(path) for _change, path in changes})


class Watcher:
    """`watch` on a daemon thread; errors in a reload are reported, never fatal."""

    def __init__(
        self,
        reloader: Reloader,
        on_report: Callable[[LoadReport], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self._reloader = reloader
        self._on_report = on_report
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="challenge-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        watch(self._reloader.root, self._changed, stop=self._stop)

    def _changed(self, paths: set[Path]) -> None:
        try:
            self._on_report(self._reloader.reload(paths))
        except Exception as error:  # one bad reload (a locked database) must not end the loop
            self._on_error(error)
