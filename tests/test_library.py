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

from .conftest import wait_for


# --- an interrupt in a notebook kernel never ends the kernel -------------------------------------
SETUP = """
from pathlib import Path
from juwei.engine import Options, batch
from juwei.inputs import scenario
from juwei.studies import compare
batch.STOP_GRACE_SECONDS = 0.5     # the command line's watchdog would fire within the test
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
            compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), executor="inprocess",
                        progress=False), on_outcome=interrupt_after_two)
        except Interrupted as e:
            print("interrupted", e.status, flush=True)
        time.sleep(2)                  # well past the (shortened) grace period
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
        def reply(msg_id, timeout=120):
            """The cell's reply (a kernel_info_reply of the start may still be waiting)."""
            while True:
                m = kc.get_shell_msg(timeout=timeout)
                if m["parent_header"].get("msg_id") == msg_id:
                    return m["content"]

        def execute(code):
            return reply(kc.execute(code))

        assert execute(SETUP)["status"] == "ok"
        # progress shows in a notebook (stderr is no terminal there: tqdm used to stay silent)
        cell = kc.execute("from juwei.engine import Run, execute\n"
                          "def f(params, seed):\n    return {'summary': {'y': 1.0}}\n"
                          "execute([Run({}, {}, i) for i in range(3)], f, 'inprocess', "
                          "desc='nbbar')")
        shown = []
        while not shown or shown[-1]["msg_type"] != "status" \
                or shown[-1]["content"]["execution_state"] != "idle":
            m = kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") == cell:
                shown.append(m)
        assert reply(cell)["status"] == "ok"
        assert any("widget-view" in str(m["content"].get("data", "")) or "nbbar" in
                   str(m["content"].get("text", "")) for m in shown), shown
        study = kc.execute(f"compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), "
                           "workers=2, progress=False))")
        assert wait_for(lambda: len(list((out / "parts").glob("*.npz"))) >= 2)
        km.interrupt_kernel()
        stopped = reply(study, timeout=60)
        assert stopped["status"] == "error" and stopped["ename"] == "Interrupted", stopped
        assert "stored" in stopped["evalue"]
        time.sleep(2)                          # well past the (shortened) grace period
        assert km.is_alive()
        assert execute("x = 6 * 7")["status"] == "ok"
        m = json.loads((out / "manifest.json").read_text())
        assert m["status"] == "interrupted" and "SIGINT" in m["interrupted_by"]
        assert "command" not in m and m["call"].startswith("juwei.studies.compare.run(")
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


# --- small API fixes ------------------------------------------------------------------------------
def model(params, seed):
    """An importable run function for the engine tests below."""
    return {"summary": {"y": params["a"] + seed}}


def small_batch(out, **options):
    from juwei.engine import Options, Run, run_batch
    runs = [Run({"i": i}, {"a": 1.0}, i) for i in range(2)]
    return run_batch(runs, Options(out, executor="inprocess", progress=False, **options), "t",
                     {}, fn=model)


def test_options_errors_name_the_python_parameters(tmp_path):
    from juwei.engine import Options, UserError
    small_batch(str(tmp_path / "o"))
    with pytest.raises(UserError) as e:
        small_batch(tmp_path / "o")
    assert str(e.value) == (f"out={str(tmp_path / 'o')!r}: holds an experiment already; add "
                            "resume=True to finish it or overwrite=True to start it again, or "
                            "choose another folder")
    for bad, message in [({"out": 3}, "out=3: expected a folder"),
                         ({"out": "o", "executor": "pool"}, "executor='pool': expected one of"),
                         ({"out": "o", "allow_code_change": True},
                          "allow_code_change=True goes with resume=True")]:
        with pytest.raises(UserError, match=re.escape(message)):
            Options(**bad)


def test_overwrite_starts_an_experiment_again_and_never_empties_another_folder(tmp_path):
    from juwei.cli import main
    from juwei.engine import UserError
    out = tmp_path / "o"
    small_batch(out)
    (out / "parts" / "stray.txt").write_text("old")
    store, tables = small_batch(out, overwrite=True)
    assert not (out / "parts" / "stray.txt").exists() and len(tables["runs"]) == 2
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(UserError, match="holds no experiment, so overwrite=True leaves it"):
        small_batch(other, overwrite=True)
    assert (other / "mine.txt").read_text() == "keep me"
    with pytest.raises(UserError, match="overwrite=True and resume=True"):
        small_batch(out, overwrite=True, resume=True)
    args = ["run", "baseline", "--replicates", "1", "--scale", "0.01", "--years", "1",
            "--executor", "inprocess", "--no-plots", "--out", str(tmp_path / "r")]
    assert main(args) == 0 and main(args) == 2 and main(args + ["--overwrite"]) == 0


