"""The results store's guarantees (README, "The results store"): resume never mixes, outputs are
checked before they are stored, one writer per folder, and the small promises around them."""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from juwei import cli
from juwei.engine import (AnalysisRefused, Options, Run, UserError, execute, run_batch,
                          store)
from juwei.engine import executors as ex

from . import engine_helpers as h

RUNS = [Run({"i": i}, {"a": 1.0, "b": 0.5}, i) for i in range(6)]


def batch(out, runs=RUNS, fn=h.analytic, **kw):
    opts = {k: kw.pop(k) for k in ("resume", "allow_code_change", "workers") if k in kw}
    return run_batch(runs, Options(out, executor="inprocess", progress=False, **opts), "test",
                     {"what": "analytic"}, fn=fn, keep=("series",), **kw)


def tables_of(out):
    return {n: pd.read_parquet(out / f"{n}.parquet") for n in ("runs", "series")}


def same(a, b):
    for n in ("runs", "series"):
        pd.testing.assert_frame_equal(tables_of(a)[n], tables_of(b)[n])


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "c"
    batch(out)
    return out


def interrupted_copy(clean, tmp_path, keep=(0, 1, 2, 3)):
    """The clean experiment as a kill would leave it: some parts, status running, no tables."""
    out = tmp_path / "x"
    shutil.copytree(clean, out)
    for p in out.glob("*.parquet"):
        p.unlink()
    for p in (out / "parts").glob("*.npz"):
        if int(p.stem) not in keep:
            p.unlink()
    m = json.loads((out / "manifest.json").read_text())
    m["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(m))
    return out


# --- resume refuses to mix ------------------------------------------------------------------------
def test_every_part_records_design_code_and_index(clean):
    meta = store.read_meta(clean / "parts" / "000004.npz")
    m = json.loads((clean / "manifest.json").read_text())
    assert meta["index"] == 4 and meta["design_hash"] == m["design_hash"]
    assert meta["code_id"] == m["code"]["code_id"] and m["code"]["source_hash"]
    # the run function's own file lies outside the package: it is part of the code version
    assert m["code"]["run_function_file"].endswith("engine_helpers.py")


def test_resume_finishes_and_equals_an_uninterrupted_run(clean, tmp_path):
    out = interrupted_copy(clean, tmp_path)
    batch(out, resume=True)
    same(out, clean)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_part_of_another_experiment_is_refused_by_name(clean, tmp_path):
    other = tmp_path / "other"
    batch(other, runs=[Run({"i": i}, {"a": 2.0, "b": 0.5}, i) for i in range(6)])
    out = interrupted_copy(clean, tmp_path)
    shutil.copy(other / "parts" / "000005.npz", out / "parts" / "000005.npz")
    with pytest.raises(UserError, match=r"000005\.npz: belongs to another experiment"):
        batch(out, resume=True)
    assert not (out / "runs.parquet").exists()


def test_a_stray_copy_is_a_duplicate_run_index(clean, tmp_path):
    out = interrupted_copy(clean, tmp_path)
    shutil.copy(out / "parts" / "000001.npz", out / "parts" / "000099.npz")
    with pytest.raises(UserError, match=r"000099\.npz: holds run 1, a duplicate or stray copy"):
        batch(out, resume=True)


def test_a_part_of_other_code_is_refused_unless_allowed(clean, tmp_path):
    out = interrupted_copy(clean, tmp_path)
    st = store.Store(out)
    m = json.loads((out / "manifest.json").read_text())
    st.stamp = {"design_hash": m["design_hash"], "code_id": "0ther0code0000"}
    st.write_part(5, execute([RUNS[5]], h.analytic, "inprocess", progress=False)[0], {"series"})
    with pytest.raises(UserError, match=r"000005\.npz: written by other code .*"
                                        "allow_code_change=True"):
        batch(out, resume=True)
    batch(out, resume=True, allow_code_change=True)
    same(out, clean)


def test_a_changed_code_record_is_refused_and_allowing_it_is_recorded(clean, tmp_path):
    out = interrupted_copy(clean, tmp_path)
    m = json.loads((out / "manifest.json").read_text())
    m["code"]["code_id"] = "0ld0code000000"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(UserError, match="the code changed since the experiment started"):
        batch(out, resume=True)
    batch(out, resume=True, allow_code_change=True)
    m = json.loads((out / "manifest.json").read_text())
    assert m["allow_code_change"] is True and m["code_changes"][0]["from"] == "0ld0code000000"
    assert m["code_history"][0]["code_id"] == "0ld0code000000"


@pytest.mark.parametrize("damage", ["truncated", "empty", "text", "garbled"])
def test_a_corrupt_part_is_named_quarantined_and_redone(clean, tmp_path, capsys, damage):
    out = interrupted_copy(clean, tmp_path)
    part = out / "parts" / "000002.npz"
    data = part.read_bytes()
    part.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "text": b"hello\n",
                      "garbled": data[:100] + bytes(200) + data[300:]}[damage])
    batch(out, resume=True)
    err = capsys.readouterr().err
    assert "000002.npz is unreadable" in err and "quarantine" in err
    assert (out / "parts" / "quarantine" / "000002.npz").exists()
    same(out, clean)                                     # run 2 redone


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_a_lost_manifest_is_rebuilt_when_the_design_is_given_again(clean, tmp_path, capsys,
                                                                   damage):
    out = interrupted_copy(clean, tmp_path)
    if damage == "missing":
        (out / "manifest.json").unlink()
    else:
        (out / "manifest.json").write_text('{"kind": "test", "desi')
    with pytest.raises(UserError, match="holds an experiment already; add resume=True"):
        batch(out)
    batch(out, resume=True)
    assert "rebuilding it" in capsys.readouterr().err
    same(out, clean)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and "rebuilt" in m
    with pytest.raises(UserError, match="manifest.json: unreadable"):
        (out / "manifest.json").write_text("{")
        store.load(out)


