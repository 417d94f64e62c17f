"""The worked examples in the docstrings are run, so they cannot drift from the code.

Every module of the packages ``model``, ``cli``, ``papers`` and ``screen`` (the packages themselves
included) is run through :func:`doctest.testmod`: no example may fail, and every module where examples
belong must attempt at least one, so a module cannot pass by having none. The modules that need no
examples are listed in :data:`EXEMPT`, each with its reason.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import book
import cli
import model
import papers
import screen

PACKAGES = (model, cli, papers, screen, book)
# walk_packages yields the submodules and subpackages only: the top-level packages are added. A __main__
# module is left out: importing it runs the command line.
MODULES = sorted({pkg.__name__ for pkg in PACKAGES}
                 | {m.name for pkg in PACKAGES for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
                    if not m.name.endswith("__main__")})

OPTIONS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

_PAGE = "Streamlit page module: needs a running Streamlit; covered by AppTest (tests/test_app.py)"
_COMMAND = "command module: covered by the CLI tests (tests/test_cli_*.py)"
_NO_CODE = "package __init__ with no code (a docstring at most): nothing to show by example"

#: Modules that need no worked example, each with the reason.
EXEMPT: dict[str, str] = {
    "cli": _NO_CODE,
    "papers": _NO_CODE,
    "screen": _NO_CODE,
    "model.analysis": _NO_CODE,
    "screen.pages": _PAGE,
    "screen.pages.cache": _PAGE,
    "screen.pages.compare": _PAGE,
    "screen.pages.inputs": _PAGE,
    "screen.pages.localities": _PAGE,
    "screen.pages.my_practice": _PAGE,
    "screen.pages.national": _PAGE,
    "screen.pages.overview": _PAGE,
    "screen.pages.practice_list": _PAGE,
    "screen.pages.practices": _PAGE,
    "screen.pages.uncertainty": _PAGE,
    "screen.pages.options": _PAGE,
    "screen.pages.widgets": _PAGE,
    "screen.pages.years": _PAGE,
    "screen.pages.book": _PAGE,
    "screen.pages.choices": _PAGE,
    "screen.pages.header": _PAGE,
    "screen.pages.meeting": _PAGE,
    "cli.main": _COMMAND,
    "cli.run": _COMMAND,
    "cli.compare": _COMMAND,
    "cli.national": _COMMAND,
    "cli.onepager": _COMMAND,
    "cli.sensitivity": _COMMAND,
    "cli.montecarlo": _COMMAND,
    "cli.explore": _COMMAND,
    "cli.validate": _COMMAND,
    "cli.memory": _COMMAND,
    "cli.book": _COMMAND,
}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=OPTIONS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see above)"
    if name not in EXEMPT:
        assert result.attempted >= 1, (f"{name} has no docstring example: add a short worked example, or list "
                                       "it in EXEMPT with the reason it needs none")


def test_exempt_names_existing_modules():
    unknown = set(EXEMPT) - set(MODULES)
    assert not unknown, f"EXEMPT names modules that do not exist: {sorted(unknown)}"
