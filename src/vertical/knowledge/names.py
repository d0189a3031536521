"""Names to IRIs and back: plain names in CSV and JSON Lines become IRIs under the recipe's namespace.

A value is taken as an IRI when it is one already (``http://...``, ``https://...``, ``urn:...``,
``<...>``) or a CURIE with a well-known prefix (``rdf:type``, ``skos:altLabel``); anything else is a
plain name, minted as ``namespace + percent-encoded name`` (spaces become ``_``). A few plain
predicate names mean the standard vocabulary (``type`` is ``rdf:type``, ``label`` is ``rdfs:label``,
``alias`` is ``skos:altLabel``, ``description`` is ``rdfs:comment``).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "owl": OWL,
    "xsd": XSD,
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
}

RDF_TYPE = RDF + "type"
RDF_PROPERTY = RDF + "Property"
RDFS_LABEL = RDFS + "label"
RDFS_COMMENT = RDFS + "comment"
SKOS_PREF_LABEL = SKOS + "prefLabel"
SKOS_ALT_LABEL = SKOS + "altLabel"
SKOS_DEFINITION = SKOS + "definition"
OWL_NAMED_INDIVIDUAL = OWL + "NamedIndividual"
PROPERTY_TYPES = frozenset(
    {RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
)

STANDARD_PREDICATES: dict[str, str] = {
    "type": RDF_TYPE,
    "a": RDF_TYPE,
    "label": RDFS_LABEL,
    "alias": SKOS_ALT_LABEL,
    "description": RDFS_COMMENT,
    "definition": SKOS_DEFINITION,
}

DEFAULT_NAMESPACE = "http://vertical.local/kg/"

_ABSOLUTE = re.compile(r"^(https?://|urn:|file:)\S+$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(\S+)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def explicit_iri(value: str) -> str | None:
    """The IRI `value` spells out (absolute, ``<...>`` or a known CURIE), or None for a plain name."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    if _ABSOLUTE.match(value):
        return value
    match = _CURIE.match(value)
    if match and match.group(1) in PREFIXES:
        return PREFIXES[match.group(1)] + match.group(2)
    return None


def mint_iri(name: str, namespace: str) -> str:
    """The IRI of a plain name under `namespace` (``Acme Bank`` -> ``<namespace>Acme_Bank``)."""
    return namespace + quote(name.strip().replace(" ", "_"), safe="_-.~()!,;'*")


def to_iri(value: str, namespace: str) -> str:
    """An explicit IRI as it is, a plain name minted under `namespace`."""
    return explicit_iri(value) or mint_iri(value, namespace)


def predicate_iri(value: str, namespace: str) -> str:
    """Like `to_iri`, but the plain names ``type``, ``label``, ``alias``, ... mean the standard vocabulary."""
    return STANDARD_PREDICATES.get(value.strip(), None) or to_iri(value, namespace)


def local_name(iri: str) -> str:
    """The last segment of an IRI, decoded: ``.../Acme_Bank`` -> ``Acme_Bank``, ``...#has`` -> ``has``."""
    for separator in ("#", "/", ":"):
        if separator in iri:
            tail = iri.rsplit(separator, 1)[1]
            if tail:
                return unquote(tail)
    return iri


def name_from_iri(iri: str) -> str:
    """A label for an entity IRI that has none: ``.../Acme_Bank`` -> ``Acme Bank``."""
    return local_name(iri).replace("_", " ")


def predicate_phrase(iri: str) -> str:
    """A phrase for a predicate without a label: ``hasHeadquarters`` -> ``has headquarters``."""
    name = local_name(iri).replace("_", " ")
    return name if name.isupper() else _CAMEL.sub(" ", name).lower()
