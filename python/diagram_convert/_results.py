"""The results of a conversion, shaped like the hosted SDK's ``DiagramConvertResults``."""

from __future__ import annotations

import copy
import io
import os
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ._request import instance_key


class Page:
    """One page of a converted file: where its outputs are, or why it failed.

    ``png_url`` and ``svg_url`` are paths relative to the output folder
    (``<key>/page-<n>.png``); with ``out=None`` they are the paths the files would have,
    and the bytes are held here (``png_bytes``, ``svg``)."""

    __slots__ = ("page", "png_url", "svg_url", "error_message", "warnings", "_files", "_out")

    def __init__(
        self,
        result: Dict[str, Any],
        files: Optional[Dict[str, bytes]] = None,
        out: Optional[str] = None,
    ) -> None:
        #: The page number, from 1.
        self.page: int = result["page"]
        #: The PNG's path relative to the output folder, or None (failed, or not asked for).
        self.png_url: Optional[str] = result.get("pngUrl")
        #: The SVG's path relative to the output folder, or None.
        self.svg_url: Optional[str] = result.get("svgUrl")
        #: Why the page produced no output, or None.
        self.error_message: Optional[str] = result.get("errorMessage")
        #: What to know about the page's output (e.g. it was scaled down to fit).
        self.warnings: List[str] = list(result.get("warnings", []))
        self._files = files or {}
        self._out = out

    def _read(self, fmt: str, url: Optional[str]) -> Optional[bytes]:
        if fmt in self._files:
            return self._files[fmt]
        if url is None or self._out is None:
            return None
        with open(os.path.join(self._out, url), "rb") as f:
            return f.read()

    @property
    def png_bytes(self) -> Optional[bytes]:
        """The PNG's bytes (read from the output folder when written there), or None."""
        return self._read("png", self.png_url)

    @property
    def svg(self) -> Optional[str]:
        """The SVG document as text, or None."""
        data = self._read("svg", self.svg_url)
        return None if data is None else data.decode("utf-8")

    def save(self, folder: Union[str, "os.PathLike[str]"]) -> List[str]:
        """Writes the page's files under ``folder`` at their relative paths
        (``folder/<key>/page-<n>.png``), creating folders; returns the paths written."""
        written = []
        for fmt, url in (("png", self.png_url), ("svg", self.svg_url)):
            data = self._read(fmt, url)
            if data is None or url is None:
                continue
            path = os.path.join(os.fspath(folder), url)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.tmp-{os.getpid()}"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
            written.append(path)
        return written

    def to_pil(self) -> Any:
        """The PNG as a ``PIL.Image.Image`` (needs Pillow)."""
        try:
            from PIL import Image
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Page.to_pil needs Pillow: pip install pillow") from e
        data = self.png_bytes
        if data is None:
            raise ValueError(f"page {self.page} has no PNG: {self.error_message or 'not asked for'}")
        image = Image.open(io.BytesIO(data))
        image.load()
        return image

    def to_numpy(self) -> Any:
        """The PNG's pixels as a ``numpy`` array, ``(height, width)`` in gray or
        ``(height, width, 3)`` in colour, ``uint8`` (needs numpy and Pillow)."""
        try:
            import numpy
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Page.to_numpy needs numpy: pip install numpy pillow") from e
        return numpy.asarray(self.to_pil())

    def __repr__(self) -> str:
        state = f"error={self.error_message!r}" if self.error_message else f"png_url={self.png_url!r}"
        return f"Page(page={self.page}, {state})"


