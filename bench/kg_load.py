"""Loading a real ontology: the FIBO ontology (294 RDF/XML files) into the embedded store.

Measures, in CPU seconds of this process (wall time on a shared machine says more about the
neighbours than about the code): parsing and loading time, triples, the entity table (time, how many
OWL classes come out with a label and a definition), and the English knowledge corpus the
verbaliser writes from it. Reads ../shared/datasets/fibo/rdf (the EDM Council's FIBO, MIT; skips
when absent; ``--datasets DIR`` reads DIR/fibo/rdf, skipping too when absent).

    python bench/kg_load.py [FOLDER] [--datasets DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from vertical.knowledge.entities import build_entities
from vertical.knowledge.names import OWL
from vertical.knowledge.store import graph_stats, load_sources, open_store
from vertical.knowledge.verbalise import read_facts, verbalise_facts

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="an ontology's folder (default: FIBO's)")
    parser.add_argument("--datasets", type=Path, default=SHARED, help="where fibo/rdf is")
    args = parser.parse_args()
    if args.folder is None:
        folder = args.datasets / "fibo" / "rdf"
        if not folder.is_dir():  # a clone without the shared datasets: nothing to measure
            print(f"skipped: {folder} not found (it lives in ../shared/datasets/fibo)")
            return
    elif not args.folder.is_dir():
        parser.exit(1, f"{args.folder}: not found; pass the folder of an ontology\n")
    folder = args.folder or folder
    store = open_store(Path(tempfile.mkdtemp()) / "store")

    started = time.process_time()
    loaded = load_sources(store, [(folder, "auto")], "http://vertical.local/kg/")
    load_seconds = time.process_time() - started
    stats = graph_stats(store)
    print(
        f"loaded {len(loaded)} files, {sum(f.triples for f in loaded):,} triples read, "
        f"{stats['triples']:,} distinct in the store, in {load_seconds:.2f} CPU s"
    )
    print(f"subjects {stats['subjects']:,}, predicates {stats['predicates']:,}, classes {stats['classes']:,}")

    started = time.process_time()
    entities = build_entities(store)
    table_seconds = time.process_time() - started
    classes = [e for e in entities if OWL + "Class" in e.types]
    defined = [e for e in classes if e.description]
    print(
        f"entity table: {len(entities):,} named entities in {table_seconds:.2f} CPU s; "
        f"{len(classes):,} OWL classes with a label, {len(defined):,} of them with a definition"
    )
    for entity in defined[:3]:
        print(f"  {entity.label!r}: {entity.description[:90]!r}")

    started = time.process_time()
    by_id = {entity.id: entity for entity in entities}
    documents = list(verbalise_facts(read_facts(store), by_id, "en"))
    sentences = sum(d.text.count(". ") + 1 for d in documents)
    print(
        f"knowledge corpus: {len(documents):,} documents, about {sentences:,} sentences, "
        f"{sum(len(d.text) for d in documents) / 1e6:.1f} MB, in {time.process_time() - started:.2f} CPU s"
    )
    print(f"  {documents[0].text[:240]!r}")


if __name__ == "__main__":
    main()
