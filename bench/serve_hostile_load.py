"""Does /healthz keep answering while the server produces the largest SPARQL answer it allows?

Builds a run folder with only a knowledge graph (`--triples` triples), starts `vertical serve` on
it as its own process (with a key), then for `--seconds` runs `--clients` keep-alive clients on
``GET /healthz`` while one more client sends, one after the other, the maximal query
``SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT <--kg-max-rows>`` (the largest answer the server
gives; past it the answer is refused) and, every fifth time, the same query without the LIMIT
(refused at the row cap). The same /healthz load runs before and after without the SPARQL client:
the ratio of the p99 during to the mean of those two is the figure to quote on a shared machine.

    python bench/serve_hostile_load.py [--clients 32] [--seconds 20] [--triples 2000] [--kg-max-rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import encoded_requests, free_port, raw_client, wait_until_serving  # noqa: E402 - the bench folder is no package

from vertical.run import MANIFEST  # noqa: E402
from vertical.serve.keys import add_key  # noqa: E402

CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def build_graph_run(folder: Path, triples: int) -> Path:
    from pyoxigraph import Literal, NamedNode, Quad, Store

    run_dir = folder / "graph-run"
    (run_dir / "knowledge" / "store").mkdir(parents=True)
    store = Store(str(run_dir / "knowledge" / "store"))
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.extend(
        Quad(NamedNode(f"http://example.org/n{i}"), label, Literal(f"node number {i} of the load graph"))
        for i in range(triples)
    )
    store.flush()
    del store
    # serve reads a stage folder only when it is complete (it has its manifest), as `vertical run` leaves it
    (run_dir / "knowledge" / MANIFEST).write_text(
        json.dumps({"stage": "knowledge", "config": {}}), encoding="utf-8"
    )
    return run_dir


def healthz_load(port: int, key: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    requests = encoded_requests(port, key, "/healthz", [], "healthz")

    async def drive() -> list[int]:
        deadline = time.perf_counter() + seconds
        return await asyncio.gather(
            *(raw_client(port, requests, "healthz", deadline, latencies, seed) for seed in range(clients))
        )

    started = time.perf_counter()
    errors = asyncio.run(drive())
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "errors": sum(errors),
    }


def sparql_loop(url: str, key: str, max_rows: int, started_event, stop, answers) -> None:
    """Runs in its own process, so that reading the big answers takes nothing from the /healthz clients."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
        number = 0
        started_event.set()
        while not stop.is_set():
            query = CROSS if number % 5 == 4 else f"{CROSS} LIMIT {max_rows}"
            started = time.perf_counter()
            response = client.post("/v1/kg/query", json={"query": query})
            answers.put(
                {
                    "limited": "LIMIT" in query,
                    "status": response.status_code,
                    "bytes": len(response.content),
                    "seconds": time.perf_counter() - started,
                }
            )
            number += 1
    answers.put(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--triples", type=int, default=2000)
    parser.add_argument("--kg-max-rows", type=int, default=10_000)
    parser.add_argument("--kg-timeout", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.port = free_port(args.port)
    with tempfile.TemporaryDirectory() as folder:
        run_dir = build_graph_run(Path(folder), args.triples)
        keys_file = Path(folder) / "keys.json"
        key = add_key(keys_file, "load-test")
        command = [sys.executable, "-m", "vertical.cli", "serve", str(run_dir), "--port", str(args.port)]
        command += ["--keys", str(keys_file), "--kg-max-rows", str(args.kg_max_rows)]
        command += ["--kg-timeout", str(args.kg_timeout)]  # long enough for the answer on a busy machine
        server = subprocess.Popen(command, env={**os.environ, "OMP_NUM_THREADS": "1"})
        url = f"http://127.0.0.1:{args.port}"
        try:
            wait_until_serving(url, server, 300)
            load_before = os.getloadavg()[0]
            quiet = healthz_load(args.port, key, args.clients, args.seconds)
            context = multiprocessing.get_context("spawn")
            begun, stop, queue = context.Event(), context.Event(), context.Queue()
            sparql = context.Process(
                target=sparql_loop, args=(url, key, args.kg_max_rows, begun, stop, queue)
            )
            sparql.start()
            begun.wait(120)
            time.sleep(0.2)  # the first maximal query under way
            loaded = healthz_load(args.port, key, args.clients, args.seconds)
            stop.set()
            answers = list(iter(queue.get, None))
            sparql.join()
            quiet_after = healthz_load(args.port, key, args.clients, args.seconds)
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=30)
    maximal = [a for a in answers if a["limited"]]
    refused = [a for a in answers if not a["limited"]]
    figures = {
        "healthz_alone_before": quiet,
        "healthz_during_sparql": loaded,
        "healthz_alone_after": quiet_after,
        "p99_ratio": round(loaded["p99_ms"] / max((quiet["p99_ms"] + quiet_after["p99_ms"]) / 2, 0.1), 2),
        "maximal_answers": len(maximal),
        "maximal_statuses": sorted({a["status"] for a in maximal}),
        "maximal_answer_bytes": max((a["bytes"] for a in maximal), default=0),
        "maximal_answer_seconds_median": round(statistics.median(a["seconds"] for a in maximal), 2)
        if maximal
        else None,
        "refused_past_cap": len(refused),
        "refused_statuses": sorted({a["status"] for a in refused}),
        "clients": args.clients,
        "seconds": args.seconds,
        "triples": args.triples,
        "kg_max_rows": args.kg_max_rows,
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
