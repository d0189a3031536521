"""Entity-linking throughput: vertical's Aho-Corasick linker against a regular-expression alternation.

Both sides get the same 100,000 names and the same text, in this one process:

* baseline: ``re.compile(r"\\b(?:name1|name2|...)\\b", re.IGNORECASE)``, names longest first (so
  that at each position the longest name wins), ``finditer`` over the text;
* vertical: ``EntityLinker`` (two ahocorasick-rs automata, word boundaries by construction,
  plurals of lower-case names, leftmost-longest resolution, spans with entity ids), as
  `EntitySpan`s (``link_batch``) and as an Arrow table (``link_columns``, what ``spans.parquet``
  gets);
* the word automaton's scan alone, over the same batches already normalised: the floor of the
  linker on this machine in this hour, so that its share of the time is a figure that does not
  move with the load.

Names: every label and alias of the FIBO ontology in ../shared/datasets/fibo (when present), then
invented company-like names (seeded) up to 100,000. Text: the real banking77 customer queries and
FIBO's definitions when present, else the demo corpus; repeated to `--megabytes`. The regular
expression is so slow that it runs on a prefix of the text (`--baseline-kilobytes`); the linker
runs on that prefix too (to compare the mentions found) and on the whole text (for its rate).
Rates are characters per CPU second of this process (``time.process_time``).

    python bench/linker.py [--names 100000] [--megabytes 20] [--baseline-kilobytes 50] [--batch 4096]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import tempfile
import time
from pathlib import Path

from vertical.knowledge.entities import build_entities
from vertical.knowledge.linker import EntityLinker
from vertical.knowledge.scanned_text import scanned_bytes
from vertical.knowledge.store import load_sources, open_store
from vertical.records import Entity

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
_SYLLABLES = "ka lo mi ter vex dra qui zon bel tor nix ra pel sun gor fa lin mar os ven tri cal dor".split()
_SUFFIXES = ["Bank", "Capital", "Holdings", "Group", "Partners", "Securities", "Insurance", "Trust", ""]


def real_entities(shared: Path = SHARED) -> tuple[list[Entity], list[str]]:
    """FIBO's entities and definitions, when the shared datasets are there."""
    fibo = shared / "fibo" / "rdf"
    if not fibo.is_dir():
        return [], []
    store = open_store(Path(tempfile.mkdtemp()) / "store")
    load_sources(store, [(fibo, "auto")], "http://vertical.local/kg/")
    entities = build_entities(store)
    return entities, [e.description for e in entities if e.description]


def invented_entities(count: int, seed: int = 0) -> list[Entity]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        names.add(f"{word} {rng.choice(_SUFFIXES)}".strip())
    return [Entity(f"urn:invented:{i}", name) for i, name in enumerate(sorted(names))]


