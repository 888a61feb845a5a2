"""The code's layout is a contract: one package per domain, each using the others only through
their models and public service functions.

Inside ``app/<domain>/`` a module is one of:

- **wiring**: ``__init__`` (``init_app``: blueprints, commands, menu links, demo seeders);
- **models**: ``models``: typed tables; it imports only ``app.core`` and other domains' models;
- **web**: ``routes`` / ``routes.*`` (HTTP only), ``forms``, ``*_forms``, ``views`` (view helpers)
  and ``picker`` (a form widget other domains' forms use);
- **commands**: ``cli`` and ``demo``;
- **services**: every other module: use cases as named functions, testable without HTTP.

The rules below are checked on the source (every import, including those inside functions and
under ``TYPE_CHECKING``); ``lint-imports`` (``.importlinter``) checks the package-level ones again
with import-linter in ``make test``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
DOMAINS = ("accounts", "localities", "learn", "contests", "competency", "training", "api")
WEB = {"routes", "forms", "views", "picker"}
COMMANDS = {"cli", "demo"}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. app.contests.attempts
    path: Path

    @property
    def package(self) -> str:
        """The top package under app/: a domain or ``core`` (``app`` for the factory)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "app"

    @property
    def kind(self) -> str:
        return kind_of(self.name)


def kind_of(dotted: str) -> str:
    parts = dotted.split(".")
    if len(parts) <= 2:
        return "wiring"
    leaf = parts[2]
    if leaf == "models":
        return "models"
    if leaf in WEB or leaf.endswith("_forms"):
        return "web"
    if leaf in COMMANDS:
        return "commands"
    return "services"


def all_modules() -> list[Module]:
    modules = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(Module(".".join(parts), path))
    return modules


MODULES = all_modules()
KNOWN = {m.name for m in MODULES}


@dataclass(frozen=True)
class Import:
    source: Module
    target: str  # the module imported (a module, not a name in it)
    names: tuple[str, ...]  # names taken from it
    line: int

    def __str__(self) -> str:
        return f"{self.source.path.relative_to(APP.parent)}:{self.line} imports {self.target} {list(self.names)}"


def imports_of(module: Module) -> list[Import]:
    found = []
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
            node.module == "app" or node.module.startswith("app.")
        ):
            plain = [a.name for a in node.names if f"{node.module}.{a.name}" not in KNOWN]
            if plain:
                found.append(Import(module, node.module, tuple(plain), node.lineno))
            found.extend(Import(module, f"{node.module}.{a.name}", (), node.lineno)
                         for a in node.names if f"{node.module}.{a.name}" in KNOWN)
        elif isinstance(node, ast.Import):
            found.extend(Import(module, a.name, (), node.lineno) for a in node.names if a.name.startswith("app."))
    return found


IMPORTS = [imp for module in MODULES for imp in imports_of(module)]


def package_of(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "app"


def test_every_import_names_a_module_that_exists():
    missing = [str(i) for i in IMPORTS if i.target not in KNOWN]
    assert not missing, missing


def test_core_imports_no_domain():
    """``app.core`` is what every domain shares; it knows none of them."""
    bad = [str(i) for i in IMPORTS if i.source.package == "core" and package_of(i.target) in DOMAINS]
    assert not bad, bad


def test_models_import_only_core_and_other_models():
    bad = [str(i) for i in IMPORTS if i.source.kind == "models"
           and package_of(i.target) != "core" and kind_of(i.target) != "models"]
    assert not bad, bad


@pytest.mark.parametrize("forbidden", ["web", "commands", "wiring"])
def test_services_and_models_import_no_routes_forms_or_commands(forbidden):
    bad = [str(i) for i in IMPORTS if i.source.kind in ("services", "models") and kind_of(i.target) == forbidden]
    assert not bad, bad


def test_domains_use_each_other_through_models_and_services_only():
    """Another domain's routes, forms, commands and wiring are its own; the locality picker is
    the one form widget shared with other domains' pages (and the API's blueprint, to which
    each domain adds its endpoints)."""
    bad = []
    for i in IMPORTS:
        source, target = i.source.package, package_of(i.target)
        if source in ("app",) or target in ("app", "core") or source == target:
            continue
        if i.target in ("app.api", "app.api.auth"):
            continue  # the API blueprint and its bearer-token auth
        if kind_of(i.target) in ("models", "services") or i.target == "app.localities.picker":
            continue
        bad.append(str(i))
    assert not bad, bad


def test_nobody_imports_another_modules_private_names():
    bad = [str(i) for i in IMPORTS if i.target != i.source.name
           and any(n.startswith("_") and not n.startswith("__") for n in i.names)]
    assert not bad, bad


def test_the_import_linter_contracts_list_every_service_module():
    """``.importlinter`` names service modules one by one (import-linter cannot tell them by
    name); it must list exactly the modules classified as services here."""
    import configparser

    config = configparser.ConfigParser()
    config.read(APP.parent / ".importlinter")
    listed = set(config["importlinter:contract:services-below-web"]["source_modules"].split())
    services = {m.name for m in MODULES if m.kind == "services" and m.package in DOMAINS}
    expected = {name for name in services if not name.endswith(".service")} | {"app.*.service"}
    assert listed == expected


def test_only_core_knows_the_sql_dialect():
    """Every PostgreSQL/SQLite difference lives behind named functions in ``app.core``
    (``app/core/dialect.py``); business rules never read ``dialect.name``."""
    bad = []
    for module in MODULES:
        if module.package == "core":
            continue
        for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == "name"
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "dialect"):
                bad.append(f"{module.path.relative_to(APP.parent)}:{node.lineno}")
    assert not bad, bad


def _bare_returns(function: ast.FunctionDef) -> list[int]:
    """Lines of ``return`` without a value in ``function``'s own body (not in nested functions)."""
    lines, stack = [], list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Return) and node.value is None:
            lines.append(node.lineno)
        stack.extend(ast.iter_child_nodes(node))
    return lines


def test_no_test_returns_early_instead_of_skipping():
    """A test that does not apply to a backend calls ``pytest.skip`` with the reason (it then
    shows as skipped); an early ``return`` would count it as passed without asserting anything."""
    bad = []
    for path in sorted((APP.parent / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                bad.extend(f"{path.relative_to(APP.parent)}:{line}" for line in _bare_returns(node))
    assert not bad, bad
