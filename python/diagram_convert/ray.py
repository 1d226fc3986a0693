"""Thousands of files on Ray: a Ray Data pipeline of converters.

Paths go in as rows (from a folder, a manifest file or a list), an actor pool of
:class:`diagram_convert.Converter` converts them in batches, each actor writes its outputs
into one shared folder (``out/<key>/page-<n>.png`` and ``.svg``; on a cluster, a folder
every node mounts), and the results come back as rows, one per page::

    import ray, diagram_convert.ray as dcr
    ray.init()                                   # or ray.init(address="auto") on a cluster
    rows = dcr.convert_files("drawings/", "/shared/out", num_workers=8).take_all()

The same code runs on a real cluster: start it (``ray start --head`` on one node,
``ray start --address=HEAD:6379`` on the others, or KubeRay), install this package on
every node, make ``out`` a path all nodes share, and call ``ray.init(address="auto")``.
Each actor takes ``threads_per_worker`` CPUs, so Ray places as many per node as it has
cores.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ._api import Converter

#: The extensions a folder's files are taken by (the types are still told by content).
EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")

#: Row columns of the result: the input ``path`` and ``key``, the ``page`` (0 for a file
#: that failed as a whole), ``png_path``/``svg_path`` relative to ``out`` (None when not
#: written), ``error_message`` (None when converted) and ``warnings``.
RESULT_COLUMNS = ("path", "key", "page", "png_path", "svg_path", "error_message", "warnings")

_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def _key(relative: str) -> str:
    """An output folder for a file: its path relative to the input root without the
    extension, every part percent-encoded outside ``[A-Za-z0-9._-]`` and never ``.``
    or ``..``."""
    stem, ext = os.path.splitext(relative)
    if ext.lower() not in EXTENSIONS:
        stem = relative
    parts = []
    for part in stem.replace(os.sep, "/").split("/"):
        if part in ("", "."):
            continue
        encoded = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in part)
        if encoded.startswith("."):
            encoded = "%2E" + encoded[1:]
        parts.append(encoded)
    return "/".join(parts) or "file"


def manifest(
    source: Union[str, "os.PathLike[str]", Iterable[Union[str, Dict[str, Any]]]],
    annotations: Optional[Dict[str, List[Dict[str, Any]]]] = None,
) -> List[Dict[str, Any]]:
    """The input rows ``{"path", "key", "annotations"}`` (annotations as JSON text) of:

    - a folder: every file in it and below with a diagram extension, sorted by path;
    - a manifest file: ``.jsonl`` rows ``{"path": ..., "annotations": [...]}`` or
      ``.txt`` with one path per line (relative paths are relative to the manifest);
    - a list of paths or of such dicts.

    ``annotations`` maps a path (as listed) to its annotations, for rows without their
    own. Keys are the paths relative to the common folder, without extension, made
    unique (``a``, ``a~2``) in order."""
    entries: List[Dict[str, Any]] = []
    root: Optional[str] = None
    if isinstance(source, (str, os.PathLike)) and os.path.isdir(source):
        root = os.path.abspath(os.fspath(source))
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                if os.path.splitext(name)[1].lower() in EXTENSIONS:
                    entries.append({"path": os.path.join(folder, name)})
        entries.sort(key=lambda e: os.path.relpath(e["path"], root).split(os.sep))
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        base = os.path.dirname(os.path.abspath(path))
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
        for line in lines:
            entry = json.loads(line) if path.endswith(".jsonl") else {"path": line}
            entry["path"] = os.path.join(base, entry["path"])
            entries.append(entry)
    else:
        for entry in source:
            entries.append(dict(entry) if isinstance(entry, dict) else {"path": os.fspath(entry)})
    paths = [os.path.abspath(e["path"]) for e in entries]
    if root is None:
        root = os.path.commonpath([os.path.dirname(p) for p in paths]) if paths else ""
    seen: Dict[str, int] = {}
    rows = []
    for entry, path in zip(entries, paths):
        key = entry.get("key") or _key(os.path.relpath(path, root))
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:
            key = f"{key}~{n}"
        given = entry.get("annotations")
        if given is None and annotations is not None:
            given = annotations.get(entry["path"], annotations.get(path))
        rows.append({"path": path, "key": key, "annotations": json.dumps(given or [])})
    return rows


def shard(rows: Sequence[Any], index: int, count: int) -> List[Any]:
    """The rows of shard ``index`` of ``count`` (from 0): every ``count``-th row from
    ``index``, the rule of the CLI's ``job --shard K/N``. The shards together hold every
    row exactly once."""
    if not 0 <= index < count:
        raise ValueError(f"shard {index}/{count}: the index must be 0 to {count - 1}")
    return list(rows[index::count])


class _ConvertBatch:
    """One actor of the pool: a converter kept for its life, converting a batch of rows
    per call into a private folder under ``out`` and moving each page's files into
    ``out/<key>/`` (a rename on the same file system: nothing is copied)."""

    def __init__(self, out: str, options: Dict[str, Any]) -> None:
        self.out = out
        self.converter = Converter(**options)

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[Any]]:
        paths = [str(p) for p in batch["path"]]
        keys = [str(k) for k in batch["key"]]
        anns = [json.loads(str(a)) for a in batch["annotations"]]
        request = {"items": [{"fileExternalId": str(i), "annotations": a} for i, a in enumerate(anns)]}
        files = {str(i): p for i, p in enumerate(paths)}
        staging = os.path.join(self.out, ".staging", uuid.uuid4().hex)
        rows: Dict[str, List[Any]] = {c: [] for c in RESULT_COLUMNS}

        def add(path: str, key: str, page: int, png: Any, svg: Any, error: Any, warnings: List[str]) -> None:
            for column, value in zip(RESULT_COLUMNS, (path, key, page, png, svg, error, warnings)):
                rows[column].append(value)

        try:
            results = self.converter.convert(request, files, staging)
            for path, key, item in zip(paths, keys, results.items):
                if item.error_message or results.error_message:
                    add(path, key, 0, None, None, item.error_message or results.error_message, item.warnings)
                    continue
                os.makedirs(os.path.join(self.out, key), exist_ok=True)
                for page in item.pages:
                    moved = []
                    for url in (page.png_url, page.svg_url):
                        if url is None:
                            moved.append(None)
                            continue
                        final = f"{key}/{os.path.basename(url)}"
                        os.replace(os.path.join(staging, url), os.path.join(self.out, final))
                        moved.append(final)
                    add(path, key, page.page, moved[0], moved[1], page.error_message, item.warnings + page.warnings)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return rows


def convert_files(
    source: Union[str, "os.PathLike[str]", Iterable[Any]],
    out: Union[str, "os.PathLike[str]"],
    *,
    num_workers: int = 2,
    threads_per_worker: int = 1,
    batch_size: int = 4,
    **options: Any,
) -> Any:
    """A Ray Data pipeline converting every file of ``source`` (a folder, a manifest
    file, a list, or rows from :func:`manifest`) into the shared folder ``out`` with
    ``num_workers`` actors of ``threads_per_worker`` threads each; returns the (lazy)
    dataset of result rows (:data:`RESULT_COLUMNS`), one per page. Other keyword options
    are :class:`diagram_convert.Converter`'s (``dpi``, ``formats``, ``isolation``...).
    Needs ``ray[data]``; call ``ray.init`` first to choose the cluster."""
    import ray.data

    if not 1 <= batch_size <= 50:
        raise ValueError("batch_size must be 1 to 50 (a request's item limit)")
    rows = source if isinstance(source, list) and source and isinstance(source[0], dict) and "key" in source[0] else manifest(source)
    out = os.path.abspath(os.fspath(out))
    os.makedirs(out, exist_ok=True)
    options = dict(options, threads=threads_per_worker)
    return ray.data.from_items(rows).map_batches(
        _ConvertBatch,
        fn_constructor_kwargs={"out": out, "options": options},
        batch_size=batch_size,
        batch_format="numpy",
        concurrency=num_workers,
        num_cpus=threads_per_worker,
    )
