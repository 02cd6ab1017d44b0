"""The store at the core: pyoxigraph loads, unions and serialises; a built store persists.

A build loads the ontology, the code lists and the data into one in-memory
:class:`pyoxigraph.Store` with Oxigraph's own (Rust) parsers, after the same bounds checks as
every parse (:mod:`kg.model.bounds`): one named graph per source, as written in the files; resource
provenance derived as :func:`kg.model.dataset.derive_provenance` does; and the **default graph
holding the union of all graphs, each triple once** (what rdflib's union default graph answers;
Oxigraph's own union option counts a triple once per graph that states it). A data file may
state nothing outside its source graphs: after each one is loaded, a triple in the default
graph or a named graph that is not a source graph refuses it, naming the file and line
(:mod:`kg.model.sourcegraphs`), so the default graph holds nothing of its own.

rdflib stays the Python API users know and what libraries need (a
:class:`rdflib.Dataset` is made from the store on demand, :meth:`LoadedStore.dataset`), not the
build's hot path.

**Persistence.** :func:`save` writes a store to a cache folder keyed by the checksums of its
inputs (:func:`inputs_key`), with a manifest (inputs, graphs, the validation report);
:func:`open_cached` finds it again for ``kg query``, ``kg stats`` and ``kg serve``, which then
open it read-only instead of parsing the data. The cache folder is
``KG_CACHE_DIR`` (default ``.kg-cache`` in the project root); a manifest is written last and
renamed into place, so a half-written store is never found; stores not used by the newest
:data:`KEEP` builds are removed.

Parsing is offline by construction: Oxigraph's TriG, N-Quads, Turtle and N-Triples parsers read
only the bytes given (no imports, no contexts); JSON-LD and RDF/XML go through
:func:`kg.model.dataset.parse_file` (offline, bounded) and are copied in. A syntax error is reported
by re-reading the file with rdflib, so that its one-line message (file, line, column) is the
project's usual one; where rdflib accepts what Oxigraph refuses, Oxigraph's message is given.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.errors import LoadError, OutputError
from kg.model import bounds, paths

if TYPE_CHECKING:
    from rdflib import Dataset

    from kg.publish.export import Snapshot

STORE_FORMAT = 2
"""Version of what :func:`save` writes; a new version makes every cached store stale (2: data
files may state nothing outside a source graph, so a store built from one that did is stale)."""
KEEP = 3
"""How many cached stores stay (the newest by use)."""
ID = "https://w3id.org/samarbeidsgrafen/id/"
ONTOLOGY_GRAPH = ID + "graph/ontology"
VOCAB_GRAPH = ID + "graph/vocabularies"
_PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SG = "https://w3id.org/samarbeidsgrafen/ontology#"

OX_FORMATS: dict[str, ox.RdfFormat] = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
}
"""The syntaxes Oxigraph parses here (by :func:`kg.model.dataset.syntax_of` name); others go
through rdflib."""

# --------------------------------------------------------------------------------------------
# Inputs and their checksums


@dataclass(frozen=True)
class InputFile:
    """A file the store is made from: its role, path, size, modification time and SHA-256."""

    role: str
    """``ontology``, ``vocabulary`` or ``data``."""
    path: str
    size: int
    mtime_ns: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "path": self.path,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha256": self.sha256,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_files(data: Path | Iterable[Path] | None = None) -> list[tuple[str, Path]]:
    """``(role, path)`` of every file a build reads: ontology, code lists, then the data."""
    from kg.model.dataset import data_files, ontology_files, vocabulary_files

    if data is None:
        data = paths.DATA_DIR
    if isinstance(data, Path) and data.is_dir():
        files = data_files(data)
    elif isinstance(data, Path):
        files = [data]
    else:
        files = list(data)
    return [
        *(("ontology", p) for p in ontology_files()),
        *(("vocabulary", p) for p in vocabulary_files()),
        *(("data", p) for p in files),
    ]


def describe_inputs(
    files: Sequence[tuple[str, Path]], known: Sequence[InputFile] = ()
) -> list[InputFile]:
    """The :class:`InputFile` of each file; a file whose path, size and modification time
    equal a ``known`` one keeps its checksum (as ``git`` trusts its index), others are hashed."""
    by_path = {(k.role, k.path): k for k in known}
    described = []
    for role, path in files:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise LoadError(str(path), "no such file") from None
        except OSError as exc:
            raise LoadError(str(path), exc.strerror or str(exc)) from None
        name = str(path.resolve())
        old = by_path.get((role, name))
        if old is not None and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
            described.append(old)
            continue
        try:
            checksum = _sha256(path)
        except OSError as exc:
            raise LoadError(str(path), exc.strerror or str(exc)) from None
        described.append(InputFile(role, name, stat.st_size, stat.st_mtime_ns, checksum))
    return described


def inputs_key(inputs: Sequence[InputFile]) -> str:
    """The cache key of a store: a hash of the store format, Oxigraph's version and each
    input's role, path and SHA-256 (not its time: a touched file is the same input)."""
    digest = hashlib.sha256(f"kg-store {STORE_FORMAT} pyoxigraph {ox.__version__}\n".encode())
    for item in inputs:
        digest.update(f"{item.role}\t{item.path}\t{item.sha256}\n".encode())
    return digest.hexdigest()[:24]


