"""click's usage errors as one line in ``kg: error:`` style, with "did you mean" for names.

click writes a usage error as three lines of its own (the usage, ``Try ... for help.``,
``Error: ...``). :func:`usage_message` says the same in one sentence, the way every other error
of ``kg`` is said, and names what to read: ``(see kg validate --help)``. An unknown command,
option or choice comes with the nearest names (:func:`difflib.get_close_matches`, as click
finds options).

Imports click and the standard library only (``kg --help`` stays light).
"""

from __future__ import annotations

import ast
import difflib
import re

import click

_REPR = re.compile(r"""^(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") is not """)
"""The start of click's invalid-choice message: the value given, as Python writes it."""


def sentence(text: str) -> str:
    """click's message as one clause of ours: one line, no final full stop, a lower-case first
    letter where the word is not an acronym.

    >>> sentence("Path 'x' does not exist.")
    "path 'x' does not exist"
    >>> sentence("IRI missing.")
    'IRI missing'
    """
    text = " ".join(text.split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def parameter_name(param: click.Parameter | None) -> str:
    """How the command line spells a parameter: an option's longest name, an argument's
    metavar (``--format``, ``PATHS``)."""
    if param is None:
        return "a parameter"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def _choices(param: click.Parameter | None) -> list[str]:
    if param is not None and isinstance(param.type, click.Choice):
        return [str(choice) for choice in param.type.choices]
    return []


def _given_choice(message: str) -> str | None:
    """The value of click's ``'x' is not one of ...`` message."""
    found = _REPR.match(message)
    if found is None:
        return None
    try:
        value = ast.literal_eval(found.group("value"))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


_NOT_A_NUMBER = re.compile(r" is not a valid (integer|float)(?: range)?$")


def _number_words(text: str) -> str:
    """click's ``'x' is not a valid integer range`` as ``'x' is not an integer``.

    >>> _number_words("'abc' is not a valid float range")
    "'abc' is not a number"
    """
    return _NOT_A_NUMBER.sub(
        lambda m: " is not an integer" if m.group(1) == "integer" else " is not a number", text
    )


def usage_message(exc: click.UsageError, commands: list[str]) -> str:
    """One line for a usage error; ``commands`` are the names an unknown command is matched
    against (click's own list is empty for a lazy group).

    >>> group = click.Group("kg")
    >>> ctx = click.Context(group, info_name="kg")
    >>> usage_message(click.exceptions.NoSuchCommand("biuld", ctx=ctx), ["build", "validate"])
    "no such command 'biuld' (did you mean build? see kg --help)"
    >>> usage_message(click.UsageError("Got unexpected extra argument (x)", ctx), [])
    'got unexpected extra argument (x) (see kg --help)'
    """
    ctx = exc.ctx
    hint = f"see {ctx.command_path if ctx is not None else 'kg'} --help"
    suggestions: list[str] = []
    if isinstance(exc, click.exceptions.NoSuchCommand):
        text = f"no such command '{exc.command_name}'"
        suggestions = difflib.get_close_matches(exc.command_name, commands)
    elif isinstance(exc, click.NoSuchOption):
        text = f"no such option '{exc.option_name}'"
        suggestions = list(exc.possibilities or [])
    elif isinstance(exc, click.MissingParameter) and exc.param is not None:
        kind = exc.param_type or exc.param.param_type_name
        text = f"missing {kind} {parameter_name(exc.param)}"
        choices = _choices(exc.param)
        if choices:
            hint = f"one of {', '.join(choices)}; {hint}"
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        name = parameter_name(exc.param)
        choices = _choices(exc.param)
        given = _given_choice(exc.message) if choices else None
        if given is not None:
            text = f"invalid value for {name}: '{given}' is not one of {', '.join(choices)}"
            suggestions = difflib.get_close_matches(given, choices)
        else:
            text = f"invalid value for {name}: {_number_words(sentence(exc.message))}"
    else:
        text = sentence(exc.format_message())
    if suggestions:
        hint = f"did you mean {' or '.join(suggestions)}? {hint}"
    return f"{text} ({hint})"


__all__ = ["parameter_name", "sentence", "usage_message"]
