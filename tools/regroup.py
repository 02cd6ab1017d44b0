"""Group the package ``kg/`` by stage: move each flat module into the folder of its stage and
rewrite every reference to it. Re-runnable: a second run changes nothing.

The stages, in the direction data flows (the developers' guide: "as kg/ grows, group it by
stage ... so that data flows one way and each folder shows its stage"):

- ``kg/model/``: the store and model: prefixes, namespaces, paths, parse bounds, the
  canonical and JSON-LD forms of RDF (the loaders read JSON-LD through :mod:`kg.model.jsonld`
  too), loading (dataset, sourcegraphs, store) and how terms are shown to people (render);
- ``kg/query/``: the catalogue and the text of queries, parameter binding, the sandbox, the
  engines (in-process and remote) and the HTTP transport; ``settings`` holds the engines'
  names, formats and bounds;
- ``kg/validation/``: SHACL and violation queries (validate), incremental re-validation;
- ``kg/link/``: the importers (a stage of its own, written elsewhere; nothing is moved there);
- ``kg/publish/``: exports, ``dist/`` (build, its stage times: progress), push to a store,
  the summary (stats);
- the faces, ``kg/cli/`` and ``kg/server/``, stay where they are; ``kg/errors.py`` stays at
  the top as the one exception tree every stage raises from.

Only :data:`MAPPING` is fixed; the rest works on whatever tree it finds, so it can run again
after other branches are merged (their new modules, e.g. ``kg/link/*.py``, still say
``from kg.dataset import ...``). What it does:

1. ``git mv kg/X.py kg/STAGE/X.py`` for each module still at its old place (a plain rename
   if the file is not tracked) and makes the :data:`ADJUST` edits in it (a path relative to
   its own file is one level deeper now; any other ``__file__`` stops the run before anything
   is rewritten); each stage folder gets an ``__init__.py`` holding only a docstring
   (importing a stage must import nothing: ``tests/test_cli_imports.py``). A module found at
   both places is an error (a merge re-created the old file): merge it by hand.
2. Rewrites, in every ``*.py`` under ``kg/ tests/ bench/ tools/`` (this file excepted) and in
   ``*.md`` at the top (but not ``CHANGELOG.md``: history keeps the names of its day), under
   ``docs/`` and ``tests/``, ``bench/*.md``, ``queries/*.rq``, ``pyproject.toml``, ``Makefile``:

   - ``from kg import a, b as c`` (also parenthesised over several lines, and in doctests):
     one ``from kg.STAGE import ...`` per stage, names that stay (``__version__``,
     ``errors``, ``cli``) in ``from kg import ...``;
   - every dotted name ``kg.X`` (``from kg.X import``, ``import kg.X``, ``kg.X.attr`` in
     monkeypatch targets and ``:mod:`` roles, ``python -m kg.X``, importlib strings) to
     ``kg.STAGE.X``;
   - every path ``kg/X.py`` to ``kg/STAGE/X.py``;
   - the :data:`EDITS` of files that depend on a module's depth.

   A name is rewritten only where ``kg`` is not preceded by a letter, digit, ``_``, ``.``,
   ``/`` or ``-`` and ``X`` ends there, so ``kg.cli.build`` and ``kg.model.store`` are left
   alone: that is what makes a second run a no-op.
3. ``pyproject.toml``: an explicit ``packages = [...]`` list becomes package discovery
   (``[tool.setuptools.packages.find]``, ``include = ["kg", "kg.*"]``), so new stage folders
   are packaged without another edit.
4. Wraps again the prose lines (docstrings, comments) of a rewritten ``*.py`` file that a
   longer name pushed past :data:`LINE_LIMIT`: the overflowing words go to the start of the
   next line of the same paragraph.
5. Sorts the imports and formats the Python files it changed with ruff (``ruff check
   --select I --fix``, ``ruff format``), if ruff is found next to the interpreter or on PATH.

Run it from anywhere, with the project's interpreter::

    /work/main/.venv/bin/python tools/regroup.py            # apply
    /work/main/.venv/bin/python tools/regroup.py --check    # list what would change; exit 1 if any

It prints one line per moved module and per rewritten file, and nothing when all is done.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STAGES: dict[str, str] = {
    "model": "The store and model: prefixes and namespaces, paths, parse bounds, the canonical\n"
    "and JSON-LD forms of RDF, loading (dataset, source graphs, the store) and how terms are\n"
    "shown to people. The lowest stage: it imports no other stage (two lazy exceptions in\n"
    ":mod:`kg.model.store`: persisting a store uses the export's snapshot and the engines'\n"
    "N-Quads).",
    "query": "Queries: the catalogue and the text of SPARQL queries, parameter binding, the\n"
    "sandbox that keeps engines off the network, the engines (rdflib, Oxigraph, a remote\n"
    "endpoint) and the HTTP transport. Reads the model.",
    "validation": "Validation: SHACL shapes and the ``*-violation`` queries, and incremental\n"
    "re-validation after one source graph changed. Reads the model, runs queries.",
    "publish": "Publishing: exports in every RDF format, the ``dist/`` build and its stage\n"
    "times, pushing to a SPARQL store, and the summary of a graph. Reads every stage below.",
}
"""Each stage folder, with the docstring of its ``__init__.py``."""

MAPPING: dict[str, str] = {
    # the store and model
    "prefixes": "model",
    "namespaces": "model",
    "paths": "model",
    "bounds": "model",
    "canonical": "model",
    "jsonld": "model",
    "dataset": "model",
    "sourcegraphs": "model",
    "store": "model",
    "render": "model",
    # queries and engines
    "settings": "query",
    "querytext": "query",
    "queries": "query",
    "binding": "query",
    "sandbox": "query",
    "engines": "query",
    "remote": "query",
    "transport": "query",
    # validation
    "validate": "validation",
    "revalidate": "validation",
    # publishing
    "export": "publish",
    "build": "publish",
    "push": "publish",
    "stats": "publish",
    "progress": "publish",
}
"""Old module ``kg.X`` -> stage: it becomes ``kg.STAGE.X``, file ``kg/STAGE/X.py``."""

PY_DIRS = ("kg", "tests", "bench", "tools")
TEXT_GLOBS = (
    "*.md",
    "docs/**/*.md",
    "bench/*.md",
    "tests/**/*.md",
    "queries/*.rq",
    "pyproject.toml",
    "Makefile",
)
SKIP_TEXT = {"CHANGELOG.md"}

_NAMES = "|".join(sorted(MAPPING, key=len, reverse=True))
DOTTED = re.compile(rf"(?<![\w./-])kg\.({_NAMES})(?![\w])")
PATH = re.compile(rf"(?<![\w./-])kg/({_NAMES})\.py(?![\w])")
FROM_KG = re.compile(
    r"^(?P<lead>[ \t]*(?:(?:>>>|\.\.\.) )?)from kg import "
    r"(?:\((?P<group>[^)]*)\)|(?P<line>[^\n#]*?))(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)
ADJUST: dict[str, tuple[tuple[str, str], ...]] = {
    # the repository root is one folder further up from kg/model/paths.py
    "paths": (("Path(__file__).resolve().parent.parent", "Path(__file__).resolve().parents[2]"),),
    # the offline hook lets parsers import code from the whole package, not only kg/model/
    "dataset": (("str(Path(__file__).parent)}", "str(Path(__file__).parent.parent)}"),),
}
"""Edits made to a module as it moves: what was relative to ``kg/`` is one level up now."""

EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    # the test stands the package folder in for a code folder: dataset.py is one level down
    "tests/security/test_offline_allow_list.py": (
        ('str(lib / "dataset.py")', 'str(lib / "model" / "dataset.py")'),
    ),
}
"""Edits made to other files, with the rewriting: they depend on a module's depth."""