# --------------------------------------------------------------------------------------------
# Loading


@dataclass
class LoadedStore:
    """A store made from input files: named graphs as written, the union in the default graph."""

    store: ox.Store
    inputs: list[InputFile]
    graphs_by_file: dict[str, list[str]] = field(default_factory=dict)
    """Input path → IRIs of the named graphs it introduced."""
    path: Path | None = None
    """Where the store is on disk, if it is (a cached store)."""
    lines: dict[str | None, list[str]] = field(default_factory=dict)
    """Named graph → its N-Triples lines as loaded (Oxigraph's blank node labels, unsorted),
    derived provenance included: what the snapshot and the saved store are made from. (The
    type allows ``None``, the default graph, as :class:`kg.publish.export.Snapshot` does; a loaded
    store has none.)"""

    @property
    def key(self) -> str:
        return inputs_key(self.inputs)

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    @cached_property
    def triple_count(self) -> int:
        """Distinct triples of the union of all graphs."""
        union: set[str] = set()
        for graph_lines in self.lines.values():
            union.update(graph_lines)
        return len(union)

    def dataset(self) -> Dataset:
        """An rdflib :class:`~rdflib.Dataset` with the same named graphs: for the rdflib
        engine and libraries that need rdflib."""
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        from kg.model.dataset import new_dataset

        dataset = new_dataset()
        lines = [
            f"{line[:-1]}<{name}> ."
            for name in self.graph_names()
            for line in dump_lines(self.store, name)
        ]
        text = "\n".join(lines) + "\n" if lines else ""
        dataset.parse(data=text, format="nquads")
        dataset.graph(DATASET_DEFAULT_GRAPH_ID)  # present even when empty
        return dataset


def count(store: ox.Store, graph: str | None) -> int:
    """Triples in one graph (``None``: the default graph)."""
    pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {pattern}")
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        value = row["n"]
        return int(value.value) if value is not None else 0
    return 0


def dump_lines(store: ox.Store, graph: str | None) -> list[str]:
    """The N-Triples lines (no newline) of one graph as Oxigraph writes them, unsorted."""
    target: ox.NamedNode | ox.DefaultGraph = (
        ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    )
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=target)
    assert data is not None  # no output given: the bytes are returned
    return data.decode("utf-8").splitlines()


def _oxigraph_error(path: Path, exc: SyntaxError, graph: str | None) -> LoadError:
    """The project's usual message for a file Oxigraph refused: rdflib's, read again, if it
    refuses too; else Oxigraph's own, with its line and column."""
    from rdflib import URIRef

    from kg.model.dataset import new_dataset, parse_file

    try:
        parse_file(path, new_dataset(), URIRef(graph) if graph else None)
    except LoadError as error:
        return error
    message = " ".join(str(exc.msg if hasattr(exc, "msg") else exc).split())
    prefix = "Parser error at line"
    if message.startswith(prefix) and ":" in message:
        message = message.split(":", 1)[1].strip()
    return LoadError(str(path), message, line=exc.lineno, column=exc.offset, hint="fix the syntax")


