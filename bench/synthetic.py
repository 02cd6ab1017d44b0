"""Generate a synthetic data folder in the project's model, for benchmarks and scale tests.

The model is general: more regions are more data, not more code. This writes ``regions``
regions of three municipalities each, with a regional council (seats by rule), a joint company
with owners, host-municipality arrangements, a partnership with a budget frame and a project —
the same patterns as the real data — in one source graph, or split over ``--files N`` source
files (each its own named graph and source document, as the project's data files are), valid
against the project's shapes. Every name says "Syntetisk" and every IRI contains ``bench-``:
none of it is a fact.

Usage: ``python bench/synthetic.py OUT_DIR --regions N [--files N]``
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

HEADER = """\
@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix legal: <http://www.w3.org/ns/legal#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix schema: <http://schema.org/> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sgid: <https://w3id.org/samarbeidsgrafen/id/> .
@prefix role: <https://w3id.org/samarbeidsgrafen/vocab/role/> .
@prefix ms: <https://w3id.org/samarbeidsgrafen/vocab/membership-status/> .
@prefix cf: <https://w3id.org/samarbeidsgrafen/vocab/cooperation-form/> .
@prefix dom: <https://w3id.org/samarbeidsgrafen/vocab/policy-domain/> .
@prefix of: <https://w3id.org/samarbeidsgrafen/vocab/organisation-form/> .
@prefix idt: <https://w3id.org/samarbeidsgrafen/vocab/identifier-type/> .
"""

ID = "https://w3id.org/samarbeidsgrafen/id/"
WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr(seed: int) -> str:
    """A nine-digit number that passes the modulus-11 check, derived from ``seed``.

    >>> orgnr(0)
    '800000009'
    """
    n = 80_000_000 + seed
    while True:
        digits = [int(d) for d in f"{n:08d}"]
        check = 11 - sum(w * d for w, d in zip(WEIGHTS, digits, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{n:08d}{check}"
        n += 1


def _iri(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/bench-{slug}>"


def region_block(r: int) -> str:
    """The triples of synthetic region ``r`` (inside the source graph)."""
    munis = [f"r{r}-k{k}" for k in range(3)]
    lines: list[str] = []
    add = lines.append

    def orgnr_identifier(ident: str, seed: int) -> None:
        add(f'{ident} a adms:Identifier ; skos:notation "{orgnr(seed)}" ;')
        add('  dct:type idt:organisasjonsnummer ; adms:schemeAgency "Brønnøysundregistrene" .')

    for k, slug in enumerate(munis):
        muni = _iri("organization", slug)
        ident = _iri("identifier", f"{slug}-orgnr")
        add(f"{muni} a sg:Municipality , cv:PublicOrganisation , org:FormalOrganization ;")
        add(f'  skos:prefLabel "Syntetisk kommune {r}-{k}"@nb ,')
        add(f'    "Synthetic municipality {r}-{k}"@en ;')
        add(f"  org:classification of:KOMM ; adms:identifier {ident} .")
        orgnr_identifier(ident, r * 10 + k)

    def membership(org: str, org_slug: str, member_slug: str, role: str) -> None:
        m = _iri("membership", f"{org_slug}--{member_slug}--{role}")
        add(f"{m} a org:Membership ; org:organization {org} ;")
        add(f"  org:member {_iri('organization', member_slug)} ;")
        add(f"  org:role role:{role} ; adms:status ms:member .")

    region = _iri("collaboration", f"r{r}-region")
    add(f"{region} a sg:Region , org:OrganizationalCollaboration ;")
    add(f'  skos:prefLabel "Syntetisk region {r}"@nb , "Synthetic region {r}"@en ;')
    add(f'  dct:description "Syntetisk region {r}."@nb , "Synthetic region {r}."@en ;')
    add("  org:purpose dom:regional-cooperation .")
    for slug in munis:
        membership(region, f"r{r}-region", slug, "participant")

    council = _iri("collaboration", f"r{r}-council")
    add(f"{council} a sg:RegionalCouncil , org:OrganizationalCollaboration ,")
    add("    cv:PublicOrganisation ;")
    add(f'  skos:prefLabel "Syntetisk regionråd {r}"@nb , "Synthetic council {r}"@en ;')
    add(f'  dct:description "Syntetisk regionråd {r}."@nb , "Synthetic council {r}."@en ;')
    add(f"  org:classification cf:regionraad-uregulert ; org:subOrganizationOf {region} ;")
    add(f"  sg:compositionRule {_iri('rule', f'r{r}-mayor')} .")
    add(f"{_iri('rule', f'r{r}-mayor')} a sg:SeatAllocation ;")
    add(f'  rdfs:label "Ordføreren fra hver kommune {r}"@nb , "Each mayor {r}"@en ;')
    add("  sg:seatRole role:mayor ; sg:seatsEach 1 ;")
    add("  sg:allocatedTo " + " , ".join(_iri("organization", s) for s in munis) + " .")
    for slug in munis:
        membership(council, f"r{r}-council", slug, "participant")
        post = _iri("post", f"r{r}-council--mayor--{slug}")
        add(f"{post} a org:Post ; org:postIn {council} ; org:role role:mayor ;")
        add(f'  skos:prefLabel "Ordfører {slug}"@nb , "Mayor {slug}"@en ;')
        add(f"  sg:representing {_iri('organization', slug)} .")

    company = _iri("organization", f"r{r}-iks")
    ident = _iri("identifier", f"r{r}-iks-orgnr")
    add(f"{company} a sg:JointCompany , org:FormalOrganization , legal:LegalEntity ;")
    add(f'  skos:prefLabel "Syntetisk IKS {r}"@nb , "Synthetic IKS {r}"@en ;')
    add(f'  legal:legalName "Syntetisk IKS {r}" ; adms:identifier {ident} ;')
    add("  org:classification of:IKS , cf:iks ; legal:companyType of:IKS ; org:purpose dom:waste .")
    orgnr_identifier(ident, r * 10 + 5)
    for slug in munis:
        membership(company, f"r{r}-iks", slug, "owner")

    for d, domain in enumerate(("agriculture", "payroll", "procurement")):
        unit_slug = f"r{r}-{domain}"
        unit = _iri("collaboration", unit_slug)
        site = _iri("site", unit_slug)
        add(f"{unit} a sg:HostMunicipalityArrangement , sg:InterMunicipalCooperation ,")
        add("    org:OrganizationalCollaboration ;")
        add(f'  skos:prefLabel "Syntetisk {domain} {r}"@nb , "Synthetic {domain} {r}"@en ;')
        add(f'  dct:description "Syntetisk {domain} {r}."@nb , "Synthetic {domain} {r}."@en ;')
        add(f"  org:classification cf:vertskommune-20-2 ; org:purpose dom:{domain} ;")
        add(f"  org:hasSite {site} .")
        add(f'{site} a org:Site ; rdfs:label "Kontor {unit_slug}"@nb .')
        for k, slug in enumerate(munis):
            membership(unit, unit_slug, slug, "host-municipality" if k == d else "participant")

    partnership = _iri("collaboration", f"r{r}-partnership")
    amount = _iri("amount", f"r{r}-partnership-2010")
    interval = _iri("interval", f"r{r}-partnership")
    add(f"{partnership} a sg:Partnership , org:OrganizationalCollaboration ;")
    add(f'  skos:prefLabel "Syntetisk partnerskap {r}"@nb , "Synthetic partnership {r}"@en ;')
    add(f'  dct:description "Syntetisk partnerskap {r}."@nb , "Synthetic partnership {r}."@en ;')
    add('  org:classification cf:avtale ; schema:startDate "1999"^^xsd:gYear ;')
    add(f"  sg:annualBudgetFrame {amount} .")
    add(f'{amount} a schema:MonetaryAmount ; schema:value "{1_000_000 + r}"^^xsd:decimal ;')
    add('  schema:currency "NOK" ; schema:validFrom "2010-01-01"^^xsd:date ;')
    add('  schema:validThrough "2010-12-31"^^xsd:date .')
    m = _iri("membership", f"r{r}-partnership--region--partner")
    add(f"{m} a org:Membership ; org:organization {partnership} ; org:member {region} ;")
    add(f"  org:role role:partner ; adms:status ms:member ; org:memberDuring {interval} .")
    add(f"{interval} a time:Interval ; time:hasBeginning {_iri('instant', '1999')} .")
    for slug in munis[:1]:
        membership(partnership, f"r{r}-partnership", slug, "partner")
    return "\n".join("    " + line for line in lines) + "\n"


def write_source(path: Path, slug: str, regions: Iterable[int]) -> Path:
    """Write ``path``: one TriG file holding one source graph (``graph/bench-{slug}``, derived
    from ``source/bench-{slug}``) with the given ``regions``; returns ``path``.

    Every file describes its own graph and source, so that each is a source of its own, as
    the project's data files are. Region numbers must not repeat across the files of one
    folder (the IRIs would collide); the ``instant/bench-1999`` that the partnerships share
    is written in every file, as the same fact in several sources.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    graph = f"<{ID}graph/bench-{slug}>"
    src = f"<{ID}source/bench-{slug}>"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        fh.write(f"\n{graph} {{\n")
        fh.write(f"    {graph} a sg:SourceGraph ; prov:wasDerivedFrom {src} ;\n")
        fh.write('      rdfs:label "Synthetic benchmark data (not facts)"@en .\n')
        fh.write(f'    {src} a sg:SourceDocument ; dct:title "Synthetic benchmark data"@en ;\n')
        fh.write('      dct:bibliographicCitation "Generated by bench/synthetic.py" .\n')
        fh.write(f"    {_iri('instant', '1999')} a time:Instant ;\n")
        fh.write('      time:inXSDgYear "1999"^^xsd:gYear .\n')
        for r in regions:
            fh.write(region_block(r))
        fh.write("}\n")
    return path


