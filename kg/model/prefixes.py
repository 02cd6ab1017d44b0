"""The project's prefix map as plain strings, for code that must not import rdflib.

:mod:`kg.model.namespaces` takes :data:`PREFIXES` and :func:`sparql_prologue` from here and adds
the rdflib namespaces; reading a query header or listing the catalogue (``kg query --list``)
needs only these strings, and importing rdflib would cost that command most of its time.

>>> PREFIXES["sgid"]
'https://w3id.org/samarbeidsgrafen/id/'
>>> sparql_prologue({"sg": PREFIXES["sg"]})
'PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>\\n'
"""

from __future__ import annotations

BASE = "https://w3id.org/samarbeidsgrafen/"

PREFIXES: dict[str, str] = {
    "sg": BASE + "ontology#",
    "sgid": BASE + "id/",
    "sgv": BASE + "vocab/",
    "sgsh": BASE + "shapes#",
    "org": "http://www.w3.org/ns/org#",
    "cv": "http://data.europa.eu/m8g/",
    "legal": "http://www.w3.org/ns/legal#",
    "rov": "http://www.w3.org/ns/regorg#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "schema": "http://schema.org/",
    "locn": "http://www.w3.org/ns/locn#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "void": "http://rdfs.org/ns/void#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
}
"""Prefix → namespace IRI, in a fixed order (the order outputs list them in)."""


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """``PREFIX`` lines for every project prefix (or those given), to put before a query."""
    items = (prefixes or PREFIXES).items()
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in items)


__all__ = ["BASE", "PREFIXES", "sparql_prologue"]
