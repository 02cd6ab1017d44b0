"""SERVICE and other outbound requests: refused by the check, and impossible for the engines.

Issue 7's bypasses were parser differentials: the checker (rdflib) and the executor (Oxigraph)
read one text two ways. Two defences, each tested on its own:

- the check judges the normalised text, and that text is what runs (kg.query.querytext);
- the engines run where no connection can be made (kg.query.sandbox): the workers of ``kg serve``
  and the forked children of ``kg query`` sit in network namespaces of their own.

Each case makes a listener on 127.0.0.1 count connections; it must count none. The controls
show that the same query does connect when the defence is not there, so these tests can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import seccomp
import serving
from support import run_kg

from kg.errors import QueryError, QuerySyntaxError, UnsafeQueryError
from kg.query.queries import check_safe
from kg.query.querytext import scan
from kg.query.sandbox import SandboxUnavailable, isolate_network, run_isolated
from kg.server.backend import QueryJob, Worker, load_store

DIRECT = {"Content-Type": "application/sparql-query"}
SERVICE_REFUSED = "SERVICE is refused: queries run on this dataset only"


def defused(port: int) -> str:
    """Issue 7's second bypass: read as SPARQL says (escapes first), SERVICE is inside one
    string; Oxigraph, decoding escapes only inside strings, reads a SERVICE call. The check
    accepts it, and what runs is the normalised text, in which every engine sees a string."""
    return (
        f'SELECT * WHERE {{ BIND("a\\u0022 || " AS ?q1) SERVICE <http://127.0.0.1:{port}/b> '
        '{ ?x ?y ?z } BIND(" || \\u0022b" AS ?q2) }'
    )


def bypasses(port: int) -> dict[str, str]:
    """Issue 7's first bypass, and the other spellings Oxigraph reads as SERVICE."""
    at = f"http://127.0.0.1:{port}"
    return {
        "carriage return ends a comment": (
            f"SELECT * WHERE {{ ?s ?p ?o # x\rSERVICE <{at}/a> {{ ?a ?b ?c }}\n}} LIMIT 1"
        ),
        "keyword glued to a prefixed name": (
            f"PREFIX : <{at}/c> SELECT * WHERE {{ ?s ?p ?o SERVICE:x {{ ?a ?b ?c }} }}"
        ),
        "keyword glued to a longer prefix": (
            f"PREFIX x: <{at}/d> SELECT * WHERE {{ ?s ?p ?o SERVICEx:y {{ ?a ?b ?c }} }}"
        ),
        "keyword glued to the IRI": f"SELECT * WHERE {{ ?s ?p ?o SERVICE<{at}/e>{{ ?a ?b ?c }} }}",
    }


def _settle(listener: serving.Listener) -> int:
    time.sleep(0.3)
    return listener.connections


# --------------------------------------------------------------------------------------------
# The check


def test_each_bypass_is_refused_by_the_check(listener: serving.Listener) -> None:
    for name, query in bypasses(listener.port).items():
        with pytest.raises(UnsafeQueryError) as caught:
            check_safe(query)
        assert str(caught.value) == SERVICE_REFUSED, name


def _plain_store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o")))
    return store


def test_the_normalised_text_of_the_escape_bypass_calls_nothing(
    listener: serving.Listener,
) -> None:
    """What runs is the normalised text: on a plain store outside any sandbox it makes no
    connection, while the text as sent (the control) does."""
    text = defused(listener.port)
    parsed = check_safe(text)
    assert parsed.kind == "select" and "\\u" not in parsed.text
    store = _plain_store()
    rows = list(store.query(parsed.text))  # type: ignore[arg-type]
    assert len(rows) == 1
    assert _settle(listener) == 0
    try:
        list(store.query(text))  # type: ignore[arg-type]
    except OSError:
        pass
    assert _settle(listener) >= 1


def test_oxigraph_reads_each_bypass_as_a_service_call(listener: serving.Listener) -> None:
    """The control: a plain pyoxigraph store, outside any sandbox, does connect for each."""
    store = _plain_store()
    for name, query in [*bypasses(listener.port).items(), ("escape", defused(listener.port))]:
        before = listener.connections
        try:
            list(store.query(query))  # type: ignore[arg-type]
        except OSError:
            pass  # the listener's reply is no SPARQL answer; what counts is the connection
        assert _settle(listener) > before, name


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    dist = serving.project_dist(tmp_path_factory.mktemp("dist"))
    running = serving.start(["--dist", str(dist), "--timeout", "5"], tmp_path_factory.mktemp("s"))
    try:
        yield running
    finally:
        running.stop()


