"""The example notebooks (docs/notebooks/) run as a reader would run them, and the API reference
builds from the docstrings (`make docs`), with every study function in it and no warning."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_stored_without_outputs():
    # nothing generated in git: no outputs, no execution counts, no kernel's own metadata
    assert len(NOTEBOOKS) >= 4, NOTEBOOKS
    for path in NOTEBOOKS:
        book = json.loads(path.read_text(encoding="utf-8"))
        for cell in book["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
        assert set(book["metadata"]) <= {"kernelspec", "language_info"}, path.name


# what each notebook must show, beyond running without an error: (cell source, text in its output)
SHOWN = {
    "01-the-model": [("r.summary[\"exhaustion\"]", "'n': 2"),
                     ("stored.manifest[\"call\"]", "juwei.api.run(")],
    "02-compare-a-lever": [("c.ranking", "better_pay"),
                           ("sorted(p.name", "report.html")],
    "03-sensitivity-of-your-model": [("except UserError", "move it into a module"),
                                     ("print(study.paragraphs", "step_size ranks first")],
    "04-calibrate-then-ensemble": [("calibration.posterior", "quit_base"),
                                   ("c.ensemble[\"effects\"]", "separation")],
}


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", ""))
        out.append(str(o.get("data", {}).get("text/plain", "")))
    return "".join(out)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_from_top_to_bottom(path, tmp_path):
    # in a folder of its own (what it writes goes there, not into the repository), on a kernel
    # of this interpreter; a cell that raises fails the test with its traceback
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    book = nbformat.read(path, as_version=4)
    before = sorted(p.name for p in path.parent.iterdir())
    nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert sorted(p.name for p in path.parent.iterdir()) == before     # nothing written beside
    assert (tmp_path / "results").is_dir()
    cells = [c for c in book.cells if c.cell_type == "code"]
    for source, text in SHOWN[path.stem]:
        matching = [c for c in cells if source in c.source]
        assert matching, f"{path.name}: no cell with {source!r}"
        assert text in _text(matching[0]), f"{path.name}: {source!r} shows {_text(matching[0])!r}"
    for cell in cells:                     # warnings on stderr are a reader's problem too
        for o in cell.get("outputs", []):
            if o.get("name") == "stderr":
                assert "Warning" not in o["text"], (path.name, cell.source[:80], o["text"])


def test_the_api_reference_builds_without_warnings_and_names_every_study(tmp_path):
    pytest.importorskip("pdoc")
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    out = tmp_path / "api"
    r = subprocess.run(["make", "-s", "--no-print-directory", "api-reference",
                        f"BIN={Path(sys.executable).parent}", f"DOCS_OUT={out}"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONWARNINGS": "default"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stderr.strip() == "", r.stderr[-3000:]                   # pdoc's "Warn: ..." lines
    import juwei
    api = (out / "juwei" / "api.html").read_text(encoding="utf-8")
    top = (out / "juwei.html").read_text(encoding="utf-8")
    for name in juwei.API:
        assert f'<section id="{name}">' in api, name                       # documented ...
        assert f'juwei/api.html#{name}"' in top, name                        # ... and linked
        section = api.split(f'<section id="{name}">')[1].split("</section>")[0]
        doc = re.search(r'<div class="docstring">(.*?)</div>', section, re.S)
        assert doc and len(re.sub(r"<[^>]+>", "", doc.group(1))) > 150, name   # says something
    model = (out / "juwei" / "model.html").read_text(encoding="utf-8")
    for name in ("run", "Parameters", "RunResult", "INDICATORS"):
        assert f'id="{name}"' in model, name
    engine = (out / "juwei" / "engine.html").read_text(encoding="utf-8")
    for name in ("Options", "run_batch", "UserError", "Interrupted"):
        assert f'id="{name}"' in engine, name
    # what the study functions return, documented where the reference links them
    for page, name in [("studies/run", "ScenarioRun"), ("studies/compare", "Comparison"),
                       ("studies/sweep", "Sweep"), ("studies/sensitivity", "SensitivityStudy"),
                       ("studies/calibrate", "Calibration"), ("engine", "Experiment"),
                       ("studies/validate", "Validation"), ("studies/dock", "Docking"),
                       ("studies/audit", "Audit"), ("studies/doses", "DoseResponse"),
                       ("studies/search", "Search"),
                       ("studies/discover", "Discovery"),
                       ("inputs/scenario", "Scenario")]:
        html = (out / "juwei" / f"{page}.html").read_text(encoding="utf-8")
        section = html.split(f'<section id="{name}">')[1].split("</section>")[0]
        doc = re.search(r'<div class="docstring">(.*?)</div>', section, re.S)
        assert doc and len(re.sub(r"<[^>]+>", "", doc.group(1))) > 150, name
    assert not (out / "juwei" / "cli.html").exists()
