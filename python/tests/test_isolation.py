"""A hostile PDF does not abort the interpreter: pages run in worker processes (the
default), and the same file in process does abort one."""

import subprocess
import sys
import textwrap

import diagram_convert as dc

from conftest import REPO, VALHALL
from hostile import huge_page, predictor_content

LIMIT = 256 << 20
GOOD = "PH-ME-P-0003-001.pdf"


def hostile_folder(tmp_path):
    (tmp_path / "huge.pdf").write_bytes(huge_page())
    (tmp_path / "predictor.pdf").write_bytes(predictor_content())
    for found in sorted((REPO / "fuzz" / "regressions" / "pdf").glob("*.pdf")):
        (tmp_path / found.name).write_bytes(found.read_bytes())
    (tmp_path / GOOD).write_bytes((VALHALL / GOOD).read_bytes())
    return sorted(p.name for p in tmp_path.iterdir())


def test_hostile_pdfs_fail_alone_and_the_interpreter_goes_on(tmp_path):
    names = hostile_folder(tmp_path)
    assert len(names) == 5
    req = {"items": [{"fileExternalId": n, "annotations": []} for n in names], "grayscale": False}
    results = dc.convert(req, tmp_path, dpi=150, threads=2, worker_memory=LIMIT)
    assert results.status == "Completed"
    huge = results["huge.pdf"]
    assert [p.error_message for p in huge.pages] == ["the page needed more than 256 MiB of memory and was stopped"]
    good = results[GOOD]
    assert good.error_message is None and good.pages[0].png_bytes.startswith(b"\x89PNG")
    for item in results.items:
        assert item.error_message or all(p.error_message or p.png_url for p in item.pages), item
    # The converter's pool replaced the dead worker: the next job converts.
    again = dc.convert({"items": [{"fileExternalId": GOOD, "annotations": []}], "grayscale": False}, tmp_path,
                       dpi=150, threads=2, worker_memory=LIMIT)
    assert again.pages[0].png_bytes == good.pages[0].png_bytes


def test_the_same_page_in_process_aborts_an_interpreter(tmp_path):
    """What the workers protect against: converting the huge page in process under the
    same memory limit ends the whole interpreter with SIGABRT."""
    (tmp_path / "huge.pdf").write_bytes(huge_page())
    script = textwrap.dedent(
        f"""
        import resource, diagram_convert as dc
        resource.setrlimit(resource.RLIMIT_DATA, ({LIMIT}, {LIMIT}))
        dc.convert({{"items": [{{"fileExternalId": "huge.pdf", "annotations": []}}], "grayscale": False}}, {str(tmp_path)!r},
                   isolation="in-process", threads=1)
        print("survived")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == -6, (run.returncode, run.stdout, run.stderr[-2000:])
    assert "survived" not in run.stdout
    assert "memory allocation of" in run.stderr
