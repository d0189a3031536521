"""Streaming chat under load: `vertical serve`'s /v1/chat/completions against the plain `generate` loop.

Builds a run folder around a causal-LM folder (``pretrain/model``), starts `vertical serve` on
loopback as its own process with a fresh API key, and for 1, 4 and 8 concurrent clients sends
streaming chat requests (greedy, ``max_tokens`` each) for a bounded count and time. Prints per
client count: tokens/s generated (from each stream's ``usage``), time to first token p50/p99,
errors, and the ratio of tokens/s to the baseline: transformers' plain ``generate`` on the same
model and the same chat prompts, one after another, in this process before the server starts.

Without MODEL_DIR it builds a random Llama (hidden 256, 4 layers, the tiny BPE of the tests):
the figures then measure serving (HTTP, SSE, queue, streaming decode) around a small model, not
answers. On a shared machine the absolute figures move with the load; the ratios, measured in one
run, are steadier.

    python bench/llm_serve.py [MODEL_DIR] [--clients 1,4,8] [--requests 4] [--seconds 60]
        [--max-tokens 32] [--max-generations 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import free_port, wait_until_serving  # noqa: E402 - the bench folder is no package

QUESTIONS = [
    "Which sector is Zorvex 3 in?",
    "Where does Acme Bank raise deposits?",
    "What did the chipmaker ship this week?",
    "Why did the central bank hold rates?",
]


def random_llama(folder: Path) -> Path:
    """A random Llama (hidden 256, 4 layers) over a small BPE with a chat template."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from vertical.tokenizer.scratch import train_tokenizer

    texts = [f"{q} The answer is number {n}." for n in range(50) for q in QUESTIONS]
    train_tokenizer(texts, "bpe", 2000, folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=768,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=None,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def plain_generate(model_dir: Path, max_tokens: int, count: int) -> dict:
    """Tokens/s of transformers' generate on the chat prompts, one after another (the baseline)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    generated, first_token = 0, []
    started = time.perf_counter()
    for n in range(count):
        messages = [{"role": "user", "content": QUESTIONS[n % len(QUESTIONS)]}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            one = time.perf_counter()
            model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=1,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
            first_token.append(time.perf_counter() - one)
            output = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        generated += output.shape[1] - ids.shape[1]
    seconds = time.perf_counter() - started - sum(first_token)
    return {"tokens_per_s": generated / seconds, "ttft_p50_s": statistics.median(first_token)}


async def client(url: str, key: str, max_tokens: int, requests: int, stop_at: float, n: int) -> list[dict]:
    results = []
    async with httpx.AsyncClient(timeout=300) as http:
        for r in range(requests):
            if time.monotonic() > stop_at:
                break
            body = {
                "model": "pretrain",
                "messages": [{"role": "user", "content": QUESTIONS[(n + r) % len(QUESTIONS)]}],
                "max_tokens": max_tokens,
                "temperature": 0,
                "stream": True,
                "stream_options": {"include_usage": True},
                "retrieval": False,
            }
            started, first, tokens, ok = time.monotonic(), None, 0, False
            try:
                async with http.stream(
                    "POST",
                    url + "/v1/chat/completions",
                    json=body,
                    headers={"Authorization": f"Bearer {key}"},
                ) as response:
                    if response.status_code != 200:
                        results.append({"error": response.status_code})
                        continue
                    async for line in response.aiter_lines():
                        if not line.startswith("data: "):
                            continue
                        if line == "data: [DONE]":
                            ok = True
                            break
                        chunk = json.loads(line[6:])
                        if (
                            first is None
                            and chunk.get("choices")
                            and chunk["choices"][0]["delta"].get("content")
                        ):
                            first = time.monotonic() - started
                        if chunk.get("usage"):
                            tokens = chunk["usage"]["completion_tokens"]
            except httpx.HTTPError as error:
                results.append({"error": type(error).__name__})
                continue
            results.append({"ttft_s": first, "tokens": tokens} if ok else {"error": "no [DONE]"})
    return results


async def load(url: str, key: str, clients: int, requests: int, seconds: float, max_tokens: int) -> dict:
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    rows = await asyncio.gather(*(client(url, key, max_tokens, requests, stop_at, n) for n in range(clients)))
    wall = time.monotonic() - started
    done = [r for row in rows for r in row if "error" not in r]
    ttft = sorted(r["ttft_s"] for r in done if r["ttft_s"] is not None)
    return {
        "clients": clients,
        "requests": len(done),
        "errors": sum("error" in r for row in rows for r in row),
        "tokens_per_s": sum(r["tokens"] for r in done) / wall,
        "ttft_p50_s": statistics.median(ttft) if ttft else None,
        "ttft_p99_s": ttft[min(len(ttft) - 1, int(0.99 * len(ttft)))] if ttft else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", nargs="?", type=Path)
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--requests", type=int, default=4, help="requests per client")
    parser.add_argument("--seconds", type=float, default=60.0, help="no new request after this")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--max-generations", type=int, default=1, help="the server's concurrent generations")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    args.port = free_port(args.port)
    from vertical.serve.keys import add_key

    work = Path(tempfile.mkdtemp(prefix="llm-serve-bench-"))
    try:
        model_dir = args.model_dir or random_llama(work / "model")
        run_dir = work / "runs" / "bench"
        (run_dir / "pretrain").mkdir(parents=True)
        os.symlink(Path(model_dir).resolve(), run_dir / "pretrain" / "model")
        baseline = plain_generate(Path(model_dir), args.max_tokens, 8)
        first_ms = baseline["ttft_p50_s"] * 1000
        print(f"plain generate: {baseline['tokens_per_s']:.1f} tokens/s, first token {first_ms:.0f} ms")
        key = add_key(work / "keys.json", "bench")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vertical.cli",
                "serve",
                str(run_dir),
                "--keys",
                str(work / "keys.json"),
                "--port",
                str(args.port),
                "--max-generations",
                str(args.max_generations),
                "--max-queued",
                "64",
                "--max-output-tokens",
                str(args.max_tokens),
            ],
        )
        url = f"http://127.0.0.1:{args.port}"
        try:
            wait_until_serving(url, server, 120)
            print("| clients | requests | errors | tokens/s | vs plain generate | TTFT p50 | TTFT p99 |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            for clients in (int(c) for c in args.clients.split(",")):
                row = asyncio.run(load(url, key, clients, args.requests, args.seconds, args.max_tokens))
                p50 = f"{row['ttft_p50_s'] * 1000:.0f} ms" if row["ttft_p50_s"] is not None else "-"
                p99 = f"{row['ttft_p99_s'] * 1000:.0f} ms" if row["ttft_p99_s"] is not None else "-"
                print(
                    f"| {clients} | {row['requests']} | {row['errors']} | {row['tokens_per_s']:.1f} | "
                    f"{row['tokens_per_s'] / baseline['tokens_per_s']:.2f}x | {p50} | {p99} |",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