def test_the_endpoint_refuses_each_bypass(
    server: serving.Server, listener: serving.Listener
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for name, query in bypasses(listener.port).items():
        for method, path, body, headers in [
            ("GET", "/sparql?" + urlencode({"query": query}), None, {}),
            ("POST", "/sparql", urlencode({"query": query}).encode(), form),
            ("POST", "/sparql", query.encode(), DIRECT),
        ]:
            answer = server.request(method, path, body, headers)
            assert (answer.status, answer.text) == (403, SERVICE_REFUSED + "\n"), name
    answer = server.request("POST", "/sparql", defused(listener.port).encode(), DIRECT)
    assert answer.status == 200
    assert len(json.loads(answer.body)["results"]["bindings"]) == 1
    assert _settle(listener) == 0


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_kg_query_refuses_each_bypass(
    engine: str, listener: serving.Listener, tmp_path: Path
) -> None:
    for number, query in enumerate(bypasses(listener.port).values()):
        path = tmp_path / f"bypass-{number}.rq"
        path.write_text(query, encoding="utf-8", newline="")
        done = run_kg("query", str(path), "--engine", engine)
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == f"kg: error: {SERVICE_REFUSED}\n", query
    path = tmp_path / "defused.rq"
    path.write_text(defused(listener.port), encoding="utf-8")
    done = run_kg("query", str(path), "--engine", engine, "--format", "csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == "q2"
    assert _settle(listener) == 0


def test_kg_query_sends_no_bypass_to_an_endpoint(listener: serving.Listener) -> None:
    """With ``--endpoint`` the check runs before anything is sent: the endpoint (the listener)
    is never contacted, so it cannot be made to call a SERVICE either."""
    for number, query in enumerate(bypasses(listener.port).values()):
        path = Path(f"/tmp/kg-bypass-{os.getpid()}-{number}.rq")
        path.write_text(query, encoding="utf-8", newline="")
        try:
            done = run_kg("query", str(path), "--endpoint", f"http://127.0.0.1:{listener.port}/")
        finally:
            path.unlink()
        assert (done.returncode, done.stderr) == (2, f"kg: error: {SERVICE_REFUSED}\n")
    assert _settle(listener) == 0


# --------------------------------------------------------------------------------------------
# The sandbox, with the check out of the way


def _service(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/w> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    data = folder / "data.nq"
    data.write_text("<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:g> .\n", encoding="utf-8")
    load_store(folder / "store", [data])
    return folder / "store"


@pytest.mark.parametrize("isolated", [True, False], ids=["isolated", "control"])
def test_a_worker_given_service_directly_cannot_connect(
    store: Path, listener: serving.Listener, tmp_path: Path, isolated: bool
) -> None:
    """The check switched off: the query goes straight into a worker's pipe. Isolated, the
    connection fails inside the worker; the control, a worker without the namespace, connects."""
    worker = Worker(store, tmp_path / "worker.log", isolated=isolated)
    worker.start()
    try:
        job = QueryJob(_service(listener.port), "application/sparql-results+json", [], 1 << 20)
        answer = worker.request(job, 10.0)
    finally:
        worker.stop()
    if isolated:
        assert answer.status == 500
        assert b"Network is unreachable" in answer.body
        assert _settle(listener) == 0
    else:
        assert _settle(listener) >= 1


@pytest.mark.parametrize("isolated", [True, False], ids=["isolated", "control"])
def test_the_in_process_engine_cannot_connect_from_its_child(
    listener: serving.Listener, isolated: bool
) -> None:
    """pyoxigraph in the forked child of :func:`kg.query.sandbox.run_isolated`, no check at all."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o")))

    def call() -> str:
        try:
            list(store.query(_service(listener.port)))  # type: ignore[arg-type]
        except OSError as error:
            return str(error)
        return "answered"

    said = run_isolated(call, timeout=20) if isolated else call()
    if isolated:
        assert "Network is unreachable" in said
        assert _settle(listener) == 0
    else:
        assert _settle(listener) >= 1


def test_rdflib_in_the_child_cannot_fetch_a_from_graph(listener: serving.Listener) -> None:
    """rdflib loads FROM graphs over HTTP; in the child it cannot, even outside its own guard."""
    from rdflib import Dataset

    def load() -> str:
        try:
            Dataset().parse(f"http://127.0.0.1:{listener.port}/g.ttl", format="turtle")
        except OSError as error:
            return type(error).__name__
        return "fetched"

    assert run_isolated(load, timeout=20) in ("URLError", "OSError")
    assert _settle(listener) == 0


def test_the_workers_listen_nowhere_and_live_in_another_namespace(server: serving.Server) -> None:
    """No local process can send a worker a query: it has no socket in our namespace, and
    its namespace is not ours."""
    ours = os.readlink("/proc/self/ns/net")
    workers = server.workers()
    assert workers
    for pid in workers:
        assert os.readlink(f"/proc/{pid}/ns/net") != ours
        sockets = [
            os.readlink(f"/proc/{pid}/fd/{fd}")
            for fd in os.listdir(f"/proc/{pid}/fd")
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        ]
        assert sockets == [], f"worker {pid} holds sockets {sockets}"
        listening = [line for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]] + [
            line for line in Path(f"/proc/{pid}/net/tcp6").read_text().splitlines()[1:]
        ]
        assert listening == []


def test_isolate_network_refuses_a_threaded_process() -> None:
    """A namespace is per thread: entering it with other threads running would leave them out."""
    import threading

    release = threading.Event()
    helper = threading.Thread(target=release.wait)
    helper.start()
    try:
        with pytest.raises(SandboxUnavailable) as caught:
            isolate_network()
    finally:
        release.set()
        helper.join()
    assert str(caught.value) == "a process must be single-threaded to enter a network namespace"


# --------------------------------------------------------------------------------------------
# Where namespaces cannot be had


pytestmark_seccomp = pytest.mark.skipif(
    not seccomp.supported(), reason="the seccomp filter knows x86_64 and aarch64 only"
)


@pytestmark_seccomp
def test_kg_serve_refuses_to_start_without_isolation(tmp_path: Path) -> None:
    dist = serving.project_dist(tmp_path / "dist")
    done = subprocess.run(
        [str(serving.kg_executable()), "serve", "--port", "0", "--dist", str(dist)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=seccomp.deny_unshare,
        stdin=subprocess.DEVNULL,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: cannot cut the query workers off the network here: cannot create a network "
        "namespace (unshare: Operation not permitted) (pass --no-network-isolation to serve "
        "anyway, without that protection)\n"
    )


@pytestmark_seccomp
def test_kg_serve_with_the_flag_serves_and_says_what_it_gave_up(tmp_path: Path) -> None:
    dist = serving.project_dist(tmp_path / "dist")
    running = serving.start(
        ["--dist", str(dist), "--no-network-isolation"],
        tmp_path / "run",
        preexec_fn=seccomp.deny_unshare,
    )
    try:
        answer = running.request("GET", "/sparql?" + urlencode({"query": "ASK {}"}))
        assert (answer.status, json.loads(answer.body)) == (200, {"head": {}, "boolean": True})
    finally:
        running.stop()
    assert (
        "kg serve: WARNING: serving without network isolation (cannot create a network "
        "namespace (unshare: Operation not permitted)): a SERVICE query that the check misses "
        "could make this machine send requests\n"
    ) in running.stderr.read_text()


@pytestmark_seccomp
def test_kg_query_refuses_to_run_without_isolation_unless_told() -> None:
    refused = subprocess.run(
        [str(serving.kg_executable()), "query", "member-count"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=seccomp.deny_unshare,
    )
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "kg: error: cannot cut the query engine off the network here: cannot create a network "
        "namespace (unshare: Operation not permitted) (pass --no-network-isolation to run it "
        "anyway, without that protection)\n"
    )
    allowed = subprocess.run(
        [str(serving.kg_executable()), "query", "member-count", "--no-network-isolation"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=seccomp.deny_unshare,
    )
    assert (allowed.returncode, allowed.stderr) == (0, "")
    assert allowed.stdout.startswith("collaboration")


def test_a_failed_child_is_one_line() -> None:
    def boom() -> None:
        raise ValueError("no\nsuch\tthing")

    with pytest.raises(QueryError) as caught:
        run_isolated(boom, timeout=10)
    assert str(caught.value) == "the query failed: no such thing"


@pytestmark_seccomp
def test_kg_build_needs_no_namespaces(tmp_path: Path) -> None:
    """The catalogue's own queries (the summary, the crosswalk, the violation queries) run
    isolated where they can and still run where they cannot: `make run` works anywhere."""
    done = subprocess.run(
        [str(serving.kg_executable()), "build", "--out", str(tmp_path / "dist"), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=seccomp.deny_unshare,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "dist" / "crosswalk.csv").stat().st_size > 0
    assert (tmp_path / "dist" / "samarbeidsgrafen.nq").stat().st_size > 0


def test_the_child_cannot_go_back_nor_use_the_parents_sockets(listener: serving.Listener) -> None:
    """A socket the parent had open is closed in the child, and the child (in a user namespace
    of its own, root or not) cannot setns() back into the parent's network namespace."""
    import ctypes
    import errno
    import socket

    held = socket.create_connection(("127.0.0.1", listener.port))
    parent = os.getpid()

    def probe() -> tuple[str, str]:
        try:
            os.write(held.fileno(), b"from the sandbox")
            inherited = "open"
        except OSError as error:
            inherited = errno.errorcode[error.errno or 0]
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            namespace = os.open(f"/proc/{parent}/ns/net", os.O_RDONLY)
        except OSError as error:
            return inherited, errno.errorcode[error.errno or 0]
        if libc.setns(namespace, 0x40000000) == 0:
            return inherited, "setns worked"
        return inherited, errno.errorcode[ctypes.get_errno()]

    try:
        assert run_isolated(probe, timeout=20) == ("EBADF", "EACCES")
    finally:
        held.close()


def review_bypasses(port: int) -> list[str]:
    """Found by review after the first fix: tokens that a tokenizer reads one way and
    Oxigraph's PEG grammar another (no word boundary after a literal, ``<`` as less-than)."""
    at = f"http://127.0.0.1:{port}/"
    service = f"<{at}> {{ ?a ?b ?c }}"
    return [
        f"SELECT * {{ BIND(1<'>' AS ?z) SERVICE {service} BIND('#' AS ?y)\n}}",
        f"ASK {{ ?s ?p trueSERVICE {service} }}",
        f"ASK {{ ?s ?p 1e5SERVICE {service} }}",
        f"ASK {{ ?s ?p 1E5sErViCe SILENT {service} }}",
        f"PREFIX ex: <http://e/o> ASK {{ ?s ?p ex:.SERVICE {service} }}",
        f'PREFIX ex: <http://e/> ASK {{ ?s ?p "x"^^ex:.SERVICE {service} }}',
        f"PREFIX : <{at}> ASK {{ ?s ?p true.SERVICE:x {{ ?a ?b ?c }} }}",
    ]


def test_each_review_bypass_is_refused_and_would_connect(listener: serving.Listener) -> None:
    store = ox.Store()
    s, p = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    double = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
    boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    for o in (
        ox.Literal("o"),
        ox.Literal("true", datatype=boolean),
        ox.Literal("1.0E5", datatype=double),
        ox.NamedNode("http://e/o"),
        ox.Literal("x", datatype=ox.NamedNode("http://e/")),
    ):
        store.add(ox.Quad(s, p, o))
    for text in review_bypasses(listener.port):
        with pytest.raises((UnsafeQueryError, QuerySyntaxError)):
            scan(text, [])
        with pytest.raises((UnsafeQueryError, QuerySyntaxError)):
            check_safe(text)
        before = listener.connections
        try:
            result = store.query(text)
            if not isinstance(result, ox.QueryBoolean):
                list(result)  # type: ignore[call-overload]
        except OSError:
            pass
        assert _settle(listener) > before, f"the control did not connect: {text!r}"


def test_a_dataset_parameter_that_is_no_iri_is_one_line(server: serving.Server) -> None:
    path = "/sparql?" + urlencode({"query": "ASK {}", "default-graph-uri": "not an iri"})
    answer = server.request("GET", path)
    assert (answer.status, answer.text) == (
        400,
        "default-graph-uri is not an absolute IRI: 'not an iri'\n",
    )


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_a_term_parameter_that_reads_as_sparql_stays_one_literal(
    engine: str, listener: serving.Listener
) -> None:
    """A ``term`` parameter (statement-sources' object) takes a literal "as written": text that
    would close the literal and open a SERVICE is bound as one literal, matches nothing, and
    makes no request."""
    hostile = f'"x" }} SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} # "@nb'
    done = run_kg(
        "query",
        "statement-sources",
        "--engine",
        engine,
        "--format",
        "csv",
        "--param",
        f"object={hostile}",
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "subject,predicate,object,graph,source,sourceTitle,sourceAsOf,read,begin,beginGraph,"
        "end,endGraph,approximate,changeEvent"
    ]
    assert _settle(listener) == 0
