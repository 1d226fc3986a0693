"""The real cognite-sdk, pointed at `diagram-convert serve` on loopback, converts real
detection results the way its users' code does: `client.diagrams.convert(detect_job)`.

Run by scripts/test-service.sh (which builds the binary and the venv). The detect results
are the Valhall fixtures' detection output, saved in the hosted detect job's shape; every
page's PNG and SVG is downloaded from its signed URL (with no credentials), compared with
what `diagram-convert job` writes for the same request, and checked by
../shared/tools/check-job.py (page sizes, one group per annotation at its box).
"""

import json
import os
import re
import pathlib
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from cognite.client import ClientConfig, CogniteClient
from cognite.client.credentials import Token
from cognite.client.data_classes.contextualization import (
    DiagramConvertResults,
    DiagramDetectResults,
)
from PIL import Image

# crates/server/tests/sdk/test_sdk.py
REPO = pathlib.Path(__file__).resolve().parents[4]
VALHALL = REPO.parent / "shared" / "fixtures" / "valhall"
CHECK_JOB = REPO.parent / "shared" / "tools" / "check-job.py"
BIN = pathlib.Path(os.environ.get("DIAGRAM_CONVERT_BIN", REPO / "target" / "release" / "diagram-convert"))
TOKEN = "sdk-test-token-5f3a"
PROJECT = "plant"
# (file, its request in the fixtures): a 4-page mixed file, an A3 sheet, an A0 sheet.
# A request's log line: "<time> GET /path 200 1.4 ms".
REQUEST_LINE = re.compile(r" [A-Z]+ /\S* (\d{3}) [\d.]+ ms$")
FILES = ["valhall_mixed_4pages.pdf", "PH-ME-P-0003-001.pdf", "PH-25578-P-4110010-001.pdf"]


def annotations_of(name):
    stem = name[: -len(".pdf")]
    request = json.loads((VALHALL / "requests" / f"{stem}.json").read_text())
    (item,) = request["items"]
    return item["annotations"]


class Server:
    def __init__(self, files, store, token_file):
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--files", str(files), "--store", str(store),
             "--listen", "127.0.0.1:0", "--token-file", str(token_file), "--threads", "2"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )
        self.lines = []
        ready = threading.Event()
        self.addr = None

        def read():
            for line in self.proc.stderr:
                self.lines.append(line)
                prefix = "diagram-convert serve: listening on http://"
                if line.startswith(prefix):
                    self.addr = line[len(prefix):].strip()
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        assert ready.wait(60) and self.addr, "".join(self.lines)

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(60) == 0, "".join(self.lines)
        self.reader.join(10)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sdk")
    files = tmp / "files"
    files.mkdir()
    items = []
    for i, name in enumerate(FILES):
        file_id = 7001 + i
        # The SDK converts by fileId: the server finds fileId N as FILES/N.pdf.
        shutil.copy(VALHALL / name, files / f"{file_id}.pdf")
        items.append({"fileId": file_id, "fileExternalId": name, "annotations": annotations_of(name)})
    # The detect job as the hosted API returns it, saved by the user's pipeline.
    detect = {"jobId": 424242, "status": "Completed", "createdTime": 1730204346000,
              "startTime": 1730204346000, "statusTime": 1730204349000, "items": items}
    (tmp / "detect.json").write_text(json.dumps(detect))
    token_file = tmp / "token"
    token_file.write_text(f"{TOKEN}\n")
    server = Server(files, tmp / "store", token_file)
    yield tmp, files, server
    server.stop()
    statuses = [int(m.group(1)) for m in map(REQUEST_LINE.search, server.lines) if m]
    assert statuses and max(statuses) < 500, "".join(server.lines)


def client_for(server):
    return CogniteClient(ClientConfig(
        client_name="diagram-convert-sdk-test", project=PROJECT, credentials=Token(TOKEN),
        base_url=f"http://{server.addr}", timeout=120,
    ))


def load_detect(path):
    saved = json.loads(path.read_text())
    job = DiagramDetectResults._load(saved)
    # What the SDK's own update_status() keeps of a finished detect job.
    job._result = {k: v for k, v in saved.items() if k not in job._COMMON_FIELDS}
    return job


def download(url):
    assert "Authorization" not in url
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.headers["Content-Type"], r.read()


