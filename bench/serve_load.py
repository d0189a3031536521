"""Load test: `vertical serve` on loopback, driven by a bounded number of clients for a bounded time.

Starts the server as its own process (with a fresh API key, as in production), waits for
/healthz, then runs `--clients` concurrent clients for `--seconds`, each sending one text per
request to ``POST /v1/classify/<task>`` and starting its next request when the answer arrives.
Prints requests/s, p50/p99 latency and the error count; a non-200 answer or a wrong-shaped one
is an error.

    python bench/serve_load.py RUN_DIR [--task sector] [--clients 32] [--seconds 20] [--variant onnx-int8]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from vertical.serve.keys import add_key


def task_texts(run_dir: Path, task: str) -> list[str]:
    """Texts to send: the task's test texts from the finetune predictions when readable, else made up."""
    manifest = json.loads((run_dir / "finetune" / "manifest.json").read_text())
    for entry in manifest["config"]["tasks"]:
        if entry["name"] == task:
            path = Path(entry.get("test") or entry["data"])
            if path.suffix == ".csv" and path.is_file():
                with open(path, encoding="utf-8") as handle:
                    return [row[entry.get("text_column", "text")] for row in csv.DictReader(handle)]
    return [f"sample text number {n} about the markets" for n in range(100)]


async def drive(url: str, key: str, task: str, texts: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as http:

        async def client(seed: int) -> None:
            nonlocal errors
            chooser = random.Random(seed)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await http.post(
                        f"/v1/classify/{task}", json={"texts": [chooser.choice(texts)]}
                    )
                    ok = response.status_code == 200 and len(response.json()["results"]) == 1
                except (httpx.HTTPError, ValueError, KeyError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(client(seed) for seed in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--task", default=None, help="default: the first task of the run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--variant", default="full")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here as JSON")
    args = parser.parse_args()
    task = args.task or sorted(p.name for p in (args.run_dir / "finetune").iterdir() if p.is_dir())[0]
    texts = task_texts(args.run_dir, task)
    with tempfile.TemporaryDirectory() as folder:
        keys_file = Path(folder) / "keys.json"
        key = add_key(keys_file, "load-test")
        command = [
            sys.executable,
            "-m",
            "vertical.cli",
            "serve",
            str(args.run_dir),
            "--port",
            str(args.port),
            "--variant",
            args.variant,
            "--keys",
            str(keys_file),
        ]
        server = subprocess.Popen(command, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
        url = f"http://127.0.0.1:{args.port}"
        try:
            deadline = time.monotonic() + 600  # loading the models can be slow on a busy machine
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            figures = asyncio.run(drive(url, key, task, texts, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures.update(
        task=task, variant=args.variant, clients=args.clients, seconds=args.seconds, cpus=os.cpu_count()
    )
    print(json.dumps(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