def test_the_manifest_is_written_before_the_first_run(tmp_path):
    seen = []

    def first(i, o):
        seen.append(json.loads((tmp_path / "m" / "manifest.json").read_text())["status"])
    batch(tmp_path / "m", on_outcome=first)
    assert seen[0] == "running"


# --- outputs checked before they are stored -------------------------------------------------------
def test_missing_or_non_finite_outputs_are_failures_with_the_reason(tmp_path):
    runs = [Run({"i": i}, {"a": 1.0, "b": 0.5}, i) for i in range(7)]
    _, tables = batch(tmp_path / "o", runs=runs, fn=h.misses_an_output, outputs=["y"])
    ok, failed = tables["runs"], tables["failed"]
    assert list(ok.run) == [2, 4] and ok.y.notna().all()        # successful runs only
    assert list(failed.run) == [0, 1, 3, 5, 6]
    reasons = dict(zip(failed.run, failed.error))
    assert "no y in the summary" in reasons[1]
    assert "non-finite values in the series y" in reasons[0]
    exp = store.load(tmp_path / "o")
    assert len(exp.runs) == 2 and len(exp.failed) == 5 and exp.manifest["failed"] == 5


def test_sensitivity_refuses_nan_cleanly(tmp_path):
    from juwei.inputs.design import Factors, SensitivityDesign
    from juwei.studies import sensitivity as sa
    d = SensitivityDesign(description="", method="morris", samples=4, levels=4, replicates=1,
                          seed=3, outputs=["y"], spread=False, bootstrap=100,
                          factors=Factors.with_dummy({"a": (0, 1), "b": (0, 1)}))
    with pytest.raises(AnalysisRefused, match="failed .* the analysis stops"):
        sa.run(d, Options(tmp_path / "s", executor="inprocess", progress=False),
               fn=h.misses_an_output, make_params=lambda row: {"a": row["a"], "b": row["b"]})
    m = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert m["status"] == "analysis refused"


