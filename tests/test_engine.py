"""The experiment engine: seeds, executors, the store, resume, failures, comparisons, sweeps."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from juwei.engine import Options, Run, UserError, execute, replicate_seeds, run_batch, store
from juwei.inputs.design import load_sweep
from juwei.model import Parameters
from juwei.model import run as county_run
from juwei.present.stats import differences
from juwei.studies import sweep

from . import engine_helpers as h
from .conftest import juwei, same_tables

TINY = Parameters(scale=0.01, years=1)



def test_replicate_seeds_are_spawned_and_stable():
    a, b = replicate_seeds(7, 5), replicate_seeds(7, 5)
    assert a == b and len(set(a)) == 5
    assert replicate_seeds(7, 3) == a[:3]          # more replicates extend, not reshuffle
    assert replicate_seeds(8, 5) != a
    expected = [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
                for s in np.random.SeedSequence(7).spawn(5)]
    assert a == expected


@pytest.fixture(scope="module")
def executor_outcomes():
    runs = [Run({"arm": arm, "replicate": r}, dataclasses.replace(TINY, task_admission=t), s)
            for arm, t in (("a", 0.0), ("b", 0.5)) for r, s in enumerate(replicate_seeds(3, 2))]
    return {ex: execute(runs, county_run, executor=ex, workers=2, progress=False)
            for ex in ("inprocess", "processes", "dask")}


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_results(executor_outcomes, executor):
    ref, other = executor_outcomes["inprocess"], executor_outcomes[executor]
    for a, b in zip(ref, other):
        assert a.ok and b.ok, (a.error, b.error)
        assert a.summary == b.summary
        for k in a.series:
            assert np.array_equal(a.series[k], b.series[k]), k


def test_a_raising_run_is_recorded_and_the_batch_goes_on(tmp_path):
    runs = [Run({"i": i}, {"a": 1.0, "b": 2.0}, i) for i in range(6)]
    _, tables = run_batch(runs, Options(tmp_path / "x", executor="inprocess", progress=False),
                          "test", {}, fn=h.fails_on_odd_seeds, keep=("series",))
    t, failed = tables["runs"], tables["failed"]
    assert list(t.run) == [0, 2, 4] and (t.status == "ok").all()    # successful runs only
    assert list(failed.run) == [1, 3, 5] and (failed.status == "failed").all()
    assert failed.error[0].startswith("ValueError: bad luck with seed 1")
    exp = store.load(tmp_path / "x")
    assert len(exp.runs) == 3 and len(exp.failed) == 3
    assert exp.runs.y.notna().all()                 # failures are not NaN rows
    assert exp.manifest["failed"] == 3 and exp.manifest["errors"][0]["error"].startswith("Value")
    with pytest.raises(UserError, match=r"3 failed .* Options\(out=.*, resume=True\)"):
        exp.require_complete()


def test_killed_workers_runs_are_retried(tmp_path):
    runs = [Run({"i": i}, {"a": 1.0, "b": 0.5, "dir": str(tmp_path)}, i) for i in range(4)]
    outcomes = execute(runs, fn=h.dies_once, executor="processes", workers=2, progress=False)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    clean = execute([Run(r.labels, r.params, r.seed) for r in runs], fn=h.analytic,
                    executor="inprocess", progress=False)
    assert [o.summary for o in outcomes] == [o.summary for o in clean]


def test_shared_workers_serve_many_batches_and_survive_a_dead_worker(tmp_path):
    from juwei.engine.executors import Workers
    runs = [Run({"i": i}, {}, i) for i in range(4)]
    with Workers("processes", 2) as pool:
        pids = [{o.summary["pid"] for o in execute(runs, h.worker_pid, pool=pool, progress=False)}
                for _ in range(2)]
        # started once, not in here: both batches ran on the same two workers (which of them
        # took a batch's four short runs is the scheduler's affair: one may have taken all)
        assert len(pids[0] | pids[1]) <= 2 and os.getpid() not in pids[0] | pids[1]
        dying = [Run({"i": i}, {"a": 1.0, "b": 0.5, "dir": str(tmp_path)}, i) for i in range(4)]
        outcomes = execute(dying, h.dies_once, pool=pool, progress=False)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        after = {o.summary["pid"] for o in execute(runs, h.worker_pid, pool=pool, progress=False)}
        assert after.isdisjoint(pids[0] | pids[1])   # the broken pool was replaced
    assert pool._pool is None                     # ended on leaving the block


def test_a_run_that_always_kills_its_worker_fails_alone(tmp_path):
    # three runs kill their worker once, the fourth every time
    runs = [Run({"i": i}, {"a": 1.0, "b": 0.5, "dir": str(tmp_path)}, i) for i in range(3)]
    runs.append(Run({"i": 3}, {"a": 1.0, "b": 0.5, "dir": str(tmp_path), "always": True}, 3))
    outcomes = execute(runs, fn=h.dies_once, executor="processes", workers=2, progress=False)
    assert [o.ok for o in outcomes] == [True, True, True, False]
    assert "worker died" in outcomes[3].error


def test_user_callable_runs_through_the_engine(tmp_path):
    runs = [Run({"a": a, "replicate": r}, {"a": a, "b": 1.0}, s)
            for a in (0.0, 1.0) for r, s in enumerate(replicate_seeds(1, 3))]
    _, tables = run_batch(runs, Options(tmp_path / "u", executor="processes", workers=2,
                                        progress=False), "test", {"what": "analytic"},
                          fn=h.analytic, keep=("series",))
    t = tables["runs"]
    assert (t.status == "ok").all()
    assert abs(t[t.a == 1.0].y.mean() - t[t.a == 0.0].y.mean() - 2.0) < 0.1
    assert len(tables["series"]) == 6 * 52


def test_mesa_models_do_not_leak_in_workers():
    before = len(mesa.Agent._ids)
    execute([Run({}, TINY, s) for s in range(3)], county_run, executor="inprocess", progress=False)
    assert len(mesa.Agent._ids) == before


def kill_when_parts(cmd, folder: Path, at_least: int, timeout=120):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(list((folder / "parts").glob("*.npz"))) >= at_least:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)         # the command and its workers, mid-batch
    proc.wait()


def test_resume_after_a_kill_gives_the_same_tables(tmp_path):
    design = tmp_path / "d.toml"
    design.write_text('scenario = "baseline"\nsampling = "lhs"\nsamples = 12\nreplicates = 2\n'
                      'years = 1\nscale = 0.02\nseed = 3\noutputs = ["trust", "admin_share"]\n'
                      'series = true\n[levers]\ntask_admission = [0.0, 0.9]\n'
                      'cadre_pay = [200, 1500]\n')
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    base = [sys.executable, "-m", "juwei", "sweep", str(design), "--workers", "2"]
    kill_when_parts(base + ["--out", str(killed)], killed, at_least=6)
    stored = len(list((killed / "parts").glob("*.npz")))
    assert 0 < stored < 24, "the kill should land mid-batch"
    assert not (killed / "runs.parquet").exists()
    again = juwei("sweep", str(design), "--out", str(killed))
    assert again.returncode == 2 and "--resume" in again.stderr
    r = juwei("sweep", str(design), "--workers", "2", "--out", str(killed), "--resume")
    assert r.returncode == 0, r.stderr
    assert f"{stored} of 24 runs already stored" in r.stderr
    assert juwei("sweep", str(design), "--workers", "2", "--out", str(clean)).returncode == 0
    same_tables(killed, clean, ("runs", "series", "points"))
    m = json.loads((killed / "manifest.json").read_text())
    assert m["status"] == "complete" and m["done"] == 24 and len(m["resumed"]) == 1


def test_resume_refuses_a_changed_design(tmp_path):
    out = tmp_path / "o"
    assert juwei("run", "baseline", "--scale", "0.01", "--years", "1", "--replicates", "2",
                 "--out", str(out), "--executor", "inprocess").returncode == 0
    r = juwei("run", "baseline", "--scale", "0.02", "--years", "1", "--replicates", "2",
              "--out", str(out), "--resume")
    assert r.returncode == 2 and "design differs" in r.stderr


def test_comparison_flags_a_real_difference_and_not_an_identical_twin():
    seeds = replicate_seeds(1, 4)
    arms = {"base": TINY, "twin": TINY, "reform": dataclasses.replace(TINY, task_admission=0.8)}
    runs = [Run({"scenario": n, "replicate": r}, p, s) for n, p in arms.items()
            for r, s in enumerate(seeds)]
    outcomes = execute(runs, county_run, executor="inprocess", progress=False)
    t = store.frames(list(enumerate(outcomes)))["runs"]
    table = differences(t, "base", list(arms))
    twin = table[table.scenario == "twin"]
    assert not twin.flagged.any() and (twin["diff"] == 0).all()
    reform = table[(table.scenario == "reform")].set_index("indicator")
    assert reform.loc["admin_share", "flagged"] and reform.loc["admin_share", "diff"] < 0
    assert reform.loc["admin_share", "diff_low"] <= reform.loc["admin_share", "diff"] \
        <= reform.loc["admin_share", "diff_high"]


def test_runs_of_one_posterior_draw_are_resampled_together():
    """Over an ensemble, the replicates of one draw share its constants: the interval of the
    pooled effect must reflect the spread between draws, not the number of runs."""
    rng = np.random.default_rng(0)
    effect = {k: e for k, e in enumerate((-1.0, -0.5, 0.0, 0.5, 1.0))}
    rows = [{"scenario": s, "draw": k, "replicate": k * 20 + r,
             "admin_share": 0.5 + (effect[k] + rng.normal(0, 0.01) if s == "reform" else 0)}
            for s in ("base", "reform") for k in effect for r in range(20)]
    runs = pd.DataFrame(rows)
    row = differences(runs, "base", ["base", "reform"], ("admin_share",)).iloc[1]
    assert row.diff_low < 0 < row.diff_high and row.diff_high - row.diff_low > 0.8
    alone = differences(runs.drop(columns="draw"), "base", ["base", "reform"], ("admin_share",))
    assert alone.iloc[1].diff_high - alone.iloc[1].diff_low < 0.4      # as if independent


def test_compare_command_writes_the_report(tmp_path):
    out = tmp_path / "c"
    r = juwei("compare", "baseline", "separation", "--replicates", "2", "--scale", "0.01",
              "--years", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3
    assert "http://" not in html and "https://" not in html      # works offline
    assert "What the model does not capture" in html and "政事分离" in html
    table = pd.read_csv(out / "comparison.csv")
    assert set(table.scenario) == {"baseline", "separation"}
    runs = pd.read_parquet(out / "runs.parquet")
    by_rep = runs.groupby("replicate").seed.nunique()
    assert (by_rep == 1).all()                  # common random numbers across scenarios
    assert "separation" in r.stdout and "report.html" in r.stdout


@pytest.mark.parametrize("text, message", [
    ('sampling = "grd"\n[levers]\ncadre_pay = [200, 900]', "did you mean 'grid'"),
    ('samples = 8\n[levers]\ncadre_py = [200, 900]', "levers.cadre_py: unknown parameter"),
    ('[levers]\ncadre_pay = [200, 9000]', "cadre_pay: 9000.0 is outside the range"),
    ('[levers]\ncadre_pay = [900, 200]', "expected low < high"),
    ('sampling = "lhs"\n[levers]\ncadre_pay = { values = [300, 500] }', "needs sampling"),
    ('replicate = 2\n[levers]\ncadre_pay = [200, 900]', "unknown key 'replicate'; did you mean"),
    ('replicates = "two"\n[levers]\ncadre_pay = [200, 900]', "replicates: expected int"),
    ('outputs = ["trst"]\n[levers]\ncadre_pay = [200, 900]', "did you mean 'trust'"),
    ('scale = 3.0\n[levers]\ncadre_pay = [200, 900]', "scale: 3.0 is outside the range"),
    ('[levers]', "name at least one lever"),
    # a size the sampling ignores (no sampling: lhs, 16 points, and the levels went unused)
    ('levels = 2\n[levers]\ncadre_pay = [200, 900]',
     'levels: read only with sampling = "grid" (this design samples by lhs, the default'),
    ('sampling = "grid"\nsamples = 8\n[levers]\ncadre_pay = [200, 900]',
     "samples: read only with lhs or sobol sampling"),
    ('scenario = "basline"\n[levers]\ncadre_pay = [200, 900]',
     "scenario: basline: no such scenario file; did you mean 'baseline'?"),
    ('samples = 0\n[levers]\ncadre_pay = [200, 900]', "samples: expected at least 1"),
    ('seed = -3\n[levers]\ncadre_pay = [200, 900]', "seed: expected a whole number >= 0"),
    # a lever of a mechanism switched off would vary nothing (its switch varied too: it would)
    ('[levers]\nresponsibility_lists = [0, 1]',
     "levers.responsibility_lists: not read by this design's runs; to vary it, set "
     "buck_passing=1 in the base scenario's file"),
])
def test_bad_designs_name_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError) as e:
        load_sweep(str(path))
    assert str(path) in str(e.value) and message in str(e.value)
    r = juwei("sweep", str(path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_sampling_points():
    grid = load_sweep("quick")
    assert len(sweep.points(grid)) == 4
    d = dataclasses.replace(grid, sampling="lhs", samples=10)
    pts = sweep.points(d)
    assert len(pts) == 10 and pts.task_admission.between(0, 0.8).all()
    # LHS: one sample in each of the 10 strata of every lever
    assert sorted(np.floor(pts.task_admission / 0.08).astype(int)) == list(range(10))
    d = dataclasses.replace(grid, sampling="sobol", samples=8,
                            levers={"inspections_per_year": ("range", 0, 52)})
    pts = sweep.points(d)
    assert pts.inspections_per_year.dtype.kind == "i" and pts.inspections_per_year.between(0, 52).all()
    runs = sweep.runs(grid, sweep.points(grid))
    seeds = {}
    for r in runs:
        seeds.setdefault(r.labels["replicate"], set()).add(r.seed)
    assert all(len(s) == 1 for s in seeds.values())         # same seed at every point


def test_dry_run_counts_and_estimates_without_writing(tmp_path):
    r = juwei("sweep", "quick", "--dry-run", "--out", str(tmp_path / "o"))
    assert r.returncode == 0 and "4 design points x 2 replicates" in r.stdout
    assert "8 runs" in r.stdout and "about" in r.stdout
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_ready_made_design_on_dask_matches_local(tmp_path):
    a, b = tmp_path / "local", tmp_path / "dask"
    assert juwei("sweep", "quick", "--out", str(a)).returncode == 0
    r = juwei("sweep", "quick", "--executor", "dask", "--workers", "2", "--out", str(b))
    assert r.returncode == 0, r.stderr
    same_tables(a, b, ("runs", "points"))


@pytest.mark.parametrize("command, design, other", [
    ("search", "quick", "sweep"), ("sweep", "search_packages", "search"),
    ("sweep", "morris_quick", "sensitivity"), ("calibrate", "autonomy_grid", "sweep")])
def test_a_ready_made_design_given_to_another_command_names_its_own(command, design, other):
    """It said "not a design file: 2 of its 10 top-level keys are unknown to a design"."""
    r = juwei(command, design, "--dry-run")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert f"a {other} design, not a {command} one: run `juwei {other} {design}`" in r.stderr
