"""The instructor loop: a saved file is reloaded, its news reported and kept for the page."""

from __future__ import annotations

import queue
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.sets import SetRepository
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import content_status, watch
from app.services.loading import FileStatus
from app.services.watch import Reloader
from tests.conftest import unit_of

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # files are named relative to the working folder
    challenges = tmp_path / "challenges"
    challenges.mkdir()
    shutil.copy(GOOD / "quick-quiz.yaml", challenges / "quick-quiz.yaml")
    shutil.copy(GOOD / "small-pattern.yaml", challenges / "small-pattern.yaml")
    return challenges


@pytest.fixture
def reloader(
    units: UnitOfWorkFactory, folder: Path, sessions: sessionmaker[Session], clock: FakeClock
) -> Reloader:
    return Reloader(units, folder, clock)


def title_of(sessions: sessionmaker[Session], slug: str) -> str | None:
    with unit_of(sessions) as uow:
        found = SetRepository(uow.session).get(slug)
        return found.title if found else None


def test_first_load_reports_everything_then_only_news(
    folder: Path, reloader: Reloader, sessions: sessionmaker[Session]
) -> None:
    first = reloader.reload()
    assert [(o.source, o.status) for o in first.files] == [
        ("challenges/quick-quiz.yaml", FileStatus.LOADED),
        ("challenges/small-pattern.yaml", FileStatus.LOADED),
    ]
    quiz = folder / "quick-quiz.yaml"
    quiz.write_text(quiz.read_text().replace("title: Quick Quiz", "title: Quicker Quiz"))
    second = reloader.reload({quiz})
    assert [(o.source, o.status) for o in second.files] == [
        ("challenges/quick-quiz.yaml", FileStatus.UPDATED)
    ]
    assert title_of(sessions, "quick-quiz") == "Quicker Quiz"


def test_errors_are_reported_and_kept_for_the_admin_page(
    units: UnitOfWorkFactory, folder: Path, reloader: Reloader, sessions: sessionmaker[Session]
) -> None:
    reloader.reload()
    quiz = folder / "quick-quiz.yaml"
    quiz.write_text(quiz.read_text().replace("level: beginner", "level: wizard", 1))
    report = reloader.reload({quiz})
    (failed,) = report.files
    assert failed.status is FileStatus.FAILED
    assert str(failed.errors[0]).startswith("challenges/quick-quiz.yaml:10: problems[0].level")
    assert title_of(sessions, "quick-quiz") == "Quick Quiz"  # the good version stays
    shown = content_status.content_files(units)
    assert [(f.source, f.failed) for f in shown] == [
        ("challenges/quick-quiz.yaml", True),
        ("challenges/small-pattern.yaml", False),
    ]
    assert shown[0].errors[0].line == 10
    assert "wizard" in shown[0].errors[0].text


def test_a_slug_clash_reports_the_other_file_too(folder: Path, reloader: Reloader) -> None:
    reloader.reload()
    copy = folder / "copy.yaml"
    shutil.copy(folder / "quick-quiz.yaml", copy)
    report = reloader.reload({copy})
    assert sorted(o.source for o in report.files) == [
        "challenges/copy.yaml",
        "challenges/quick-quiz.yaml",
    ]
    assert {o.status for o in report.files} == {FileStatus.FAILED}


def test_deleted_file_retires_its_set_and_leaves_the_page(
    units: UnitOfWorkFactory, folder: Path, reloader: Reloader, sessions: sessionmaker[Session]
) -> None:
    reloader.reload()
    (folder / "small-pattern.yaml").unlink()
    report = reloader.reload({folder / "small-pattern.yaml"})
    assert report.retired == ["small-pattern"]
    assert [f.source for f in content_status.content_files(units)] == ["challenges/quick-quiz.yaml"]


def test_watch_hands_over_a_saved_file(folder: Path) -> None:
    """The real watcher (polling, so it works on any file system); waits for the event."""
    stop = threading.Event()
    batches: queue.Queue[set[Path]] = queue.Queue()
    ready = threading.Event()

    def changed(paths: set[Path]) -> None:
        batches.put(paths)

    thread = threading.Thread(
        target=watch.watch, args=(folder, changed), kwargs={"stop": stop, "force_polling": True}
    )
    thread.start()
    try:
        # Save until the watcher (started asynchronously) has seen one; ignored names
        # (an editor's swap file) never come through.
        (folder / ".quick-quiz.yaml.swp").write_text("x")
        while not ready.is_set():
            (folder / "quick-quiz.yaml").write_text((GOOD / "quick-quiz.yaml").read_text())
            try:
                paths = batches.get(timeout=0.5)
            except queue.Empty:
                continue
            ready.set()
        assert {path.name for path in paths} == {"quick-quiz.yaml"}
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
