"""The knowledge stage: an industry knowledge graph in an embedded RDF store, entity linking, facts as text.

Modules: `names` (plain names to IRIs), `csv_triples` and `jsonl_graph` and `loaders` (sources to
quads), `store` (the pyoxigraph store), `sparql` (read-only queries with a timeout), `endpoint`
(a remote SPARQL server), `entities` (the entity table), `linker` (Aho-Corasick entity linking),
`spans` (the corpus's mentions as parquet), `verbalise` (facts as sentences), `build` (the stage).
"""

from vertical.knowledge.build import build_knowledge

__all__ = ["build_knowledge"]
