"""The one prefix map of the project.

Every module, the Turtle and TriG writers, the JSON-LD context and the SPARQL prologue take
their prefixes from here, so an IRI is never retyped as a string elsewhere.

>>> str(SG.Municipality)
'https://w3id.org/samarbeidsgrafen/ontology#Municipality'
>>> PREFIXES["org"]
'http://www.w3.org/ns/org#'
"""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.model import prefixes
from kg.model.prefixes import BASE

SG = Namespace(BASE + "ontology#")
"""Local ontology terms (prefix ``sg:``)."""
ID = Namespace(BASE + "id/")
"""Things: ``id/{kind}/{slug}``."""
VOCAB = Namespace(BASE + "vocab/")
"""SKOS code lists: ``vocab/{scheme}/{concept}``."""
SHAPES = Namespace(BASE + "shapes#")
"""SHACL shapes (prefix ``sgsh:``)."""

ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
LEGAL = Namespace("http://www.w3.org/ns/legal#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("http://schema.org/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
"""SPARQL 1.1 Service Description (``kg serve`` describes its endpoint with it; not in
:data:`PREFIXES`, which the outputs and queries declare)."""
FORMATS = Namespace("http://www.w3.org/ns/formats/")
"""W3C's IRIs of RDF and result formats (for the service description; not in :data:`PREFIXES`)."""

PREFIXES: dict[str, str] = prefixes.PREFIXES
"""Prefix → namespace IRI, in a fixed order (the order outputs list them in); written as plain
strings in :mod:`kg.model.prefixes`, for code that must not import rdflib (a test checks that each
is the namespace above)."""


def bind_prefixes(graph: Graph) -> Graph:
    """Bind exactly the project's prefixes on ``graph`` (replacing any rdflib defaults).

    >>> g = bind_prefixes(Graph(bind_namespaces="none"))
    >>> str(dict(g.namespaces())["sg"]) == str(SG)
    True
    """
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, Namespace(iri), override=True, replace=True)
    return graph


sparql_prologue = prefixes.sparql_prologue


__all__ = [
    "ADMS",
    "BASE",
    "CV",
    "DCAT",
    "DCATAP",
    "DCTERMS",
    "FOAF",
    "FORMATS",
    "ID",
    "LEGAL",
    "LOCN",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "ROV",
    "SCHEMA",
    "SD",
    "SG",
    "SH",
    "SHAPES",
    "SKOS",
    "TIME",
    "VANN",
    "VOCAB",
    "VOID",
    "WD",
    "XSD",
    "bind_prefixes",
    "sparql_prologue",
]
