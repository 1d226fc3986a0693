#!/usr/bin/env python3
"""Load on `diagram-convert serve` over loopback, against the CLI on the same files.

Starts the release binary as a server on a fresh store (worker processes, --threads 2),
then CLIENTS threads each post ROUNDS jobs (one Valhall file per job, in turn) and poll
each until it ends, every 100 ms, on keep-alive connections. Meanwhile a prober GETs a
running job every 20 ms, so GET latency is sampled while pages convert. Then runs
`diagram-convert job` on a request holding the same files ROUNDS * CLIENTS times over,
on 2 threads, and prints both rates and their ratio (target: within 10 %), GET latency
percentiles (target: p99 under 50 ms while jobs run), 429s and 5xx. One run; bounded in
count (CLIENTS * ROUNDS jobs) and time (each job waits at most 600 s).

usage: scripts/load-serve.py [CLIENTS=8] [ROUNDS=5]   (from the repository root, after
       cargo build --release; needs ../shared/fixtures/valhall)
"""
import http.client
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
VALHALL = REPO.parent / "shared" / "fixtures" / "valhall"
BIN = REPO / "target" / "release" / "diagram-convert"
TOKEN = "load-token"
CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
NAMES = sorted(p.stem for p in (VALHALL / "requests").glob("PH-*.json"))


def request_for(name, copy):
    """The fixture request of `name`, on its copy number `copy` (a request may not name a
    file twice, so each job converts its own copy, and the CLI's one job all of them)."""
    request = json.loads((VALHALL / "requests" / f"{name}.json").read_text())
    for item in request["items"]:
        item["fileExternalId"] = f"{name}-{copy}.pdf"
    return request


def jobs():
    """(name, copy) of every job: client k's round r."""
    return [[(NAMES[(k + r * CLIENTS) % len(NAMES)], k + r * CLIENTS) for r in range(ROUNDS)]
            for k in range(CLIENTS)]


def start_server(tmp):
    (tmp / "token").write_text(TOKEN)
    proc = subprocess.Popen(
        [str(BIN), "serve", "--files", str(tmp / "files"), "--store", str(tmp / "store"),
         "--listen", "127.0.0.1:0", "--token-file", str(tmp / "token"), "--threads", "2",
         "--queue", "1000"],
        stderr=subprocess.PIPE, text=True)
    # (The server's log lines are read and dropped: one per request and per job.)
    lines = []
    addr = None
    for line in proc.stderr:
        lines.append(line)
        if "listening on http://" in line:
            addr = line.split("http://")[1].strip()
            break
    threading.Thread(target=lambda: [lines.append(l) for l in proc.stderr], daemon=True).start()
    host, port = addr.rsplit(":", 1)
    return proc, host, int(port), lines


class Client:
    def __init__(self, host, port):
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        t = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, data, time.perf_counter() - t


BASE = "/api/v1/projects/load/context/diagram/convert"


def main():
    if not BIN.exists():
        sys.exit("build first: cargo build --release")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="load-serve-"))
    (tmp / "files").mkdir()
    for client_jobs in jobs():
        for name, copy in client_jobs:
            shutil.copy(VALHALL / f"{name}.pdf", tmp / "files" / f"{name}-{copy}.pdf")
    proc, host, port, lines = start_server(tmp)
    statuses, latencies, running_ids = [], [], []
    pages = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def client(k):
        c = Client(host, port)
        for name, copy in jobs()[k]:
            body = json.dumps(request_for(name, copy))
            while True:
                status, data, _ = c.call("POST", BASE, body)
                with lock:
                    statuses.append(status)
                if status != 429:
                    break
                time.sleep(1)
            job_id = json.loads(data)["jobId"]
            with lock:
                running_ids.append(job_id)
            deadline = time.time() + 600
            while time.time() < deadline:
                status, data, dt = c.call("GET", f"{BASE}/{job_id}")
                job = json.loads(data)
                with lock:
                    statuses.append(status)
                    if job["status"] == "Running":
                        latencies.append(dt)
                if job["status"] in ("Completed", "Failed"):
                    n = sum(len(i["results"]) for i in job["items"])
                    with lock:
                        pages[0] += n
                    break
                time.sleep(0.1)

    def prober():
        c = Client(host, port)
        while not stop.is_set():
            with lock:
                ids = list(running_ids)
            if ids:
                status, data, dt = c.call("GET", f"{BASE}/{ids[-1]}")
                with lock:
                    statuses.append(status)
                    if json.loads(data)["status"] == "Running":
                        latencies.append(dt)
            time.sleep(0.02)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    probe = threading.Thread(target=prober)
    probe.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    served = time.perf_counter() - t0
    stop.set()
    probe.join()
    proc.terminate()
    proc.wait(60)

    # The CLI on the same files, as many times, in one job.
    items = [item for client_jobs in jobs() for name, copy in client_jobs
             for item in request_for(name, copy)["items"]]
    (tmp / "all.json").write_text(json.dumps({"items": items}))
    t0 = time.perf_counter()
    subprocess.run([str(BIN), "job", str(tmp / "all.json"), "--files", str(tmp / "files"), "--out",
                    str(tmp / "cli"), "--quiet", "--threads", "2"], check=True)
    cli = time.perf_counter() - t0
    cli_job = json.loads((tmp / "cli" / "job.json").read_text())
    cli_pages = sum(len(i.get("results") or []) for i in cli_job["items"])

    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    five = sum(1 for s in statuses if s >= 500)
    print(f"jobs: {CLIENTS * ROUNDS} ({CLIENTS} clients x {ROUNDS}), pages: served {pages[0]}, CLI {cli_pages}")
    print(f"serve: {served:.2f} s, {pages[0] / served:.2f} pages/s")
    print(f"CLI:   {cli:.2f} s, {cli_pages / cli:.2f} pages/s")
    print(f"serve/CLI pages per second: {(pages[0] / served) / (cli_pages / cli):.3f}")
    print(f"GET while running: n={len(latencies)} p50={pct(0.5):.1f} ms p99={pct(0.99):.1f} ms max={latencies[-1] * 1000:.1f} ms")
    print(f"responses: {len(statuses)}, 429: {statuses.count(429)}, 5xx: {five}")
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if five else 0)


if __name__ == "__main__":
    main()
