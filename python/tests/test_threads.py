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
    assert len(names) == 10
    req = {"items": [{"fileExternalId": n, "annotations": []} for n in names]}
    out = tmp_path / "out"
    # Every file after the first is a named pipe, fed only once Ctrl-C has been handled:
    # the job cannot end before the signal lands, however fast or loaded the machine.
    files = {names[0]: str(VALHALL / names[0])}
    pipes = {}
    for n in names[1:]:
        pipe = tmp_path / n
        os.mkfifo(pipe)
        files[n] = str(pipe)
        pipes[pipe] = (VALHALL / n).read_bytes()

    handled = threading.Event()

    def on_sigint(signum, frame):
        handled.set()
        raise KeyboardInterrupt

    def interrupt_after_first_page():
        # Ctrl-C once the first page is written, as a user would press it.
        while not any(out.glob("*/page-1.png")):
            if stop.wait(0.01):
                return
        os.kill(os.getpid(), signal.SIGINT)
        handled.wait(60)
        # Then feed whichever pipe the engine opens, until `convert` returns.
        while not stop.is_set():
            for pipe, data in list(pipes.items()):
                try:
                    fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # no reader yet (ENXIO)
                    continue
                os.set_blocking(fd, True)
                with os.fdopen(fd, "wb") as w:
                    w.write(data)
                del pipes[pipe]
            stop.wait(0.01)

    previous = signal.signal(signal.SIGINT, on_sigint)
    stop = threading.Event()
    watcher = threading.Thread(target=interrupt_after_first_page)
    watcher.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            dc.convert(req, files, out, dpi=100, threads=1)
    finally:
        stop.set()
        watcher.join()
        signal.signal(signal.SIGINT, previous)
    assert handled.is_set()
    written = list(out.glob("*/page-*.png"))
    assert 1 <= len(written) < len(names), "the job stopped early: pages after the interrupt were not converted"
    assert len(pipes) >= len(names) - 2, "files after the interrupt were not even opened"
    assert not (out / "job.json").exists() or '"the job was cancelled"' in (out / "job.json").read_text()
    # The converter is usable afterwards.
    again = dc.convert({"items": req["items"][:1]}, VALHALL, dpi=30, threads=1)
    assert again.status == "Completed"