def test_convert_through_the_real_sdk(setup):
    tmp, files, server = setup
    client = client_for(server)
    detect = load_detect(tmp / "detect.json")
    job = client.diagrams.convert(detect)
    assert isinstance(job, DiagramConvertResults)
    assert job.status == "Queued"
    assert job.job_token and len(job.job_token) == 64
    assert [item.file_id for item in job.items] == [7001, 7002, 7003]
    job.wait_for_completion(timeout=600, interval=1)
    assert job.status == "Completed", job.error_message
    assert job.start_time >= job.created_time and job.status_time >= job.start_time

    # The same request through the CLI, to compare the served bytes with.
    posted = {"items": [{"fileId": it.file_id, "annotations": it.annotations} for it in detect.items]}
    (tmp / "posted.json").write_text(json.dumps(posted))
    cli_out = tmp / "cli"
    subprocess.run([str(BIN), "job", str(tmp / "posted.json"), "--files", str(files),
                    "--out", str(cli_out), "--quiet", "--threads", "2"], check=True)
    cli_job = json.loads((cli_out / "job.json").read_text())

    # Download every page into a folder shaped like a CLI job, for check-job.py.
    got = tmp / "downloaded"
    job_json = {"jobId": job.job_id, "status": job.status, "items": []}
    pages_total = 0
    for item, cli_item, name in zip(job.items, cli_job["items"], FILES):
        assert item.file_id == cli_item["fileId"]
        pages = item.pages
        assert len(pages) == len(cli_item["results"]) > 0
        results = []
        for page, cli_page in zip(pages, cli_item["results"]):
            assert page.page == cli_page["page"]
            rel = {}
            for kind, url, want_type in [("png", page.png_url, "image/png"),
                                        ("svg", page.svg_url, "image/svg+xml")]:
                content_type, body = download(url)
                assert content_type == want_type
                want = (cli_out / cli_page[f"{kind}Url"]).read_bytes()
                assert body == want, f"{name} page {page.page} {kind} differs from the CLI's"
                path = got / str(item.file_id) / f"page-{page.page}.{kind}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                rel[f"{kind}Url"] = str(path.relative_to(got))
            with Image.open(got / rel["pngUrl"]) as im:
                assert im.width > 500 and im.height > 500
            results.append({"page": page.page, **rel})
            pages_total += 1
        job_json["items"].append({"fileId": item.file_id, "fileExternalId": name, "results": results})
    assert pages_total == 6
    (got / "job.json").write_text(json.dumps(job_json))
    request = {"items": [{"fileExternalId": name, "annotations": annotations_of(name)} for name in FILES]}
    (tmp / "request-by-name.json").write_text(json.dumps(request))
    check = subprocess.run([sys.executable, str(CHECK_JOB), str(tmp / "request-by-name.json"),
                            str(VALHALL), str(got), "150"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    print(check.stdout.strip().splitlines()[-1])

    # The SDK's lookups work on the result too.
    assert job[7002].file_id == 7002


def test_sdk_errors_are_the_platforms(setup):
    tmp, files, server = setup
    from cognite.client.exceptions import CogniteAPIError, CogniteProjectAccessError

    bad = CogniteClient(ClientConfig(client_name="t", project=PROJECT, credentials=Token("wrong"),
                                     base_url=f"http://{server.addr}", timeout=30))
    # The SDK reads our 401 as it reads the platform's: no access to the project.
    with pytest.raises(CogniteProjectAccessError) as e:
        bad.diagrams.convert(load_detect(tmp / "detect.json"))
    assert "401" in str(e.value)

    client = client_for(server)
    saved = json.loads((tmp / "detect.json").read_text())
    saved["items"][0]["annotations"][0]["region"]["vertices"][2]["x"] = 1.5
    broken = tmp / "broken.json"
    broken.write_text(json.dumps(saved))
    with pytest.raises(CogniteAPIError) as e:
        client.diagrams.convert(load_detect(broken))
    assert e.value.code == 400
    assert "items[0].annotations[0].region.vertices[2].x" in e.value.message

    # A signed URL with its signature changed is refused.
    detect = load_detect(tmp / "detect.json")
    job = client.diagrams.convert(detect)
    job.wait_for_completion(timeout=600, interval=1)
    url = job.items[1].pages[0].png_url
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    with pytest.raises(urllib.error.HTTPError) as e:
        download(tampered)
    assert e.value.code == 403
