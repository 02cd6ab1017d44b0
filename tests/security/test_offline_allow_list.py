"""The parser's file allow-list compares resolved paths by whole components (issue #7, item 8).

While a parser runs (:func:`kg.model.dataset.offline`), only the file asked for and Python's own
code folders may be opened. A folder whose name merely starts with a code folder's name
(``…/kg-private`` next to ``…/kg``) is not inside it.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from kg.model.dataset import offline


@pytest.fixture
def code_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Python's code folders all point at ``tmp_path/lib`` for the test."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "module.py").write_text("# code\n")
    private = tmp_path / "lib-private"
    private.mkdir()
    (private / "secret.txt").write_text("secret\n")
    paths = {key: str(lib) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    monkeypatch.setattr(sysconfig, "get_paths", lambda *args, **kwargs: paths)
    monkeypatch.setattr("kg.model.dataset.__file__", str(lib / "model" / "dataset.py"))
    return lib


def test_a_sibling_folder_sharing_the_prefix_is_refused(code_folder: Path) -> None:
    secret = code_folder.parent / "lib-private" / "secret.txt"
    with offline(), pytest.raises(PermissionError, match="parsing may not read"):
        secret.open()


def test_a_dot_dot_path_out_of_a_code_folder_is_refused(code_folder: Path) -> None:
    sneaky = code_folder / ".." / "lib-private" / "secret.txt"
    with offline(), pytest.raises(PermissionError, match="parsing may not read"):
        sneaky.open()


def test_a_file_inside_a_code_folder_may_be_opened(code_folder: Path) -> None:
    with offline(), (code_folder / "module.py").open() as stream:
        assert stream.read() == "# code\n"
