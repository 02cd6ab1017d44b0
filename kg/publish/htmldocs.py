"""The HTML documentation of a build, ``dist/docs/`` (``kg build``, ``kg docs``).

Pages, all static, linked relatively, with one stylesheet and no script or inline style (the
endpoint serves them under a strict Content-Security-Policy):

- ``index.html``: what the dataset is, links to everything below, the pictures;
- ``ontology.html``: every class and property of the ontology (an anchor per term, so
  ``ontology.html#Municipality`` lands on it): labels, definition, the standard terms it
  specialises, domain and range;
- ``vocab/{scheme}.html``: each code list with its concepts (notation, labels, definition,
  broader, matches), an anchor per concept;
- ``queries/{name}.html``: each named query: description, parameters, columns, whether it takes
  ``--as-of``, a command line, and its real answer on this build with the default parameters
  (the first :data:`EXAMPLE_ROWS` rows);
- ``model.svg``: the model's main patterns (:data:`PATTERNS`: classes as boxes, properties as
  labelled arrows; under each of the ontology's classes what it specialises, from the ontology);
- ``network-lillehammer.svg``, ``network-national.svg``: :mod:`kg.publish.network`.

The pages are written here rather than by pyLODE: they must open offline and under the
endpoint's CSP (no inline style or script), link the ontology, code lists and queries to one
another relatively, and the code-list and query pages are this project's own; one small
generator keeps them alike and deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from html import escape

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.model.prefixes import PREFIXES
from kg.model.render import shorten

SG = PREFIXES["sg"]
VOCAB = PREFIXES["sgv"]
EXAMPLE_ROWS = 20
DEFINITION = SKOS.definition

STYLE = """\
body { font-family: sans-serif; margin: 0; color: #1a1a1a; background: #fafbfc; line-height: 1.45; }
header { background: #1f3b5c; color: #fff; padding: 12px 24px; }
header a { color: #fff; margin-right: 18px; text-decoration: none; font-weight: bold; }
main { max-width: 1100px; padding: 8px 24px 48px; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
h3 { margin-bottom: 0.2em; }
code, .iri { font-family: monospace; font-size: 0.92em; color: #444; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
section.term { border-left: 3px solid #4a6fa5; padding-left: 12px; margin: 18px 0; }
.lang { color: #777; font-size: 0.85em; }
img.picture { max-width: 100%; border: 1px solid #d0d7de; background: #fff; }
pre { background: #eef2f6; padding: 8px; overflow-x: auto; }
.date { white-space: nowrap; }
"""


FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="4" cy="4" r="3" fill="#c0392b"/><circle cx="12" cy="12" r="3" fill="#2e8b57"/>'
    '<line x1="4" y1="4" x2="12" y2="12" stroke="#4a6fa5" stroke-width="2"/></svg>\n'
)


def _page(title: str, body: Sequence[str], depth: int = 0) -> bytes:
    up = "../" * depth
    nav = "".join(
        f'<a href="{up}{href}">{label}</a>'
        for href, label in (
            ("index.html", "samarbeidsgrafen"),
            ("ontology.html", "Ontology"),
            ("index.html#code-lists", "Code lists"),
            ("index.html#queries", "Queries"),
            ("index.html#pictures", "Pictures"),
        )
    )
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} · samarbeidsgrafen</title>",
        f'<link rel="stylesheet" href="{up}style.css">',
        f'<link rel="icon" href="{up}favicon.svg" type="image/svg+xml">',
        "</head>",
        "<body>",
        f"<header>{nav}</header>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def _local(iri: str) -> str:
    return iri[len(SG) :] if iri.startswith(SG) else iri.rsplit("/", 1)[-1]


def _texts(graph: Graph, subject: Node, predicate: Node) -> str:
    values = sorted(
        (v for v in graph.objects(subject, predicate) if isinstance(v, Literal)),
        key=lambda v: (v.language != "en", v.language or "", str(v)),
    )
    return "<br>".join(
        f'{escape(str(v))} <span class="lang">{escape(v.language or "")}</span>' for v in values
    )


def _term_link(term: Node, depth: int = 0) -> str:
    """A term as a link: ontology terms to their anchor, code-list concepts to their page,
    other IRIs to themselves (absolute)."""
    if not isinstance(term, URIRef):
        return escape(str(term))
    iri = str(term)
    name = escape(shorten(term))
    if iri.startswith(SG):
        return f'<a href="{"../" * depth}ontology.html#{escape(_local(iri))}">{name}</a>'
    if iri.startswith(VOCAB):
        scheme, _, concept = iri[len(VOCAB) :].partition("/")
        target = f"{'../' * depth}vocab/{escape(scheme)}.html" + (
            f"#{escape(concept)}" if concept else ""
        )
        return f'<a href="{target}">{name}</a>'
    return f'<a href="{escape(iri)}">{name}</a>'


def _links(graph: Graph, subject: Node, predicate: Node, depth: int = 0) -> str:
    values = sorted(
        (v for v in graph.objects(subject, predicate) if isinstance(v, URIRef)), key=str
    )
    return ", ".join(_term_link(v, depth) for v in values)


def _terms(graph: Graph, kinds: Iterable[URIRef]) -> list[URIRef]:
    found = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    return sorted((s for s in found if isinstance(s, URIRef) and str(s).startswith(SG)), key=str)


def ontology_page(graph: Graph) -> bytes:
    ontology = URIRef(SG.rstrip("#"))
    classes = _terms(graph, [OWL.Class])
    properties = _terms(graph, [OWL.ObjectProperty, OWL.DatatypeProperty])
    body = [
        f"<h1>{_texts(graph, ontology, URIRef(PREFIXES['dct'] + 'title'))}</h1>",
        f'<p class="iri">{escape(SG)} (prefix <code>sg:</code>), version '
        f"{escape(str(graph.value(ontology, OWL.versionInfo) or ''))}</p>",
        f"<p>{_texts(graph, ontology, URIRef(PREFIXES['dct'] + 'description'))}</p>",
        '<p>The main patterns: <a href="model.svg">model.svg</a>.</p>',
        "<h2>Classes</h2>",
        "<p>"
        + ", ".join(f'<a href="#{_local(str(c))}">{_local(str(c))}</a>' for c in classes)
        + "</p>",
        "<h2>Properties</h2>",
        "<p>"
        + ", ".join(f'<a href="#{_local(str(p))}">{_local(str(p))}</a>' for p in properties)
        + "</p>",
    ]
    for heading, terms in (("Classes", classes), ("Properties", properties)):
        body.append(f"<h2>{heading} in full</h2>")
        for term in terms:
            rows = [
                ("IRI", f'<span class="iri">{escape(str(term))}</span>'),
                ("label", _texts(graph, term, RDFS.label)),
                ("definition", _texts(graph, term, DEFINITION)),
                ("type", _links(graph, term, RDF.type)),
                ("subclass of", _links(graph, term, RDFS.subClassOf)),
                ("subproperty of", _links(graph, term, RDFS.subPropertyOf)),
                ("domain", _links(graph, term, RDFS.domain)),
                ("range", _links(graph, term, RDFS.range)),
            ]
            body.append(f'<section class="term" id="{escape(_local(str(term)))}">')
            body.append(f"<h3>{escape(shorten(term))}</h3>")
            body.append("<table>")
            body += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v]
            body.append("</table></section>")
    return _page("Ontology", body)


def schemes(graph: Graph) -> list[URIRef]:
    found = graph.subjects(RDF.type, SKOS.ConceptScheme)
    return sorted((s for s in found if isinstance(s, URIRef) and str(s).startswith(VOCAB)), key=str)


def scheme_name(scheme: URIRef) -> str:
    return str(scheme)[len(VOCAB) :].strip("/")


def scheme_page(graph: Graph, scheme: URIRef) -> bytes:
    concepts = sorted(
        (c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)), key=str
    )
    body = [
        f"<h1>{_texts(graph, scheme, SKOS.prefLabel)}</h1>",
        f'<p class="iri">{escape(str(scheme))}</p>',
        f"<p>{_texts(graph, scheme, DEFINITION) or _texts(graph, scheme, RDFS.comment)}</p>",
        "<table>",
        "<tr><th>concept</th><th>notation</th><th>label</th><th>definition</th>"
        "<th>broader</th><th>matches</th></tr>",
    ]
    for concept in concepts:
        slug = str(concept).rsplit("/", 1)[-1]
        matches = ", ".join(
            x
            for x in (
                _links(graph, concept, SKOS.exactMatch, 1),
                _links(graph, concept, SKOS.closeMatch, 1),
                _links(graph, concept, SKOS.broadMatch, 1),
                _links(graph, concept, SKOS.relatedMatch, 1),
            )
            if x
        )
        notation = ", ".join(sorted(escape(str(n)) for n in graph.objects(concept, SKOS.notation)))
        body.append(
            f'<tr id="{escape(slug)}"><td class="iri">{escape(shorten(concept))}</td>'
            f"<td>{notation}</td><td>{_texts(graph, concept, SKOS.prefLabel)}</td>"
            f"<td>{_texts(graph, concept, DEFINITION)}</td>"
            f"<td>{_links(graph, concept, SKOS.broader, 1)}</td><td>{matches}</td></tr>"
        )
    body.append("</table>")
    return _page(scheme_name(scheme), body, depth=1)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, URIRef):
        return (
            _term_link(value, 1) if str(value).startswith((SG, VOCAB)) else escape(shorten(value))
        )
    text = escape(str(value))
    return f'<span class="date">{text}</span>' if _DATE.fullmatch(text) else text


_DATE = re.compile(r"-?\d{4}(-\d\d(-\d\d)?)?")
"""A date or a year: kept on one line in a table."""


def query_page(entry: object, engine: object) -> bytes:
    from kg.errors import KgError
    from kg.query.engines import run
    from kg.query.listing import columns_of, example_command, takes_as_of
    from kg.query.queries import load_query

    header = entry.header  # type: ignore[attr-defined]
    body = [
        f"<h1>{escape(header.title)}</h1>",
        f"<p><code>{escape(entry.name)}</code> ({escape(entry.kind)}), file "  # type: ignore[attr-defined]
        f"<code>queries/{escape(entry.name)}.rq</code></p>",  # type: ignore[attr-defined]
        f"<p>{escape(header.description)}</p>",
        f"<p>Takes <code>--as-of</code>: {'yes' if takes_as_of(header.params) else 'no'}.</p>",
    ]
    if header.params:
        body.append(
            "<h2>Parameters</h2><table><tr><th>name</th><th>type</th><th>default</th>"
            "<th>meaning</th></tr>"
        )
        for p in header.params:
            body.append(
                f"<tr><td><code>{escape(p.name)}</code></td><td>{escape(p.type)}</td>"
                f"<td><code>{escape(p.example or '')}</code></td>"
                f"<td>{escape(p.description or '')}</td></tr>"
            )
        body.append("</table>")
    columns = columns_of(entry)  # type: ignore[arg-type]
    if columns:
        body.append(
            "<h2>Columns</h2><p>" + ", ".join(f"<code>{escape(c)}</code>" for c in columns) + "</p>"
        )
    body.append("<h2>Run it</h2>")
    body.append(f"<pre>{escape(example_command(entry))}</pre>")  # type: ignore[arg-type]
    body.append("<h2>Its answer on this build, with the default parameters</h2>")
    try:
        result = run(load_query(entry.path), engine)  # type: ignore[attr-defined,arg-type]
    except KgError as error:
        body.append(f"<p>Not run here: {escape(str(error))}</p>")
        return _page(header.title, body, depth=1)
    if result.kind == "select":
        names = [str(v) for v in result.variables]
        rows = list(result.rows)
        body.append(
            f"<p>{len(rows)} rows.</p><table><tr>"
            + "".join(f"<th>{escape(n)}</th>" for n in names)
            + "</tr>"
        )
        for row in rows[:EXAMPLE_ROWS]:
            body.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
        body.append("</table>")
        if len(rows) > EXAMPLE_ROWS:
            body.append(f"<p>… and {len(rows) - EXAMPLE_ROWS} more rows.</p>")
    elif result.kind == "ask":
        body.append(f"<p>{'true' if result.boolean else 'false'}</p>")
    else:
        text = result.serialize("turtle")
        lines = text.splitlines()
        body.append(f"<pre>{escape(chr(10).join(lines[:60]))}</pre>")
        if len(lines) > 60:
            body.append(f"<p>… and {len(lines) - 60} more lines.</p>")
    return _page(header.title, body, depth=1)


PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("org:Membership", "org:member", "sg:Municipality"),
    ("org:Membership", "org:organization", "org:OrganizationalCollaboration"),
    ("org:Membership", "org:role, adms:status", "skos:Concept"),
    ("org:Membership", "org:memberDuring", "time:Interval"),
    ("time:Interval", "time:hasBeginning, time:hasEnd", "time:Instant"),
    ("sg:Municipality", "adms:identifier", "adms:Identifier"),
    ("adms:Identifier", "dct:temporal", "time:Interval"),
    ("org:ChangeEvent", "org:originalOrganization, org:resultingOrganization", "sg:Municipality"),
    ("sg:CodeChange", "dct:isPartOf", "org:ChangeEvent"),
    ("sg:JointCompany", "sg:seatMunicipality", "sg:Municipality"),
    ("org:OrganizationalCollaboration", "org:purpose", "skos:Concept"),
    ("sg:QualifiedStatement", "dct:temporal", "time:Interval"),
    ("sg:SourceGraph", "prov:wasDerivedFrom", "sg:SourceDocument"),
)
"""The main patterns as (class, properties, class): who is a member of what, for which period,
how a municipality holds its numbers over time, how a change event replaces municipalities,
where an IKS sits, what a collaboration is for, a statement's own period, and where each graph
comes from. Every term is the ontology's or a standard one the data uses (a test checks)."""

_PLACES = {
    "sg:CodeChange": (150, 90),
    "sg:JointCompany": (520, 90),
    "org:ChangeEvent": (150, 260),
    "sg:Municipality": (520, 260),
    "adms:Identifier": (890, 260),
    "org:OrganizationalCollaboration": (150, 450),
    "org:Membership": (520, 450),
    "time:Interval": (890, 450),
    "sg:QualifiedStatement": (1180, 260),
    "skos:Concept": (150, 640),
    "time:Instant": (890, 640),
    "sg:SourceGraph": (520, 800),
    "sg:SourceDocument": (890, 800),
}


def model_svg(graph: Graph) -> bytes:
    """The picture of :data:`PATTERNS`; under each of the ontology's classes the standard
    classes it specialises (``rdfs:subClassOf``, from the ontology)."""
    size_x, size_y = 1380, 880
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_x}" height="{size_y}" '
        f'viewBox="0 0 {size_x} {size_y}" role="img" aria-label="The main patterns">',
        "<title>The main patterns of the samarbeidsgrafen model</title>",
        f'<rect width="{size_x}" height="{size_y}" fill="#ffffff"/>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#4a6fa5"/></marker></defs>',
        '<g font-family="sans-serif" font-size="13">',
    ]

    def border(name: str, towards: tuple[float, float]) -> tuple[float, float]:
        x, y = _PLACES[name]
        dx, dy = towards[0] - x, towards[1] - y
        half_w, half_h = 8 * len(name) / 2 + 10, 16
        scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
        return x + dx * scale, y + dy * scale

    for source, label, target in PATTERNS:
        start = border(source, _PLACES[target])
        end = border(target, _PLACES[source])
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 6)
        out.append(
            f'<line x1="{start[0]:.1f}" y1="{start[1]:.1f}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" '
            f'stroke="#4a6fa5" stroke-width="1.5" marker-end="url(#arrow)" '
            f'data-property="{escape(label)}"/>'
        )
        parts = label.split(", ")
        lines = "".join(
            f'<tspan x="{middle[0]:.1f}" dy="{0 if i == 0 else 14}">{escape(part)}</tspan>'
            for i, part in enumerate(parts)
        )
        top = middle[1] - 14 * (len(parts) - 1)
        out.append(
            f'<text x="{middle[0]:.1f}" y="{top:.1f}" text-anchor="middle" '
            f'fill="#1f3b5c" font-size="12">{lines}</text>'
        )
    for name, (x, y) in sorted(_PLACES.items()):
        own = name.startswith("sg:")
        width = 8 * len(name) + 20
        out.append(
            f'<rect x="{x - width / 2:.1f}" y="{y - 16}" width="{width}" height="32" rx="5" '
            f'fill="{"#dfe9f5" if own else "#f3f3f3"}" stroke="{"#1f3b5c" if own else "#888"}" '
            f'data-class="{escape(name)}"/>'
        )
        out.append(
            f'<text x="{x}" y="{y + 5}" text-anchor="middle" fill="#1a1a1a">{escape(name)}</text>'
        )
        if own:
            term = URIRef(SG + name[3:])
            parents = sorted(shorten(p) for p in graph.objects(term, RDFS.subClassOf))
            if parents:
                out.append(
                    f'<text x="{x}" y="{y + 32}" text-anchor="middle" fill="#666" '
                    f'font-size="11">⊑ {escape(", ".join(parents))}</text>'
                )
    out += ["</g>", "</svg>", ""]
    return "\n".join(out).encode("utf-8")


def index_page(ontology: Graph, vocab: Graph, entries: Sequence[object]) -> bytes:
    body = [
        "<h1>samarbeidsgrafen</h1>",
        "<p>An open knowledge graph of Norwegian inter-municipal cooperation: municipalities and "
        "their numbers since 1971, inter-municipal companies, cooperation arrangements and the "
        "Lillehammer region's cooperation, every statement with its source and its time.</p>",
        '<h2 id="model">The model</h2>',
        '<p><a href="ontology.html">The ontology</a> (classes and properties) and '
        '<a href="model.svg">a picture of its main patterns</a>.</p>',
        '<h2 id="code-lists">Code lists</h2><ul>',
    ]
    for scheme in schemes(vocab):
        body.append(
            f'<li><a href="vocab/{escape(scheme_name(scheme))}.html">'
            f"{_texts(vocab, scheme, SKOS.prefLabel)}</a></li>"
        )
    body.append(
        '</ul><h2 id="queries">Named queries</h2><table><tr><th>query</th><th>title</th></tr>'
    )
    for entry in entries:
        name = escape(entry.name)  # type: ignore[attr-defined]
        body.append(
            f'<tr><td><a href="queries/{name}.html"><code>{name}</code></a></td>'
            f"<td>{escape(entry.header.title)}</td></tr>"  # type: ignore[attr-defined]
        )
    body += [
        "</table>",
        '<h2 id="pictures">Pictures</h2>',
        "<p>The Lillehammer region: its municipalities, a line for each pair that shares "
        "arrangements, as wide as the number they share (query "
        '<a href="queries/municipality-pairs-by-shared-arrangements.html">'
        "municipality-pairs-by-shared-arrangements</a>).</p>",
        '<p><img class="picture" src="network-lillehammer.svg" alt="The Lillehammer region\'s '
        'municipalities and the arrangements they share"></p>',
        "<p>Municipalities (red) and the arrangements and companies that link them (green), on "
        'the default day of the query <a href="queries/municipality-links.html">'
        "municipality-links</a>.</p>",
        '<p><img class="picture" src="network-national.svg" alt="Municipalities and the '
        'arrangements and companies that link them"></p>',
        '<p><img class="picture" src="model.svg" alt="The model\'s main patterns"></p>',
    ]
    return _page("Documentation", body)


def render(build_input: object) -> dict[str, bytes]:
    """Every file of ``docs/`` for the build (paths relative to ``docs/``)."""
    from kg.model import store
    from kg.publish.export import Snapshot
    from kg.publish.network import pictures
    from kg.query.queries import entries

    loaded = build_input.loaded  # type: ignore[attr-defined]
    ontology = Graph().parse(
        data=Snapshot.of_store(loaded, store.ONTOLOGY_GRAPH).render("turtle"), format="turtle"
    )
    vocab = Graph().parse(
        data=Snapshot.of_store(loaded, store.VOCAB_GRAPH).render("turtle"), format="turtle"
    )
    engine = build_input.engine()  # type: ignore[attr-defined]
    found = list(entries().values())
    files = {
        "style.css": STYLE.encode("utf-8"),
        "favicon.svg": FAVICON.encode("utf-8"),
        "index.html": index_page(ontology, vocab, found),
        "ontology.html": ontology_page(ontology),
        "model.svg": model_svg(ontology),
    }
    for scheme in schemes(vocab):
        files[f"vocab/{scheme_name(scheme)}.html"] = scheme_page(vocab, scheme)
    for entry in found:
        files[f"queries/{entry.name}.html"] = query_page(entry, engine)
    files.update(pictures(engine))
    return files


__all__ = ["EXAMPLE_ROWS", "model_svg", "ontology_page", "query_page", "render", "scheme_page"]
