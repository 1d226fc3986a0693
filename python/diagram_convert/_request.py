"""Turning what ``convert`` accepts into the engine's request JSON and files."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ._errors import RequestError, Violation

#: The largest request file read (the engine's ``Limits::max_request_bytes``).
MAX_REQUEST_BYTES = 64 << 20

#: The extensions a folder's files may have (the engine's lookup rule).
_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "tif", "tiff")

FileKey = Union[int, str, Tuple[str, str]]
FileSource = Union[bytes, str, "os.PathLike[str]"]
Files = Union[str, "os.PathLike[str]", Mapping[FileKey, FileSource]]


def _is_detect_results(obj: Any) -> bool:
    """A cognite-sdk ``DiagramDetectResults`` (or anything shaped like it): an object,
    not a mapping, with ``items`` or a ``result`` holding items."""
    return not isinstance(obj, (dict, str, bytes, os.PathLike)) and (
        hasattr(obj, "items") or hasattr(obj, "result")
    )


def _detect_items(obj: Any) -> List[Dict[str, Any]]:
    """The items of a detect job as camelCase dicts: its fetched result when it holds
    one, else its loaded items, else (as the SDK's own convert does) ``result``, which
    waits for the job."""
    cached = getattr(obj, "_result", None)
    if isinstance(cached, dict) and isinstance(cached.get("items"), list):
        return [dict(item) for item in cached["items"]]
    items = getattr(obj, "items", None)
    if isinstance(items, list) and items:
        out = []
        for item in items:
            if isinstance(item, dict):
                out.append(dict(item))
                continue
            entry: Dict[str, Any] = {"annotations": list(getattr(item, "annotations", None) or [])}
            for attr, field in (
                ("file_id", "fileId"),
                ("file_external_id", "fileExternalId"),
                ("file_instance_id", "fileInstanceId"),
                ("page_range", "pageRange"),
            ):
                value = getattr(item, attr, None)
                if value is not None:
                    entry[field] = value
            out.append(entry)
        return out
    result = obj.result
    return [dict(item) for item in result["items"]]


def _exists_in_folder(folder: str, field: str, value: Any) -> bool:
    """Whether the engine's folder lookup would find this reference (it checks again)."""
    if field == "fileId":
        names = [f"{value}.{e}" for e in _EXTENSIONS]
    elif field == "fileExternalId":
        names = [str(value)] + [f"{value}.{e}" for e in _EXTENSIONS]
    else:
        base = os.path.join(str(value.get("space", "")), str(value.get("externalId", "")))
        names = [base] + [f"{base}.{e}" for e in _EXTENSIONS]
    names += [n[: -len(e)] + e.upper() for n in names for e in _EXTENSIONS if n.endswith("." + e)]
    return any(os.path.isfile(os.path.join(folder, n)) for n in names)


def _key_of(field: str, value: Any) -> Any:
    if field == "fileInstanceId":
        return (value.get("space"), value.get("externalId"))
    return value


def _choose_reference(item: Dict[str, Any], files: Union[str, Dict[Any, Any]]) -> Dict[str, Any]:
    """A detect item may carry several references (a file id and an external id); the
    request takes exactly one. The first of fileExternalId, fileInstanceId, fileId that
    ``files`` holds is chosen, else the first present (whose lookup then fails with a
    clear message)."""
    present = [f for f in ("fileExternalId", "fileInstanceId", "fileId") if item.get(f) is not None]
    chosen = None
    for field in present:
        if isinstance(files, dict):
            if _key_of(field, item[field]) in files:
                chosen = field
                break
        elif _exists_in_folder(files, field, item[field]):
            chosen = field
            break
    if chosen is None and present:
        chosen = present[0]
    out = {k: v for k, v in item.items() if k not in ("fileId", "fileExternalId", "fileInstanceId")}
    if chosen is not None:
        out[chosen] = item[chosen]
    return out


def normalise_files(files: Files) -> Union[str, Dict[Any, Any]]:
    """A folder as ``str``, or a mapping with ``os.PathLike`` values as ``str`` and
    ``(space, externalId)`` keys as tuples of two strings."""
    if isinstance(files, (str, os.PathLike)):
        return os.fspath(files)
    if not isinstance(files, Mapping):
        raise TypeError(f"files must be a folder or a mapping, not {type(files).__name__}")
    out: Dict[Any, Any] = {}
    for key, value in files.items():
        if isinstance(key, bool):
            raise TypeError(f"files: a key must be an int, a str or a (space, externalId) tuple, not {key!r}")
        if isinstance(key, list):
            key = tuple(key)
        if isinstance(value, (bytearray, memoryview)):
            value = bytes(value)
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        out[key] = value
    return out


def request_json(
    request: Any, files: Union[str, Dict[Any, Any]]
) -> Tuple[bytes, List[Dict[str, Any]]]:
    """The request as JSON bytes, and for each item the ids it was known by beyond the
    one the request uses (a detect item's fileId beside its fileExternalId), for lookups.

    ``request`` is a dict in the hosted shape, JSON ``bytes``, a path to a request JSON,
    or a ``DiagramDetectResults``."""
    if isinstance(request, (str, os.PathLike)):
        path = os.fspath(request)
        size = os.path.getsize(path)
        if size > MAX_REQUEST_BYTES:
            raise RequestError(
                [Violation("$", f"the request is {size} bytes, more than the limit of {MAX_REQUEST_BYTES} bytes")]
            )
        with open(path, "rb") as f:
            return f.read(), []
    if isinstance(request, (bytes, bytearray, memoryview)):
        return bytes(request), []
    if isinstance(request, Mapping):
        return _dumps(dict(request)), []
    if _is_detect_results(request):
        items = _detect_items(request)
        if any(item.get("pageRange") is not None for item in items):
            # The hosted convert refuses these too: a page range's pages are numbered
            # from its start, so the annotations would land on the wrong pages.
            raise RequestError(
                [Violation("items", "a detect job that used a page range cannot be converted")]
            )
        aliases = [
            {k: item.get(k) for k in ("fileId", "fileExternalId", "fileInstanceId") if item.get(k) is not None}
            for item in items
        ]
        body = {"items": [_choose_reference(item, files) for item in items]}
        for item in body["items"]:
            item.pop("pageRange", None)
            item.pop("pageCount", None)
            item.pop("errorMessage", None)
            item.setdefault("annotations", [])
        return _dumps(body), aliases
    raise TypeError(
        "request must be a dict in the hosted shape, a path to a request JSON, JSON bytes "
        f"or a DiagramDetectResults, not {type(request).__name__}"
    )


def _dumps(body: Dict[str, Any]) -> bytes:
    try:
        return json.dumps(body, allow_nan=False).encode("utf-8")
    except ValueError as e:
        raise RequestError([Violation("$", f"the request cannot be written as JSON: {e}")]) from None
    except TypeError as e:
        raise RequestError([Violation("$", f"the request holds a value JSON cannot hold: {e}")]) from None


def instance_key(value: Optional[Dict[str, Any]]) -> Optional[Tuple[str, str]]:
    if value is None:
        return None
    return (value.get("space"), value.get("externalId"))
