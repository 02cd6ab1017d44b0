"""Streaming import of Enhetsregisteret's bulk file: ``python bench/brreg_bulk.py`` writes
``bench/brreg_bulk.md``.

The input is **synthetic**: a ``enheter_alle.json.gz`` of 1.1 million entities written by this
script (deterministic seed) in the real format — a gzipped JSON array of ``enheter/{orgnr}``
objects with the API's field names (``organisasjonsnummer``, ``navn``, ``organisasjonsform``,
``registreringsdatoEnhetsregisteret``, ``forretningsadresse`` …), valid check digits, varied
organisation forms (AS, ENK, NUF, … with about 250 IKS, the municipalities and county
municipalities), seats among the 2024 municipality numbers. No value in it is a fact.

It times ``kg link brreg FILE --data TMP`` as a fresh process (the data folder holds the
project's KLASS graph to link to), with :func:`os.wait4`: wall time, CPU time (user + system)
and peak resident memory, the median of three runs; and, in the same run, a naive baseline — a
fresh process that decompresses and ``json.load``\\ s the whole array, then does the same
filtering (form counts, check digits, the IKS, KOMM and FYLK picked out) without writing RDF.
Targets on the project's 2-core machine: at most 60 s and 500 MB. Generated files stay in
``/tmp`` (``--work``). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTITIES = 1_100_000
IKS = 250
SEED = 20261202
RUNS = 3
FORMS = [  # (code, description, weight): roughly the register's mix
    ("AS", "Aksjeselskap", 380),
    ("ENK", "Enkeltpersonforetak", 330),
    ("FLI", "Forening/lag/innretning", 90),
    ("NUF", "Norskregistrert utenlandsk foretak", 40),
    ("SA", "Samvirkeforetak", 10),
    ("ANS", "Ansvarlig selskap med solidarisk ansvar", 20),
    ("DA", "Ansvarlig selskap med delt ansvar", 15),
    ("STI", "Stiftelse", 15),
    ("BRL", "Borettslag", 30),
    ("ESEK", "Eierseksjonssameie", 40),
    ("ORGL", "Organisasjonsledd", 15),
    ("SAM", "Tingsrettslig sameie", 10),
    ("KF", "Kommunalt foretak", 1),
]
BASELINE = r"""
import gzip, json, sys
from collections import Counter
from kg.link.common import orgnr_valid
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f:
    entities = json.load(f)
forms = Counter()
kept = []
for e in entities:
    if not orgnr_valid(e["organisasjonsnummer"]):
        raise SystemExit("bad check digit")
    kode = e["organisasjonsform"]["kode"]
    if kode in ("IKS", "KOMM", "FYLK"):
        kept.append((e["organisasjonsnummer"], e["navn"], e["forretningsadresse"]["kommunenummer"]))
    else:
        forms[kode] += 1
