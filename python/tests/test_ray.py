"""The Ray Data pipeline on a local Ray (two CPUs), and the shard rule it shares with the
CLI's ``job --shard K/N``."""

import json
import os

import pytest

import diagram_convert as dc
import diagram_convert.ray as dcr

from conftest import VALHALL, request


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_manifest_keys_are_unique_relative_paths(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("a/x.pdf", "a/x.png", "b c.PDF", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    rows = dcr.manifest(tmp_path)
    assert [r["key"] for r in rows] == ["a/x", "a/x~2", "b%20c"]
    assert [os.path.basename(r["path"]) for r in rows] == ["x.pdf", "x.png", "b c.PDF"]
    listed = tmp_path / "list.jsonl"
    listed.write_text(json.dumps({"path": "a/x.pdf", "annotations": [{"text": "t"}]}) + "\n")
    (row,) = dcr.manifest(listed)
    assert row["path"] == str(tmp_path / "a" / "x.pdf") and json.loads(row["annotations"]) == [{"text": "t"}]


def test_the_shards_hold_every_row_exactly_once():
    rows = list(range(1003))
    for count in (1, 2, 3, 7, 50):
        shards = [dcr.shard(rows, k, count) for k in range(count)]
        assert sorted(r for s in shards for r in s) == rows
        assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert dcr.shard(rows, 1, 3)[:3] == [1, 4, 7]  # the CLI's rule: every N-th from K
    with pytest.raises(ValueError):
        dcr.shard(rows, 3, 3)


def test_the_pipeline_converts_every_file_into_the_shared_folder(local_ray, tmp_path):
    paths = sorted(str(p) for p in VALHALL.glob("*.pdf") if p.name != "TERMS-OF-USE.pdf")
    annotations = {
        str(VALHALL / "PH-ME-P-0003-001.pdf"): request("PH-ME-P-0003-001")["items"][0]["annotations"]
    }
    rows = dcr.manifest(paths, annotations=annotations)
    out = tmp_path / "shared"
    results = dcr.convert_files(rows, out, num_workers=2, batch_size=3, dpi=30).take_all()
    assert set(results[0]) == set(dcr.RESULT_COLUMNS)
    # Every file once, every page of it once: 10 one-page sheets and the 4-page file.
    pages = sorted((r["key"], r["page"]) for r in results)
    expected = sorted([(os.path.splitext(os.path.basename(p))[0], 1) for p in paths if "mixed" not in p]
                      + [("valhall_mixed_4pages", n) for n in range(1, 5)])
    assert pages == expected
    for r in results:
        assert r["error_message"] is None, r
        assert (out / r["png_path"]).is_file() and (out / r["svg_path"]).is_file()
    assert not any((out / ".staging").iterdir()), "no staging folder is left behind"
    # The workers wrote what a plain convert writes.
    sheet = dc.convert(request("PH-ME-P-0003-001"), VALHALL, dpi=30)
    assert (out / "PH-ME-P-0003-001" / "page-1.svg").read_text() == sheet.pages[0].svg
    assert (out / "PH-ME-P-0003-001" / "page-1.png").read_bytes() == sheet.pages[0].png_bytes


def test_a_missing_file_is_a_row_with_its_error(local_ray, tmp_path):
    rows = dcr.manifest([{"path": str(VALHALL / "PH-ME-P-0003-001.pdf"), "key": "sheet"},
                         {"path": str(tmp_path / "gone.pdf"), "key": "gone"}])
    results = sorted(dcr.convert_files(rows, tmp_path / "out", num_workers=1, dpi=20).take_all(), key=lambda r: r["key"])
    assert [r["key"] for r in results] == ["gone", "sheet"]
    assert results[1]["error_message"] is None and (tmp_path / "out" / "sheet" / "page-1.png").is_file()
    assert results[0]["page"] == 0 and "file not found" in results[0]["error_message"]