class ConvertItem:
    """The result for one file of the request, as the SDK's ``DiagramConvertItem``:
    its references, its pages, or why the whole file failed."""

    __slots__ = ("file_id", "file_external_id", "file_instance_id", "error_message", "warnings", "pages", "_raw")

    def __init__(self, raw: Dict[str, Any], pages: List[Page], alias: Dict[str, Any]) -> None:
        self._raw = raw
        ids = dict(alias)
        ids.update({k: raw[k] for k in ("fileId", "fileExternalId", "fileInstanceId") if k in raw})
        #: The file id, if the request (or the detect job it came from) gave one.
        self.file_id: Optional[int] = ids.get("fileId")
        #: The external id, if given.
        self.file_external_id: Optional[str] = ids.get("fileExternalId")
        #: The instance id ``{"space": ..., "externalId": ...}``, if given.
        self.file_instance_id: Optional[Dict[str, str]] = ids.get("fileInstanceId")
        #: Why the whole file failed (not found, damaged, unsupported), or None.
        self.error_message: Optional[str] = raw.get("errorMessage")
        #: What to know about the file's output (annotations on pages it does not have).
        self.warnings: List[str] = list(raw.get("warnings", []))
        #: One entry per page, in page order; empty when the file failed.
        self.pages: List[Page] = pages

    @property
    def results(self) -> List[Dict[str, Any]]:
        """The page results in the hosted shape (the SDK item's ``results``)."""
        return copy.deepcopy(self._raw.get("results", []))

    def __len__(self) -> int:
        return len(self.pages)

    def __iter__(self) -> Iterator[Page]:
        return iter(self.pages)

    def _matches(self, key: Any) -> bool:
        if isinstance(key, tuple):
            return instance_key(self.file_instance_id) == key
        if isinstance(key, bool):
            return False
        if isinstance(key, int):
            return self.file_id == key
        return self.file_external_id == key

    def __repr__(self) -> str:
        ref = self.file_external_id or self.file_id or self.file_instance_id
        state = f"error={self.error_message!r}" if self.error_message else f"{len(self.pages)} pages"
        return f"ConvertItem({ref!r}, {state})"


class ConvertResults:
    """A finished conversion, as the SDK's ``DiagramConvertResults``: the job's id,
    status and times, and one item per request item, in request order.

    ``results["PH-ME-P-0003-001.pdf"]`` looks an item up by external id, ``results[123]``
    by file id, ``results[("space", "x")]`` by instance id."""

    def __init__(
        self,
        job: Dict[str, Any],
        pages: List[Tuple[int, int, List[Tuple[str, bytes]]]],
        out: Optional[str],
        aliases: List[Dict[str, Any]],
    ) -> None:
        self._job = job
        #: The folder the outputs were written to, or None when they are held in memory.
        self.out: Optional[str] = out
        #: The job id.
        self.job_id: int = job["jobId"]
        #: "Completed" (files or pages may still have failed) or "Failed".
        self.status: str = job["status"]
        #: Why the job as a whole failed, or None.
        self.error_message: Optional[str] = job.get("errorMessage")
        #: Milliseconds since the Unix epoch, UTC.
        self.created_time: int = job["createdTime"]
        self.start_time: Optional[int] = job.get("startTime")
        self.status_time: int = job["statusTime"]
        #: The request's grayscale flag in effect.
        self.grayscale: bool = job.get("grayscale", True)
        held: Dict[Tuple[int, int], Dict[str, bytes]] = {(i, p): dict(files) for i, p, files in pages}
        self.items: List[ConvertItem] = []
        for index, raw in enumerate(job.get("items", [])):
            item_pages = [
                Page(result, held.get((index, result["page"])), out) for result in raw.get("results", [])
            ]
            alias = aliases[index] if index < len(aliases) else {}
            self.items.append(ConvertItem(raw, item_pages, alias))

    def __getitem__(self, key: Union[int, str, Tuple[str, str]]) -> ConvertItem:
        """The item of a file id (int), an external id (str) or an instance id
        (``(space, externalId)``)."""
        found = [item for item in self.items if item._matches(key)]
        if not found:
            raise KeyError(f"no file with id {key!r} in the results")
        if len(found) > 1:
            raise KeyError(f"{len(found)} files with id {key!r} in the results; use .items")
        return found[0]

    def __contains__(self, key: object) -> bool:
        return any(item._matches(key) for item in self.items)

    def __iter__(self) -> Iterator[ConvertItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def pages(self) -> List[Page]:
        """Every page of every item, in request order."""
        return [page for item in self.items for page in item.pages]

    def to_dict(self) -> Dict[str, Any]:
        """The job in the hosted camelCase shape, as the CLI writes it to job.json."""
        return copy.deepcopy(self._job)

    def __repr__(self) -> str:
        return f"ConvertResults(job_id={self.job_id}, status={self.status!r}, items={len(self.items)})"
