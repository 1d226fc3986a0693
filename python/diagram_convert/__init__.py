"""diagram-convert: engineering diagrams (PDF, PNG, JPEG, TIFF) and their detected tag
annotations into a PNG and an interactive SVG per page, offline.

>>> import diagram_convert
>>> results = diagram_convert.convert("request.json", "files/")      # doctest: +SKIP
>>> results["PH-ME-P-0003-001.pdf"].pages[0].svg[:4]                  # doctest: +SKIP
'<svg'

``convert`` takes the hosted service's request shape (or a cognite-sdk
``DiagramDetectResults``) and returns results shaped like the SDK's
``DiagramConvertResults``; ``validate`` lists a request's violations; ``render``
converts one file; ``write_viewer`` (or ``convert(..., out=..., viewer=True)``) writes
the offline viewer over a job's folder. ``diagram_convert.ray`` runs thousands of files on Ray.
"""

from ._api import MEMORY_BUDGET, WORKER_MEMORY, Converter, convert, render, validate, write_viewer
from ._errors import DiagramConvertError, MemoryBudgetError, RequestError, Violation, WorkerStartError
from ._results import ConvertItem, ConvertResults, Page

__version__ = "0.1.0"

__all__ = [
    "MEMORY_BUDGET",
    "WORKER_MEMORY",
    "ConvertItem",
    "ConvertResults",
    "Converter",
    "DiagramConvertError",
    "MemoryBudgetError",
    "Page",
    "RequestError",
    "Violation",
    "WorkerStartError",
    "convert",
    "render",
    "validate",
    "write_viewer",
]
