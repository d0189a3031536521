"""Load test: `vertical serve` on loopback, driven by a bounded number of clients for a bounded time.

Starts the server as its own process (with a fresh API key, as in production), waits for
/healthz, then runs `--clients` concurrent clients for `--seconds`, each sending one text per
request to ``POST /v1/classify/<task>`` and starting its next request when the answer arrives.
Prints requests/s, p50/p99 latency and the error count; a non-200 answer or a wrong-shaped one
is an error.

Where the time goes: it also reports the CPU seconds the server processes and the load client
spent per request (``server_cpu_ms``, ``client_cpu_ms``) and the load average before and after.
On a shared machine those CPU figures are steadier than requests/s: two cores can serve at most
about ``2000 / (server_cpu_ms + client_cpu_ms)`` requests/s whatever else runs.

Clients: ``raw`` (default) writes pre-encoded HTTP/1.1 requests on keep-alive asyncio streams
and parses the answers with orjson, so that the load client takes as little of the machine it
shares with the server as it can; ``httpx`` is the usual Python client (several times the CPU
per request). ``--target healthz`` measures the HTTP stack alone, without a model.

    python bench/serve_load.py RUN_DIR [--task sector] [--clients 32] [--seconds 20]
        [--variant onnx-int8] [--workers 1] [--client raw|httpx] [--target classify|healthz]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import psutil

from vertical.serve.keys import add_key


def task_texts(run_dir: Path, task: str) -> list[str]:
    """Texts to send: the task's test texts from its data file when readable, else made up."""
    manifest = json.loads((run_dir / "finetune" / "manifest.json").read_text())
    for entry in manifest["config"]["tasks"]:
        if entry["name"] == task:
            path = Path(entry.get("test") or entry["data"])
            if path.suffix == ".csv" and path.is_file():
                with open(path, encoding="utf-8") as handle:
                    return [row[entry.get("text_column", "text")] for row in csv.DictReader(handle)]
    return [f"sample text number {n} about the markets" for n in range(100)]


def _answer_ok(status: int, body: bytes, target: str) -> bool:
    if status != 200:
        return False
    if target == "healthz":
        return body == b'{"status":"ok"}'
    try:
        return len(orjson.loads(body)["results"]) == 1
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return False


async def raw_client(
    port: int, requests: list[bytes], target: str, deadline: float, latencies: list[float], seed: int
) -> int:
    """One keep-alive connection sending `requests` (whole HTTP/1.1 requests) until `deadline`.

    Returns the number of wrong answers; each request's latency goes into `latencies`.
    """
    chooser = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(chooser.choice(requests))
            status = int((await reader.readline()).split(b" ", 2)[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            errors += 0 if _answer_ok(status, body, target) else 1
    finally:
        writer.close()
    return errors


async def httpx_client(
    http: httpx.AsyncClient, path: str, texts: list[str], target: str, deadline, latencies, seed
) -> int:
    chooser = random.Random(seed)
    errors = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            if target == "healthz":
                response = await http.get(path)
            else:
                response = await http.post(path, json={"texts": [chooser.choice(texts)]})
            ok = _answer_ok(response.status_code, response.content, target)
        except httpx.HTTPError:
            ok = False
        latencies.append(time.perf_counter() - started)
        errors += 0 if ok else 1
    return errors


def encoded_requests(port: int, key: str, path: str, texts: list[str], target: str) -> list[bytes]:
    host = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
    if target == "healthz":
        return [f"GET {path} HTTP/1.1\r\n{host}\r\n".encode()]
    requests = []
    for text in texts:
        body = orjson.dumps({"texts": [text]})
        head = f"POST {path} HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        requests.append(head.encode() + body)
    return requests


async def drive(args, port: int, key: str, path: str, texts: list[str]) -> dict:
    latencies: list[float] = []
    deadline = time.perf_counter() + args.seconds
    started = time.perf_counter()
    if args.client == "raw":
        requests = encoded_requests(port, key, path, texts, args.target)
        errors = await asyncio.gather(
            *(
                raw_client(port, requests, args.target, deadline, latencies, seed)
                for seed in range(args.clients)
            )
        )
    else:
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {key}"},
            limits=limits,
            timeout=60,
        ) as http:
            errors = await asyncio.gather(
                *(
                    httpx_client(http, path, texts, args.target, deadline, latencies, seed)
                    for seed in range(args.clients)
                )
            )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "errors": sum(errors),
    }


def free_port(port: int = 0) -> int:
    """`port`, or when it is 0 a port the system has free on 127.0.0.1 now (no clash with another server)."""
    if port:
        return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, timeout_s: float) -> None:
    """Poll ``url``/healthz until it answers 200; exit when `server` dies or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("the server did not start")
        time.sleep(0.2)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU seconds of a process and its children (uvicorn's workers)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--task", default=None, help="default: the first task of the run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--variant", default="onnx-int8")
    parser.add_argument("--workers", type=int, default=1, help="server processes (vertical serve --workers)")
    parser.add_argument("--threads", type=int, default=1, help="model threads per server process")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--target", choices=["classify", "healthz"], default="classify")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here as JSON")
    args = parser.parse_args()
    args.port = free_port(args.port)
    task = args.task or sorted(p.name for p in (args.run_dir / "finetune").iterdir() if p.is_dir())[0]
    texts = task_texts(args.run_dir, task)
    path = f"/v1/classify/{task}" if args.target == "classify" else "/healthz"
    with tempfile.TemporaryDirectory() as folder:
        keys_file = Path(folder) / "keys.json"
        key = add_key(keys_file, "load-test")
        command = [sys.executable, "-m", "vertical.cli", "serve", str(args.run_dir), "--port", str(args.port)]
        command += ["--variant", args.variant, "--keys", str(keys_file), "--workers", str(args.workers)]
        threads = str(args.threads)
        environment = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": threads}
        server = subprocess.Popen(command, env=environment)
        url = f"http://127.0.0.1:{args.port}"
        try:
            wait_until_serving(url, server, 600)  # loading the models can be slow on a busy machine
            time.sleep(2 * args.workers)  # every worker up, not only the first
            process = psutil.Process(server.pid)
            load_before = os.getloadavg()[0]
            server_cpu, client_cpu = cpu_seconds(process), time.process_time()
            figures = asyncio.run(drive(args, args.port, key, path, texts))
            server_cpu, client_cpu = cpu_seconds(process) - server_cpu, time.process_time() - client_cpu
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=30)
    done = max(1, figures["requests"])
    figures.update(
        server_cpu_ms=round(1000 * server_cpu / done, 2),
        client_cpu_ms=round(1000 * client_cpu / done, 2),
        load_average=[round(load_before, 1), round(load_after, 1)],
        task=task,
        variant=args.variant,
        target=args.target,
        client=args.client,
        workers=args.workers,
        threads=args.threads,
        clients=args.clients,
        seconds=args.seconds,
        cpus=os.cpu_count(),
    )
    print(json.dumps(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
