"""convert: in memory and to a folder, equal to the CLI's job.json, the request and
files forms, and the page helpers."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import diagram_convert as dc

from conftest import GOLDEN, VALHALL, request

SHEET = "PH-ME-P-0003-001"


def test_the_installed_wheel_is_tested_not_the_source_tree():
    installed = Path(dc.__file__).resolve()
    assert "site-packages" in installed.parts, installed
    assert Path(dc._native.__file__).name.startswith("_native."), dc._native.__file__


def test_in_memory_pages_hold_their_bytes_and_the_paths_they_would_have():
    req = request(SHEET)
    results = dc.convert(req, VALHALL, dpi=50)
    assert results.status == "Completed" and results.error_message is None
    item = results[f"{SHEET}.pdf"]
    assert item.file_external_id == f"{SHEET}.pdf" and item.file_id is None
    assert item.error_message is None and len(item.pages) == 1
    page = item.pages[0]
    assert (page.page, page.png_url, page.svg_url) == (1, f"{SHEET}/page-1.png", f"{SHEET}/page-1.svg")
    assert page.png_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    # One annotation group per annotation of the request, each carrying its text.
    annotations = req["items"][0]["annotations"]
    assert page.svg.count('class="annotation"') == len(annotations) == 8
    for a in annotations:
        assert f'data-text="{a["text"]}"' in page.svg
    image = page.to_pil()
    assert image.mode == "L"  # the request's default: grayscale
    # A1 sheet at 50 DPI: the SVG's size is the PNG's.
    assert f'width="{image.width}" height="{image.height}"' in page.svg
    pixels = page.to_numpy()
    assert pixels.shape == (image.height, image.width) and pixels.dtype.name == "uint8"
    assert 0 < pixels.mean() < 255


def test_to_a_folder_writes_the_files_and_job_json_and_reads_them_back(tmp_path):
    memory = dc.convert(request(SHEET), VALHALL, dpi=50)
    folder = dc.convert(request(SHEET), VALHALL, tmp_path / "out", dpi=50)
    assert folder.out == str(tmp_path / "out")
    page = folder.pages[0]
    written = (tmp_path / "out" / page.png_url).read_bytes()
    assert written == page.png_bytes == memory.pages[0].png_bytes
    assert (tmp_path / "out" / page.svg_url).read_text() == page.svg == memory.pages[0].svg
    on_disk = json.loads((tmp_path / "out" / "job.json").read_text())
    assert on_disk == folder.to_dict()
    saved = memory.pages[0].save(tmp_path / "saved")
    assert sorted(saved) == sorted(str(tmp_path / "saved" / u) for u in (page.png_url, page.svg_url))
    assert (tmp_path / "saved" / page.png_url).read_bytes() == written


def without_times_and_ids(job: dict) -> dict:
    job = dict(job)
    for field in ("jobId", "createdTime", "startTime", "statusTime"):
        assert field in job, field
        del job[field]
    return job


def test_to_dict_is_the_clis_job_json_less_times_and_ids(tmp_path, cli):
    req_path = VALHALL / "requests" / "all-files.json"
    out = tmp_path / "cli"
    run = subprocess.run(
        [str(cli), "job", str(req_path), "--files", str(VALHALL), "--out", str(out), "--dpi", "40", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 3, run.stderr  # PH-ME-P-0151-001.pdf is absent on purpose
    from_cli = json.loads((out / "job.json").read_text())
    results = dc.convert(req_path, VALHALL, dpi=40)
    assert without_times_and_ids(results.to_dict()) == without_times_and_ids(from_cli)
    missing = results["PH-ME-P-0151-001.pdf"]
    assert missing.pages == [] and missing.error_message.startswith("file not found")
    # The same bytes as the CLI wrote, page by page.
    pages = [p for p in results.pages if p.png_url]
    assert len(pages) == 10
    for page in pages:
        assert page.png_bytes == (out / page.png_url).read_bytes(), page.png_url
        assert page.svg.encode() == (out / page.svg_url).read_bytes(), page.svg_url


def test_files_as_a_mapping_by_external_id_file_id_and_instance_id():
    pdf = GOLDEN / "pdf-rotate-0" / "input.pdf"
    png = GOLDEN / "png-color" / "input.png"
    req = {
        "items": [
            {"fileExternalId": "drawing.pdf", "annotations": []},
            {"fileId": 42, "annotations": []},
            {"fileInstanceId": {"space": "plant", "externalId": "scan"}, "annotations": []},
        ]
    }
    files = {"drawing.pdf": pdf, 42: png.read_bytes(), ("plant", "scan"): str(png)}
    results = dc.convert(req, files, dpi=72)
    assert [item.error_message for item in results.items] == [None, None, None]
    assert results[42].pages[0].png_url == "42/page-1.png"
    assert results[("plant", "scan")].pages[0].png_url == "plant/scan/page-1.png"
    assert results["drawing.pdf"].file_instance_id is None
    assert results[42].pages[0].png_bytes == results[("plant", "scan")].pages[0].png_bytes
    with pytest.raises(KeyError):
        results["absent.pdf"]


def test_options_reach_the_engine():
    req = request(SHEET)
    color = dc.convert(req, VALHALL, dpi=30, grayscale=False, formats=("png",))
    page = color.pages[0]
    assert page.svg_url is None and page.svg is None
    assert page.to_pil().mode == "RGB"
    raster = dc.convert(req, VALHALL, dpi=30, formats=["svg"], svg_page="raster")
    assert raster.pages[0].png_url is None
    assert 'data-layer="raster"' in raster.pages[0].svg
    assert dc.convert(req, VALHALL, dpi=30, formats=["svg"]).pages[0].svg.count('data-layer="vector"') == 1


def test_render_converts_one_file_from_a_path_or_bytes():
    png = GOLDEN / "png-color" / "input.png"
    annotation = {
        "text": "P-101",
        "region": {"shape": "rectangle", "page": 1,
                   "vertices": [{"x": 0.1, "y": 0.1}, {"x": 0.1, "y": 0.3}, {"x": 0.4, "y": 0.3}, {"x": 0.4, "y": 0.1}]},
    }
    pages = dc.render(png, [annotation])
    assert len(pages) == 1 and pages[0].png_url == "input/page-1.png"
    assert 'data-text="P-101"' in pages[0].svg
    from_bytes = dc.render(png.read_bytes(), [annotation])
    assert from_bytes[0].png_bytes == pages[0].png_bytes
    with pytest.raises(dc.DiagramConvertError, match="file not found"):
        dc.render(GOLDEN / "absent.pdf")


def test_viewer_is_written_beside_the_job(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="needs out="):
        dc.convert(request(SHEET), VALHALL, dpi=50, viewer=True)
    dc.convert(request(SHEET), VALHALL, out, dpi=50, viewer=True)
    html = (out / "index.html").read_text()
    assert '<script src="viewer/job.js"></script>' in html
    job = (out / "viewer" / "job.js").read_text()
    assert job.startswith("DiagramViewer.job(") and f'"key":"{SHEET}"' in job
    overlay = (out / "viewer" / "pages" / "0.js").read_text()
    assert overlay.count('class=\\"annotation\\"') == len(request(SHEET)["items"][0]["annotations"])
    # Again over the same folder, by itself; and a folder without a job is refused.
    (out / "index.html").unlink()
    assert dc.write_viewer(out) == str(out / "index.html") and (out / "index.html").is_file()
    with pytest.raises(OSError):
        dc.write_viewer(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "job.json").write_text('{"items": 3}')
    with pytest.raises(ValueError, match="not a job"):
        dc.write_viewer(tmp_path / "bad")
