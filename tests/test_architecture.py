"""cnnlib's structure (issue 18), read from its source with ``ast``.

* no import cycle among cnnlib modules (imports inside functions included);
* layers run one way: the computation packages never import matplotlib,
  ipywidgets or cnnlib.figures;
* no ``_private`` name is imported from another package;
* every package ``__init__`` exports only its own submodules' names, and no
  object is bound under two names (no aliases);
* TensorFlow is imported at module level only where it is used, never by a
  package ``__init__``, ``cnnlib.ops``, ``cnnlib.results`` or a command line;
* every command line answers ``--help`` and refuses a bad flag with
  TensorFlow unimportable.

Keras 3 itself imports ``matplotlib.pyplot`` when it loads (its
``keras.visualization``), so "matplotlib is not in sys.modules after TF
loaded" cannot hold for any Keras program; what cnnlib controls is checked
here: its own imports, and that the computation runs with matplotlib and
ipywidgets unimportable.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cnnlib

PACKAGE = Path(cnnlib.__file__).resolve().parent
ROOT = PACKAGE.parent
COMPUTATION = [
    "core",
    "data",
    "ops",
    "digits",
    "models",
    "training",
    "deploy",
    "serve",
    "results",
]
FIGURE_LIBRARIES = ("matplotlib", "ipywidgets", "cnnlib.figures")
TF_NAMES = ("tensorflow", "keras", "cnnlib.core.tf")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def imports(name: str, top_level_only: bool = False) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import statement of ``name``."""
    tree = ast.parse(MODULES[name].read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    base = name if is_package(name) else name.rpartition(".")[0]
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base.split(".")
                parent = parent[: len(parent) - node.level + 1]
                target = ".".join(parent + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, [alias.name for alias in node.names]))
    return found


def cnnlib_targets(name: str) -> set[str]:
    """The cnnlib modules ``name`` imports (``from pkg import module`` counts the
    module)."""
    out = set()
    for target, names in imports(name):
        if not target.startswith("cnnlib"):
            continue
        subs = {f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES}
        out |= subs or {target}
        if names and len(subs) < len(names):
            out.add(target)
    out.discard(name)
    return {t for t in out if t in MODULES}


def test_there_is_no_import_cycle():
    graph = {name: cnnlib_targets(name) for name in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_dependency_graph_is_read_for_real():
    """The checks above see the imports they judge (a parser that saw none passes
    all)."""
    assert "cnnlib.core.checks" in cnnlib_targets("cnnlib.ops.conv")
    assert "cnnlib.models.networks" in cnnlib_targets("cnnlib.training.loop")
    assert any(t == "matplotlib.pyplot" for t, _ in imports("cnnlib.figures.images"))


@pytest.mark.parametrize("package", COMPUTATION)
def test_computation_packages_import_no_figures(package):
    bad = [
        f"{name} imports {target}"
        for name in MODULES
        if name.startswith(f"cnnlib.{package}")
        for target, _ in imports(name)
        if target.startswith(FIGURE_LIBRARIES)
    ]
    assert not bad, bad


def test_no_private_name_is_imported_across_packages():
    bad = []
    for name in MODULES:
        package = name.split(".")[1] if name.count(".") else ""
        for target, names in imports(name):
            if not target.startswith("cnnlib") or target.split(".")[1:2] == [package]:
                continue
            bad += [f"{name} imports {target}.{n}" for n in names if n.startswith("_")]
    assert not bad, bad


def test_package_inits_export_their_own_submodules_names_only():
    for name in MODULES:
        if not is_package(name) or name == "cnnlib":
            continue
        package = __import__(name, fromlist=["__all__"])
        for public in package.__all__:
            obj = getattr(package, public)
            home = getattr(obj, "__module__", None)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert home.startswith(name + "."), f"{name}.{public} comes from {home}"


def test_no_object_has_two_public_names():
    """An alias (``predict_proba = probabilities``) is one object under two names."""
    seen: dict[int, str] = {}
    bad = []
    for name in MODULES:
        if not is_package(name) or name == "cnnlib":
            continue
        package = __import__(name, fromlist=["__all__"])
        for public in package.__all__:
            obj = getattr(package, public)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            where = f"{name}.{public}"
            if id(obj) in seen and seen[id(obj)] != where:
                bad.append(f"{seen[id(obj)]} is {where}")
            seen.setdefault(id(obj), where)
    assert not bad, bad


def test_tensorflow_is_imported_at_module_level_only_where_it_is_used():
    for name, path in MODULES.items():
        top = [
            t for t, _ in imports(name, top_level_only=True) if t.startswith(TF_NAMES)
        ]
        never = (
            is_package(name)
            or name.startswith(("cnnlib.ops", "cnnlib.results"))
            or name.endswith(".cli")
        )
        if never:
            assert not top, f"{name} imports {top} when it loads"
        elif top and name != "cnnlib.core.tf":
            source = path.read_text()
            assert "tf." in source or "keras." in source, (
                f"{name} imports {top}, uses neither"
            )


COMMANDS = ["train", "predict", "export", "serve", "web-weights"]
NO_TF = """
import sys
for blocked in ("tensorflow", "keras"):
    sys.modules[blocked] = None  # importing either now raises ImportError
from cnnlib.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_help_without_tensorflow(command):
    out = subprocess.run(
        [sys.executable, "-c", NO_TF, command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: cnnlib {command}"), out.stdout[:200]


BAD_FLAGS = {
    "train": (["--epochs", "0"], "--epochs"),
    "predict": ([], "the following arguments are required"),
    "export": (["README.md", "out", "--format", "onnx"], "--format"),
    "serve": (["README.md", "--port", "70000"], "--port"),
    "web-weights": (["--seed", "x"], "--seed"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_bad_flag_before_tensorflow(command):
    flags, needle = BAD_FLAGS[command]
    out = subprocess.run(
        [sys.executable, "-c", NO_TF, command, *flags],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 2, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cnnlib {command}: error:") and needle in last, out.stderr
    assert "Traceback" not in out.stderr


COMPUTE_WITHOUT_FIGURES = textwrap.dedent("""
    import sys
    for blocked in ("matplotlib", "ipywidgets"):
        sys.modules[blocked] = None
    import numpy as np
    from cnnlib import deploy, models, ops, serve, training
    model = models.build_model("small", seed=0)
    x = np.zeros((2, 28, 28), np.uint8)
    print(
        models.probabilities(model, x).shape,
        ops.conv2d(np.ones((3, 3)), np.ones((2, 2))).shape,
    )
    print(training.get_recipe("article").epochs, deploy.deployable_model(model).name)
    print(serve.MAX_BATCH > 0)
""")


@pytest.mark.slow
def test_computation_runs_with_matplotlib_and_ipywidgets_unimportable():
    out = subprocess.run(
        [sys.executable, "-c", COMPUTE_WITHOUT_FIGURES],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[0] == "(2, 10) (3, 3)", out.stdout


def test_modules_bind_only_their_own_functions_and_classes():
    """One home per name: a module uses another's names through the module
    (``checks.int_in``), so no function or class of cnnlib is bound in two
    modules, nor under a second name; package ``__init__``s only resolve their
    public names on first use (``cnnlib.core.lazy``)."""
    import importlib

    bad = []
    for name in MODULES:
        if name.endswith("__main__") or is_package(name):
            continue
        for key, obj in vars(importlib.import_module(name)).items():
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            home = getattr(obj, "__module__", "") or ""
            if home.startswith("cnnlib") and (home != name or key != obj.__name__):
                bad.append(f"{name}.{key} is {home}.{obj.__name__}")
    assert not bad, bad
