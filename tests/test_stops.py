"""Issue 28, "stops honoured until the experiment is complete": a stop (SIGINT, SIGTERM or
SIGHUP) at each stage of run, compare, sweep, sensitivity and calibrate — while the runs are
stored, while the tables are written, while the figures are drawn, while the report (or a
sweep's points table) is written — leaves the manifest "interrupted" and the status 130, 143
or 129, and --resume then gives the same tables as an uninterrupted study.

The stop is sent by the process to itself at a chosen write, never after a sleep: the first
part stored (runs), runs.parquet or posterior.parquet renamed into place (tables), the first
PNG saved (figures), report.html renamed into place (report). The studies run in this process
through `juwei.cli.main` (calibrate through its Python API, on a toy model), with a quick
stand-in for the county model made from one real county run, so the whole matrix takes about
a minute."""

import contextlib
import io
import json
import os
import signal
from pathlib import Path

import matplotlib.figure
import numpy as np
import pandas as pd
import pytest

from juwei import cli
from juwei.engine import Interrupted, Options, batch
from juwei.engine.errors import SIGNAL_STATUS
from juwei.inputs import scenario as sc

pytestmark = pytest.mark.slow

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STAGES = ("runs", "tables", "figures", "report")


class Quick:
    """The county model's result for one small run, scaled by the seed and a few levers:
    what the studies need of a run (every indicator, series, committees) in a millisecond."""
    identity = "tests.test_stops.Quick"

    def __init__(self, result):
        self.result = result

    def __call__(self, params, seed):
        k = (1 + (seed % 97) / 1000 + 0.1 * params.task_admission
             + params.cadre_pay / 10_000 + 0.05 * params.funding_follows_tasks)
        r = self.result
        entity, values = r.breakdown
        return {"summary": {n: v * k for n, v in r.summary.items()},
                "series": {n: np.asarray(v) * k for n, v in r.series.items()},
                "breakdown": (entity, {n: np.asarray(v) * k for n, v in values.items()}),
                "time_axis": r.time_axis}


@pytest.fixture(autouse=True)
def ctrl_c_as_in_a_terminal():
    """Ctrl-C as a terminal delivers it, however the suite was started: a process started in
    the background (`make test &`, `nohup`) inherits SIGINT ignored, and juwei keeps an
    ignored Ctrl-C ignored, as it should."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


@pytest.fixture(scope="module")
def quick():
    from juwei.studies.common import county_function
    params = sc.load("baseline").with_overrides({"years": 1, "scale": 0.01}).params
    return Quick(county_function(None)(params, 1))


@pytest.fixture
def studies(quick, monkeypatch, tmp_path):
    """The studies on the quick model; a stop's watchdog disarmed (it would end pytest)."""
    from juwei import studies
    from juwei.studies import compare, run, sensitivity, sweep
    for module in (run, compare, sweep, sensitivity):
        monkeypatch.setattr(module, "county_function", lambda *a, **kw: quick)
    monkeypatch.setattr(batch, "exit_if_stuck", lambda *a, **kw: None)
    (tmp_path / "sw.toml").write_text(
        'sampling = "grid"\nlevels = 2\nreplicates = 2\nyears = 1\nscale = 0.01\n'
        'outputs = ["trust", "participation_rate"]\n[levers]\ncadre_pay = [300, 900]\n')
    (tmp_path / "sa.toml").write_text(
        'method = "morris"\nsamples = 4\nlevels = 4\nreplicates = 1\nyears = 1\n'
        'scale = 0.01\noutputs = ["trust"]\nbootstrap = 50\n[levers]\n'
        'task_admission = [0.0, 0.9]\ncadre_pay = [300, 900]\n')
    return studies


COMMANDS = {
    "run": ["run", "baseline", "--replicates", "2"],
    "compare": ["compare", "baseline", "separation", "--replicates", "2"],
    "sweep": ["sweep", "{tmp}/sw.toml"],
    "sensitivity": ["sensitivity", "{tmp}/sa.toml"],
}
SMALL = ["--scale", "0.01", "--years", "1"]


def words(command, tmp_path, out) -> list[str]:
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    small = SMALL if command in ("run", "compare") else []
    return [*args, *small, "--executor", "inprocess", "--out", str(out)]


