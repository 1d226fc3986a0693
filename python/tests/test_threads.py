"""The GIL is released while the engine runs, and Ctrl-C cancels a conversion."""

import os
import signal
import threading

import pytest

import diagram_convert as dc

from conftest import VALHALL

A0 = "PH-25578-P-4110010-001.pdf"


@pytest.mark.parametrize("isolation", ["workers", "in-process"])
def test_another_python_thread_makes_progress_while_convert_runs(isolation):
    req = {"items": [{"fileExternalId": A0, "annotations": []}]}
    dc.convert(req, VALHALL, dpi=20, threads=1, isolation=isolation)  # start the pool first
    started = threading.Event()
    done = {}

    def work():
        started.set()
        done["results"] = dc.convert(req, VALHALL, dpi=150, threads=1, isolation=isolation)

    thread = threading.Thread(target=work)
    thread.start()
    started.wait()
    counted = 0
    while thread.is_alive():
        counted += 1
    thread.join()
    assert done["results"].pages[0].error_message is None
    # Holding the GIL for the whole A0 page (hundreds of milliseconds), the engine would
    # let this loop run a handful of times at most; released, it runs freely.
    assert counted > 100_000, counted


def test_ctrl_c_cancels_the_conversion_and_raises_keyboard_interrupt(tmp_path):
    names = sorted(p.name for p in VALHALL.glob("PH-*.pdf"))
    req = {"items": [{"fileExternalId": n, "annotations": []} for n in names]}
    out = tmp_path / "out"

    def interrupt_after_first_page():
        # Ctrl-C once the first page is written, as a user would press it.
        while not any(out.glob("*/page-1.png")):
            if stop.wait(0.01):
                return
        os.kill(os.getpid(), signal.SIGINT)

    stop = threading.Event()
    watcher = threading.Thread(target=interrupt_after_first_page)
    watcher.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            dc.convert(req, VALHALL, out, dpi=100, threads=1)
    finally:
        stop.set()
        watcher.join()
    written = list(out.glob("*/page-*.png"))
    assert len(names) == 10
    assert 1 <= len(written) < len(names), "the job stopped early: pages after the interrupt were not converted"
    assert not (out / "job.json").exists() or '"the job was cancelled"' in (out / "job.json").read_text()
    # The converter is usable afterwards.
    again = dc.convert({"items": req["items"][:1]}, VALHALL, dpi=30, threads=1)
    assert again.status == "Completed"