def test_progress_true_shows_the_bar_even_when_stderr_is_no_terminal(capfd):
    from juwei.engine import Run, execute
    runs = [Run({"i": i}, {"a": 1.0}, i) for i in range(3)]
    execute(runs, model, "inprocess", progress=None, desc="quiet")
    assert "quiet" not in capfd.readouterr().err        # no terminal, no notebook: no bar
    execute(runs, model, "inprocess", progress=True, desc="forced")
    assert "forced: 100%" in capfd.readouterr().err


def test_a_run_result_prints_in_a_few_lines():
    from juwei.model import Parameters, run
    r = run(Parameters(scale=0.003, years=1), 1)
    assert len(repr(r)) < 400 and repr(r).startswith("RunResult(series=<")   # was 100,633
    assert "trust" in r._repr_html_()


def test_load_reads_a_calibration_folder(tmp_path):
    import pandas as pd

    from juwei.engine import UserError, load
    from juwei.engine.store import write_json
    folder = tmp_path / "cal"
    folder.mkdir()
    write_json(folder / "manifest.json", {"kind": "calibrate", "status": "running"})
    with pytest.raises(UserError, match=r"did not finish; the same call with Options\(out="):
        load(folder)
    pd.DataFrame({"particle": [0, 1], "weight": [0.5, 0.5]}).to_parquet(
        folder / "posterior.parquet")
    pd.DataFrame({"t": [0], "epsilon": [1.0]}).to_csv(folder / "generations.csv", index=False)
    write_json(folder / "manifest.json", {"kind": "calibrate", "status": "complete",
                                          "failed_candidates": [{"generation": 0}]})
    c = load(folder)
    assert set(c.tables) == {"posterior", "generations"} and len(c.tables["posterior"]) == 2
    assert len(c.runs) == 0 and len(c.failed) == 1


# --- the Python API -------------------------------------------------------------------------------
TINY = {"replicates": 2, "years": 1, "scale": 0.003, "executor": "inprocess", "progress": False}


