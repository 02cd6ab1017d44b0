"""Build ``dist/``: load, validate, export every format, and swap the new folder in atomically.

The steps, and what a failure leaves behind:

0. check that ``out`` can be a folder we write (fail fast, before the slow steps);
1. load the ontology, code lists and data (:func:`kg.model.dataset.load_dataset`) — a
   :class:`~kg.errors.LoadError` leaves ``dist/`` as it was;
2. validate (:func:`kg.validation.validate.validate`) — a violation raises
   :class:`~kg.errors.ValidationFailed` carrying the report; nothing is written;
3. render every file in memory (the :data:`WRITERS`, then ``SHA256SUMS``);
4. write them into a new folder next to ``out`` (same filesystem), swap it with the old
   ``out`` in one step (``renameat2(RENAME_EXCHANGE)``, see :func:`_swap`), delete the old one.
   If anything fails, the earlier ``out`` stays exactly as it was and no temporary folder is
   left; an unwritable place is an :class:`~kg.errors.OutputError` naming the folder. A build
   interrupted by SIGINT or SIGTERM (``kg build``) cleans up the same way; temporary folders
   left by a build killed outright are removed by the next build.

More outputs (DCAT catalogue, VoID, HTML documentation) are more entries in
:data:`WRITERS`: a file name and a function from :class:`BuildInput` to bytes (or ``None`` to
skip the file).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

from kg.errors import OutputError, ValidationFailed
from kg.model import jsonld as kg_jsonld
from kg.model import paths, store
from kg.publish import dcat, htmldocs
from kg.publish.export import FORMATS, Snapshot, graph_turtle
from kg.publish.progress import Stages
from kg.publish.publishing import Publication, load
from kg.query.engines import Limits, OxigraphEngine, run
from kg.query.queries import load_query
from kg.validation.validate import StoreUnion, ValidationReport, load_shapes, validate

BASENAME = "samarbeidsgrafen"
"""Stem of the dataset files in ``dist/``."""
CHECKSUMS = "SHA256SUMS"
"""The checksum file: ``sha256  name`` lines, sorted by name (``sha256sum -c`` reads it)."""

BUILD_QUERY_LIMITS = Limits(isolated=False)
"""The build's own catalogue queries (the crosswalk, the summary) run in this process: their
texts are the project's, checked like any other; no child is forked while validation runs in
its thread."""


@dataclass(frozen=True)
class BuildInput:
    """What a writer may read: the loaded store, its canonical snapshot, the shapes."""

    loaded: store.LoadedStore
    snapshot: Snapshot
    shapes: Graph | None
    publication: Publication = field(default_factory=Publication)
    """Where and by whom the files are published (``publishing.toml``, or a release's)."""

    def engine(self) -> OxigraphEngine:
        """A SPARQL engine over the store (default graph: the union)."""
        return OxigraphEngine.of_store(self.loaded.store, BUILD_QUERY_LIMITS, union=True)


Writer = Callable[[BuildInput], bytes | None]
"""Renders one file of ``dist/``; ``None`` leaves the file out."""


def _format_writer(fmt: str) -> Writer:
    return lambda build_input: build_input.snapshot.render(fmt)


def _frame_writer(kind: str) -> Writer:
    def write(build_input: BuildInput) -> bytes:
        data = build_input.snapshot.render("jsonld", frame=kind)
        if kind == kg_jsonld.FRAME_KINDS[-1]:
            build_input.snapshot.release_jsonld()  # its node table is not needed any more
        return data

    return write


def _context(build_input: BuildInput) -> bytes:
    return kg_jsonld.context_file().read_bytes()


def _ontology(build_input: BuildInput) -> bytes:
    return graph_turtle(Snapshot.of_store(build_input.loaded, store.ONTOLOGY_GRAPH))


def _shapes(build_input: BuildInput) -> bytes | None:
    return graph_turtle(build_input.shapes) if build_input.shapes is not None else None


CROSSWALK_QUERY = "identifier-crosswalk"
"""The named query whose answer is ``crosswalk.csv``."""


def _crosswalk(build_input: BuildInput) -> bytes | None:
    """The identifier crosswalk (orgnr, municipality and county numbers with their periods,
    Wikidata) as SPARQL CSV, for joining with the national registries without RDF tools."""
    path = paths.QUERIES_DIR / f"{CROSSWALK_QUERY}.rq"
    if not path.is_file():
        return None
    result = run(load_query(path), build_input.engine())
    return result.to_csv().encode("utf-8")


HISTORY_QUERY = "municipality-history"
"""The named query whose answer is ``municipality-history.csv``."""


def _history(build_input: BuildInput) -> bytes | None:
    """Every municipality number since 1971 with its names, period, successors and the numbers
    it is now, as SPARQL CSV (the columns are the query's: docs/national-graph.md)."""
    path = paths.QUERIES_DIR / f"{HISTORY_QUERY}.rq"
    if not path.is_file():
        return None
    result = run(load_query(path), build_input.engine())
    return result.to_csv().encode("utf-8")


WRITERS: list[tuple[str, Writer]] = [
    *((f"{BASENAME}{f.suffix}", _format_writer(name)) for name, f in FORMATS.items()),
    *((f"frames/{kind}.jsonld", _frame_writer(kind)) for kind in kg_jsonld.FRAME_KINDS),
    ("context.jsonld", _context),
    ("ontology.ttl", _ontology),
    ("shapes.ttl", _shapes),
    ("crosswalk.csv", _crosswalk),
    ("municipality-history.csv", _history),
]
"""``(file name in dist/, writer)``, in the order they are rendered."""


@dataclass(frozen=True)
class BuiltFile:
    """One file written: its name inside ``dist/``, size in bytes and SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BuildResult:
    """A finished build: where it went, the files written, the report, the store, the times."""

    out: Path
    files: tuple[BuiltFile, ...]
    report: ValidationReport
    loaded: store.LoadedStore
    stages: Stages
    triples: int
    """Distinct triples in the union of the graphs."""

    @property
    def warnings(self) -> int:
        """How many warnings the (conforming) data has."""
        return len(self.report.warnings)

    @functools.cached_property
    def dataset(self) -> Dataset:
        """The built data as an rdflib dataset (made from the store when first asked for)."""
        return self.loaded.dataset()


def checksums(files: dict[str, bytes]) -> bytes:
    """``SHA256SUMS`` of ``files``: ``<sha256>  <name>`` lines sorted by name.

    >>> print(checksums({"b.nt": b"", "a.ttl": b"x"}).decode(), end="")
    2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  a.ttl
    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b.nt
    """
    lines = [f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode("utf-8")


def render(
    build_input: BuildInput,
    stages: Stages | None = None,
    sink: Callable[[str, bytes], None] | None = None,
) -> dict[str, bytes]:
    """Every file of ``dist/``, each writer a stage: given to ``sink`` as soon as it is made
    (then nothing is kept), else returned in memory with ``SHA256SUMS`` last. The catalogue
    (:mod:`kg.publish.dcat`) comes after the files it describes, with their sizes and
    checksums; the HTML documentation (:mod:`kg.publish.htmldocs`) last, into ``docs/``."""
    stages = stages or Stages(show=False)
    files: dict[str, bytes] = {}
    made: list[dcat.Built] = []

    def emit(name: str, data: bytes) -> None:
        made.append(dcat.Built.of(name, data))
        if sink is not None:
            sink(name, data)
        else:
            files[name] = data

    for name, writer in WRITERS:
        with stages.stage(f"write {name}"):
            data = writer(build_input)
            if data is not None:
                emit(name, data)
    with stages.stage("write catalogue"):
        facts = dcat.facts(build_input.engine())
        for name, data in dcat.render(made, facts, build_input.publication).items():
            emit(name, data)
    with stages.stage("write docs"):
        for name, data in htmldocs.render(build_input).items():
            emit(f"docs/{name}", data)
    if sink is None:
        files[CHECKSUMS] = checksums(files)
    return files


def _shapes_for_export(shapes: Path | Iterable[Path] | Graph | None) -> Graph | None:
    """The shapes to publish as ``shapes.ttl``: those given, else the project's, if any (the
    graph :func:`kg.validation.validate.validate` reads too, parsed once)."""
    if shapes is None and not any(paths.SHAPES_DIR.glob("*.ttl")):
        return None
    return load_shapes(shapes)


def _validation_summary(report: ValidationReport) -> dict[str, Any]:
    """What the store's manifest keeps of a validation: the shapes' checksum and the counts."""
    from kg.validation.validate import shapes_files

    digest = hashlib.sha256()
    for path in shapes_files():
        digest.update(path.read_bytes())
    return {
        "shapes_sha256": digest.hexdigest(),
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }


class _Background(threading.Thread):
    """A stage that runs beside the main thread (validation, saving the store): its result or
    its exception, taken with :meth:`result`."""

    def __init__(self, stages: Stages, name: str, work: Callable[[], Any]) -> None:
        super().__init__(name=f"kg-{name}", daemon=True)
        self.stages, self.stage_name, self.work = stages, name, work
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.stages.stage(self.stage_name, parallel=True):
                self.value = self.work()
        except BaseException as exc:  # handed to the main thread by result()
            self.error = exc

    def result(self) -> Any:
        self.join()
        if self.error is not None:
            raise self.error
        return self.value


def build(
    data_dir: Path | None = None,
    out: Path = Path("dist"),
    *,
    shapes: Path | Iterable[Path] | Graph | None = None,
    shacl_engine: str = "turbo",
    stages: Stages | None = None,
    cache: bool = True,
    publication: Publication | None = None,
) -> BuildResult:
    """Load, validate and export into ``out``, replacing it only when everything succeeded.

    ``data_dir`` (a folder, or one file) defaults to the project's ``data/``; ``shapes`` (files,
    folders or a graph) to ``ontology/shapes/``; ``shacl_engine`` is ``turbo`` (pyshacl-turbo)
    or ``pyshacl`` (the reference); ``publication`` the catalogue's settings (default
    ``publishing.toml``, :mod:`kg.publish.publishing`). The store is loaded once
    (:mod:`kg.model.store`); validation and, with ``cache``, saving the store for ``kg query``
    run beside the exports, which are written only if the data conforms.
    Raises :class:`LoadError`, :class:`ShapesError`, :class:`ValidationFailed` (with the
    report; nothing written) or :class:`OutputError`.
    """
    stages = stages or Stages(show=False)
    check_output_folder(out)  # fail before the slow steps
    publication = publication or load()  # a bad publishing.toml, too, before the slow steps
    if shapes is not None and not isinstance(shapes, Path | Graph):
        shapes = list(shapes)  # read twice: for shapes.ttl and by validate
    with stages.stage("inputs"):
        files = store.input_files(data_dir)
        _, inputs = store.find(files) if cache else (None, store.describe_inputs(files))
    with stages.stage("load"):
        loaded = store.load(files, inputs)
    with stages.stage("shapes"):
        published_shapes = _shapes_for_export(shapes)
    # Beside the exports: validation (pyshacl-turbo releases the GIL) and saving the store
    # for kg query (Oxigraph's bulk load does too). Nothing is written to ``out`` unless the
    # data conforms; the saved store is the parsed data either way, as kg query reads it.
    with stages.stage("snapshot"):
        snapshot = Snapshot.of_store(loaded)
    stages.counts["triples"] = len(snapshot.union)
    data = StoreUnion(loaded.store, snapshot.union)
    checking = _Background(stages, "validate", lambda: validate(data, shapes, engine=shacl_engine))
    checking.start()
    saving = (
        _Background(stages, "save store", lambda: store.save(loaded, snapshot)) if cache else None
    )
    if saving is not None:
        saving.start()
    with Staging(out) as staging:
        try:
            built_input = BuildInput(loaded, snapshot, published_shapes, publication)
            render(built_input, stages, staging.write)
        finally:
            report: ValidationReport = checking.result()
            if saving is not None:
                saving.result()
        if cache:
            nquads = staging.written.get(f"{BASENAME}.nq")
            store.record(
                loaded,
                {
                    "validation": _validation_summary(report),
                    "nquads_sha256": nquads.sha256 if nquads is not None else None,
                },
            )
        if report.violations:
            raise ValidationFailed(f"{report.summary()}; nothing written to {out}", report)
        with stages.stage("write folder"):
            built = staging.commit()
    return BuildResult(out, built, report, loaded, stages, len(snapshot.union))


# --------------------------------------------------------------------------------------------
# Writing the folder


def _sibling(out: Path, role: str) -> Path:
    return out.parent / f".{out.name}-{role}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporary folders (``.dist-build-PID-…``, ``.dist-old-PID-…``) that a build
    killed outright (SIGKILL, power loss) left next to ``out``; returns what was removed.

    A folder whose process is still running belongs to a build in progress and stays.
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}-(?:build|old)-(\d+)-[0-9a-f]{{8}}")
    removed: list[Path] = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in sorted(entries):
        found = pattern.fullmatch(entry.name)
        if found is not None and not _alive(int(found.group(1))):
            _remove(entry)
            removed.append(entry)
    return removed


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def check_output_folder(out: Path) -> None:
    """Raise :class:`OutputError` now if ``out`` clearly cannot become a folder of files.

    ``out`` must be a folder or not exist, and its nearest existing ancestor must be a
    writable folder. (Writing can still fail later; :func:`write_folder` handles that.)
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write output folder {out}: it exists and is not a folder")
    ancestor = out.absolute().parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"cannot write output folder {out}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write output folder {out}: {ancestor} is not writable")


