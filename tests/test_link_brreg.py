"""``kg link brreg``: the Enhetsregisteret formats import and link, the defects are refused."""

from __future__ import annotations

import gzip
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import run_kg

from kg.errors import LoadError
from kg.link import brreg
from kg.link.common import Municipalities
from kg.query.queries import load_query

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "brreg"
INDEX = FIXTURES / "data" / "municipalities.trig"
ORG = "https://w3id.org/samarbeidsgrafen/id/organization/"
NATIONAL = ROOT.parent / "shared" / "sources" / "national" / "public-sector-entities"
if not NATIONAL.is_dir():
    NATIONAL = Path("/work/shared/sources/national/public-sector-entities")


def index_for(skip: object) -> Municipalities:
    return Municipalities.from_files([INDEX])


def run(*files: Path) -> tuple[list[str], list[str]]:
    graphs, reports = brreg.import_files(list(files), index_for, "2026-12-02")
    return [g.slug for g in graphs], [line for r in reports for line in r.lines()]


def store_of(folder: Path) -> ox.Store:
    store = ox.Store()
    for path in sorted(folder.glob("*.trig")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    return store


def companies(store: ox.Store) -> list[tuple[str | None, ...]]:
    text = load_query(ROOT / "queries" / "inter-municipal-companies.rq").full_text
    return [
        tuple(None if v is None else v.value.rsplit("/", 1)[-1] for v in row)
        for row in store.query(text, use_default_graph_as_union=True)  # type: ignore[union-attr]
    ]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(INDEX, folder)
    return folder


def cli(*args: str | Path) -> tuple[int, str, str]:
    done = run_kg("link", "brreg", *map(str, args), root=ROOT)
    return done.returncode, done.stdout, done.stderr


# --------------------------------------------------------------------------------------------
# The formats


def test_entity_and_roles_link_to_the_graph(data: Path) -> None:
    code, out, err = cli(
        FIXTURES / "971041692.json",
        FIXTURES / "971041692-roller.json",
        "--data",
        data,
        "--read-on",
        "2026-12-02",
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "kg link brreg 971041692.json: 1 joint companies (IKS), 1 seats resolved; no findings",
        "kg link brreg 971041692-roller.json: 3 owner memberships; no findings",
    ]
    store = store_of(data)
    assert companies(store) == [
        (
            "enhetsregisteret-enhet-971041692",
            "glor-iks",
            "971041692",
            "RENOVASJONSSELSKAPET GLØR IKS",
            "lillehammer",
            "3405",
        )
    ]
    owners = store.query(
        """SELECT ?m ?owner ?share WHERE { GRAPH ?g { ?m <http://www.w3.org/ns/org#organization>
             <https://w3id.org/samarbeidsgrafen/id/organization/glor-iks> ;
           <http://www.w3.org/ns/org#member> ?owner ;
           <http://www.w3.org/ns/org#role> <https://w3id.org/samarbeidsgrafen/vocab/role/owner> ;
           <http://www.w3.org/ns/adms#status>
             <https://w3id.org/samarbeidsgrafen/vocab/membership-status/member> ;
           <https://w3id.org/samarbeidsgrafen/ontology#ownershipShare> ?share } } ORDER BY ?m"""
    )
    assert [
        (r["m"].value.rsplit("/", 1)[-1], r["owner"].value, r["share"].value)  # type: ignore[index]
        for r in owners  # type: ignore[union-attr]
    ] == [
        ("glor-iks--gausdal--owner", ORG + "gausdal", "25"),
        ("glor-iks--lillehammer--owner", ORG + "lillehammer", "50"),
        ("glor-iks--oyer--owner", ORG + "oyer", "25"),
    ]


def test_roles_without_their_company_are_reported(tmp_path: Path) -> None:
    sample = NATIONAL.parent / "format-samples" / "brreg-roller-response.synthetic.json"
    if not sample.is_file():
        pytest.skip("../shared/sources/national is absent (the roles format sample)")
    roles = tmp_path / "roller.json"
    shutil.copy(sample, roles)
    slugs, lines = run(roles)
    assert slugs == ["enhetsregisteret-roller-810005912"]
    assert lines == [
        "kg link brreg roller.json: nothing added; 1 finding(s)",
        "  roller.json: unmatched: company 810005912 is not in the graph, so its 2 "
        "owner(s) have no company; owners left out (import its entity with it: kg link brreg "
        "810005912.json roller.json)",
    ]


def test_bulk_slice_streams_and_reports() -> None:
    slugs, lines = run(FIXTURES / "enheter_alle.json.gz")
    assert slugs == ["enhetsregisteret-enheter-alle"]
    assert lines == [
        "kg link brreg enheter_alle.json.gz: 4 joint companies (IKS), 3 seats resolved, "
        "1 municipality organisation numbers, 1 county municipality organisation numbers, "
        "9 entities read; 3 finding(s)",
        "  enheter_alle.json.gz:245: unmatched: IKS 810000031 SYNTETISK UKJENT KOMMUNE IKS: seat "
        "municipality 9999 (UKJENT) is no municipality of the graph on 2026-12-02; "
        "seat left out",
        "  enheter_alle.json.gz: skipped: 2 of form AS (Aksjeselskap); not imported",
        "  enheter_alle.json.gz: skipped: 1 of form ORGL (Organisasjonsledd); not imported",
    ]


def test_bulk_deleted_company_has_its_identifier_period(data: Path) -> None:
    code, _, err = cli(FIXTURES / "enheter_alle.json.gz", "--data", data, "--read-on", "2026-12-02")
    assert (code, err) == (0, "")
    text = (data / "enhetsregisteret-enheter-alle.trig").read_text(encoding="utf-8")
    block = text.split("/interval/orgnr-810000023>\n        a time:Interval")[1]
    assert "instant/1999-03-01>" in block.split(".\n")[0]
    assert "instant/2020-12-31>" in block.split(".\n")[0]


def test_extract_resolves_names_on_its_year() -> None:
    slugs, lines = run(FIXTURES / "offentligeVirksomheter_2021.csv")
    assert slugs == ["enhetsregisteret-offentlige-virksomheter-2021"]
    f = "  offentligeVirksomheter_2021.csv"
    both = "on 2021-01-01 and 2021-12-31"
    heroy = "names 2 municipalities " + both + " (o:heroy-more-og-romsdal, o:heroy-nordland)"
    assert lines == [
        "kg link brreg offentligeVirksomheter_2021.csv: 4 joint companies (IKS), 2 seats "
        "resolved, 3 municipality organisation numbers, 1 county municipality organisation "
        "numbers; 7 finding(s)",
        f + ":2: unmatched: FYLK 921693230 VIKEN FYLKESKOMMUNE: seat OSLO (0301) is in county "
        "03, o:oslo, whose name in the graph (Oslo) is not the entity's; organisation number "
        "left out",
        f
        + ":7: ambiguous: KOMM 964978840: seat municipality HERØY "
        + heroy
        + "; organisation number left out",
        f
        + ":8: ambiguous: KOMM 872417982: seat municipality HERØY "
        + heroy
        + "; organisation number left out",
        f
        + ":13: ambiguous: IKS 810000074 SYNTETISK HAVBRUK IKS: seat municipality HERØY "
        + heroy
        + "; seat left out",
        f + ":14: unmatched: IKS 810000082 SYNTETISK ATLANTIS IKS: seat municipality ATLANTIS "
        "is no municipality of the graph " + both + "; seat left out",
        f + ": skipped: 1 of form ANNA (Annen juridisk person); not imported",
        f + ": skipped: 2 of form ORGL (Organisasjonsledd); not imported",
    ]


# --------------------------------------------------------------------------------------------
# Refusals: exit 2, one line, nothing written


def refused(data: Path, path: Path) -> str:
    before = sorted(p.name for p in data.iterdir())
    code, out, err = cli(path, "--data", data, "--read-on", "2026-12-02")
    assert (code, out) == (2, "")
    assert sorted(p.name for p in data.iterdir()) == before
    assert err.count("\n") == 1
    return err.strip()


def test_bad_check_digit_is_refused(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "971041693.json"
    bad.write_text(
        (FIXTURES / "971041692.json").read_text(encoding="utf-8").replace("971041692", "971041693"),
        encoding="utf-8",
    )
    assert refused(data, bad) == (
        f"kg: error: {bad}:2: organisation number 971041693 fails its check digit (mod 11) "
        "(check it against Enhetsregisteret; nothing was written)"
    )


def test_bad_check_digit_in_the_extract_is_refused(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "offentligeVirksomheter_2021.csv"
    text = (FIXTURES / "offentligeVirksomheter_2021.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("987769386", "987769387"), encoding="utf-8")
    assert refused(data, bad) == (
        f"kg: error: {bad}:3: organisation number 987769387 fails its check digit (mod 11) "
        "(check it against Enhetsregisteret; nothing was written)"
    )


def test_malformed_json_is_refused(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "971041692.json"
    bad.write_text('{\n  "organisasjonsnummer": "971041692",\n  "navn": "X" "\n}\n')
    assert refused(data, bad) == (f"kg: error: {bad}:3:15: malformed JSON: Expecting ',' delimiter")


def test_malformed_bulk_is_refused_with_its_line(data: Path, tmp_path: Path) -> None:
    text = gzip.decompress((FIXTURES / "enheter_alle.json.gz").read_bytes()).decode()
    bad = tmp_path / "enheter_alle.json.gz"
    bad.write_bytes(gzip.compress(text.replace('"navn": "ØYER KOMMUNE"', '"navn" "ØYER"').encode()))
    assert refused(data, bad) == (
        f"kg: error: {bad}:92:12: malformed JSON: Expecting ':' delimiter"
    )


def test_truncated_gzip_is_refused(data: Path, tmp_path: Path) -> None:
    whole = (FIXTURES / "enheter_alle.json.gz").read_bytes()
    bad = tmp_path / "enheter_alle.json.gz"
    bad.write_bytes(whole[: len(whole) // 2])
    message = refused(data, bad)
    assert message.startswith(f"kg: error: {bad}: truncated gzip stream (it ends after ")
    assert message.endswith("bytes, before its end marker) (download the file again)")


def test_wrong_encoding_is_refused(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "offentligeVirksomheter_2021.csv"
    text = (FIXTURES / "offentligeVirksomheter_2021.csv").read_text(encoding="utf-8")
    bad.write_bytes(text.encode("cp1252"))
    assert refused(data, bad) == (
        f"kg: error: {bad}:4: not UTF-8: byte 0xd8 at offset 226 (Enhetsregisteret's files are"
        " UTF-8: convert it, e.g. iconv -f cp1252 -t utf-8)"
    )


def test_import_refuses_before_writing_anything() -> None:
    with pytest.raises(LoadError, match="two files would write graph"):
        run(FIXTURES / "971041692.json", FIXTURES / "971041692.json")


# --------------------------------------------------------------------------------------------
# --online, against a server on 127.0.0.1 only


class _Registry(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests.append((self.path, self.headers.get("User-Agent", "")))
        if self.path == "/api/enheter/971041692":
            body = (FIXTURES / "971041692.json").read_bytes()
        elif self.path == "/api/enheter/971041692/roller":
            body = (FIXTURES / "971041692-roller.json").read_bytes()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    _Registry.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


def test_online_fetches_once_then_reads_the_cache(
    data: Path, tmp_path: Path, registry: str
) -> None:
    args = ("971041692", "--online", "--api-url", registry, "--cache", tmp_path / "cache")
    common = ("--data", data, "--read-on", "2026-12-02", "--delay", "0.01")
    code, out, err = cli(*args, *common)
    assert (code, err) == (0, "")
    assert [p for p, _ in _Registry.requests] == [
        "/api/enheter/971041692",
        "/api/enheter/971041692/roller",
    ]
    assert {ua for _, ua in _Registry.requests} == {brreg.USER_AGENT}
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        "971041692-roller.json",
        "971041692.json",
    ]
    assert "3 owner memberships; no findings" in out
    code, out2, err = cli(*args, *common)
    assert (code, err, out2) == (0, "", out)
    assert len(_Registry.requests) == 2


def test_online_unknown_number_is_refused(data: Path, tmp_path: Path, registry: str) -> None:
    code, out, err = cli(
        "810000007", "--online", "--api-url", registry, "--cache", tmp_path / "c", "--data", data
    )
    assert (code, out) == (2, "")
    assert err == f"kg: error: {registry}/enheter/810000007: HTTP 404 Not Found\n"


# --------------------------------------------------------------------------------------------
# The real extracts (../shared) and the committed graphs


@pytest.mark.national
def test_committed_extract_graphs_are_reproduced(tmp_path: Path) -> None:
    if not NATIONAL.is_dir():
        pytest.skip("../shared/sources/national is absent: the extracts cannot be re-imported")
    committed = ROOT / "data"
    if not (committed / "ssb-klass-131.trig").is_file():
        pytest.skip("data/ssb-klass-131.trig is not in this tree yet (kg link klass)")
    folder = tmp_path / "data"
    shutil.copytree(committed, folder)
    for year in ("2011", "2021"):
        slug = f"enhetsregisteret-offentlige-virksomheter-{year}"
        (folder / f"{slug}.trig").unlink()
        (folder / f"{slug}.report.txt").unlink()
    code, _, err = cli(
        NATIONAL / "offentligeVirksomheter_2011.csv",
        NATIONAL / "offentligeVirksomheter_2021.csv",
        "--data",
        folder,
        "--read-on",
        "2026-12-02",
    )
    assert (code, err) == (0, "")
    for year in ("2011", "2021"):
        for suffix in (".trig", ".report.txt"):
            name = f"enhetsregisteret-offentlige-virksomheter-{year}{suffix}"
            assert (folder / name).read_bytes() == (committed / name).read_bytes(), name


@pytest.mark.national
def test_2021_extract_has_179_companies_with_their_seats() -> None:
    committed = ROOT / "data"
    if not (committed / "enhetsregisteret-offentlige-virksomheter-2021.trig").is_file():
        pytest.skip("data/enhetsregisteret-offentlige-virksomheter-2021.trig is absent")
    store = ox.Store()
    for name in ("ssb-klass-131.trig", "enhetsregisteret-offentlige-virksomheter-2021.trig"):
        store.bulk_load(path=str(committed / name), format=ox.RdfFormat.TRIG)
    rows = [r for r in companies(store) if r[0] == "enhetsregisteret-offentlige-virksomheter-2021"]
    assert len(rows) == 179
    assert len({r[1] for r in rows}) == 179
    assert sum(1 for r in rows if r[4] is not None and r[5] is not None) == 179
    glor = [r for r in rows if r[2] == "971041692"]
    assert glor == [
        (
            "enhetsregisteret-offentlige-virksomheter-2021",
            "glor-iks",
            "971041692",
            "RENOVASJONSSELSKAPET GLØR IKS",
            "lillehammer",
            "3405",
        )
    ]
    report = (committed / "enhetsregisteret-offentlige-virksomheter-2021.report.txt").read_text()
    assert report.splitlines()[0] == (
        "kg link brreg offentligeVirksomheter_2021.csv: 4 county municipality organisation numbers,"
        " 179 joint companies (IKS), 179 seats resolved, 337 municipality organisation numbers;"
        " 17 finding(s)"
    )
    kinds = [line.split(": ")[1] for line in report.splitlines()[1:]]
    # Three county municipalities KLASS has no name for are named by the register (notes).
    assert kinds.count("note") == 3
    assert (kinds.count("ambiguous"), kinds.count("unmatched"), kinds.count("skipped")) == (
        0,
        6,
        8,
    )