def juwei(*args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main([str(a) for a in args])
    return status, err.getvalue()


@contextlib.contextmanager
def stop_at(stage: str, signum: int, tables="runs.parquet", report="report.html"):
    """Send `signum` to this process once, right after the first write of `stage`: the first
    part (runs), the `tables` file (tables), the first PNG (figures), the `report` file."""
    fired = []
    real_replace, real_savefig = os.replace, matplotlib.figure.Figure.savefig
    wanted = {"runs": lambda p: p.parent.name == "parts" and p.suffix == ".npz",
              "tables": lambda p: p.name == tables,
              "report": lambda p: p.name == report}.get(stage, lambda p: False)

    def fire():
        if not fired:
            fired.append(stage)
            os.kill(os.getpid(), signum)           # handled before the next line runs

    def replace(src, dst, *a, **kw):
        real_replace(src, dst, *a, **kw)
        if wanted(Path(dst)):
            fire()

    def savefig(self, *a, **kw):
        real_savefig(self, *a, **kw)
        if stage == "figures":
            fire()
    os.replace, matplotlib.figure.Figure.savefig = replace, savefig
    try:
        yield fired
    finally:
        os.replace, matplotlib.figure.Figure.savefig = real_replace, real_savefig


def outputs(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table a study leaves (Parquet and CSV), by file name."""
    return {p.name: pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
            for p in sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.csv"))}


def same_tables(folder: Path, reference: Path) -> None:
    got, want = outputs(folder), outputs(reference)
    assert sorted(got) == sorted(want) and "runs.parquet" in want or "posterior.parquet" in want
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_stop_at_every_stage_is_interrupted_and_resumes_to_the_same_tables(
        studies, tmp_path, command):
    """Before issue 28 a SIGTERM or SIGHUP after the runs killed the process outright and a
    Ctrl-C left the manifest at 'tables'."""
    reference = tmp_path / "whole"
    status, err = juwei(*words(command, tmp_path, reference))
    assert status == 0 and manifest(reference)["status"] == "complete", err
    before = {s: signal.getsignal(s) for s in SIGNALS}
    stages = [s for s in STAGES if not (command == "run" and s == "report")]   # no report.html
    for n, stage in enumerate(stages):
        signum = SIGNALS[(n + len(command)) % 3]
        out = tmp_path / stage
        with stop_at(stage, signum, report="points.csv" if command == "sweep"
                     else "report.html") as fired:
            status, err = juwei(*words(command, tmp_path, out))
        assert fired == [stage], f"{command}: never reached {stage}"
        m = manifest(out)
        assert status == SIGNAL_STATUS[signum], (command, stage, status, err)
        assert m["status"] == "interrupted", (command, stage, m["status"])
        assert signal.Signals(signum).name in m["interrupted_by"], m["interrupted_by"]
        assert {s: signal.getsignal(s) for s in SIGNALS} == before     # handlers restored
        status, err = juwei(*words(command, tmp_path, out), "--resume")
        assert status == 0 and manifest(out)["status"] == "complete", (command, stage, err)
        same_tables(out, reference)


class Toy:
    """y = a, and the stop sent at its `at`-th call when armed (the calibration's runs). The
    calls are counted on the class: the calibration runs a copy of the model."""
    calls = 0

    def __init__(self, at=None, signum=None):
        self.at, self.signum = at, signum
        Toy.calls = 0

    def __call__(self, values):
        Toy.calls += 1
        if Toy.calls == self.at:
            os.kill(os.getpid(), self.signum)
        return {"y": float(values["blame_pressure"])}


def test_a_stop_at_every_stage_of_a_calibration_is_interrupted_and_resumes(tmp_path):
    from juwei.inputs import calibration
    from juwei.inputs.calibration import Prior, Target
    from juwei.studies import calibrate
    base = sc.load("baseline").with_overrides({"years": 2, "scale": 0.02})
    design = calibration.CalibrationDesign(
        path=str(tmp_path / "toy.toml"), description="toy", base=base, population=6,
        generations=3, min_epsilon=0.0, min_acceptance=0.0, replicates=1, predictive=4,
        seed=1, priors=[Prior("blame_pressure", "uniform", 0.0, 2.0, 0.0, 2.0)],
        targets=[Target("y", 1.2, 1.4, 1.0, 0.1, "", False)])

    def calibrate_into(out, model, resume=False):
        return calibrate.run(design, Options(out=out, executor="inprocess", progress=False,
                                             resume=resume), model=model)
    calibrate_into(tmp_path / "whole", Toy())
    for n, stage in enumerate(STAGES):
        signum = SIGNALS[n % 3]
        out = tmp_path / stage
        toy = Toy(15, signum) if stage == "runs" else Toy()     # 15: in the second generation
        with stop_at(stage if stage != "runs" else "none", signum,
                     tables="posterior.parquet") as fired:
            with pytest.raises(KeyboardInterrupt if stage != "runs" else Interrupted) as e:
                calibrate_into(out, toy)
        assert fired == ([] if stage == "runs" else [stage])
        status = getattr(e.value, "status", None) or SIGNAL_STATUS[e.value.signum]
        assert status == SIGNAL_STATUS[signum], (stage, status)
        m = manifest(out)
        assert m["status"] == "interrupted", (stage, m["status"])
        assert signal.Signals(signum).name in m["interrupted_by"]
        assert calibrate_into(out, Toy(), resume=True).manifest["status"] == "complete"
        same_tables(out, tmp_path / "whole")


def test_stop_at_fires_once_at_the_stage_it_names(tmp_path, monkeypatch):
    """The harness itself: a stop is sent at the named write only, and once."""
    sent = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append(sig))
    (tmp_path / "parts").mkdir()
    with stop_at("tables", signal.SIGTERM):
        for name in ("parts/000001.npz", "series.parquet", "runs.parquet", "runs.parquet"):
            (tmp_path / "x").write_text("x")
            os.replace(tmp_path / "x", tmp_path / name)
    assert sent == [signal.SIGTERM]
    with stop_at("runs", signal.SIGHUP):
        (tmp_path / "x").write_text("x")
        os.replace(tmp_path / "x", tmp_path / "parts" / "000002.npz")
    assert sent == [signal.SIGTERM, signal.SIGHUP] and os.replace.__module__ != __name__