OLD_PACKAGES = re.compile(r'^packages = \["kg"(?:, "kg\.[\w.]+")*\]\n', re.MULTILINE)
FIND = '[tool.setuptools.packages.find]\ninclude = ["kg", "kg.*"]\n'


def _split_from_kg(match: re.Match[str]) -> str:
    """``from kg import a, b`` as one statement per stage (unchanged if nothing moves)."""
    body = match.group("group") if match.group("group") is not None else match.group("line")
    names = [n.split("#", 1)[0].strip() for n in re.split(r",|\n", body)]
    names = [" ".join(n.split()) for n in names if n.split("#", 1)[0].strip()]
    if not any(n.split()[0] in MAPPING for n in names):
        return match.group(0)
    by_module: dict[str, list[str]] = {}
    for name in names:
        stage = MAPPING.get(name.split()[0])
        by_module.setdefault(f"kg.{stage}" if stage else "kg", []).append(name)
    lead, comment = match.group("lead"), match.group("comment") or ""
    lines = []
    for i, (module, group) in enumerate(by_module.items()):
        keep = comment if (i == 0 or "noqa" in comment) else ""
        lines.append(f"{lead}from {module} import {', '.join(group)}{keep}")
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """``text`` with every reference to a moved module pointing at its new place."""
    text = FROM_KG.sub(_split_from_kg, text)
    text = DOTTED.sub(lambda m: f"kg.{MAPPING[m.group(1)]}.{m.group(1)}", text)
    return PATH.sub(lambda m: f"kg/{MAPPING[m.group(1)]}/{m.group(1)}.py", text)