def _load_file(store: ox.Store, path: Path, graph: str | None) -> tuple[str, bytes]:
    """Parse one file into ``store``: quads keep their graphs, triples go to ``graph`` (the
    default graph when ``None``). Returns the file's syntax and bytes."""
    from kg.model.dataset import syntax_of

    fmt = syntax_of(path)
    data = bounds.read_bounded(path)
    bounds.check_syntax(path, data, fmt)
    if fmt not in OX_FORMATS:
        _load_with_rdflib(store, path, graph)
        return fmt, data
    target = ox.NamedNode(graph) if graph is not None and fmt in ("turtle", "nt") else None
    try:
        with bounds.deadline(path):
            store.bulk_load(
                data, format=OX_FORMATS[fmt], base_iri=path.resolve().as_uri(), to_graph=target
            )
    except SyntaxError as exc:
        raise _oxigraph_error(path, exc, graph) from None
    except (OSError, ValueError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadError(str(path), message) from None
    return fmt, data


def _load_with_rdflib(store: ox.Store, path: Path, graph: str | None) -> None:
    """JSON-LD and RDF/XML: parsed by rdflib (offline, bounded), then copied in."""
    from rdflib import URIRef

    from kg.model.dataset import new_dataset, parse_file
    from kg.query.engines import dataset_nquads

    dataset = new_dataset()
    parse_file(path, dataset, URIRef(graph) if graph else None)
    store.bulk_load(dataset_nquads(dataset), format=ox.RdfFormat.N_QUADS)


def load(files: Sequence[tuple[str, Path]], inputs: list[InputFile] | None = None) -> LoadedStore:
    """Load ``(role, path)`` files into a new in-memory store (see the module docstring).

    Raises :class:`LoadError` (file, line, column) for a file that cannot be read or parsed.
    """
    store = ox.Store()
    graphs_by_file: dict[str, list[str]] = {}
    for role, path in files:
        before = set(store.named_graphs())
        sizes = (
            {g: count(store, g) for g in (ONTOLOGY_GRAPH, VOCAB_GRAPH)} if role == "data" else {}
        )
        graph = {"ontology": ONTOLOGY_GRAPH, "vocabulary": VOCAB_GRAPH}.get(role)
        fmt, data = _load_file(store, path, graph)
        new = set(store.named_graphs()) - before
        if role == "data":
            _check_data_file(store, path, fmt, data, new, sizes)
        graphs_by_file[str(path.resolve())] = sorted(
            g.value for g in new if isinstance(g, ox.NamedNode)
        )
    lines: dict[str | None, list[str]] = {
        name: dump_lines(store, name)
        for name in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    }
    derived = derive_provenance(lines)
    if derived:
        store.bulk_load(
            "".join(f"{line[:-1]}<{g}> .\n" for g, new in derived.items() for line in new),
            format=ox.RdfFormat.N_QUADS,
        )
    return LoadedStore(
        store, inputs if inputs is not None else describe_inputs(files), graphs_by_file, lines=lines
    )


def _check_data_file(
    store: ox.Store,
    path: Path,
    fmt: str,
    data: bytes,
    new: set[ox.NamedNode | ox.BlankNode],
    sizes: dict[str, int],
) -> None:
    """Refuse the data file just loaded into ``store`` if it put a triple in the default graph
    or wrote into a named graph that is not a source graph (see :mod:`kg.model.sourcegraphs`):
    ``new`` are the graphs it introduced, ``sizes`` the model graphs' sizes before it. The
    files before it passed, so the default graph was empty."""
    from kg.model.sourcegraphs import Found, refusal

    default = ox.DefaultGraph()
    rdf_type, source_graph = ox.NamedNode(RDF_TYPE), ox.NamedNode(_SG + "SourceGraph")
    bad = [
        g.value
        for g in new
        if isinstance(g, ox.NamedNode) and ox.Quad(g, rdf_type, source_graph, g) not in store
    ]
    bad += [g for g, size in sizes.items() if count(store, g) != size]

    def is_subject(iri: str) -> bool:
        try:
            subject = ox.NamedNode(iri)
        except ValueError:
            return False
        return next(store.quads_for_pattern(subject, None, None, default), None) is not None

    def least_subject() -> str | None:
        rows = store.query("SELECT (MIN(STR(?s)) AS ?m) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
        assert isinstance(rows, ox.QuerySolutions)
        least = next(iter(rows))["m"]
        return least.value if least is not None else None

    found = Found(
        default=next(store.quads_for_pattern(None, None, None, default), None) is not None,
        graphs=tuple(sorted(set(bad))),
        blank_graph=any(isinstance(g, ox.BlankNode) for g in new),
        is_subject=is_subject,
        least_subject=least_subject,
    )
    error = refusal(path, fmt, data.decode("utf-8", errors="replace"), found)
    if error is not None:
        raise error


_SOURCE_GRAPH_TYPE = f"<{RDF_TYPE}> <{_SG}SourceGraph> ."
_DERIVED = f"<{_PROV}wasDerivedFrom>"


def derive_provenance(lines: dict[str | None, list[str]]) -> dict[str, list[str]]:
    """Give every IRI described in a source graph ``prov:wasDerivedFrom`` each source of that
    graph, in that graph (the graph and its sources themselves excepted): the rule of
    :func:`kg.model.dataset.derive_provenance`, on N-Triples lines. The new lines are added to
    ``lines`` and returned by graph.

    >>> g = "https://w3id.org/samarbeidsgrafen/id/graph/g"
    >>> lines = {g: [f"<{g}> <{RDF_TYPE}> <{_SG}SourceGraph> .",
    ...              f"<{g}> {_DERIVED} <http://e/src> .", "<http://e/x> <http://e/p> _:b ."]}
    >>> derive_provenance(lines)[g]
    ['<http://e/x> <http://www.w3.org/ns/prov#wasDerivedFrom> <http://e/src> .']
    """
    added: dict[str, list[str]] = {}
    for graph, graph_lines in lines.items():
        if graph is None:
            continue
        me = f"<{graph}>"
        if f"{me} {_SOURCE_GRAPH_TYPE}" not in graph_lines:
            continue
        head = f"{me} {_DERIVED} "
        sources = sorted(line[len(head) : -2] for line in graph_lines if line.startswith(head))
        if not sources:
            continue
        present = set(graph_lines)
        subjects = {line.split(" ", 1)[0] for line in graph_lines if line[0] == "<"}
        subjects -= {me, *sources}
        new = [
            line
            for subject in sorted(subjects)
            for source in sources
            if (line := f"{subject} {_DERIVED} {source} .") not in present
        ]
        if new:
            graph_lines.extend(new)
            added[graph] = new
    return added


# --------------------------------------------------------------------------------------------
# The cache


def cache_dir() -> Path:
    """Where built stores are kept: ``KG_CACHE_DIR``, else ``.kg-cache`` in the project."""
    env = os.environ.get("KG_CACHE_DIR")
    return Path(env) if env else paths.ROOT / ".kg-cache"


def _manifest_path(folder: Path, key: str) -> Path:
    return folder / f"store-{key}.json"


def _store_path(folder: Path, key: str) -> Path:
    return folder / f"store-{key}"


def save(
    loaded: LoadedStore, snapshot: Snapshot | None = None, extra: dict[str, Any] | None = None
) -> Path:
    """Write ``loaded`` to the cache (a RocksDB store and its manifest); returns its folder.

    The store is written into a temporary folder, renamed into place, and the manifest is
    written last (atomically): a reader finds a store only when both are there. An existing
    store with the same key is kept, never replaced (it holds the same data, and another
    process may be reading it). Raises :class:`OutputError`.
    """
    folder = cache_dir()
    key = loaded.key
    target = _store_path(folder, key)
    manifest = _manifest_path(folder, key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not target.is_dir():
            staging = folder / f".store-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                disk = ox.Store(str(staging))
                if snapshot is None:
                    from kg.publish.export import Snapshot

                    snapshot = Snapshot.of_store(loaded)
                stream = io.BufferedReader(_QuadReader(snapshot), 1 << 20)
                disk.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
                disk.flush()
                del disk
                try:
                    os.rename(staging, target)
                except OSError:
                    if not target.is_dir():
                        raise
                    # another process saved the same inputs meanwhile: the same store
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        document = {
            "format": STORE_FORMAT,
            "key": key,
            "inputs": [i.to_json() for i in loaded.inputs],
            "graphs": loaded.graph_names(),
            "graphs_by_file": loaded.graphs_by_file,
            "triples": loaded.triple_count,
            "used": time.time(),
            **(extra or {}),
        }
        _write_json(manifest, document)
    except OSError as exc:
        raise OutputError(f"cannot write the store cache {folder}: {exc.strerror or exc}") from None
    _prune(folder)
    loaded.path = target
    return target


class _QuadReader(io.RawIOBase):
    """The saved store's quads as an N-Quads stream, made as Oxigraph reads it (so that a
    million quads never sit in memory as one text): every named graph, then the union of all
    graphs as the default graph (each triple once: what rdflib's union default graph answers)."""

    def __init__(self, snapshot: Snapshot, lines_per_chunk: int = 20_000) -> None:
        super().__init__()
        self._chunks = self._generate(snapshot, lines_per_chunk)
        self._buffer = memoryview(b"")

    @staticmethod
    def _generate(snapshot: Snapshot, size: int) -> Iterator[bytes]:
        for name, lines in snapshot.graphs.items():
            if name is None:
                continue
            suffix = f"<{name}> .\n"
            for start in range(0, len(lines), size):
                chunk = lines[start : start + size]
                yield "".join([line[:-1] + suffix for line in chunk]).encode("utf-8")
        union = snapshot.union
        for start in range(0, len(union), size):
            yield "".join([line + "\n" for line in union[start : start + size]]).encode("utf-8")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def record(loaded: LoadedStore, facts: dict[str, Any]) -> None:
    """Add ``facts`` to the manifest of a saved store (a no-op if it is not saved)."""
    if loaded.path is None:
        return
    manifest = _manifest_path(loaded.path.parent, loaded.key)
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
        document.update(facts)
        _write_json(manifest, document)
    except (OSError, ValueError):
        pass  # the cache is an optimisation: a manifest that cannot be updated stays as it was


def _write_json(path: Path, document: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` most recently used stores; remove the rest and stray folders."""
    manifests = []
    for entry in folder.glob("store-*.json"):
        try:
            used = float(json.loads(entry.read_text(encoding="utf-8")).get("used", 0))
        except (OSError, ValueError):
            used = 0.0
        manifests.append((used, entry))
    manifests.sort(reverse=True)
    for _, entry in manifests[KEEP:]:
        key = entry.name[len("store-") : -len(".json")]
        entry.unlink(missing_ok=True)
        shutil.rmtree(_store_path(folder, key), ignore_errors=True)
    for entry in folder.glob(".store-*"):
        pid = entry.name.split("-")[2] if entry.name.count("-") >= 3 else ""
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class CachedStore:
    """A store in the cache: where it is and what its manifest says."""

    path: Path
    manifest: dict[str, Any]

    @property
    def graphs(self) -> list[str]:
        return list(self.manifest.get("graphs", []))

    def open(self) -> ox.Store:
        """The store, read-only (open it in the process that queries it)."""
        return ox.Store.read_only(str(self.path))


def _manifests(folder: Path) -> Iterator[dict[str, Any]]:
    for entry in sorted(folder.glob("store-*.json")):
        try:
            yield json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue


def find(files: Sequence[tuple[str, Path]]) -> tuple[CachedStore | None, list[InputFile]]:
    """The cached store built from exactly ``files`` (same contents), if there is one, and
    the inputs as described now (checksums reused from manifests where the file is unchanged)."""
    folder = cache_dir()
    known: list[InputFile] = []
    if folder.is_dir():
        for manifest in _manifests(folder):
            if manifest.get("format") != STORE_FORMAT:
                continue
            known.extend(InputFile(**item) for item in manifest.get("inputs", []))
    inputs = describe_inputs(files, known)
    key = inputs_key(inputs)
    manifest_path = _manifest_path(folder, key)
    store_path = _store_path(folder, key)
    if not (manifest_path.is_file() and store_path.is_dir()):
        return None, inputs
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, inputs
    return CachedStore(store_path, manifest), inputs


def find_by_nquads(checksum: str) -> CachedStore | None:
    """The cached store whose build wrote an N-Quads export with this SHA-256 (what
    ``kg serve`` serves is ``dist/samarbeidsgrafen.nq``: the store must hold exactly that)."""
    folder = cache_dir()
    if not folder.is_dir():
        return None
    for manifest in _manifests(folder):
        key = manifest.get("key")
        if manifest.get("nquads_sha256") != checksum or not isinstance(key, str):
            continue
        path = _store_path(folder, key)
        if path.is_dir():
            return CachedStore(path, manifest)
    return None


def open_cached(data: Path | Iterable[Path] | None = None) -> CachedStore:
    """The cached store of ``data`` (default ``data/``) with the ontology and code lists,
    building and saving it first when there is none (or the inputs changed)."""
    files = input_files(data)
    cached, inputs = find(files)
    if cached is not None:
        return cached
    loaded = load(files, inputs)
    path = save(loaded)
    found, _ = find(files)
    if found is None:  # pragma: no cover - save() just wrote it
        raise OutputError(f"the store cache {path} could not be read back")
    return found


__all__ = [
    "CachedStore",
    "InputFile",
    "LoadedStore",
    "cache_dir",
    "count",
    "describe_inputs",
    "dump_lines",
    "find",
    "find_by_nquads",
    "input_files",
    "inputs_key",
    "load",
    "open_cached",
    "record",
    "save",
]
