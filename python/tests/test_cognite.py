"""A cognite-sdk DiagramDetectResults, built with the SDK's own classes, as input."""

import pytest
from cognite.client.data_classes.contextualization import DiagramDetectItem, DiagramDetectResults

import diagram_convert as dc

from conftest import VALHALL, request

SHEETS = ["PH-ME-P-0003-001", "PH-ME-P-0156-001"]


def detect_job(with_external_ids: bool) -> DiagramDetectResults:
    items = []
    for n, sheet in enumerate(SHEETS):
        item = {"fileId": 1000 + n, "annotations": request(sheet)["items"][0]["annotations"]}
        if with_external_ids:
            item["fileExternalId"] = f"{sheet}.pdf"
        items.append(item)
    return DiagramDetectResults._load(
        {"jobId": 7, "status": "Completed", "createdTime": 1, "startTime": 1, "statusTime": 2, "items": items}
    )


def test_the_sdk_classes_are_the_real_ones():
    job = detect_job(True)
    assert type(job).__module__ == "cognite.client.data_classes.contextualization"
    assert all(isinstance(item, DiagramDetectItem) for item in job.items)


def test_a_detect_job_converts_like_the_same_request_as_a_dict():
    job = detect_job(with_external_ids=True)
    results = dc.convert(job, VALHALL, dpi=40)
    plain = dc.convert({"items": [request(s)["items"][0] for s in SHEETS]}, VALHALL, dpi=40)
    assert [p.svg for p in results.pages] == [p.svg for p in plain.pages]
    assert [p.png_bytes for p in results.pages] == [p.png_bytes for p in plain.pages]
    # Looked up by either id the detect job knew the file by.
    assert results[1000] is results["PH-ME-P-0003-001.pdf"]
    assert results[1001].file_external_id == "PH-ME-P-0156-001.pdf"
    assert results[1000].pages[0].svg.count('class="annotation"') == len(job.items[0].annotations)


def test_file_ids_only_resolve_through_a_mapping():
    job = detect_job(with_external_ids=False)
    files = {1000 + n: VALHALL / f"{sheet}.pdf" for n, sheet in enumerate(SHEETS)}
    results = dc.convert(job, files, dpi=40)
    assert [item.error_message for item in results.items] == [None, None]
    assert results[1000].pages[0].png_url == "1000/page-1.png"
    assert results.to_dict()["items"][0]["fileId"] == 1000


def test_a_fetched_result_is_used_and_a_page_range_refused():
    job = detect_job(with_external_ids=True)
    job._result = {"items": [{"fileId": 5, "fileExternalId": "PH-ME-P-0003-001.pdf", "annotations": []}]}
    results = dc.convert(job, VALHALL, dpi=30)
    assert [i.file_id for i in results.items] == [5]
    ranged = DiagramDetectResults._load({"jobId": 8, "status": "Completed", "createdTime": 1, "startTime": 1,
        "statusTime": 2, "items": [{"fileId": 1, "annotations": [], "pageRange": {"begin": 2, "end": 3}}]})
    with pytest.raises(dc.RequestError, match="page range"):
        dc.convert(ranged, VALHALL)