def split(regions: int, files: int) -> list[range]:
    """Regions ``0 .. regions-1`` in ``files`` consecutive runs whose sizes differ by one at most
    (never an empty file: at most ``regions`` files).

    >>> split(5, 2)
    [range(0, 2), range(2, 5)]
    >>> split(2, 20)
    [range(0, 1), range(1, 2)]
    """
    files = max(1, min(files, regions))
    return [range(i * regions // files, (i + 1) * regions // files) for i in range(files)]


def write(out: Path, regions: int, files: int = 1) -> list[Path]:
    """Write ``regions`` regions into ``out``, split over ``files`` source files; returns them.

    One file is ``out/synthetic.trig`` (graph ``graph/bench-synthetic``), as before; more are
    ``out/synthetic-01.trig`` … (graphs ``graph/bench-synthetic-01`` …), each its own source.
    """
    out.mkdir(parents=True, exist_ok=True)
    parts = split(regions, files)
    if len(parts) == 1:
        return [write_source(out / "synthetic.trig", "synthetic", parts[0])]
    width = max(2, len(str(len(parts))))
    written = []
    for i, part in enumerate(parts, start=1):
        slug = f"synthetic-{i:0{width}d}"
        written.append(write_source(out / f"{slug}.trig", slug, part))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument(
        "--files", type=int, default=1, help="split the regions over this many source files"
    )
    args = parser.parse_args()
    if args.regions < 1 or args.files < 1:
        parser.error("--regions and --files must be at least 1")
    for path in write(args.out, args.regions, args.files):
        print(path)


if __name__ == "__main__":
    main()
