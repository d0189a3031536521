"""Graph facts about a question: the entities the linker finds in it, and their triples as sentences.

The knowledge stage's pieces do the work: its entity table feeds `EntityLinker`, the triples come
by one SPARQL SELECT (``VALUES ?s { <e1> <e2> }``) from the embedded store (opened read-only) or a
remote SPARQL 1.1 endpoint (`RemoteEndpoint`), and `verbalise_facts` writes each as the sentence
the pretraining corpus used. Each fact keeps its triple, so an answer can cite the triple itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vertical.knowledge.entities import read_entities
from vertical.knowledge.linker import EntityLinker
from vertical.knowledge.verbalise import Fact, verbalise_facts
from vertical.records import Entity


@dataclass(frozen=True)
class GraphFact:
    """One triple about an entity of the question, and its sentence."""

    subject: str
    predicate: str
    object: str
    sentence: str


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E").replace(" ", "%20") + ">"


class GraphFacts:
    """Finds facts about the entities mentioned in a text.

    Args:
        linker: the entity linker over the graph's entity table.
        graph: anything with ``query(sparql)`` giving pyoxigraph solutions (a read-only
            ``pyoxigraph.Store``, a `RemoteEndpoint`).
        language: names and sentence templates in this language ("en" or "zh").
        templates: predicate IRI -> language -> sentence template (the knowledge stage's).
    """

    def __init__(
        self,
        linker: EntityLinker,
        graph,
        language: str = "en",
        templates: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.linker = linker
        self.graph = graph
        self.language = language
        self.templates = templates or {}
        self.entities: dict[str, Entity] = {entity.id: entity for entity in linker.entities}

    def entities_in(self, text: str) -> list[str]:
        """The ids of the entities mentioned in `text`, in order of first mention."""
        return list(dict.fromkeys(span.entity_id for span in self.linker.link(text)))

    def facts(self, text: str, limit: int = 8) -> list[GraphFact]:
        """Up to `limit` facts about the entities of `text`, the first-mentioned entity's first."""
        subjects = self.entities_in(text)
        if not subjects or limit <= 0:
            return []
        rows = self.graph.query(
            "SELECT ?s ?p ?o WHERE { VALUES ?s { "
            + " ".join(_iri(s) for s in subjects)
            + " } ?s ?p ?o FILTER(!isBlank(?o)) } ORDER BY ?s ?p ?o"
        )
        by_subject: dict[str, list[Fact]] = {s: [] for s in subjects}
        for row in rows:
            obj = row["o"]
            by_subject[row["s"].value].append(
                Fact(row["s"].value, row["p"].value, obj.value, not hasattr(obj, "datatype"))
            )
        found: list[GraphFact] = []
        for subject in subjects:
            for fact in by_subject[subject]:
                for document in verbalise_facts(iter([fact]), self.entities, self.language, self.templates):
                    found.append(GraphFact(fact.subject, fact.predicate, fact.object, document.text))
                if len(found) >= limit:
                    return found[:limit]
        return found


def open_graph(knowledge_dir: Path, endpoint: str | None = None, timeout_s: float = 10.0):
    """The graph the facts are read from: `endpoint` when given, else the stage's store read-only."""
    if endpoint:
        from vertical.knowledge.endpoint import RemoteEndpoint

        return RemoteEndpoint(endpoint, timeout_s)
    store_dir = Path(knowledge_dir) / "store"
    if not store_dir.is_dir():
        return None
    from pyoxigraph import Store

    return Store.read_only(str(store_dir))


def load_graph_facts(
    knowledge_dir: Path,
    endpoint: str | None = None,
    language: str = "en",
    prefer_types: list[str] | None = None,
    min_name_length: int = 2,
    templates: Mapping[str, Mapping[str, str]] | None = None,
    timeout_s: float = 10.0,
) -> GraphFacts | None:
    """The facts of a run's knowledge stage folder, or None when it has no entity table or graph."""
    linker = load_linker(knowledge_dir, prefer_types, min_name_length)
    graph = open_graph(knowledge_dir, endpoint, timeout_s) if linker is not None else None
    if graph is None:
        return None
    return GraphFacts(linker, graph, language, templates)


def load_linker(
    knowledge_dir: Path, prefer_types: list[str] | None = None, min_name_length: int = 2
) -> EntityLinker | None:
    """The linker over a knowledge stage folder's entity table (names in every language), or None without one.

    Args:
        prefer_types: type IRIs, most preferred first, that decide ambiguous names.
    """
    entities_file = Path(knowledge_dir) / "entities.parquet"
    if not entities_file.is_file():
        return None
    return EntityLinker(
        read_entities(entities_file),
        language=None,
        prefer_types=prefer_types or [],
        min_name_length=min_name_length,
    )
