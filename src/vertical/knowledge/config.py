"""The knowledge stage's recipe section (``knowledge:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

import string
from typing import Any, Literal

from pydantic import Field, field_validator

from vertical.sections import Section, existing_path


class KnowledgeSource(Section):
    """One knowledge-graph file or folder of the knowledge stage."""

    path: str = Field(
        description="a file, or a folder whose graph files (.csv .nt .ttl .rdf ...) are all read"
    )
    format: Literal["auto", "csv", "tsv", "ntriples", "turtle", "rdfxml", "jsonl"] = Field(
        "auto", description="file format; auto decides by extension"
    )

    _check_path = field_validator("path")(existing_path)


class KnowledgeConfig(Section):
    """The knowledge stage: load the graph, build the entity table, link the corpus, verbalise the facts."""

    sources: list[KnowledgeSource] = Field(
        default_factory=list, description="graph files (CSV, RDF, JSON Lines)"
    )
    endpoint: str | None = Field(
        None, description="a remote SPARQL 1.1 query endpoint read instead of local sources"
    )
    namespace: str = Field(
        "http://vertical.local/kg/",
        pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$",
        description="plain names in CSV and JSON Lines become IRIs under this",
    )
    literal_predicates: list[str] = Field(
        default_factory=list, description="CSV/JSONL predicates whose objects are text, not entities"
    )
    alias_predicates: list[str] = Field(
        default_factory=list, description="predicates whose objects are further names of the subject"
    )
    link: bool = Field(True, description="find the entities' mentions in the data stage's corpus")
    link_language: Literal["auto", "en", "zh", "all"] = Field(
        "auto", description="names in which language the linker uses; auto follows the recipe's language"
    )
    prefer_types: list[str] = Field(
        default_factory=list, description="types, most preferred first, that decide ambiguous names"
    )
    min_name_length: int = Field(2, ge=1, description="shorter names are not linked")
    verbalise: bool = Field(True, description="write the facts as sentences: a knowledge corpus")
    verbalise_languages: list[Literal["en", "zh"]] | None = Field(
        None, description="languages of the knowledge corpus; default: the recipe's (mixed: both)"
    )
    templates: dict[str, dict[Literal["en", "zh"], str]] = Field(
        default_factory=dict, description="predicate -> language -> sentence with {subject} {object}"
    )
    timeout: float = Field(60.0, gt=0, description="seconds a request to the remote endpoint may take")

    @field_validator("sources", mode="before")
    @classmethod
    def _plain_paths(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("templates")
    @classmethod
    def _known_placeholders(cls, templates: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for predicate, by_language in templates.items():
            for language, template in by_language.items():
                try:
                    parsed = string.Formatter().parse(template)
                    fields = {name for _, name, _, _ in parsed if name is not None}
                except ValueError as error:
                    raise ValueError(f"{predicate}.{language}: {error}") from None
                unknown = fields - {"subject", "predicate", "object"}
                if unknown:
                    raise ValueError(
                        f"{predicate}.{language}: unknown placeholder {{{sorted(unknown)[0]}}}; "
                        "use {subject}, {predicate}, {object}"
                    )
        return templates
