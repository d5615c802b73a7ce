"""Progress bars for long-running commands: rich bars on a terminal, nothing otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class Bars(Protocol):
    """What a command reports its progress to."""

    def start(self, key: str, *, total: int | None = None) -> None: ...

    def update(self, key: str, *, done: int, total: int | None = None, detail: str = "") -> None: ...

    def stop(self, key: str) -> None: ...


class NoBars:
    """Off a terminal: no bars."""

    def start(self, key: str, *, total: int | None = None) -> None:
        pass

    def update(self, key: str, *, done: int, total: int | None = None, detail: str = "") -> None:
        pass

    def stop(self, key: str) -> None:
        pass


class _Rate(ProgressColumn):
    """Items (messages, targets) per second."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None and task.elapsed:
            speed = task.completed / task.elapsed  # too short for rich's sampled rate
        return Text("" if speed is None else f"{speed:,.{0 if speed >= 10 else 1}f} {self.unit}/s",
                    style="progress.data.speed")


class RichBars:
    """One rich bar per key (a source): count, rate, elapsed and, when the total is known, ETA.

    `redirect_stdout`: while the bars are drawn, what the program prints to stdout goes above them
    (stdout is the same terminal); pass False when stdout is a file or a pipe, so that it stays there.
    """

    def __init__(self, console: Console, *, unit: str = "msg", redirect_stdout: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(unit),
            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, transient=False, redirect_stdout=redirect_stdout,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichBars:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def start(self, key: str, *, total: int | None = None) -> None:
        self._tasks[key] = self._progress.add_task(key, total=total, detail="")

    def update(self, key: str, *, done: int, total: int | None = None, detail: str = "") -> None:
        task = self._tasks.get(key)
        if task is not None:
            if total is not None:
                self._progress.update(task, total=total)
            self._progress.update(task, completed=done, detail=detail)

    def stop(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is not None:
            current = self._progress.tasks[self._tasks[key]].completed
            self._progress.update(task, total=current)
            self._progress.stop_task(task)
