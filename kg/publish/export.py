"""Export the dataset in every RDF format, byte for byte the same for the same input.

- ``trig`` and ``nquads`` keep the named graphs (ontology, vocabularies, one per source);
- ``turtle``, ``nt`` and ``jsonld`` hold the union of all graphs, where every described
  resource already carries ``prov:wasDerivedFrom`` its source (see :mod:`kg.model.dataset`);
- ``jsonld`` is compact, with the project's context inlined; ``frame=KIND`` gives a framed view
  instead (see :mod:`kg.model.jsonld`).

Output is canonical (see :mod:`kg.model.canonical`): sorted, blank nodes labelled by content, only
the project's prefixes, only absolute IRIs. The dataset is canonicalised once per
:class:`Snapshot`, which every format then reads.

>>> from rdflib import Literal
>>> from kg.model.dataset import new_dataset
>>> from kg.model.namespaces import ID, SKOS
>>> ds = new_dataset()
>>> demo = ds.graph(ID["graph/demo"])
>>> _ = demo.add((ID["organization/oyer"], SKOS.prefLabel, Literal("Øyer", lang="nb")))
>>> print(serialize(ds, "trig").decode(), end="")
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<BLANKLINE>
<https://w3id.org/samarbeidsgrafen/id/graph/demo> {
    <https://w3id.org/samarbeidsgrafen/id/organization/oyer>
        skos:prefLabel "Øyer"@nb .
}
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Dataset, Graph, URIRef

from kg.errors import OutputError
from kg.model import canonical
from kg.model import jsonld as kg_jsonld
from kg.model.canonical import Quad, Triple

if TYPE_CHECKING:
    from kg.model.store import LoadedStore


@dataclass(frozen=True)
class Format:
    """An export format: its name, file suffix, media type, and whether it keeps graphs."""

    name: str
    suffix: str
    media_type: str
    keeps_graphs: bool


FORMATS: dict[str, Format] = {
    "trig": Format("trig", ".trig", "application/trig", True),
    "nquads": Format("nquads", ".nq", "application/n-quads", True),
    "turtle": Format("turtle", ".ttl", "text/turtle", False),
    "nt": Format("nt", ".nt", "application/n-triples", False),
    "jsonld": Format("jsonld", ".jsonld", "application/ld+json", False),
}
"""Export formats by name, in the order the build writes them."""


class Snapshot:
    """A dataset canonicalised once, as sorted N-Triples lines per graph, which every format
    then reads (see :mod:`kg.model.canonical`, "the same documents from N-Triples lines").

    Take a snapshot of a dataset that will not change while it is exported:
    :meth:`of` for an rdflib dataset or graph, :meth:`of_store` for a loaded store (the build's
    fast path, no rdflib terms).
    """

    def __init__(self, graphs: canonical.GraphLines, union: list[str] | None = None) -> None:
        self.graphs: canonical.GraphLines = graphs
        """Graph IRI (``None``: the default graph) → its canonical, sorted lines."""
        self._union = union

    @classmethod
    def of(cls, dataset: Dataset | Graph) -> Snapshot:
        """Snapshot of a dataset (all its graphs) or of a single graph (as the default graph)."""
        if isinstance(dataset, Dataset):
            quads = canonical.canonical_quads(dataset.quads((None, None, None, None)))
        else:
            quads = canonical.canonical_quads((s, p, o, None) for s, p, o in dataset)
        graphs: canonical.GraphLines = {}
        nt = canonical.nt_term
        for s, p, o, g in quads:
            name = None if g is None else str(g)
            graphs.setdefault(name, []).append(f"{nt(s)} {nt(p)} {nt(o)} .")
        return cls({g: sorted(set(lines)) for g, lines in graphs.items()})

    @classmethod
    def of_store(cls, loaded: LoadedStore, graph: str | None = "*") -> Snapshot:
        """Snapshot of a loaded store: its named graphs and the triples stated in its default
        graph (``graph``: only that named graph, as the default graph of the snapshot)."""
        if graph != "*":
            return cls(canonical.canonical_graph_lines({None: loaded.lines.get(graph, [])}))
        snapshot = cls(canonical.canonical_graph_lines(loaded.lines))
        snapshot.check_iris()
        return snapshot

    def check_iris(self) -> None:
        """Refuse a ``file:`` IRI (what a relative IRI in a data file resolves to), as
        :func:`kg.model.canonical.check_iri` does for each term of an rdflib snapshot."""
        for lines in self.graphs.values():
            for line in lines:
                found = _FILE_IRI.search(line)
                if found is not None:
                    canonical.check_iri(URIRef(found.group(1)))

    @property
    def union(self) -> list[str]:
        """The lines of the union of all graphs, distinct and sorted."""
        if self._union is None:
            self._union = canonical.union_lines(self.graphs)
        return self._union

    @cached_property
    def quads(self) -> list[Quad]:
        """The quads as rdflib terms, sorted (for tests and small graphs)."""
        result: list[Quad] = []
        for g, lines in self.graphs.items():
            name = URIRef(g) if g is not None else None
            result.extend((s, p, o, name) for s, p, o in canonical.parse_lines(lines))
        return sorted(result, key=canonical.quad_key)

    @cached_property
    def triples(self) -> list[Triple]:
        """The union of all graphs as rdflib terms, sorted."""
        return canonical.triples_of(self.quads)

    def graph(self, name: URIRef | None) -> list[Triple]:
        """The triples of one graph (``None``: the default graph)."""
        return [(s, p, o) for s, p, o, g in self.quads if g == name]

    def render(self, fmt: str, frame: str | None = None) -> bytes:
        """The bytes of format ``fmt`` (one of :data:`FORMATS`); ``frame`` only with jsonld."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
        if frame is not None and fmt != "jsonld":
            raise ValueError("a frame applies to the jsonld format only")
        if fmt == "trig":
            text = canonical.trig_of_lines(self.graphs)
        elif fmt == "nquads":
            text = canonical.nquads_of_lines(self.graphs)
        elif fmt == "turtle":
            text = canonical.turtle_of_lines(self.union)
        elif fmt == "nt":
            text = canonical.ntriples_of_lines(self.union)
        elif frame is not None:
            return self.jsonld.frame_bytes(frame)
        else:
            return self.jsonld.compact_bytes()
        return text.encode("utf-8")

    @cached_property
    def jsonld(self) -> kg_jsonld.JsonLdWriter:
        """The JSON-LD writer of the union (its node table shared by the compact document and
        the framed views; the bytes of PyLD's compaction and framing, in linear time)."""
        return kg_jsonld.JsonLdWriter.from_ntriples(self.union)

    def release_jsonld(self) -> None:
        """Let the JSON-LD writer's node table go (a later render makes it again)."""
        self.__dict__.pop("jsonld", None)

    @cached_property
    def expanded(self) -> list[dict[str, Any]]:
        """The union as expanded JSON-LD (PyLD: the reference the writer is checked against)."""
        return kg_jsonld.expand(self.triples)