LINE_LIMIT = 100
"""``[tool.ruff] line-length``: prose a longer name pushed past it is wrapped again."""

_NOT_PROSE = re.compile(r"(>>>|\.\.\.|[-*+] |\d+\. |```)")


def _prose_lines(text: str) -> dict[int, str]:
    """The lines (0-based) of docstrings and whole-line comments, each with its kind: the
    token's start (lines of one string or of one run of comments wrap into each other)."""
    kinds: dict[int, str] = {}
    lines = text.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return kinds
    for tok in tokens:
        if tok.type == tokenize.STRING and re.match(r"[rRbBuU]?(\"\"\"|\'\'\')", tok.string):
            for row in range(tok.start[0], tok.end[0] + 1):
                kinds[row - 1] = f"string{tok.start}"
        elif tok.type == tokenize.COMMENT and not lines[tok.start[0] - 1][: tok.start[1]].strip():
            kinds[tok.start[0] - 1] = f"comment{tok.start[1]}"
    return kinds


def rewrap(text: str) -> str:
    """Prose lines over :data:`LINE_LIMIT` (in docstrings and comments) wrapped again: words
    that overflow go to the start of the next line of the same paragraph, or to a new line."""
    lines = text.split("\n")
    kinds = _prose_lines(text)
    i = 0
    while i < len(lines):
        line = lines[i]
        kind = kinds.get(i)
        if len(line) <= LINE_LIMIT or kind is None:
            i += 1
            continue
        indent = re.match(r"[ \t]*(# ?)?", line).group(0)  # type: ignore[union-attr]
        body = line[len(indent) :]
        if _NOT_PROSE.match(body) and kind.startswith("string"):
            i += 1
            continue
        cut = line.rfind(" ", len(indent) + 1, LINE_LIMIT + 1)
        if cut <= len(indent):
            i += 1
            continue
        head, tail = line[:cut].rstrip(), line[cut + 1 :]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        joinable = (
            nxt is not None
            and kinds.get(i + 1) == kind
            and nxt.startswith(indent)
            and nxt[len(indent) :].strip()
            and not nxt[len(indent) :].startswith((" ", "\t"))
            and not _NOT_PROSE.match(nxt[len(indent) :])
            and not (kind.startswith("string") and nxt.strip() in ('"""', "'''"))
        )
        if tail.rstrip().endswith(('"""', "'''")):
            joinable = False
        lines[i] = head
        if joinable:
            lines[i + 1] = indent + tail + " " + nxt[len(indent) :]  # type: ignore[index]
        else:
            lines.insert(i + 1, indent + tail)
            kinds = {(k + 1 if k > i else k): v for k, v in kinds.items()}
            kinds[i + 1] = kind
        i += 1
    return "\n".join(lines)


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def move_modules(check: bool) -> list[str]:
    """Move each module still at ``kg/X.py``; the lines saying what moved (or would)."""
    done, errors = [], []
    for stage, doc in STAGES.items():
        init = ROOT / "kg" / stage / "__init__.py"
        if not init.exists():
            done.append(f"create kg/{stage}/__init__.py")
            if not check:
                init.parent.mkdir(exist_ok=True)
                init.write_text(f'"""{doc}\n"""\n', encoding="utf-8")
                _git("add", str(init.relative_to(ROOT)))
    for name, stage in MAPPING.items():
        old, new = ROOT / "kg" / f"{name}.py", ROOT / "kg" / stage / f"{name}.py"
        if not old.exists():
            continue
        if new.exists():
            errors.append(f"kg/{name}.py and kg/{stage}/{name}.py both exist: merge them by hand")
            continue
        done.append(f"move kg/{name}.py -> kg/{stage}/{name}.py")
        if check:
            continue
        tracked = _git("ls-files", "--error-unmatch", str(old.relative_to(ROOT))).returncode == 0
        if tracked:
            moved = _git("mv", str(old.relative_to(ROOT)), str(new.relative_to(ROOT)))
            if moved.returncode != 0:
                errors.append(f"git mv kg/{name}.py: {moved.stderr.strip()}")
        else:
            old.rename(new)
        text = new.read_text(encoding="utf-8")
        for before, after in ADJUST.get(name, ()):
            if before not in text:
                errors.append(f"kg/{stage}/{name}.py: no {before!r} to adjust")
            text = text.replace(before, after)
        new.write_text(text, encoding="utf-8")
        if "__file__" in text and name not in ADJUST:
            errors.append(f"kg/{stage}/{name}.py uses __file__: check it, it moved a level down")
    if errors:
        sys.exit("regroup: " + "; ".join(errors))
    return done