class Staging:
    """A new sibling folder of ``out`` that files are written into one by one, then swapped in
    for ``out`` in one step (:meth:`commit`), or removed (:meth:`discard`, or leaving the
    ``with`` block by an exception): ``out`` holds the old files or all the new ones, never a
    mix, and a million-triple export need not sit in memory until the end.

    Temporary folders of earlier builds that were killed are removed first
    (:func:`remove_stale`). Raises :class:`OutputError` with one line naming ``out``.
    """

    def __init__(self, out: Path) -> None:
        check_output_folder(out)
        self.out = out
        self.written: dict[str, BuiltFile] = {}
        self.folder: Path | None = None

    def _create(self) -> None:
        """Make the folder: in ``__enter__``, so that an interrupt at any moment after it
        exists (SIGINT, or SIGTERM in ``kg build``) reaches :meth:`__exit__`, or the
        ``except`` here, and the folder goes."""
        try:
            with self._errors():
                self.out.parent.mkdir(parents=True, exist_ok=True)
                remove_stale(self.out)
                self.folder = _sibling(self.out, "build")
                self.folder.mkdir()  # mode 0o777 less the umask, like any new folder
        except BaseException:
            self.discard()
            raise

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            self.discard()
            reason = exc.strerror or str(exc)
            raise OutputError(f"cannot write output folder {self.out}: {reason}") from None

    def write(self, name: str, data: bytes) -> None:
        """Write file ``name`` (a path inside the folder) now."""
        assert self.folder is not None, "the staging folder was committed or discarded"
        with self._errors():
            _write_file(self.folder / name, data)
        self.written[name] = BuiltFile(name, len(data), hashlib.sha256(data).hexdigest())

    def commit(self) -> tuple[BuiltFile, ...]:
        """Write ``SHA256SUMS`` and swap the folder in for ``out``; the files written."""
        lines = "".join(
            f"{f.sha256}  {f.name}\n" for f in sorted(self.written.values(), key=lambda f: f.name)
        )
        self.write(CHECKSUMS, lines.encode("utf-8"))
        assert self.folder is not None
        with self._errors():
            _swap(self.folder, self.out)
            self.folder = None
        return tuple(self.written[name] for name in sorted(self.written))

    def discard(self) -> None:
        """Remove the folder (``out`` stays as it was)."""
        if self.folder is not None:
            folder, self.folder = self.folder, None
            _remove(folder)

    def __enter__(self) -> Staging:
        self._create()
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Make ``out`` hold exactly ``files`` (name → bytes), all at once (see :class:`Staging`;
    ``SHA256SUMS`` is written only if given).

    On failure (or SIGINT, or SIGTERM in ``kg build``) ``out`` is left as it was and the
    temporary folder is removed. Raises :class:`OutputError` with one line naming ``out``.
    """
    with Staging(out) as staging:
        for name, data in files.items():
            staging.write(name, data)
        assert staging.folder is not None
        with staging._errors():
            _swap(staging.folder, out)
            staging.folder = None


RENAME_EXCHANGE = 2
"""``renameat2`` flag: swap two paths in one step (Linux 3.15+, glibc 2.28+)."""
_AT_FDCWD = -100
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function: Callable[..., int] = libc.renameat2
    except (OSError, AttributeError):
        return None
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap the paths ``first`` and ``second`` atomically with ``renameat2(RENAME_EXCHANGE)``.

    Returns ``False`` (nothing changed) where the system or the filesystem cannot; raises
    :class:`OSError` for any other failure.
    """
    function = _renameat2()
    if function is None:
        return False
    result = function(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap(new: Path, out: Path) -> None:
    """Put folder ``new`` in the place of ``out``; on failure ``out`` stays as it was.

    Why ``renameat2(RENAME_EXCHANGE)``: it swaps the two folders in one system call, so there
    is no moment without an ``out`` (a reader, or a SIGKILL, sees the old folder or the new one)
    and ``out`` stays a plain folder, as users and tools expect. (A symlink flipped with
    ``os.replace`` is atomic too, but turns ``dist/`` into a link to a versioned folder, which
    ``rsync``, ``rm -r`` and web servers treat differently, and needs a migration step.) After the
    exchange, ``new`` holds the old output and is removed; if the process dies first, the next
    build removes it (:func:`remove_stale`). Where the exchange is not available (not Linux, or
    a filesystem without it), the old output is renamed aside and the new one renamed in: two
    renames, with a moment between them without ``out``.
    """
    if not (out.exists() or out.is_symlink()):
        os.rename(new, out)
        return
    if exchange(new, out):
        _remove(new)  # now the old output
        return
    old = _sibling(out, "old")
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    _remove(old)


__all__ = [
    "BASENAME",
    "CHECKSUMS",
    "WRITERS",
    "BuildInput",
    "BuildResult",
    "BuiltFile",
    "Writer",
    "build",
    "check_output_folder",
    "checksums",
    "exchange",
    "remove_stale",
    "render",
    "write_folder",
]
