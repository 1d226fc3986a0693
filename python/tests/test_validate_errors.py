"""validate and the errors convert raises or reports."""

import json

import pytest

import diagram_convert as dc

from conftest import GOLDEN, VALHALL, request

BAD = {
    "items": [
        {"fileId": 1, "annotations": [{"text": "x", "region": {"shape": "polygon", "page": 0,
         "vertices": [{"x": 1.2, "y": 0}, {"x": 0, "y": 0}, {"x": 0, "y": 1}]}}]}
    ]
}


def test_validate_lists_every_violation_with_its_path():
    assert dc.validate(VALHALL / "requests" / "all-files.json") == []
    assert dc.validate(request("PH-ME-P-0003-001"), strict=True) == []
    violations = dc.validate(BAD)
    assert [(v.path, v.message) for v in violations] == [
        ("items[0].annotations[0].region.page", "0 is not an integer >= 1"),
        ("items[0].annotations[0].region.vertices[0].x", "1.2 is outside [0, 1]"),
    ]
    assert str(violations[1]) == "items[0].annotations[0].region.vertices[0].x: 1.2 is outside [0, 1]"
    strict = dc.validate(BAD, strict=True)
    assert any(v.path == "items[0].annotations[0].region.shape" and "extension" in v.message for v in strict)
    assert dc.validate({"items": []}) == [dc.Violation("items", "must have 1 to 50 entries, found none")]


def test_malformed_json_is_one_violation_with_line_and_column():
    (violation,) = dc.validate(b'{"items": [\n  {"fileId": 1,,}]}')
    assert violation.path == "$"
    assert violation.message.startswith("line 2, column 16: ")


def test_a_refused_request_raises_request_error_carrying_the_violations():
    with pytest.raises(dc.RequestError) as raised:
        dc.convert(BAD, VALHALL)
    assert isinstance(raised.value, ValueError)
    assert [v.path for v in raised.value.violations] == [
        "items[0].annotations[0].region.page",
        "items[0].annotations[0].region.vertices[0].x",
    ]
    assert "items[0].annotations[0].region.vertices[0].x: 1.2 is outside [0, 1]" in str(raised.value)
    with pytest.raises(dc.RequestError):
        dc.convert({"items": [{"fileId": 1, "annotations": [{"text": "x", "confidence": float("nan"),
                    "region": {"shape": "rectangle", "page": 1, "vertices": []}}]}]}, VALHALL)


def test_files_and_pages_that_fail_are_reported_and_the_rest_converts(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not a PDF body")
    (tmp_path / "notes.pdf").write_bytes(b"plain text, not a diagram")
    (tmp_path / "good.pdf").write_bytes((GOLDEN / "pdf-rotate-0" / "input.pdf").read_bytes())
    req = {"items": [{"fileExternalId": n, "annotations": []} for n in ("broken.pdf", "notes.pdf", "good.pdf", "gone.pdf")]}
    results = dc.convert(req, tmp_path)
    assert results.status == "Completed"
    broken, notes, good, gone = results.items
    assert broken.error_message and broken.pages == []
    assert notes.error_message.startswith("unsupported input: found a text file") and notes.pages == []
    assert good.error_message is None and good.pages[0].png_bytes
    assert gone.error_message.startswith("file not found (looked for gone.pdf and gone.pdf.<ext>")


def test_the_memory_budget_stops_the_job_and_advises_out(tmp_path):
    with pytest.raises(dc.MemoryBudgetError, match="pass out= to write them to a folder") as raised:
        dc.convert(request("PH-ME-P-0003-001"), VALHALL, dpi=50, memory_budget=10_000)
    assert isinstance(raised.value, MemoryError)
    # The same job within the budget, and to a folder whatever the budget.
    assert dc.convert(request("PH-ME-P-0003-001"), VALHALL, dpi=50, memory_budget=10 << 20).pages[0].png_bytes
    written = dc.convert(request("PH-ME-P-0003-001"), VALHALL, tmp_path, dpi=50, memory_budget=10_000)
    assert written.pages[0].error_message is None


def test_bad_arguments_raise_before_anything_runs():
    req = request("PH-ME-P-0003-001")
    with pytest.raises(ValueError, match="renderer"):
        dc.convert(req, VALHALL, renderer="cairo")
    with pytest.raises(ValueError, match="unknown format"):
        dc.convert(req, VALHALL, formats=["gif"])
    with pytest.raises(ValueError, match="threads"):
        dc.convert(req, VALHALL, threads=0)
    with pytest.raises(ValueError, match="dpi"):
        dc.convert(req, VALHALL, dpi=-1)
    with pytest.raises(ValueError, match="isolation"):
        dc.convert(req, VALHALL, isolation="threads")
    with pytest.raises(TypeError, match="expected bytes or a path"):
        dc.convert(req, {"PH-ME-P-0003-001.pdf": 3.5})
    with pytest.raises(TypeError, match="request must be"):
        dc.convert(3, VALHALL)
    with pytest.raises(OSError, match="cannot use the files folder"):
        dc.convert(req, VALHALL / "absent-folder")


def test_a_job_that_cannot_run_fails_as_a_whole(monkeypatch):
    # pdfium is bound at run time; pointing it at nothing makes the job fail up front.
    monkeypatch.setenv("PDFIUM_DYNAMIC_LIB_PATH", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    results = dc.convert(request("PH-ME-P-0003-001"), VALHALL, renderer="pdfium", isolation="in-process")
    if results.status == "Completed":
        pytest.skip("pdfium is found on the system paths here")
    assert results.status == "Failed"
    assert "pdfium" in results.error_message
    assert json.loads(json.dumps(results.to_dict()))["errorMessage"] == results.error_message