def files_to_rewrite() -> list[Path]:
    """Every file whose references are rewritten, in a fixed order."""
    found: set[Path] = set()
    for folder in PY_DIRS:
        found.update(p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)
    for pattern in TEXT_GLOBS:
        found.update(ROOT.glob(pattern))
    this = Path(__file__).resolve()
    return sorted(
        p for p in found if p.is_file() and p.resolve() != this and p.name not in SKIP_TEXT
    )


def fix_pyproject(text: str) -> str:
    """An explicit package list becomes discovery of ``kg`` and every folder under it."""
    if FIND in text or not OLD_PACKAGES.search(text):
        return text
    alone = re.compile(r"^\[tool\.setuptools\]\n" + OLD_PACKAGES.pattern[1:] + r"(?=\n|\Z)", re.M)
    if alone.search(text):  # the table held nothing else: it becomes the discovery table
        return alone.sub(FIND, text, count=1)
    return OLD_PACKAGES.sub("", text).replace(
        "[tool.setuptools.package-data]", FIND + "\n[tool.setuptools.package-data]", 1
    )


def _ruff() -> str | None:
    beside = Path(sys.executable).parent / "ruff"
    return str(beside) if beside.exists() else shutil.which("ruff")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a run would"
    )
    args = parser.parse_args(argv)
    changes = move_modules(args.check)
    changed_py: list[Path] = []
    for path in files_to_rewrite():
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        for before, after in EDITS.get(path.relative_to(ROOT).as_posix(), ()):
            new = new.replace(before, after)
        if path.name == "pyproject.toml" and path.parent == ROOT:
            new = fix_pyproject(new)
        if new != text:
            changes.append(f"rewrite {path.relative_to(ROOT)}")
            if path.suffix == ".py":
                new = rewrap(new)
            if not args.check:
                path.write_text(new, encoding="utf-8")
                if path.suffix == ".py":
                    changed_py.append(path)
    if changed_py:
        ruff = _ruff()
        if ruff is None:
            print(
                "regroup: ruff not found; sort imports: ruff check --select I --fix",
                file=sys.stderr,
            )
        else:
            names = [str(p) for p in changed_py]
            subprocess.run(
                [ruff, "check", "-q", "--select", "I", "--fix", *names], cwd=ROOT, check=False
            )
            subprocess.run([ruff, "format", "-q", *names], cwd=ROOT, check=False)
    for line in changes:
        print(line)
    return 1 if args.check and changes else 0


if __name__ == "__main__":
    sys.exit(main())
