#!/usr/bin/env python3
"""Benchmarks of the Python package (not CI): run with the venv that scripts/test-python.sh
made, after it installed the wheel:

    target/venv/bin/python scripts/bench-python.py [threads|ray|isolation|all] [--runs 3]

threads    two Python threads each converting with threads=1 at once, against one
           (issue 15's target: the pair takes at most 1.3x the time of one)
isolation  the cost of worker processes against converting in process
ray        pages per second of the Ray Data pipeline on 2 workers (1 thread each)
           against the CLI with --threads 2, on the same files

Medians of --runs runs; other work on the machine moves these numbers, so the load
average is printed with them.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import diagram_convert as dc

REPO = Path(__file__).resolve().parents[1]
VALHALL = REPO / ".." / "shared" / "fixtures" / "valhall"
SHEETS = ["PH-ME-P-0003-001", "PH-ME-P-0004-001", "PH-ME-P-0152-001", "PH-ME-P-0156-001", "PH-25578-P-4110006-001"]


def request(sheets):
    items = []
    for sheet in sheets:
        with open(VALHALL / "requests" / f"{sheet}.json", encoding="utf-8") as f:
            items += json.load(f)["items"]
    return {"items": items}


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def bench_threads(runs, isolation="workers"):
    req = request(SHEETS)
    options = dict(dpi=150, threads=1, isolation=isolation)

    def one():
        results = dc.convert(req, VALHALL, **options)
        assert all(p.error_message is None for p in results.pages)

    def two():
        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    two()  # start two converters' pools (and worker processes) before timing
    cpu = time.process_time()
    single = median_time(one, runs)
    cpu_single = (time.process_time() - cpu) / runs
    cpu = time.process_time()
    pair = median_time(two, runs)
    cpu_pair = (time.process_time() - cpu) / runs
    # In process, this process's CPU time over the wall time is the cores the job had:
    # near 2 for the pair when both cores are free, near 1 when another program holds one.
    cores = f", cores used {cpu_single / single:.2f} / {cpu_pair / pair:.2f}" if isolation == "in-process" else ""
    print(f"threads ({isolation}): one thread {single:.2f} s, two threads at once {pair:.2f} s, "
          f"ratio {pair / single:.2f}x (target <= 1.3x; {len(SHEETS)} Valhall sheets, PNG+SVG, 150 DPI{cores}; {load()})")
    return pair / single


def bench_isolation(runs):
    req = request(SHEETS)
    times = {}
    for isolation in ("in-process", "workers"):
        dc.convert(req, VALHALL, dpi=150, threads=2, isolation=isolation)
        times[isolation] = median_time(lambda: dc.convert(req, VALHALL, dpi=150, threads=2, isolation=isolation), runs)
    cold = median_time(lambda: dc.Converter(threads=2, dpi=150).convert(req, VALHALL), runs)
    print(f"isolation: in-process {times['in-process']:.2f} s, workers {times['workers']:.2f} s "
          f"({times['workers'] / times['in-process']:.2f}x), workers with a new converter each time "
          f"(2 worker interpreters started) {cold:.2f} s ({len(SHEETS)} sheets, 2 threads; {load()})")


def corpus(folder: Path, copies: int):
    """The Valhall PDFs, `copies` times each under distinct names (hard links where the
    file system allows, else copies: the CLI refuses symbolic links that leave --files)."""
    names = sorted(p.name for p in VALHALL.glob("*.pdf") if p.name != "TERMS-OF-USE.pdf")
    for n in range(copies):
        for name in names:
            try:
                os.link(VALHALL / name, folder / f"c{n}-{name}")
            except OSError:
                shutil.copyfile(VALHALL / name, folder / f"c{n}-{name}")
    return sorted(p.name for p in folder.iterdir())


def bench_ray(runs, dpi=150, sizes=(2, 4)):
    """Each of the CLI and the pipeline on the Valhall set copied `sizes` times (at most 4:
    one request holds 50 files): pages per
    second over the whole run (start-up included), and the marginal rate between the two
    sizes (start-up excluded: the Ray pipeline starts its actors, and they their worker
    processes, on each run)."""
    import ray
    import diagram_convert.ray as dcr

    cli = os.environ.get("DIAGRAM_CONVERT_CLI", str(REPO / "target" / "release" / "diagram-convert"))
    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    init_time = time.perf_counter() - started
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        for copies in sizes:
            base = Path(tmp) / f"x{copies}"
            files = base / "files"
            files.mkdir(parents=True)
            names = corpus(files, copies)
            req_path = base / "request.json"
            req_path.write_text(json.dumps({"items": [{"fileExternalId": n, "annotations": []} for n in names]}))

            def run_cli():
                out = base / "cli-out"
                run = subprocess.run([cli, "job", str(req_path), "--files", str(files), "--out", str(out),
                                      "--threads", "2", "--dpi", str(dpi), "--quiet"])
                assert run.returncode == 0, run.returncode
                job = json.loads((out / "job.json").read_text())
                return sum(len(i.get("results", [])) for i in job["items"])

            pages = run_cli()
            cli_time = median_time(run_cli, runs)
            rows = dcr.manifest(files)

            def run_ray():
                got = dcr.convert_files(rows, base / "ray-out", num_workers=2, threads_per_worker=1, batch_size=2,
                                        dpi=dpi).take_all()
                assert len(got) == pages and all(r["error_message"] is None for r in got)

            ray_time = median_time(run_ray, runs)
            measured[copies] = (pages, len(names), cli_time, ray_time)
            print(f"ray: {pages} pages ({len(names)} files): CLI --threads 2 {cli_time:.2f} s = "
                  f"{pages / cli_time:.2f} pages/s; Ray Data, 2 actors x 1 thread {ray_time:.2f} s = "
                  f"{pages / ray_time:.2f} pages/s ({load()})")
    ray.shutdown()
    (p1, _, c1, r1), (p2, _, c2, r2) = measured[sizes[0]], measured[sizes[1]]
    print(f"ray: marginal rate ({p1} -> {p2} pages): CLI {(p2 - p1) / (c2 - c1):.2f} pages/s, "
          f"Ray {(p2 - p1) / (r2 - r1):.2f} pages/s; fixed cost per run: CLI {c1 - p1 * (c2 - c1) / (p2 - p1):.1f} s, "
          f"Ray {r1 - p1 * (r2 - r1) / (p2 - p1):.1f} s; ray.init {init_time:.1f} s once (PNG+SVG, {dpi} DPI)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["threads", "isolation", "ray", "all"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what in ("threads", "all"):
        bench_threads(args.runs, "workers")
        bench_threads(args.runs, "in-process")
    if args.what in ("isolation", "all"):
        bench_isolation(args.runs)
    if args.what in ("ray", "all"):
        bench_ray(args.runs)


if __name__ == "__main__":
    sys.exit(main())
