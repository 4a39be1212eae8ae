"""The import picture: every import inside flowlights points down the layers of docs/design.md."""

from __future__ import annotations

import ast
import re

from conftest import REPO

DESIGN = (REPO / "docs" / "design.md").read_text()
# the layers block of docs/design.md: one layer per line, lowest first
LAYERS = [
    tuple(line.split())
    for line in re.search(r"```layers\n(.*?)```", DESIGN, re.S).group(1).splitlines()
    if line.strip()
]
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}


def level_of(module: str) -> int:
    """The layer of a module: the longest name of the layers block it starts with (``flow.kernel`` before ``flow``)."""
    parts = module.split(".")[1:] or ["__init__"]
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in LEVEL:
            return LEVEL[".".join(parts[:end])]
    raise AssertionError(f"{module}: a new top-level module; give it a layer in docs/design.md's layers block")


def test_a_subpackage_named_in_the_layers_takes_that_layer():
    assert level_of("flowlights.flow.kernel.vehicle") == LEVEL["sim"] < level_of("flowlights.flow.params")
    assert level_of("flowlights.flow") == LEVEL["cli"]


def test_every_import_points_down():
    upward = []
    for path in sorted((REPO / "flowlights").rglob("*.py")):
        module = ".".join(("flowlights", *path.relative_to(REPO / "flowlights").with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        here = level_of(module)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flowlights."):
                if level_of(node.module) > here:
                    upward.append(f"{module} -> {node.module}")
            elif isinstance(node, ast.Import):
                upward += [
                    f"{module} -> {a.name}"
                    for a in node.names
                    if a.name.startswith("flowlights.") and level_of(a.name) > here
                ]
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)


def _module_of(path) -> str:
    return ".".join(("flowlights", *path.relative_to(REPO / "flowlights").with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def test_no_import_cycles_counting_imports_inside_functions():
    """Module by module, every import (inside functions too) of a flowlights module; no module reaches itself."""
    modules = {_module_of(p): p for p in (REPO / "flowlights").rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flowlights"):
                submodules = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                # ``from pkg import submodule`` depends on the submodule; any other name on the package itself
                names = submodules + [node.module] * (len(submodules) < len(node.names))
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("flowlights")]
            edges[module] |= {n for n in names if n in modules and n != module}
    cycles, state = [], {}

    def visit(module, trail):
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target) :] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in sorted(modules):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


ROOT_CODE = {"__init__", "cli", "errors"}  # the public API, the command line, the errors


def test_the_root_holds_only_the_api_the_command_line_and_the_errors():
    modules = {p.stem for p in (REPO / "flowlights").glob("*.py")}
    assert modules <= ROOT_CODE, f"new code at the package root: {sorted(modules - ROOT_CODE)}; give it a package"


def test_every_kept_import_path_is_the_module_in_its_new_home():
    import importlib

    from flowlights.common.kept_paths import KEPT

    for old, new in KEPT.items():
        module = importlib.import_module(old)
        assert module is importlib.import_module(new), old
        assert module.__spec__.name == new, f"{new}'s spec was overwritten by {old}'s"
        left = REPO / "flowlights" / old.split(".", 1)[1].replace(".", "/")
        assert not left.with_suffix(".py").exists() and not (left / "__init__.py").exists(), (
            f"{old}: a file is left there"
        )


REASONS = re.compile(r"#\s*(optional|backend|lazy):\s*(.+)")


def _core_dependencies() -> set[str]:
    """The import names of setup.cfg's install_requires (eclipse-sumo's is ``sumo``)."""
    block = re.search(r"install_requires =\n((?:[ \t]+.*\n)+)", (REPO / "setup.cfg").read_text()).group(1)
    names = {re.split(r"[=<>\[ ;]", line.strip())[0] for line in block.splitlines() if line.strip()}
    return {{"eclipse-sumo": "sumo", "pyyaml": "yaml"}.get(n, n) for n in names}


def test_an_import_inside_a_function_says_why_it_is_not_at_the_top():
    """Imports sit at the top of their module; inside a function only an optional dependency (or a module that
    needs one), the SUMO backend that runs, or what the package root loads on first use — each saying so."""
    core = _core_dependencies()
    unexplained = []
    for path in sorted((REPO / "flowlights").rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if not isinstance(inner, (ast.Import, ast.ImportFrom)):
                    continue
                module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                top = module.split(".")[0]
                where = f"{path.relative_to(REPO)}:{inner.lineno} ({module})"
                found = REASONS.search(lines[inner.lineno - 1]) or REASONS.search(lines[inner.lineno - 2])
                if found is None:
                    unexplained.append(f"{where}: no '# optional: PACKAGE (EXTRA)' comment")
                elif found.group(1) == "optional":
                    named = found.group(2).split(" (")[0].replace(",", " ").split()
                    if top in core or not named or any(n in core for n in named):
                        unexplained.append(f"{where}: {found.group(2)!r} is a core dependency, not optional")
                elif found.group(1) == "backend" and top not in ("libsumo", "traci"):
                    unexplained.append(f"{where}: only libsumo and traci load per backend")
                elif found.group(1) == "lazy" and path != REPO / "flowlights" / "__init__.py":
                    unexplained.append(f"{where}: only the package root loads on first use")
    assert not unexplained, "imports inside functions that belong at the top:\n" + "\n".join(unexplained)


def test_a_kept_module_path_runs_with_python_m():
    """``python -m flowlights.evaluation.recipe_benchmark`` (a command in earlier pages) runs the module's new home."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "flowlights.evaluation.recipe_benchmark", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage: flowlights benchmark recipe" in done.stdout, done.stderr