print(len(entities), len(kept), len(forms))
"""


def numbers(count: int) -> list[str]:
    """``count`` organisation numbers with valid check digits, from 810 000 000 up."""
    sys.path.insert(0, str(ROOT))
    from kg.link.common import orgnr_valid

    out: list[str] = []
    n = 810_000_000
    while len(out) < count:
        if orgnr_valid(str(n)):
            out.append(str(n))
        n += 1
    return out


def municipality_numbers() -> list[tuple[str, str]]:
    version = ROOT.parent / "shared" / "sources" / "national" / "ssb-klass-131"
    if not version.is_dir():
        version = Path("/work/shared/sources/national/ssb-klass-131")
    data = json.loads((version / "Kommuneinndeling 2024.json").read_text(encoding="utf-8"))
    return [(item["code"], item["name"]) for item in data["classificationItems"]]


def generate(path: Path) -> None:
    rng = random.Random(SEED)
    seats = municipality_numbers()
    orgnrs = numbers(ENTITIES)
    special = {i: "IKS" for i in rng.sample(range(ENTITIES), IKS)}
    free = [i for i in range(ENTITIES) if i not in special]
    public = rng.sample(free, len(seats) + 15)
    special.update({i: "KOMM" for i in public[: len(seats)]})
    special.update({i: "FYLK" for i in public[len(seats) :]})
    codes = [c for c, _, _ in FORMS]
    weights = [w for _, _, w in FORMS]
    described = {c: d for c, d, _ in FORMS} | {
        "IKS": "Interkommunalt selskap",
        "KOMM": "Kommune",
        "FYLK": "Fylkeskommune",
    }
    komm = iter(seats)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write("[")
        for i, orgnr in enumerate(orgnrs):
            form = special.get(i) or rng.choices(codes, weights)[0]
            if form == "KOMM":
                number, name = next(komm)
                navn = f"{name.split(' - ')[0].upper()} KOMMUNE"
            else:
                number, name = seats[rng.randrange(len(seats))]
                navn = f"SYNTETISK {form} {i:07d}"
            year = rng.randrange(1960, 2025)
            entity = {
                "organisasjonsnummer": orgnr,
                "navn": navn,
                "organisasjonsform": {
                    "kode": form,
                    "beskrivelse": described[form],
                    "_links": {
                        "self": {
                            "href": "https://data.brreg.no/enhetsregisteret/api/"
                            f"organisasjonsformer/{form}"
                        }
                    },
                },
                "registreringsdatoEnhetsregisteret": (
                    f"{max(year, 1995)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}"
                ),
                "registrertIMvaregisteret": rng.random() < 0.4,
                "naeringskode1": {
                    "kode": f"{rng.randrange(1, 99):02d}.{rng.randrange(0, 999):03d}",
                    "beskrivelse": "Syntetisk næring",
                },
                "antallAnsatte": rng.randrange(0, 50),
                "harRegistrertAntallAnsatte": True,
                "forretningsadresse": {
                    "land": "Norge",
                    "landkode": "NO",
                    "postnummer": f"{rng.randrange(0, 10000):04d}",
                    "poststed": name.upper(),
                    "adresse": [f"Syntetisk vei {rng.randrange(1, 200)}"],
                    "kommune": name.upper(),
                    "kommunenummer": number,
                },
                "stiftelsesdato": f"{year}-0{rng.randrange(1, 10)}-0{rng.randrange(1, 10)}",
                "institusjonellSektorkode": {
                    "kode": "2100",
                    "beskrivelse": "Private aksjeselskaper mv.",
                },
                "registrertIForetaksregisteret": form in ("AS", "ANS", "DA", "IKS", "NUF"),
                "registrertIStiftelsesregisteret": form == "STI",
                "registrertIFrivillighetsregisteret": form == "FLI",
                "konkurs": False,
                "underAvvikling": False,
                "underTvangsavviklingEllerTvangsopplosning": False,
                "maalform": "Bokmål",
                "_links": {
                    "self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}
                },
            }
            if i:
                out.write(",\n")
            out.write(json.dumps(entity, ensure_ascii=False))
        out.write("]\n")
    tmp.replace(path)


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one fresh process."""
    start = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    err = process.stderr.read().decode() if process.stderr else ""
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/brreg-bulk-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "brreg_bulk.md")
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    bulk = work / "enheter_alle.json.gz"
    if not bulk.is_file():
        t = time.monotonic()
        generate(bulk)
        print(f"generated {bulk} in {time.monotonic() - t:.0f} s", file=sys.stderr)
    data = work / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir()
    shutil.copy(ROOT / "data" / "ssb-klass-131.trig", data)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAMARBEIDSGRAFEN_ROOT": str(ROOT)}
    kg = [sys.executable, "-c", "from kg.cli import main; main()"]
    command = [*kg, "link", "brreg", str(bulk), "--data", str(data), "--read-on", "2026-12-02"]
    naive = [sys.executable, "-c", BASELINE, str(bulk)]
    ours = [measure(command, env) for _ in range(RUNS)]
    base = [measure(naive, env) for _ in range(RUNS)]
    report = (data / "enhetsregisteret-enheter-alle.report.txt").read_text(encoding="utf-8")
    med = [statistics.median(r[k] for r in ours) for k in range(3)]
    bmed = [statistics.median(r[k] for r in base) for k in range(3)]
    lines = [
        "# Streaming import of the bulk file (`python bench/brreg_bulk.py`)",
        "",
        f"A **synthetic** `enheter_alle.json.gz` of {ENTITIES:,} entities in the real format "
        f"({bulk.stat().st_size / 1e6:.0f} MB gzipped; {IKS} IKS, every 2024 municipality and "
        f"15 county municipalities, the rest in {len(FORMS)} other forms; seed {SEED}).",
        "Each figure is the median of 3 fresh processes, measured with `os.wait4`; "
        f"{os.cpu_count()} cores.",
        "",
        "| run | wall s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|",
        f"| `kg link brreg enheter_alle.json.gz --data DIR` (streamed) | {med[0]:.1f} | "
        f"{med[1]:.1f} | {med[2]:.0f} |",
        f"| naive baseline: gzip + `json.load` of the whole array + the same filtering | "
        f"{bmed[0]:.1f} | {bmed[1]:.1f} | {bmed[2]:.0f} |",
        "",
        f"Ratio streamed / naive: wall {med[0] / bmed[0]:.2f}, peak memory "
        f"{med[2] / bmed[2]:.3f}. Targets: ≤ 60 s and ≤ 500 MB: "
        + ("met." if med[0] <= 60 and med[2] <= 500 else "NOT met."),
        "",
        "Runs (wall s, CPU s, MB): streamed "
        + "; ".join(f"{w:.1f}, {c:.1f}, {m:.0f}" for w, c, m in ours)
        + " — naive "
        + "; ".join(f"{w:.1f}, {c:.1f}, {m:.0f}" for w, c, m in base)
        + ".",
        "",
        "The import's report line: `" + report.splitlines()[0] + "`",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
