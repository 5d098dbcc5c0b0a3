"""The package as users install it: one `juwei` namespace, layers that only import downward, a
plain `pip install .` that finds its scenarios, and the README's own-model example."""

import ast
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# where each source folder sits in the namespace (pyproject.toml's package-dir)
PACKAGES = {"experiments": "juwei", "model": "juwei.model"}
# bottom to top: a module may import its own layer or those below, never above
LAYERS = ["juwei", "juwei.engine", "juwei.model", "juwei.inputs", "juwei.present",
          "juwei.studies", "juwei.api", "juwei.cli", "juwei.app", "juwei.__main__"]
# the package hands out its Python API (juwei.run, ...) on first use: the one upward import
LAZY = {("juwei", "juwei.api")}


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts))
            out[name.removesuffix(".__init__")] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """juwei modules that `name` imports anywhere in its file (function-level imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level \
                else node.module
            for alias in node.names:        # `from . import x` may name a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != name}


def layer(name: str) -> int:
    return max(i for i, prefix in enumerate(LAYERS)
               if name == prefix or name.startswith(prefix + "."))


def test_no_module_imports_a_layer_above_it():
    mods = modules()
    graph = {n: imports(n, p, set(mods)) for n, p in mods.items()}
    upward = [f"{n} -> {m}" for n, targets in graph.items() for m in targets
              if layer(m) > layer(n) and (n, m) not in LAZY]
    assert not upward, upward
    assert not any(m in ("model", "experiments") or m.startswith(("model.", "experiments."))
                   for p in mods.values() for m in _absolute_imports(p)), \
        "import juwei's modules through the juwei namespace"


def _absolute_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_import_circles():
    mods = modules()
    graph = {n: imports(n, p, set(mods)) for n, p in mods.items()}
    # a package's __init__ importing its own submodules is how packages export; not a circle
    edges = {n: {m for m in t if not n.startswith(m + ".")} for n, t in graph.items()}
    state, cycles = {}, []

    def visit(n, stack):
        state[n] = "open"
        for m in sorted(edges[n]):
            if state.get(m) == "open":
                cycles.append(" -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m, stack + [m])
        state[n] = "done"

    for n in sorted(edges):
        if n not in state:
            visit(n, [n])
    assert not cycles, cycles


def test_the_engine_knows_no_model():
    """No name, number or import of the county in the engine's code (its docs may give the
    county as an example)."""
    mods = modules()
    for name, path in mods.items():
        if not name.startswith("juwei.engine"):
            continue
        assert not {m for m in imports(name, path, set(mods)) if layer(m) > layer(name)}
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        numbers = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)}
        county = {"STEPS_PER_YEAR", "Parameters", "committees", "committee_series", "years"}
        assert not names & county, f"{path.name}: {names & county}"
        assert 52 not in numbers and 52.0 not in numbers, f"{path.name} counts weeks"


def readme_block(first_line: str) -> str:
    """The README's Python block that starts with `first_line`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    match = [b for b in blocks if b.startswith(first_line)]
    assert len(match) == 1, f"README has no single block starting with {first_line!r}"
    return match[0]


def test_readme_own_model_example_runs_beside_a_users_model_py(tmp_path):
    """The user's own Mesa model is called model.py, Mesa's usual name: it must not shadow
    juwei's, and the engine must run it in worker processes."""
    (tmp_path / "model.py").write_text(readme_block("# model.py"), encoding="utf-8")
    (tmp_path / "experiment.py").write_text(readme_block("# experiment.py"), encoding="utf-8")
    (tmp_path / "experiments.py").write_text("raise ImportError('a stray experiments.py')\n")
    r = subprocess.run([sys.executable, "experiment.py"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    spread = {float(k): float(v) for k, v in re.findall(r"^(\d\.\d+)\s+(\d+\.\d+)$", r.stdout,
                                                        flags=re.M)}
    assert set(spread) == {0.5, 1.0}, r.stdout
    assert "nan" not in r.stdout and re.search(r"^0 failed$", r.stdout, flags=re.M), r.stdout
    # common random numbers: the same coin flips at both step sizes, so exactly twice the spread
    assert spread[1.0] == pytest.approx(2 * spread[0.5], rel=1e-6)      # printed to 6 places
    series = __import__("pandas").read_parquet(tmp_path / "results" / "mine" / "series.parquet")
    assert "year" in series.columns and series.year.max() == pytest.approx(51 / 52)


def test_juwei_runs_from_any_folder_with_stray_model_files(tmp_path):
    """The editable install (what `make` makes), from a folder holding model.py and
    experiments/, through `python -m juwei` (which puts the folder first on sys.path)."""
    (tmp_path / "model.py").write_text("raise ImportError('a stray model.py')\n")
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "__init__.py").write_text("raise ImportError('stray')\n")
    r = subprocess.run([sys.executable, "-m", "juwei", "run", "baseline", "--scale", "0.01",
                        "--years", "1", "--replicates", "2", "--workers", "2", "--no-plots",
                        "--out", "out"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "runs.parquet").exists()


def test_every_package_folder_is_listed_for_setuptools():
    """pyproject lists the packages one by one (juwei maps onto experiments/): a new folder
    left out of the list would be missing from a plain install (as juwei.app would be)."""
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    for folder, package in PACKAGES.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            assert ".".join((package, *parts)) in listed, init


@pytest.mark.slow
def test_a_plain_install_works_from_another_folder(tmp_path):
    """`pip install .` (not editable) into a new venv: scenarios and designs are package data,
    and nothing named `model` or `experiments` is installed. The venv borrows this one's
    dependencies through a .pth file, so only juwei itself is built and installed."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                          text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    installed = {p.name for p in Path(site).iterdir()}
    assert "juwei" in installed and not {"model", "experiments"} & installed
    assert (Path(site) / "juwei" / "app" / "echart.vue").exists()      # the page's chart widget
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    r = subprocess.run(["juwei", "run", "baseline", "--scale", "0.02", "--years", "1",
                        "--replicates", "2", "--out", "out"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "syndrome" in r.stdout and (work / "out" / "htc.png").exists()
    assert "quick" in subprocess.run(["juwei", "designs"], cwd=work, env=env,
                                     capture_output=True, text=True).stdout
    r = subprocess.run([str(python), "-c", "import model"], cwd=work, capture_output=True,
                       text=True)
    assert r.returncode != 0 and "No module named 'model'" in r.stderr


def test_readme_own_model_sensitivity_runs_on_worker_processes(tmp_path):
    """The README's sensitivity analysis of the user's own model.py, as it stands there (in a
    script, under the guard process pools need)."""
    (tmp_path / "model.py").write_text(readme_block("# model.py"), encoding="utf-8")
    block = readme_block("import juwei\nfrom model import run")
    script = ("if __name__ == '__main__':\n" + textwrap.indent(block, "    ")
              + "    t = study.to_frame().set_index('factor')\n"
              + "    print('ABOVE', bool(t.loc['step_size', 'above_dummy']), t.loc['step_size', 'rank'])\n")
    (tmp_path / "sa.py").write_text(script, encoding="utf-8")
    r = subprocess.run([sys.executable, "sa.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "ABOVE True 1.0" in r.stdout, r.stdout
    assert (tmp_path / "results" / "walk-sa" / "report.html").exists()