_FILE_IRI = re.compile(r"<((?i:file):[^>]*)>")


def serialize(dataset: Dataset | Graph, fmt: str, frame: str | None = None) -> bytes:
    """The dataset in format ``fmt`` (see :data:`FORMATS`), deterministic bytes."""
    return Snapshot.of(dataset).render(fmt, frame)


def graph_turtle(graph: Graph | Snapshot) -> bytes:
    """Canonical Turtle of one graph (the ontology, the shapes), or of a snapshot's union."""
    snapshot = graph if isinstance(graph, Snapshot) else Snapshot.of(graph)
    return snapshot.render("turtle")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never half of one; on failure the old file is
    untouched and no temporary file is left. Raises :class:`OutputError`.
    """
    folder = path.parent
    temporary = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        _discard(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _discard(temporary)
        raise


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # its folder is not there or not a folder: nothing was created


def export(
    dataset: Dataset | Graph, fmt: str, out: Path | None = None, frame: str | None = None
) -> bytes:
    """Serialize ``dataset`` and write it to ``out`` atomically, or to stdout when ``out`` is None.

    Returns the bytes written.
    """
    data = serialize(dataset, fmt, frame)
    if out is None:
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OutputError(
                f"cannot write to stdout: {reason} (free some space or use --out FILE)"
            ) from None
    else:
        write_atomic(out, data)
    return data


__all__ = ["FORMATS", "Format", "Snapshot", "export", "graph_turtle", "serialize", "write_atomic"]