def test_the_python_api_takes_keywords_scenarios_of_every_kind_and_paths(tmp_path):
    import juwei
    from juwei.inputs import scenario
    r = juwei.run("baseline", levers={"cadre_pay": 800}, out=tmp_path / "r", plots=False, **TINY)
    assert r.scenario.params.cadre_pay == 800 and "trust" in r.summary
    assert juwei.load(tmp_path / "r").manifest["call"] == (
        "juwei.api.run(replicates=2, years=1, scale=0.003, levers={'cadre_pay': 800}, "
        f"out={str(tmp_path / 'r')!r}, plots=False, executor='inprocess', progress=False)")
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "baseline.toml"\ndescription = "mine"\ntask_admission = 0.2\n')
    c = juwei.compare(scenario.load("baseline"), ("baseline", {"funding_follows_tasks": 1.0}),
                      {"base": "separation", "name": "sep"}, mine, out=str(tmp_path / "c"),
                      **TINY)
    assert c.scenarios == ["baseline", "baseline+funding_follows_tasks=1.0", "sep", "mine"]
    assert set(c.table.scenario) == set(c.scenarios)
    # the manifest and the report's "To reproduce" record the call, not the process's argv
    # (a kernel's `-f /tmp/kernel.json`, here pytest's); the folder was given as a str (a bare
    # TypeError after the runs, before)
    loaded = juwei.load(tmp_path / "c")
    m = loaded.manifest
    # the study's own tables too, not only the runs' (a comparison's table was left on disk)
    assert {"series", "comparison", "ranking", "costs"} <= set(loaded.tables)
    assert len(loaded.tables["comparison"]) == len(c.table)
    assert "command" not in m and m["call"].startswith(
        "juwei.api.compare(<Scenario 'baseline'>, ('baseline', {'funding_follows_tasks': 1.0}), "
        "{'base': 'separation', 'name': 'sep'}, ")
    report = (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    assert "<code>juwei.api.compare(" in report and "<code>juwei " not in report
    assert len(repr(c)) < 400 and "<table: " in repr(c)
    assert c._repr_html_().startswith("<table><caption")


def test_the_python_api_refuses_unknown_arguments_by_name(tmp_path):
    import juwei
    from juwei.engine import UserError
    with pytest.raises(UserError, match="executer=: not an option; did you mean 'executor'"):
        juwei.run("baseline", executer="inprocess", out=tmp_path / "x")
    with pytest.raises(UserError, match="levers=: unknown parameter 'cadre_py'"):
        juwei.run("baseline", levers={"cadre_py": 800}, out=tmp_path / "x")
    # as `--set`: the run's size has its own argument, and a constant the run never reads
    with pytest.raises(UserError, match="levers= years: give it as years="):
        juwei.run("baseline", levers={"years": 1}, out=tmp_path / "x")
    with pytest.raises(UserError, match="surface_bias: not read by this run .*cadres_choose=1"):
        juwei.validate("baseline", levers={"surface_bias": 1.0}, out=tmp_path / "x")
    with pytest.raises(UserError, match="levers=: expected a dict"):
        juwei.run("baseline", levers=["cadre_pay"], out=tmp_path / "x")
    with pytest.raises(UserError, match="scenario 42: expected"):
        juwei.compare("baseline", 42, out=tmp_path / "x")
    with pytest.raises(UserError, match="^replicates: a comparison needs at least 2"):
        juwei.compare("baseline", "separation", replicates=1, out=tmp_path / "x")
    with pytest.raises(UserError, match="draws= goes with ensemble="):
        juwei.compare("baseline", "separation", draws=3, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_sweep_from_python(tmp_path):
    import juwei
    design = tmp_path / "d.toml"
    design.write_text('scenario = "baseline"\nsampling = "grid"\nlevels = 2\nreplicates = 1\n'
                      'years = 1\nscale = 0.003\noutputs = ["trust"]\n'
                      '[levers]\ntask_admission = [0.0, 0.9]\n')
    s = juwei.sweep(design, out=tmp_path / "s", executor="inprocess", progress=False)
    assert s.points == 2 and list(s.means.columns[:2]) == ["point", "task_admission"]
    d = s.manifest["design"]       # a grid's manifest: its levels and points, no samples
    assert (d["levels"], d["points"], d["samples"]) == (2, 2, None)


def test_a_sensitivity_analysis_of_your_own_model_from_keywords(tmp_path):
    # no design object of eleven fields: fn, factors and outputs, errors naming the argument
    import juwei
    from juwei.engine import UserError

    from . import engine_helpers as h
    study = juwei.sensitivity(fn=h.linear, factors={"x1": (0, 1), "x2": (0, 1), "x3": (0, 1),
                                                    "x4": (0, 1)},
                              outputs=["y"], samples=20, seed=11, out=tmp_path / "sa",
                              executor="inprocess", progress=False)
    t = study.to_frame().set_index("factor")
    assert list(t.drop(index="dummy").sort_values("rank").index) == ["x1", "x2", "x3", "x4"]
    assert t.loc["x1", "above_dummy"] and not t.loc["x4", "above_dummy"]
    assert (tmp_path / "sa" / "report.html").exists()
    call = juwei.load(tmp_path / "sa").manifest["call"]
    assert call.startswith("juwei.api.sensitivity(") and "fn=tests.engine_helpers.linear" in call
    for kwargs, message in [
            ({"fn": h.linear}, "your own model as fn=, factors= and outputs="),
            ({"fn": h.linear, "factors": {"x1": (1, 0)}, "outputs": ["y"]},
             "factors={'x1': (1, 0)}: expected a name"),
            ({"fn": h.linear, "factors": {"x1": (0, 1)}, "outputs": ["y"], "samples": 6,
              "method": "sobol"}, "samples=6: sobol needs a power of 2"),
            ({"fn": h.linear, "factors": {"x1": (0, 1)}, "outputs": ["y"], "scale": 0.1},
             "scale=: goes with a design"),
            ({"design": "morris_quick", "fn": h.linear}, "give make_params="),
            ({"design": "morris_quick", "factors": {"x1": (0, 1)}}, "factors=, outputs=")]:
        with pytest.raises(UserError, match=re.escape(message)):
            juwei.sensitivity(**kwargs, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_the_burn_in_and_a_sweeps_settings_from_python(tmp_path):
    import juwei
    from juwei.engine import UserError
    assert juwei.as_scenario("baseline", burn_in_years=1).params.burn_in_years == 1
    fresh = subprocess.run([sys.executable, "-c", "import juwei; print(juwei.api.sweep is "
                            "juwei.sweep)"], capture_output=True, text=True, timeout=60)
    assert fresh.stdout.strip() == "True", fresh.stderr[-1000:]     # help(juwei.api) works
    s = juwei.sweep("quick", scale=0.003, replicates=1, burn_in_years=1, out=tmp_path / "s",
                    executor="inprocess", progress=False)
    assert s.design.replicates == 1 and s.design.base.params.burn_in_years == 1
    assert s.design.base.params.scale == 0.003 and len(s.means) == 4
    with pytest.raises(UserError, match=r"seed=-1: expected a whole number"):
        juwei.run("baseline", seed=-1, out=tmp_path / "x")
    # an override's error names the argument, not the design file it overrides
    for kwargs, message in [({"scale": "x"}, "scale='x': expected a number"),
                            ({"replicates": 0}, "replicates=0: expected at least 1"),
                            ({"burn_in_years": -1}, "burn_in_years=-1: -1 is outside")]:
        with pytest.raises(UserError, match="^" + re.escape(message)):
            juwei.sweep("quick", out=tmp_path / "x", **kwargs)
    with pytest.raises(UserError, match=r"^samples='3': expected a whole number"):
        juwei.sensitivity("morris_quick", samples="3", out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


# --- validate, dock, audit and the dose-response study from Python; every folder loads ------------
SMALL = {"years": 1, "scale": 0.003, "burn_in_years": 1, "executor": "inprocess",
         "progress": False}


def _loaded(folder, call: str, tables: set):
    """The folder read back by juwei.load: complete, its call recorded, its study's tables as
    DataFrames beside the runs."""
    import pandas as pd

    import juwei
    e = juwei.load(folder)
    assert e.manifest["status"] == "complete" and e.manifest["call"].startswith(call)
    assert tables <= set(e.tables), sorted(e.tables)
    assert all(isinstance(e.tables[t], pd.DataFrame) and len(e.tables[t]) for t in tables)
    assert len(e.runs) == e.manifest["total"] and not len(e.failed)
    return e


def test_validate_and_the_dose_response_study_from_python_and_loaded_back(tmp_path):
    import juwei
    v = juwei.validate(replicates=2, breakers=False, out=tmp_path / "v", **SMALL)
    assert len(v.patterns) == 11 and v.out == tmp_path / "v"
    e = _loaded(tmp_path / "v", "juwei.api.validate(replicates=2, ", {"patterns", "series"})
    assert list(e.tables["patterns"].holds) == list(v.table().holds)
    assert set(e.runs.arm) == {"baseline", "campaigns", "no_campaigns", "no_spreads"}
    assert list(e.tables["heterogeneity"].indicator) == list(v.spread.indicator)
    assert list(e.tables["constraints"].kind) == list(v.bounds.kind)
    assert len(repr(v)) < 500 and v._repr_html_().startswith("<table><caption")

    d = juwei.doses("baseline", "separation", doses=1, replicates=2, out=str(tmp_path / "d"),
                    **SMALL)
    assert d.remedies == ["separation"] and set(d.table.dose) == {1.0, round(0.5 / 0.9, 4)}
    e = _loaded(tmp_path / "d", "juwei.api.doses('baseline', 'separation', doses=1, ",
                {"doses"})
    assert len(e.tables["doses"]) == len(d.table) and "equal-cost" in e.tables
    assert len(repr(d)) < 400 and "<table: " in repr(d)


def test_dock_and_audit_from_python_and_loaded_back(tmp_path, monkeypatch):
    import juwei
    from juwei.present import dock_page
    from juwei.studies import dock
    monkeypatch.setattr(dock, "MIN_REPLICATES", 2)     # a docking needs 20: here the plumbing
    monkeypatch.setattr(dock_page, "plot_feature", lambda *a: None)   # 18 figures: 30 s
    monkeypatch.setattr(dock_page, "report", lambda *a: "<html></html>")
    k = juwei.dock("baseline", ("baseline", {"task_admission": 0.5}), against="vectorised",
                   perturb={"trust_rate": 1.5}, replicates=2, out=tmp_path / "k", **SMALL)
    assert k.arms == ("vectorised", "vectorised (again)") and set(k.levels.scenario) == {
        "baseline", "baseline+task_admission=0.5"}
    e = _loaded(tmp_path / "k", "juwei.api.dock('baseline', ('baseline', {'task_admission': "
                "0.5}), against='vectorised', perturb={'trust_rate': 1.5}, ",
                {"docking", "effects"})
    assert e.manifest["design"]["perturb"] == ["trust_rate", 1.5]
    assert list(e.tables["docking"].docks) == list(k.levels.docks)

    a = juwei.audit("baseline", "separation", "unit_sharing", samples=8, noise_samples=4,
                    out=tmp_path / "a", **SMALL)
    assert a.remedies == ["separation", "unit_sharing"]
    e = _loaded(tmp_path / "a", "juwei.api.audit('baseline', 'separation', 'unit_sharing', "
                "samples=8, noise_samples=4, ", {"tau", "ranks", "pairs", "effects"})
    assert len(e.tables["tau"]) == 12 and len(e.runs) == 36
    assert len(repr(a)) < 400 and "reference={separation: " in repr(a)


def test_the_new_studies_refuse_bad_arguments_by_name_before_writing(tmp_path):
    import juwei
    from juwei.engine import UserError
    x = {"out": tmp_path / "x"}
    for call, message in [
            (lambda: juwei.validate(replicates=0, **x), "replicates=0: expected at least 1"),
            (lambda: juwei.validate(breaker=True, **x), "breaker=: not an option"),
            (lambda: juwei.dock(replicates=5, **x), "replicates=5: docking needs at least 20"),
            (lambda: juwei.dock(perturb="trust_rate", **x),
             "perturb='trust_rate': expected PARAMETER=FACTOR"),
            (lambda: juwei.dock(perturb={"years": 2}, **x), "perturb='years=2': years is"),
            (lambda: juwei.dock(against="mesa", **x), "against='mesa': choose one of"),
            (lambda: juwei.dock(margin=2, **x), "margin=2: expected a share"),
            (lambda: juwei.dock("baseline", "baseline", **x), "named twice"),
            (lambda: juwei.audit("baseline", "separation", "unit_sharing", samples=4, **x),
             "at least 8 assumption samples (samples) and 4 noise samples (noise_samples)"),
            (lambda: juwei.audit("baseline", "separation", "unit_sharing", spread=1.5, **x),
             "spread=1.5: expected a share"),
            (lambda: juwei.audit("baseline", "separation", draws=3, **x),
             "draws= goes with ensemble="),
            (lambda: juwei.doses("baseline", **x), "doses: name at least one remedy"),
            (lambda: juwei.doses("baseline", "separation", doses=0, **x),
             "doses=0: expected at least 1"),
            (lambda: juwei.doses("baseline", "separation", budget="lots", **x),
             "budget='lots': expected a number"),
            (lambda: juwei.doses("baseline", ("baseline", {"years": 3}), **x),
             "doses: baseline+years=3 changes no lever"),
            (lambda: juwei.compare("baseline", "separation", dose_response=True, **x),
             "dose_response=: the dose-response study is juwei.doses(")]:
        with pytest.raises(UserError) as e:
            call()
        assert message in str(e.value) and "--" not in str(e.value), str(e.value)
    assert not (tmp_path / "x").exists()


def test_validate_on_the_command_line_stores_its_runs_with_out(tmp_path):
    from juwei.cli import main
    import juwei
    args = ["validate", "--scale", "0.003", "--years", "1", "--burn-in", "1", "--replicates",
            "1", "--executor", "inprocess", "--out", str(tmp_path / "v")]
    assert main(args) in (0, 1)
    e = juwei.load(tmp_path / "v")
    assert "command" in e.manifest and e.manifest["design"]["replicates"] == 1
    assert len(e.tables["patterns"]) == 11 and len(e.runs) == 4   # the campaign pair, no spreads
    assert main(args) == 2 and main(args + ["--overwrite"]) in (0, 1)
