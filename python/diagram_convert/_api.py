"""``convert``, ``validate``, ``render`` and ``Converter``: thin over the native engine."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import MemoryBudgetError, RequestError, Violation, WorkerStartError
from ._request import Files, normalise_files, request_json
from ._results import ConvertResults, Page

#: The most output bytes ``convert(..., out=None)`` keeps in memory: 1 GiB. A job whose
#: PNGs and SVGs would pass it is cancelled with ``MemoryBudgetError``. While results are
#: handed to Python the engine's copy and Python's exist together, so the peak is up to
#: twice this.
MEMORY_BUDGET = 1 << 30

#: Each worker process's memory limit by default: 1 GiB (Unix only).
WORKER_MEMORY = 1 << 30

PathLike = Union[str, "os.PathLike[str]"]


def _worker_command() -> Tuple[str, List[str]]:
    """The program and arguments of a worker process: this interpreter running
    ``diagram_convert._worker`` from the folder this package was imported from (not the
    current directory, which ``-m`` would search first), so that the worker is the very
    native module of the parent, speaking the same protocol version."""
    if not sys.executable:
        raise WorkerStartError(
            "cannot start worker processes: sys.executable is not set in this interpreter; "
            'pass isolation="in-process"'
        )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = f"import sys; sys.path.insert(0, {root!r}); from diagram_convert._worker import main; main()"
    return sys.executable, ["-c", code]


class Converter:
    """A converter with fixed options, kept across calls: it owns the engine's thread
    pool and, with ``isolation="workers"``, its worker processes, started by the first
    conversion and reused by the next ones. ``convert()`` keeps a few of these idle, by
    options, and reuses them.

    Options: ``dpi`` (150), ``threads`` (None: one per core), ``renderer`` ("hayro" or
    "pdfium", the latter through an installed pypdfium2), ``formats`` (("png", "svg");
    "dzi" adds a Deep Zoom tile pyramid per page, ``otherUrls["dzi"]``, only with ``out=``),
    ``grayscale`` (None: the request's flag), ``annotate_png`` (False),
    ``svg_page`` ("auto", "vector" or "raster"), ``page_timeout`` (120 s, None for none),
    ``isolation`` ("workers": each page in a worker process, so no file can abort this
    interpreter; or "in-process"), ``worker_memory`` (each worker's memory limit in
    bytes, 1 GiB; None for none).

    Jobs run at once on one converter share its threads; to convert in parallel from
    several Python threads, give each its own converter (``convert()`` does)."""

    def __init__(
        self,
        *,
        dpi: float = 150.0,
        threads: Optional[int] = None,
        renderer: str = "hayro",
        formats: Sequence[str] = ("png", "svg"),
        grayscale: Optional[bool] = None,
        annotate_png: bool = False,
        svg_page: str = "auto",
        page_timeout: Optional[float] = 120.0,
        isolation: str = "workers",
        worker_memory: Optional[int] = WORKER_MEMORY,
    ) -> None:
        if isinstance(formats, str):
            formats = [formats]
        if threads is not None and (isinstance(threads, bool) or not 1 <= int(threads) <= 256):
            raise ValueError(f"threads must be None or 1 to 256, not {threads!r}")
        if isolation == "workers":
            worker: Optional[Tuple[str, List[str]]] = _worker_command()
        elif isolation == "in-process":
            worker = None
        else:
            raise ValueError(f'isolation must be "workers" or "in-process", not {isolation!r}')
        self.isolation = isolation
        self._native = _native.Converter(
            dpi=float(dpi),
            threads=int(threads or 0),
            renderer=renderer,
            formats=list(formats),
            grayscale=grayscale,
            annotate_png=annotate_png,
            svg_page=svg_page,
            page_timeout=page_timeout,
            worker=worker,
            worker_memory=worker_memory,
        )

    @property
    def threads(self) -> int:
        """The threads (and worker processes) this converter uses."""
        return self._native.threads

    def convert(
        self,
        request: Any,
        files: Files,
        out: Optional[PathLike] = None,
        *,
        strict: bool = False,
        memory_budget: int = MEMORY_BUDGET,
        viewer: bool = False,
    ) -> ConvertResults:
        """Converts a request; see :func:`diagram_convert.convert`."""
        if viewer and out is None:
            raise ValueError("viewer=True needs out=: the viewer is index.html in that folder")
        files = normalise_files(files)
        body, aliases = request_json(request, files)
        violations = validate(body, strict=strict)
        if violations:
            raise RequestError(violations)
        out_path = None if out is None else os.fspath(out)
        try:
            job, pages = self._native.convert(body, files, out_path, strict, int(memory_budget))
        except _native.MemoryBudgetExceeded as e:
            raise MemoryBudgetError(str(e)) from None
        results = ConvertResults(json.loads(job), pages, out_path, aliases)
        if viewer:
            write_viewer(out_path)
        return results


_IDLE_KEPT = 4
_idle: "OrderedDict[Tuple[Any, ...], List[Converter]]" = OrderedDict()
_idle_lock = threading.Lock()


class _Lease:
    """A converter for these options, taken from the idle ones or made, and kept idle
    again afterwards (at most a few, the least recently used dropped first). Calls that
    run at once get converters of their own, so two threads converting with
    ``threads=1`` each have their own thread (or worker process) and run in parallel;
    calls one after another reuse one pool."""

    def __init__(self, options: Dict[str, Any]) -> None:
        self.key = tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in options.items()))
        self.options = options

    def __enter__(self) -> Converter:
        with _idle_lock:
            kept = _idle.get(self.key)
            if kept:
                self.converter = kept.pop()
                return self.converter
        self.converter = Converter(**self.options)
        return self.converter

    def __exit__(self, *exc: Any) -> None:
        with _idle_lock:
            _idle.setdefault(self.key, []).append(self.converter)
            _idle.move_to_end(self.key)
            while sum(len(v) for v in _idle.values()) > _IDLE_KEPT:
                oldest = next(iter(_idle))
                _idle[oldest].pop(0)
                if not _idle[oldest]:
                    del _idle[oldest]


def convert(
    request: Any,
    files: Files,
    out: Optional[PathLike] = None,
    *,
    dpi: float = 150.0,
    threads: Optional[int] = None,
    renderer: str = "hayro",
    formats: Sequence[str] = ("png", "svg"),
    strict: bool = False,
    memory_budget: int = MEMORY_BUDGET,
    viewer: bool = False,
    **options: Any,
) -> ConvertResults:
    """Converts every file of a request into a PNG and an interactive SVG per page.

    ``request``: a dict in the hosted shape (``{"items": [{"fileExternalId": ...,
    "annotations": [...]}]}``), a path to a request JSON, JSON bytes, or a cognite-sdk
    ``DiagramDetectResults`` (its items' ``fileId``/``fileExternalId``/
    ``fileInstanceId`` and ``annotations``).

    ``files``: a folder (looked up as the CLI does: ``DIR/<externalId>[.<ext>]``,
    ``DIR/<fileId>.<ext>``, ``DIR/<space>/<externalId>[.<ext>]``), or a mapping from a
    file id (``int``), an external id (``str``) or a ``(space, externalId)`` tuple to
    the file's ``bytes`` or path.

    ``out``: a folder to write ``<key>/page-<n>.png``, ``.svg`` and ``job.json`` into;
    with ``None`` the outputs stay in memory (``page.png_bytes``, ``page.svg``), at most
    ``memory_budget`` bytes of them (else :class:`MemoryBudgetError`), and
    ``png_url``/``svg_url`` hold the paths the files would have. ``viewer=True`` (with
    ``out``, and the ``svg`` format) also writes ``out/index.html``, the offline viewer
    (see :func:`write_viewer`).

    The engine runs with the GIL released; Ctrl-C cancels the conversion (pages in
    flight finish) and raises ``KeyboardInterrupt``. A request that breaks the contract
    raises :class:`RequestError` with every violation; files and pages that fail are
    reported in the results (``error_message``), as the hosted service does. Further
    keyword options are :class:`Converter`'s (``isolation``, ``grayscale``, ...)."""
    options = dict(options, dpi=float(dpi), threads=threads, renderer=renderer, formats=tuple(formats))
    with _Lease(options) as converter:
        return converter.convert(request, files, out, strict=strict, memory_budget=memory_budget, viewer=viewer)


def write_viewer(out: PathLike) -> str:
    """Writes the offline viewer over the finished job in ``out`` (the folder holding its
    ``job.json``, e.g. ``convert(..., out=...)``'s): ``index.html`` and its scripts, to open
    in a browser from the folder, with no server and no network. Returns the path of
    ``index.html``. Pages it cannot show (no SVG, say) are noted in the viewer and warned
    about here. Raises ``OSError`` when the folder cannot be read or written and
    ``ValueError`` when its ``job.json`` is not a job."""
    import warnings

    index, _pages, _annotations, notes = _native.write_viewer(os.fspath(out))
    for note in notes:
        warnings.warn(f"viewer: {note}", stacklevel=2)
    return index


def validate(request: Any, strict: bool = False) -> List[Violation]:
    """Every violation of the contract in a request (a dict, JSON bytes, a path or a
    ``DiagramDetectResults``), each with its JSON ``path`` and ``message``; empty when
    the request is valid. ``strict`` accepts exactly what the hosted service accepts
    (no polygon regions)."""
    if isinstance(request, bytes):
        body = request
    else:
        try:
            body, _ = request_json(request, {})
        except RequestError as e:
            return e.violations
    return [Violation(path, message) for path, message in _native.validate(body, strict)]


def render(
    file: Union[PathLike, bytes],
    annotations: Optional[Iterable[Dict[str, Any]]] = None,
    **options: Any,
) -> List[Page]:
    """Converts one file (a path or its bytes) with optional annotations (a list in the
    hosted shape) and returns its pages, held in memory. Keyword options are
    :func:`convert`'s. A file that cannot be converted at all raises
    :class:`DiagramConvertError`; a page that fails has its ``error_message``."""
    from ._errors import DiagramConvertError

    if isinstance(file, (bytes, bytearray, memoryview)):
        name, source = "file", bytes(file)
    else:
        path = os.fspath(file)
        name, source = os.path.basename(path) or "file", path
    request = {"items": [{"fileExternalId": name, "annotations": list(annotations or [])}]}
    results = convert(request, {name: source}, **options)
    if results.error_message:
        raise DiagramConvertError(results.error_message)
    item = results.items[0]
    if item.error_message:
        raise DiagramConvertError(f"{name}: {item.error_message}")
    return item.pages
