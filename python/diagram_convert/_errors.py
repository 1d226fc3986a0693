"""The package's exceptions: one base class, and one class per kind of refusal."""

from __future__ import annotations

from typing import List, NamedTuple


class Violation(NamedTuple):
    """One broken rule of a request: where (a JSON path such as
    ``items[0].annotations[3].region.vertices[1].x``) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DiagramConvertError(Exception):
    """Base class of every error this package raises."""


class RequestError(DiagramConvertError, ValueError):
    """The request breaks the contract; ``violations`` lists every broken rule."""

    def __init__(self, violations: List[Violation]) -> None:
        self.violations: List[Violation] = list(violations)
        lines = "\n".join(f"  {v}" for v in self.violations)
        super().__init__(f"the request was refused ({len(self.violations)} violation(s)):\n{lines}")


class MemoryBudgetError(DiagramConvertError, MemoryError):
    """The outputs of a conversion kept in memory (``out=None``) passed the memory
    budget; the job was cancelled. Pass ``out=`` to write them to a folder instead."""


class WorkerStartError(DiagramConvertError):
    """Worker processes cannot be started from this interpreter (``sys.executable`` is
    unknown); pass ``isolation="in-process"``."""