DESIGN = ('scenario = "baseline"\nsampling = "grid"\nlevels = 2\nreplicates = 1\nyears = 1\n'
          'scale = 0.01\nseed = 3\noutputs = ["trust", "admin_share"]\n'
          '[levers]\ntask_admission = [0.0, 0.9]\n')


def cli_main(*args):
    return cli.main([str(a) for a in args])


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_every_study_says_when_all_runs_failed(tmp_path, monkeypatch, capsys, command):
    import juwei.studies.compare
    import juwei.studies.run
    import juwei.studies.sweep
    for mod in (juwei.studies.run, juwei.studies.sweep, juwei.studies.compare):
        monkeypatch.setattr(mod, "county_function", lambda county, base=None, **_: h.always_fails)
    (tmp_path / "d.toml").write_text(DESIGN)
    args = {"run": ["run", "baseline", "--replicates", "2"],
            "compare": ["compare", "baseline", "separation", "--replicates", "2"],
            "sweep": ["sweep", tmp_path / "d.toml"]}[command]
    small = [] if command == "sweep" else ["--scale", "0.01", "--years", "1"]
    status = cli_main(*args, *small, "--executor", "inprocess", "--out", tmp_path / "o")
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1, err
    assert "analysis refused" in err[0] and "failed" in err[0] and "Traceback" not in err[0]
    m = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert m["status"] == "failed" and m["done"] == 0


def test_a_sweep_with_some_failures_summarises_them_and_exits_1(tmp_path, monkeypatch, capsys):
    import juwei.studies.sweep
    from juwei.model import run as county_run

    def half(params, seed):
        return county_run(params, seed) if params.task_admission == 0 else h.always_fails(0, 0)
    monkeypatch.setattr(juwei.studies.sweep, "county_function",
                        lambda county, base=None, **_: half)
    (tmp_path / "d.toml").write_text(DESIGN)
    status = cli_main("sweep", tmp_path / "d.toml", "--executor", "inprocess", "--out",
                      tmp_path / "o")
    out, err = capsys.readouterr()
    assert status == 1 and "1 of 2 runs failed" in err and "RuntimeError: the model broke" in err
    assert "1 done, 1 failed" in out
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["status"] == "complete"


def test_complete_only_after_the_figures(tmp_path, monkeypatch):
    import juwei.studies.sweep
    seen = []
    real = juwei.studies.sweep.plot_sweep

    def plot(ok, levers, outputs, out, *rest):
        seen.append(json.loads((out / "manifest.json").read_text())["status"])
        return real(ok, levers, outputs, out, *rest)
    monkeypatch.setattr(juwei.studies.sweep, "plot_sweep", plot)
    (tmp_path / "d.toml").write_text(DESIGN)
    assert cli_main("sweep", tmp_path / "d.toml", "--executor", "inprocess", "--out",
                    tmp_path / "o") == 0
    assert seen == ["tables"]
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["status"] == "complete"


