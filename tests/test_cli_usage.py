"""Usage errors of the installed ``kg``: one line in ``kg: error:`` style, exit 2, with "did you
mean" for names; ``-h`` and ``-V``; ``kg`` alone (issue #11)."""

from __future__ import annotations

import pytest
from support import FIXTURE_PROJECT, run_kg

from kg import __version__


def kg(*args: str) -> tuple[int, str, str]:
    done = run_kg(*args, root=FIXTURE_PROJECT)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("biuld",), "no such command 'biuld' (did you mean build? see kg --help)"),
        (("valdiate",), "no such command 'valdiate' (did you mean validate? see kg --help)"),
        (("frobnicate",), "no such command 'frobnicate' (see kg --help)"),
        (
            ("validate", "--fromat", "json"),
            "no such option '--fromat' (did you mean --format? see kg validate --help)",
        ),
        (("--fromat",), "no such option '--fromat' (see kg --help)"),
        (
            ("validate", "--format"),
            "option '--format' requires an argument (see kg validate --help)",
        ),
        (
            ("validate", "--format", "jsn"),
            "invalid value for --format: 'jsn' is not one of table, turtle, json "
            "(did you mean json? see kg validate --help)",
        ),
        (
            ("validate", "--format", "xml"),
            "invalid value for --format: 'xml' is not one of table, turtle, json "
            "(see kg validate --help)",
        ),
        (
            ("serve", "--port", "abc"),
            "invalid value for --port: 'abc' is not an integer (see kg serve --help)",
        ),
        (
            ("--parse-timeout", "soon", "validate"),
            "invalid value for --parse-timeout: 'soon' is not a number (see kg --help)",
        ),
        (
            ("--parse-timeout", "0", "validate"),
            "invalid value for --parse-timeout: must be a positive number of seconds "
            "(see kg --help)",
        ),
        (
            ("stats", "extra", "words"),
            "got unexpected extra arguments (extra words) (see kg stats --help)",
        ),
    ],
)
def test_a_usage_error_is_one_line(args: tuple[str, ...], message: str) -> None:
    assert kg(*args) == (2, "", f"kg: error: {message}\n")


def test_a_missing_argument_names_the_choices() -> None:
    from kg.cli.link import IMPORTERS

    names = ", ".join(sorted(IMPORTERS))
    assert kg("link") == (
        2,
        "",
        f"kg: error: missing argument SOURCE (one of {names}; see kg link --help)\n",
    )


def test_kg_alone_prints_the_help_and_exits_2_as_git_does() -> None:
    """``git`` alone prints its usage on stdout and exits non-zero: no command was given, so
    nothing was done. ``kg`` alone does the same, with its usage-error code, 2."""
    code, out, err = kg()
    assert (code, err) == (2, "")
    assert out == kg("--help")[1]
    assert out.startswith("Usage: kg [OPTIONS] COMMAND [ARGS]...\n")


@pytest.mark.parametrize("command", [(), ("validate",), ("query",), ("build",)])
def test_dash_h_is_help(command: tuple[str, ...]) -> None:
    long = kg(*command, "--help")
    assert long[0] == 0 and long[1].startswith(f"Usage: kg {' '.join(command)}".rstrip())
    assert kg(*command, "-h") == long


def test_the_help_names_both_spellings() -> None:
    out = kg("-h")[1]
    assert "  -V, --version " in out
    assert "  -h, --help " in out


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str) -> None:
    assert kg(flag) == (0, f"kg {__version__}\n", "")


def test_a_missing_option_names_the_choices() -> None:
    from kg.publish.export import FORMATS

    names = ", ".join(FORMATS)
    assert kg("export") == (
        2,
        "",
        f"kg: error: missing option --format (one of {names}; see kg export --help)\n",
    )
