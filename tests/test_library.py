"""juwei as a research library: called from Python or a notebook kernel, not only as a command."""

import json
import linecache
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest


def wait_for(condition, timeout=120.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


# --- an interrupt in a notebook kernel never ends the kernel -------------------------------------
SETUP = """
from pathlib import Path
from juwei.engine import Options, batch
from juwei.inputs import scenario
from juwei.studies import compare
batch.STOP_GRACE_SECONDS = 1      # the command line's watchdog would fire within the test
scenarios = [scenario.load(n).with_overrides({"scale": 0.01, "years": 1}, "test")
             for n in ("baseline", "separation")]
"""


def test_an_interrupted_study_leaves_the_calling_process_alive(tmp_path):
    # A Python caller (not the command): Ctrl-C during a study raises Interrupted, the
    # manifest says so, and nothing ends the process afterwards (the command's stop watchdog
    # used to, a grace period after the signal, whatever the caller was doing).
    out = tmp_path / "c"
    code = SETUP + textwrap.dedent(f"""
        import os, signal, sys, threading, time
        from juwei.engine import Interrupted
        def interrupt_after_two(i, o):
            if len(list(Path({str(out)!r}, "parts").glob("*.npz"))) >= 2:
                os.kill(os.getpid(), signal.SIGINT)
        try:
            compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), workers=2,
                        progress=False), on_outcome=interrupt_after_two)
        except Interrupted as e:
            print("interrupted", e.status, flush=True)
        time.sleep(2.5)                # well past the (shortened) grace period
        print("still alive", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                     signal.SIG_DFL))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["interrupted", "130", "still", "alive"], r.stdout
    assert "stopping took over" not in r.stderr
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and "SIGINT" in m["interrupted_by"]


def test_an_interrupted_study_leaves_the_kernel_alive(tmp_path):
    manager = pytest.importorskip("jupyter_client.manager")
    out = tmp_path / "c"
    km, kc = manager.start_new_kernel(kernel_name="python3")
    try:
        def execute(code, timeout=120):
            kc.execute(code)
            return kc.get_shell_msg(timeout=timeout)["content"]

        assert execute(SETUP)["status"] == "ok"
        kc.execute(f"compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), workers=2, "
                   "progress=False))")
        assert wait_for(lambda: len(list((out / "parts").glob("*.npz"))) >= 2)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=60)["content"]
        assert reply["status"] == "error" and reply["ename"] == "Interrupted", reply
        assert "stored" in reply["evalue"]
        time.sleep(2.5)                        # well past the (shortened) grace period
        assert km.is_alive()
        assert execute("x = 6 * 7")["status"] == "ok"
        m = json.loads((out / "manifest.json").read_text())
        assert m["status"] == "interrupted" and "SIGINT" in m["interrupted_by"]
    finally:
        km.shutdown_kernel(now=True)


# --- a run function from a notebook cell ----------------------------------------------------------
def cell(source: str, name: str):
    """Function `name` as a notebook cell defines it: module __main__, compiled from a file
    name that exists nowhere, its source kept in linecache (as IPython does)."""
    filename = f"/tmp/ipykernel_0/{abs(hash(source))}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


MODEL = "def model(params, seed):\n    return {'summary': {'y': params['a'] * %d + seed}}\n"


def test_a_run_function_from_a_notebook_cell_is_refused_before_any_worker_starts(tmp_path):
    from juwei.engine import Options, Run, UserError, execute, run_batch
    runs = [Run({"i": i}, {"a": 1.0}, i) for i in range(4)]
    with pytest.raises(UserError) as e:
        run_batch(runs, Options(tmp_path / "o", workers=2, progress=False), "t", {},
                  fn=cell(MODEL % 1, "model"))
    message = str(e.value)
    assert "model" in message and "notebook cell" in message and "\n" not in message
    assert "move it into a module" in message and 'executor="inprocess"' in message
    assert not (tmp_path / "o").exists()                      # nothing written
    with pytest.raises(UserError, match="cannot be sent to worker processes"):
        execute(runs, lambda params, seed: {}, "processes", 2, progress=False)


def test_a_notebook_run_function_runs_in_process_with_a_hash_of_its_code(tmp_path):
    from juwei.engine import Options, Run, run_batch
    runs = [Run({"i": i}, {"a": 1.0}, i) for i in range(2)]
    hashes = []
    for factor in (1, 2):
        store, tables = run_batch(runs, Options(tmp_path / str(factor), executor="inprocess",
                                                progress=False), "t", {},
                                  fn=cell(MODEL % factor, "model"))
        assert list(tables["runs"].y) == [factor, factor + 1]
        hashes.append(store.manifest["code"]["run_function_hash"])
    assert hashes[0] != hashes[1]
    import juwei
    assert store.manifest["juwei_version"] == juwei.__version__


# --- the scholarly kit ----------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def test_version_license_citation_and_changelog_agree():
    import tomllib

    import juwei
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert juwei.__version__ == project["version"]
    assert project["license"] == "MIT" and "MIT License" in (ROOT / "LICENSE").read_text()
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{project["version"]}"' in citation and "license: MIT" in citation
    release = project["version"].split(".dev")[0]          # 0.2.0.dev0 is on its way to 0.2.0
    headings = re.findall(r"^## (.*)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert any(release in h for h in headings), headings


def test_version_on_the_command_line(capsys):
    import juwei
    from juwei.cli import main
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"juwei {juwei.__version__}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_indicators_lists_every_indicator_with_its_definition_and_unit(capsys, lang):
    from juwei.cli import main
    from juwei.model import INDICATORS
    from juwei.present.i18n import indicator
    assert main(["indicators", "--lang", lang]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(INDICATORS)
    for line, name in zip(lines, INDICATORS):
        _, meaning, unit = indicator(name, lang)
        assert line.split()[0] == name and f"{unit}: {meaning}" in line
    assert main(["indicators", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(INDICATORS)
    assert {r["better"] for r in rows} == {"higher", "lower", None}


def test_the_odds_sources_resolve_from_a_clone():
    docs = ROOT / "docs"
    odd = (docs / "ODD.md").read_text(encoding="utf-8")
    assert "../shared" not in odd                      # outside the repository
    links = re.findall(r"\]\(([^)#:]+)\)", odd)
    assert {"sources.md", "essay-digest.md", "model-spec.md"} <= set(links)
    for link in links:
        assert (docs / link).exists(), link
    sources = (docs / "sources.md").read_text(encoding="utf-8")
    assert "民政局加强社区建设思考" in sources and "SHA-256" in sources