# --- one writer per folder -------------------------------------------------------------------------
HOLD = textwrap.dedent("""
    import sys, time
    from juwei.engine.store import Lock
    Lock(sys.argv[1]).acquire()
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_second_writer_is_refused_naming_the_holder_and_a_dead_ones_lock_is_taken(
        clean, tmp_path):
    out = interrupted_copy(clean, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UserError) as e:
            batch(out, resume=True)
        msg = str(e.value)
        assert f"in use by process {holder.pid} on {socket.gethostname()}" in msg
        assert "\n" not in msg
    finally:
        holder.kill()
        holder.wait()
    # the holder is dead: its lock file is still there, naming it, and is taken over
    assert str(holder.pid) in (out / ".lock").read_text()
    batch(out, resume=True)
    same(out, clean)
    assert (out / ".lock").read_text().split()[0] == str(os.getpid())


# --- small items -----------------------------------------------------------------------------------
def test_workers_are_capped_at_the_number_of_runs_for_every_executor(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(ex, "_dask", lambda runs, fn, workers, sch, done, *shared: seen.update(
        dask=workers) or [done(i, ex.execute_one(fn, r)) for i, r in enumerate(runs)])
    monkeypatch.setattr(ex, "_processes", lambda runs, fn, workers, done, *shared: seen.update(
        processes=workers) or [done(i, ex.execute_one(fn, r)) for i, r in enumerate(runs)])
    for executor in ("dask", "processes"):
        execute(RUNS[:3], h.analytic, executor, workers=12, progress=False)
    assert seen == {"dask": 3, "processes": 3}
    store_, _ = run_batch(RUNS[:2], Options(tmp_path / "w", executor="inprocess", workers=12,
                                            progress=False), "test", {}, fn=h.analytic)
    assert store_.manifest["workers"] == 2


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                   # closed once the block ends: nobody there
    t0 = time.perf_counter()
    with pytest.raises(UserError, match=f"scheduler='tcp://127.0.0.1:{port}': cannot reach the "
                                        "scheduler within 2 s"):
        run_batch(RUNS, Options(tmp_path / "u", scheduler=f"tcp://127.0.0.1:{port}",
                                scheduler_timeout=2, progress=False), "t", {}, fn=h.analytic)
    assert time.perf_counter() - t0 < 15
    assert not (tmp_path / "u").exists()


def test_resume_dry_run_counts_what_is_left(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["run", "baseline", "--replicates", "3", "--scale", "0.01", "--years", "1",
            "--executor", "inprocess", "--no-plots", "--out", out]
    assert cli_main(*args) == 0
    (out / "parts" / "000001.npz").unlink()
    capsys.readouterr()
    assert cli_main(*args, "--resume", "--dry-run") == 0
    text = capsys.readouterr().out
    assert "1 of 3 runs left to do" in text and "1 runs; one run takes" in text
    assert not (out / "parts" / "000001.npz").exists()        # a dry run writes nothing


def test_a_dry_run_of_a_huge_design_counts_without_building_it(tmp_path, capsys, monkeypatch):
    import juwei.studies.sensitivity as sa
    monkeypatch.setattr(sa, "runs_of", lambda d: pytest.fail("the design was built"))
    from juwei.model import LEVER_GROUPS, Parameters, levers
    per_trajectory = len(levers(LEVER_GROUPS, Parameters())) + 2   # every lever read, the dummy, 1
    samples = 800_000 // per_trajectory
    (tmp_path / "big.toml").write_text(f'method = "morris"\nsamples = {samples}\n'
                                       'replicates = 2\nscale = 0.01\nyears = 1\n')
    t0 = time.perf_counter()
    assert cli_main("sensitivity", tmp_path / "big.toml", "--dry-run") == 0
    assert time.perf_counter() - t0 < 30
    out = capsys.readouterr().out
    points = samples * per_trajectory
    assert f"morris: {points} design points x 2 replicates" in out and f"{2 * points} runs" in out
    (tmp_path / "big.toml").write_text('method = "morris"\nsamples = 60000\nreplicates = 2\n')
    assert cli_main("sensitivity", tmp_path / "big.toml", "--dry-run") == 2
    assert "more than the 2,000,000" in capsys.readouterr().err


def test_point_counts_match_the_built_designs():
    import dataclasses

    from juwei.inputs.design import load_sensitivity, load_sweep
    from juwei.studies import sweep
    from juwei.studies.sensitivity.sampling import sample
    for name, method in (("morris_quick", "morris"), ("morris_quick", "sobol"),
                         ("morris_quick", "pawn"), ("sobol_cluster", "sobol")):
        d = load_sensitivity(name, {"method": method, "samples": 8})
        assert d.point_count() == len(sample(d)), (name, method)
    d = load_sweep("autonomy_grid")
    assert d.point_count() == len(sweep.points(d))
    d = dataclasses.replace(d, sampling="lhs", samples=7)
    assert d.point_count() >= len(sweep.points(d))


def test_extends_reads_nothing_outside_the_scenario_folders(tmp_path, capsys):
    (tmp_path / "secret.toml").write_text("secret_token = 1\n")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "s.toml").write_text('extends = "../secret.toml"\n')
    assert cli_main("run", tmp_path / "mine" / "s.toml", "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "outside the scenario folders" in err and "secret_token" not in err
    # beside the file, and in the shipped scenarios folder by a relative path, it works
    (tmp_path / "mine" / "base.toml").write_text("cadre_pay = 900\n")
    (tmp_path / "mine" / "s.toml").write_text('extends = "base.toml"\n')
    from juwei.inputs import scenario
    assert scenario.load(str(tmp_path / "mine" / "s.toml")).params.cadre_pay == 900


def test_long_descriptions_are_cut(tmp_path, capsys):
    from juwei.inputs import scenario
    (tmp_path / "long.toml").write_text(f'description = "{"x" * 900_000}"\n')
    s = scenario.load(str(tmp_path / "long.toml"))
    assert len(s.description) <= 200 and s.description.endswith("…")
    (tmp_path / "huge.toml").write_text(f'description = "{"x" * 1_100_000}"\n')
    assert cli_main("run", tmp_path / "huge.toml") == 2
    assert "input files are limited to 1,000,000" in capsys.readouterr().err


def test_the_app_starts_without_asking_the_package_index(monkeypatch):
    pytest.importorskip("solara")
    seen = []
    monkeypatch.setattr(os, "execve", lambda exe, cmd, env: seen.append(cmd))
    cli.main(["app", "--port", "8999"])
    assert "--no-check-version" in seen[0]


def test_an_unwritable_output_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    for out in (tmp_path / "file" / "sub", Path("/proc/juwei-test")):
        assert cli_main("run", "baseline", "--scale", "0.01", "--years", "1", "--replicates",
                        "1", "--out", out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "cannot write there" in err[0], err


# --- a real kill, then a real code change ------------------------------------------------------------
OWN_MODEL = textwrap.dedent("""
    import time
    RISE = {rise}

    def run(params, seed):
        time.sleep(0.25)
        return {{"summary": {{"y": RISE * params["a"] + seed}}}}
""")
EXPERIMENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from juwei.engine import Options, Run, UserError, run_batch
    from mymodel import run

    if __name__ == "__main__":
        runs = [Run({"i": i}, {"a": 1.0}, i) for i in range(16)]
        try:
            run_batch(runs, Options(Path("out"), resume="resume" in sys.argv, workers=2,
                                    allow_code_change="allow" in sys.argv, progress=False),
                      "mine", {}, fn=run, outputs=["y"])
        except UserError as e:
            print(e, file=sys.stderr)
            sys.exit(2)
""")


def test_a_kill_then_a_code_change_is_refused_on_resume(tmp_path):
    (tmp_path / "mymodel.py").write_text(OWN_MODEL.format(rise=0.08))
    (tmp_path / "experiment.py").write_text(EXPERIMENT)
    proc = subprocess.Popen([sys.executable, "experiment.py"], cwd=tmp_path,
                            start_new_session=True)
    parts = tmp_path / "out" / "parts"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("*.npz"))) < 3 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, 9)
    proc.wait()
    stored = len(list(parts.glob("*.npz")))
    assert 3 <= stored < 16
    (tmp_path / "mymodel.py").write_text(OWN_MODEL.format(rise=0.30))       # the code changes

    def again(*flags):
        return subprocess.run([sys.executable, "experiment.py", *flags], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
    r = again("resume")
    assert r.returncode == 2 and "the code changed since the experiment started" in r.stderr
    assert len(list(parts.glob("*.npz"))) == stored and not (tmp_path / "out" / "runs.parquet"
                                                               ).exists()
    r = again("resume", "allow")
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["status"] == "complete" and m["allow_code_change"] and len(m["code_changes"]) == 1
    assert m["code"]["run_function_hash"] != m["code_history"][0]["run_function_hash"]