def load_text(
    definitions: list[str], entities: list[Entity], megabytes: float, seed: int = 0, shared: Path = SHARED
) -> tuple[str, str]:
    documents = list(definitions)
    banking77 = shared / "banking77" / "train.csv"
    if banking77.is_file():
        with open(banking77, encoding="utf-8") as handle:
            documents += [row["text"] for row in csv.DictReader(handle)]
        source = "banking77 queries + FIBO definitions (real)"
    else:
        from vertical.demo.corpus import build_corpus
        from vertical.demo.world import build_world

        documents += [d.text for d in build_corpus(build_world(seed), 3000, seed)]
        source = "demo corpus (synthetic)"
    # Mention some invented names too, so both sides do work for them (1 document in 5).
    rng = random.Random(seed)
    invented = [e.label for e in entities if e.id.startswith("urn:invented:")]
    documents = [
        f"{d} {rng.choice(invented)} said." if invented and i % 5 == 0 else d for i, d in enumerate(documents)
    ]
    text, target = [], int(megabytes * 1_000_000)
    size = 0
    while size < target:
        for document in documents:
            text.append(document)
            size += len(document) + 1
            if size >= target:
                break
    return "\n".join(text), source


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--megabytes", type=float, default=20.0)
    parser.add_argument("--baseline-kilobytes", type=float, default=50.0)
    parser.add_argument("--batch", type=int, default=4096, help="documents per link_batch call")
    parser.add_argument("--datasets", type=Path, default=SHARED, help="where fibo/ and banking77/ are")
    args = parser.parse_args()

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 minutes) at the start")
    started = time.perf_counter()
    fibo, definitions = real_entities(args.datasets)
    fibo_names = sum(len(e.names()) for e in fibo)
    entities = fibo + invented_entities(max(0, args.names - fibo_names))
    names = sorted({label.text for e in entities for label in e.names()}, key=len, reverse=True)
    print(
        f"names: {len(names):,} ({fibo_names:,} from FIBO), prepared in {time.perf_counter() - started:.1f} s"
    )

    text, source = load_text(definitions, entities, args.megabytes, shared=args.datasets)
    prefix = text[: int(args.baseline_kilobytes * 1000)]
    print(f"text: {len(text) / 1e6:.1f} MB of {source}; baseline prefix {len(prefix) / 1e3:.0f} kB")

    started = time.perf_counter()
    linker = EntityLinker(entities)
    print(f"linker built in {time.perf_counter() - started:.2f} s ({linker.names:,} keys with plurals)")
    started = time.perf_counter()
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    print(f"regular expression compiled in {time.perf_counter() - started:.2f} s")

    # once before the clocks: numba's compiled loops are loaded (or compiled) and the Unicode
    # tables built on a linker's first call, a cost per process, not per character
    started = time.perf_counter()
    warm_up = [*text[:20_000].split("\n"), "Warm-up, £ and é."]  # mentions, and a text not ASCII
    linker.link_columns(warm_up, [""] * len(warm_up))
    print(f"first call (compiled loops loaded, tables built) in {time.perf_counter() - started:.2f} s")

    # CPU time, not wall time: the figures should not depend on what else the machine runs.
    started = time.process_time()
    regex_mentions = sum(1 for _ in pattern.finditer(prefix))
    regex_rate = len(prefix) / (time.process_time() - started)

    prefix_lines = prefix.split("\n")
    started = time.process_time()
    prefix_mentions = sum(map(len, linker.link_batch(prefix_lines)))
    prefix_rate = len(prefix) / (time.process_time() - started)

    lines = text.split("\n")
    started = time.process_time()
    mentions = 0
    for start in range(0, len(lines), args.batch):
        mentions += sum(map(len, linker.link_batch(lines[start : start + args.batch])))
    rate = len(text) / (time.process_time() - started)

    # the same matches as columns, without an EntitySpan per mention: how spans.parquet is written
    started = time.process_time()
    column_mentions = 0
    for start in range(0, len(lines), args.batch):
        batch = lines[start : start + args.batch]
        column_mentions += linker.link_columns(batch, [""] * len(batch)).num_rows
    column_rate = len(text) / (time.process_time() - started)

    # the word automaton's scan alone, of the same batches already normalised: what is around it
    scanned = [scanned_bytes(lines[start : start + args.batch]) for start in range(0, len(lines), args.batch)]
    started = time.process_time()
    occurrences = sum(len(linker.scan_words(haystack)) for haystack in scanned)
    scan_rate = len(text) / (time.process_time() - started)

    print(f"regex:    {regex_rate / 1e6:8.4f} MB/s ({regex_mentions:,} mentions in the prefix)")
    print(f"vertical: {prefix_rate / 1e6:8.4f} MB/s on the prefix ({prefix_mentions:,} mentions)")
    print(
        f"vertical: {rate / 1e6:8.4f} MB/s on {len(text) / 1e6:.1f} MB "
        f"({len(lines):,} documents, {mentions:,} mentions)"
    )
    print(f"vertical: {column_rate / 1e6:8.4f} MB/s as columns (link_columns, {column_mentions:,} mentions)")
    print(
        f"scan:     {scan_rate / 1e6:8.4f} MB/s, the word automaton alone on the normalised batches "
        f"({occurrences:,} occurrences, overlapping); link_columns at {column_rate / scan_rate:.0%} of it, "
        f"link_batch at {rate / scan_rate:.0%}"
    )
    print(f"ratio: {rate / regex_rate:,.0f}x the regular expression's characters per second")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 minutes) at the end")


if __name__ == "__main__":
    main()
