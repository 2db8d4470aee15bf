"""Prediction service speed: cnnlib.serve (Starlette on uvicorn) against the old
http.server one.

The new service runs once with each of uvicorn's HTTP parsers (h11, the default,
and httptools). The old service (``cnnlib/serve.py`` as of commit
:data:`OLD_COMMIT`: Python's ``http.server``, one eager Keras call per request
under a lock) runs from that commit's whole ``cnnlib`` package, extracted with
``git archive`` into a temporary folder; nothing of it stays in the library. Both
serve the same trained small network from a ``.keras`` file, each in its own
process on 127.0.0.1, one after the other; this process runs 16 client threads,
each with a keep-alive connection, that post:

* pictures: 28x28 MNIST-style PNG files (``POST /predict``, ``image/png``), and
* JSON: ``{"pixels": 28x28}`` (``POST /predict``, ``application/json``),

and checks every answer against the digit the Keras model gives for the same
input (probabilities to 1e-3). Prints requests/s and p50/p99 latency per server
and payload, and the ratio new/old measured in this one run. Other processes
on the machine load the CPU as well: compare ratios, not absolute numbers.

    python bench/serve_speed.py  # 16 clients, 2,400 requests per phase
    python bench/serve_speed.py --requests 400 --clients 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from cnnlib import data as cdata
from cnnlib import digits as cdigits
from cnnlib import models, training

#: The last commit whose cnnlib/serve.py is the http.server service.
OLD_COMMIT = "f1fc6bc"
ROOT = Path(__file__).resolve().parent.parent


def start_service(cmd: list[str], log, env=None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT, env=env
    )
    line = proc.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)/predict", line)
    if not found:
        proc.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    return proc, found.group(1)


def stop_service(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load(
    url: str, payloads: list[tuple[bytes, str, int]], clients: int, requests: int
) -> dict:
    """``requests`` POSTs from ``clients`` threads; returns req/s, p50, p99, wrong
    answers."""
    host, port = url.removeprefix("http://").split(":")
    per = requests // clients
    latencies: list[float] = []
    wrong: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        mine, bad = [], []
        barrier.wait()
        for i in range(per):
            body, ctype, want = payloads[(k * per + i) % len(payloads)]
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/predict", body, {"Content-Type": ctype})
                resp = conn.getresponse()
                answer = resp.read()
            except OSError as err:  # the old service resets connections under load
                bad.append(f"{type(err).__name__}: {err}")
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                continue
            mine.append(time.perf_counter() - t0)
            if resp.status != 200 or json.loads(answer)["digit"] != want:
                bad.append(f"{resp.status} {answer[:80]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)
            wrong.extend(bad)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    lat = np.array(latencies or [np.nan]) * 1000
    return {
        "rps": len(latencies) / took,
        "p50": float(np.percentile(lat, 50)),
        "p99": float(np.percentile(lat, 99)),
        "n": len(latencies),
        "wrong": wrong,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=16)
    p.add_argument(
        "--requests", type=int, default=2400, help="per server and payload kind"
    )
    args = p.parse_args()

    mnist = cdata.load_mnist("sample", verbose=False)
    result = training.train(
        arch="small", epochs=1, data=mnist, seed=0, verbose=0, precision="float32"
    )
    model = result.model
    x = mnist.x_test[:64]
    json_payloads = [
        (
            json.dumps({"pixels": d.tolist()}).encode(),
            "application/json",
            int(models.probabilities(model, d).argmax()),
        )
        for d in x
    ]
    png_payloads = [
        (
            cdigits.to_png_bytes(d),
            "image/png",
            models.predict_image(model, cdigits.to_png_bytes(d)).digit,
        )
        for d in x
    ]

    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        model_path = Path(tmp) / "digits.keras"
        model.save(model_path)
        # The old service runs from its own commit's whole cnnlib package, extracted
        # with git archive and put first on PYTHONPATH (the library has moved since).
        old_root = Path(tmp) / "old"
        old_root.mkdir()
        archive = subprocess.run(
            f"git archive {OLD_COMMIT} cnnlib | tar -x -C {old_root}",
            shell=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        services, envs = {}, {}
        if archive.returncode == 0:
            services["old http.server"] = [
                sys.executable,
                "-m",
                "cnnlib.serve",
                str(model_path),
                "--port",
                "0",
            ]
            envs["old http.server"] = {**os.environ, "PYTHONPATH": str(old_root)}
        else:
            print(
                f"(no old service: git archive {OLD_COMMIT} failed: "
                f"{archive.stderr.strip()[:100]})"
            )
        import importlib.util

        for parser in ("h11", "httptools"):
            if importlib.util.find_spec(parser) is None:
                print(f"(no {parser} installed: its run is skipped)")
                continue
            services[f"new {parser}"] = [
                sys.executable,
                "-m",
                "cnnlib",
                "serve",
                str(model_path),
                "--port",
                "0",
                "--http",
                parser,
            ]
        results: dict[tuple[str, str], dict] = {}
        for name, cmd in services.items():
            with open(Path(tmp) / f"{name.split()[0]}.log", "w+") as log:
                proc, url = start_service(cmd, log, envs.get(name))
                try:
                    load(url, json_payloads, 4, 64)  # warm up both kinds
                    load(url, png_payloads, 4, 64)
                    for kind, payloads in (
                        ("pictures", png_payloads),
                        ("JSON", json_payloads),
                    ):
                        results[name, kind] = r = load(
                            url, payloads, args.clients, args.requests
                        )
                        print(
                            f"{name:16s} {kind:8s} {r['rps']:7.0f} req/s  p50 "
                            f"{r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                            f"{r['n']} answered, {len(r['wrong'])} failed",
                            flush=True,
                        )
                        for w in r["wrong"][:3]:
                            print("   wrong answer:", w)
                finally:
                    stop_service(proc)
                log.seek(0)
                tracebacks = log.read().count("Traceback")
                if tracebacks:
                    print(f"{name}: {tracebacks} tracebacks in the service's log")
    if "old http.server" in services:
        for new in [name for name in services if name.startswith("new")]:
            for kind in ("pictures", "JSON"):
                ratio = (
                    results[new, kind]["rps"] / results["old http.server", kind]["rps"]
                )
                print(f"ratio {new}/old, {kind}: {ratio:.1f}x requests/s")
    print(
        f"(one run, {args.clients} clients in this process, {os.cpu_count()} CPUs; "
        "other load on the machine affects both)"
    )
    # the old service's connection resets (its listen backlog is 5) are its own result
    return (
        1
        if any(
            r["wrong"] for (name, _), r in results.items() if name != "old http.server"
        )
        else 0
    )


if __name__ == "__main__":
    sys.exit(main())
