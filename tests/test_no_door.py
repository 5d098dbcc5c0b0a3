"""Issue 28, "no door left open": every input file goes through one safe reader, and what the
engine reads back (posteriors, histories, parts) is checked before use. Each test here failed
on the code before its fix. All of them together take about a minute."""

import contextlib
import dataclasses
import errno
import io
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from juwei import cli
from juwei.engine import UserError
from juwei.inputs import files
from juwei.inputs import scenario as sc
from juwei.inputs import session as sessions

ROOT = Path(__file__).resolve().parent.parent
SMALL_TOWN = ROOT / "counties" / "small_town.toml"
SECRET = 'api_token = "s3cret-value"\n[database]\npassword = "hunter2"\n'


def cli_main(*args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main([str(a) for a in args])
    return status, err.getvalue()


def _limited():                        # the child may not eat the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


class Hung(BaseException):
    """Raised by an alarm in a read that blocks (no OSError, which readers catch)."""


@contextlib.contextmanager
def at_most(seconds: int):
    """A read that blocks longer than `seconds` fails the test (Hung) instead of hanging it."""
    def hung(*a):
        raise Hung(f"blocked for {seconds} s")
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_a_session_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    """`juwei app --session /dev/zero` ate 10.9 GB, a FIFO blocked forever. /dev/zero in a
    process of its own (limited memory); a FIFO and a folder here, under an alarm."""
    r = subprocess.run([sys.executable, "-m", "juwei", "app", "--session", "/dev/zero",
                        "--port", "9"], capture_output=True, text=True, timeout=60,
                       preexec_fn=_limited)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr[-500:]
    assert "/dev/zero: is a device; input files must be regular files" in r.stderr
    os.mkfifo(tmp_path / "fifo")
    with at_most(10):
        for path, kind in ((tmp_path / "fifo", "a pipe (FIFO)"), (tmp_path, "a folder")):
            status, err = cli_main("app", "--session", path, "--port", "9")
            assert status == 2 and f"{path}: is {kind}" in err, err


def test_the_reader_never_reads_more_than_the_limit_plus_one_byte(tmp_path, monkeypatch):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (files.MAX_BYTES * 3))
    read = []
    real = os.read
    from juwei.engine import reading
    monkeypatch.setattr(reading.os, "read", lambda fd, n: read.append(n) or real(fd, n))
    with pytest.raises(UserError, match="limited to 1,000,000"):
        files.read_toml(big)
    assert sum(read) <= files.MAX_BYTES + 1


@pytest.mark.parametrize("what", ["session", "scenario", "design", "county", "calibration"])
def test_a_foreign_toml_file_is_refused_without_quoting_it(tmp_path, what):
    """A TOML file of another kind: the message names the file, never its keys or values."""
    path = tmp_path / "foreign.toml"
    path.write_text(SECRET)
    args = {"session": ["app", "--session", path, "--port", "9"],
            "scenario": ["run", path, "--dry-run"], "design": ["sweep", path, "--dry-run"],
            "county": ["counties", path], "calibration": ["calibrate", path, "--dry-run"]}[what]
    status, err = cli_main(*args)
    assert status == 2 and err.count("\n") == 1 and str(path) in err, err
    for word in ("api_token", "s3cret", "database", "password", "hunter2"):
        assert word not in err, err


def test_a_misspelt_key_is_still_named_with_its_suggestion(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("langauge = \"en\"\n")
    with pytest.raises(UserError, match="unknown key 'langauge'; did you mean 'language'"):
        sessions.load(path)


def test_toml_errors_never_quote_the_file(tmp_path):
    path = tmp_path / "s.toml"
    for text in ('secret_key = 1\n[secret_key]\n', 'a = { secret_inline = 1, secret_inline = 2 }\n',
                 'x = "\x01secret"\n', '[secret_table]\n[secret_table]\n'):
        path.write_text(text)
        with pytest.raises(UserError, match="not valid TOML") as e:
            sc.load(str(path))
        assert "secret" not in str(e.value), str(e.value)
    path.write_bytes(b"x = 1\n\xffsecret")
    with pytest.raises(UserError, match="not UTF-8") as e:
        sc.load(str(path))
    assert "secret" not in str(e.value) and "\\xff" not in str(e.value)


@pytest.mark.parametrize("where", ["absolute", "parent"])
def test_a_scenarios_county_is_confined_as_extends_is(tmp_path, where):
    outside = tmp_path / "outside.toml"
    outside.write_text(SMALL_TOWN.read_text("utf-8"))
    (tmp_path / "in").mkdir()
    name = str(outside) if where == "absolute" else "../outside.toml"
    path = tmp_path / "in" / "s.toml"
    path.write_text(f'description = "x"\ncounty = "{name}"\n')
    with pytest.raises(UserError, match="county: .* is outside the scenario's folder"):
        sc.load(str(path))
    # beside the scenario, and a shipped county by absolute path, still work
    (tmp_path / "in" / "mine.toml").write_text(SMALL_TOWN.read_text("utf-8"))
    path.write_text('description = "x"\ncounty = "mine.toml"\n')
    assert sc.load(str(path)).county.n == 8
    path.write_text(f'description = "x"\ncounty = "{SMALL_TOWN}"\n')
    assert sc.load(str(path)).county.n == 8


def test_the_levers_file_names_a_county_of_ones_own_only_in_a_comment(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(SMALL_TOWN.read_text("utf-8"))
    s = sc.load("baseline").with_county(str(mine))
    text = sessions.scenario_toml(s, sessions.of_scenario(s).levers, "d", "t", "t")
    assert "\ncounty =" not in text and f"# county: \"{mine}\"" in text
    shipped = sc.load("baseline").with_county("small_town")
    text = sessions.scenario_toml(shipped, sessions.of_scenario(shipped).levers, "d", "t", "t")
    (tmp_path / "levers.toml").write_text(text)
    assert sc.load(str(tmp_path / "levers.toml")).county.n == 8



# --- 2. a posterior is checked before use -------------------------------------------------------
def calibration_folder(folder: Path, posterior) -> Path:
    """A finished calibration as `juwei calibrate` leaves it, with this posterior."""
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({
        "kind": "calibrate", "status": "complete",
        "design": {"priors": [{"name": "blame_pressure"}], "county_sha256": "", "scale": 0.1,
                   "years": 5}}))
    if isinstance(posterior, bytes):
        (folder / "posterior.parquet").write_bytes(posterior)
    else:
        posterior.to_parquet(folder / "posterior.parquet")
    return folder


GOOD = {"particle": [0, 1, 2], "weight": [0.2, 0.5, 0.3], "blame_pressure": [0.4, 0.6, 0.8]}


@pytest.mark.parametrize("change, words", [
    ({"weight": [float("nan"), 0.5, 0.3]}, "weight: 1 values are missing or not finite"),
    ({"weight": [-0.2, 0.5, 0.3]}, "weight: 1 negative weights"),
    ({"weight": [0.0, 0.0, 0.0]}, "weight: the weights sum to 0"),
    ({"blame_pressure": [0.4, float("nan"), 0.8]}, "blame_pressure: 1 values are missing"),
    ({"blame_pressure": [0.4, 99.0, 0.8]}, "blame_pressure: 1 values outside its range"),
    ({"particle": [], "weight": [], "blame_pressure": []}, "no particles"),
    ("no-constant", "no column blame_pressure"),
    ("garbage", "not a readable posterior"),
])
def test_a_posterior_is_checked_before_its_draws_are_used(tmp_path, change, words):
    """NaN, negative or zero weights used particle 0 silently; NaN constants or an empty
    posterior gave a traceback."""
    from juwei.inputs.ensemble import load_ensemble, posterior_ranges
    if change == "garbage":
        posterior = b"PAR1 not parquet at all"
    elif change == "no-constant":
        posterior = pd.DataFrame({k: v for k, v in GOOD.items() if k != "blame_pressure"})
    else:
        posterior = pd.DataFrame({**GOOD, **change})
    folder = calibration_folder(tmp_path / "cal", posterior)
    for load in (lambda: load_ensemble(str(folder), 4, 1), lambda: posterior_ranges(
            str(folder), "--ensemble")):
        with pytest.raises(UserError) as e:
            load()
        assert words in str(e.value) and "posterior.parquet" in str(e.value), str(e.value)
    status, err = cli_main("compare", "baseline", "separation", "--ensemble", folder,
                           "--dry-run")
    assert status == 2 and err.count("\n") == 1 and words in err, err


def test_a_good_posterior_still_gives_its_draws(tmp_path):
    from juwei.inputs.ensemble import load_ensemble
    folder = calibration_folder(tmp_path / "cal", pd.DataFrame(GOOD))
    assert len(load_ensemble(str(folder), 4, 1).draws) == 4


# --- 3. history.db carries its identity -------------------------------------------------------
class Toy:
    """y = a: instant, for calibrations whose history is what is tested."""

    def __call__(self, values):
        return {"y": float(values["blame_pressure"])}


@pytest.fixture(scope="module")
def toy_runs(tmp_path_factory):
    """Two finished toy calibrations of different seeds, and a function calibrating a copy."""
    from juwei.engine import Options
    from juwei.inputs import calibration
    from juwei.inputs.calibration import Prior, Target
    from juwei.studies import calibrate
    folder = tmp_path_factory.mktemp("toy")
    base = sc.load("baseline").with_overrides({"years": 2, "scale": 0.02})
    design = calibration.CalibrationDesign(
        path=str(folder / "toy.toml"), description="toy", base=base, population=6,
        generations=2, min_epsilon=0.0, min_acceptance=0.0, replicates=1, predictive=0, seed=1,
        priors=[Prior("blame_pressure", "uniform", 0.0, 2.0, 0.0, 2.0)],
        targets=[Target("y", 1.2, 1.4, 1.0, 0.1, "", False)])

    def calibrate_into(out, seed=1, resume=False):
        return calibrate.run(dataclasses.replace(design, seed=seed), Options(
            out=out, executor="inprocess", progress=False, resume=resume), model=Toy())
    for seed in (1, 2):
        calibrate_into(folder / f"seed{seed}", seed)
    calibrate_into.design = design

    def interrupted(tmp_path, history_from):
        out = tmp_path / "cut"
        shutil.copytree(folder / "seed1", out)
        m = json.loads((out / "manifest.json").read_text())
        m.update(status="interrupted", sampled=False)
        (out / "manifest.json").write_text(json.dumps(m))
        if history_from is not None:
            shutil.copy(folder / history_from / "history.db", out / "history.db")
        return out
    return calibrate_into, interrupted


def test_a_foreign_history_is_refused_and_the_manifest_left_as_it_was(toy_runs, tmp_path):
    calibrate_into, interrupted = toy_runs
    out = interrupted(tmp_path, "seed2")               # another calibration's history
    with pytest.raises(UserError, match="history.db: belongs to another calibration") as e:
        calibrate_into(out, resume=True)
    assert "\n" not in str(e.value)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    from juwei.studies import calibrate
    with pytest.raises(UserError, match="belongs to another calibration"):   # a dry run too
        calibrate.stored_generations(out, calibrate_into.design)


def test_an_unstamped_history_with_generations_is_refused(toy_runs, tmp_path):
    calibrate_into, interrupted = toy_runs
    out = interrupted(tmp_path, "seed1")
    with sqlite3.connect(out / "history.db") as con:
        con.execute("DROP TABLE juwei_identity")
    with pytest.raises(UserError, match="no juwei stamp"):
        calibrate_into(out, resume=True)


def test_an_unreadable_history_is_quarantined_never_deleted(toy_runs, tmp_path, capsys):
    calibrate_into, interrupted = toy_runs
    out = interrupted(tmp_path, None)
    (out / "history.db").write_bytes(b"not a database, but someone's only copy")
    c = calibrate_into(out, resume=True)
    assert c.manifest["status"] == "complete"
    kept = list((out / "quarantine").glob("history-*.db"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"not a database")
    assert "moved to" in capsys.readouterr().err


def test_a_history_of_this_calibration_is_resumed(toy_runs, tmp_path, capsys):
    calibrate_into, interrupted = toy_runs
    out = interrupted(tmp_path, "seed1")
    assert calibrate_into(out, resume=True).manifest["status"] == "complete"
    assert "generations already stored" in capsys.readouterr().err
    assert not (out / "quarantine").exists()


# --- 4. a sweep lever of one value is a constant ------------------------------------------------
def test_a_sweep_lever_of_one_value_is_a_constant_and_resumes(tmp_path):
    """A KeyError traceback after every run, and the same on --resume."""
    design = tmp_path / "d.toml"
    design.write_text('sampling = "grid"\nlevels = 2\nreplicates = 1\nyears = 1\n'
                      'scale = 0.01\noutputs = ["trust"]\n[levers]\n'
                      'task_admission = { values = [0.5] }\n'
                      'transparency = { values = [0.35, 0.35] }\ncadre_pay = [300, 900]\n')
    out = tmp_path / "out"
    for extra in ([], ["--resume"]):
        status, err = cli_main("sweep", design, "--executor", "inprocess", "--out", out, *extra)
        assert status == 0, err
    means = pd.read_csv(out / "points.csv")
    assert len(means) == 2 and "cadre_pay" in means and "task_admission" not in means
    m = json.loads((out / "manifest.json").read_text())
    assert m["design"]["scenario_changes"]["task_admission"] == 0.5
    assert m["design"]["scenario_changes"]["transparency"] == 0.35
    design.write_text('sampling = "grid"\n[levers]\ntask_admission = { values = [0.5, 0.5] }\n')
    status, err = cli_main("sweep", design, "--dry-run")
    assert status == 2 and "each lever has one value" in err, err


# --- 5. finite everywhere -----------------------------------------------------------------------
def test_a_scale_too_small_for_the_smallest_committee_is_refused():
    """`juwei run baseline --scale 0.001 --years 1` exited 0 with NaN participation in the
    committee rows."""
    status, err = cli_main("run", "baseline", "--scale", "0.001", "--years", "1", "--dry-run")
    assert status == 2 and err.count("\n") == 1, err
    assert "--scale: scale 0.001: the smallest committee" in err and "at least" in err


def test_a_session_at_a_scale_too_small_is_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("juwei_session = 1\nscale = 0.001\n")
    with pytest.raises(UserError, match="s.toml: scale: scale 0.001: the smallest committee"):
        sessions.load(path)


def test_a_county_of_tiny_committees_is_refused(tmp_path):
    """A county of 1-resident committees gave service_hours_per_1000 of about 89,000."""
    text = SMALL_TOWN.read_text("utf-8").replace("residents = 2000,", "residents = 1,")
    path = tmp_path / "tiny.toml"
    path.write_text(text, "utf-8")
    status, err = cli_main("counties", path)
    assert status == 2 and "Hillside" in err and "at least 100 residents" in err, err


def nan_committee(params, seed):
    """A run whose committee table holds a NaN (a committee without adults)."""
    return {"summary": {"y": 1.0},
            "breakdown": ("committee", {"participation": np.array([0.2, params["nan"]])})}


def test_a_committee_table_with_nan_makes_the_run_failed_and_resume_checks_it_again(tmp_path):
    from juwei.engine import Options, Run, run_batch
    from juwei.engine import store as st
    runs = [Run({"i": i}, {"nan": float("nan") if i == 1 else 0.3}, i) for i in range(2)]
    opts = Options(tmp_path / "x", executor="inprocess", progress=False)
    _, tables = run_batch(runs, opts, "test", {}, fn=nan_committee, keep=("breakdown",))
    assert list(tables["runs"].i) == [0] and "committee table participation" in \
        tables["failed"].error.iloc[0]
    # a part re-saved as ok with a NaN in it is not taken as ok on resume: quarantined, redone
    part = tmp_path / "x" / "parts" / "000000.npz"
    _, good = st.read_part(part, runs)
    good.breakdown[1]["participation"][0] = np.nan
    stamp = {k: st.read_meta(part)[k] for k in ("design_hash", "code_id")}
    st.write_part(tmp_path / "x", 0, good, {"breakdown"}, stamp)
    _, again = run_batch(runs, dataclasses.replace(opts, resume=True), "test", {},
                         fn=nan_committee, keep=("breakdown",))
    assert (tmp_path / "x" / "parts" / "quarantine" / "000000.npz").exists()
    assert list(again["runs"].i) == [0]
    assert np.isfinite(pd.read_parquet(tmp_path / "x" / "committees.parquet").participation).all()


def test_a_part_edited_after_its_run_is_quarantined_and_redone(tmp_path, capsys):
    """A value edited in a stored part (its metadata kept) was taken in on resume and changed
    the tables (points.csv in a sweep)."""
    from juwei.engine import Options, Run, run_batch
    runs = [Run({"i": i}, {"nan": 0.3}, i) for i in range(3)]
    opts = Options(tmp_path / "x", executor="inprocess", progress=False)
    run_batch(runs, opts, "test", {}, fn=nan_committee, keep=("breakdown",))
    whole = pd.read_parquet(tmp_path / "x" / "runs.parquet")
    part = tmp_path / "x" / "parts" / "000001.npz"
    with np.load(part) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["summary"] = arrays["summary"] + 0.25            # finite, plausible, and wrong
    with open(part, "wb") as f:
        np.savez(f, **arrays)
    _, again = run_batch(runs, dataclasses.replace(opts, resume=True), "test", {},
                         fn=nan_committee, keep=("breakdown",))
    assert (tmp_path / "x" / "parts" / "quarantine" / "000001.npz").exists()
    assert "edited after the run" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "x" / "runs.parquet"), whole)


# --- 6. the app serves only its own sessions; 7. small ones -------------------------------------
@pytest.fixture
def app(monkeypatch, tmp_path):
    pytest.importorskip("solara")
    monkeypatch.setenv("JUWEI_SESSIONS", str(tmp_path / "sessions"))
    from juwei import app
    return app


def test_the_app_loads_sessions_by_name_from_its_own_folder_only(app, tmp_path):
    """The browser sent a path, and the server loaded whatever file it named."""
    (tmp_path / "elsewhere.toml").write_text('juwei_session = 1\nscenario = "separation"\n')
    path = app.save_session(sessions.dumps(sessions.Session(scenario="separation")))
    assert app._saved_sessions() == [path.name]              # names, not paths
    assert sessions.load(app.saved_session(path.name)).scenario == "separation"
    (path.parent / "link.toml").symlink_to(tmp_path / "elsewhere.toml")   # listed, outside
    for name in (str(path), str(tmp_path / "elsewhere.toml"), "../elsewhere.toml",
                 "/etc/passwd", path.name + "/..", "link.toml"):
        with pytest.raises(UserError, match="not a saved session"):
            app.saved_session(name)


def test_session_names_never_collide(app):
    """Names had a one-second resolution: two saves in a second overwrote each other."""
    names = {app.save_session(f"# {i}\n").name for i in range(20)}
    assert len(names) == 20 and len(app._saved_sessions()) == 20


def test_a_typed_session_name_is_data_made_a_safe_file_name(app):
    """A name typed on the page names the file, and is never a path: separators, dots in
    front, characters a file system refuses are dropped; a taken name gets -2; the listing
    is newest first."""
    first = app.save_session("# a\n", "第一组 讨论")
    assert first.name == "第一组_讨论.toml" and first.parent == app.sessions_folder()
    for typed in ("../../outside", "/etc/passwd", "..", 'a:b*c?"<>|\x00'):
        path = app.save_session("# b\n", typed)
        assert path.parent == app.sessions_folder() and "/" not in path.stem, typed
        assert path.name in app._saved_sessions()
    assert app.save_session("# c\n", "第一组 讨论").name == "第一组_讨论-2.toml"
    assert app._saved_sessions()[0] == "第一组_讨论-2.toml"
    assert not (app.sessions_folder().parent / "outside.toml").exists()
    assert app.save_session("# d\n", " ").name.startswith("session-")


def test_download_names_are_safe_and_keep_chinese(app):
    file_name = app.file_name
    assert file_name("对比", "分离", "2026-12-06", ext="csv") == "对比-分离-2026-12-06.csv"
    assert file_name("compare", "Separate the admin work", ext="html") == \
        "compare-Separate_the_admin_work.html"
    assert file_name("../a/b\\c", ext="toml") == "abc.toml" and file_name("", " ") == ""


def test_the_app_on_a_busy_port_says_so_before_printing_its_address(monkeypatch):
    pytest.importorskip("solara")
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("the server was started"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = cli.main(["app", "--port", str(port)])
    assert status == 2 and f"--port {port}: cannot listen" in err.getvalue()
    assert "http://" not in out.getvalue()


@pytest.fixture
def app_cli(monkeypatch):
    """`juwei app` as the command starts it, up to the server it would become: the
    environments it would start the server with (execve's), and a free port."""
    pytest.importorskip("solara")
    started = []
    monkeypatch.setattr(os, "execve", lambda *a: started.append(a[2]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return started, str(s.getsockname()[1])


def test_the_app_on_the_network_says_who_can_reach_it(app_cli, capsys):
    started, port = app_cli
    cli.main(["app", "--host", "0.0.0.0", "--port", port])
    out = capsys.readouterr().out
    token = started[0]["JUWEI_TOKEN"]
    assert "every machine that can reach this one" in out and len(token) >= 20
    assert f"http://0.0.0.0:{port}/?token={token}" in out
    cli.main(["app", "--port", port])
    assert "every machine" not in capsys.readouterr().out and "JUWEI_TOKEN" not in started[1]


def test_the_page_on_the_network_needs_its_token(app, monkeypatch):
    assert app.allowed(None) and app.allowed("token=x")        # no token made: loopback
    monkeypatch.setenv("JUWEI_TOKEN", "abc123")
    assert app.allowed("token=abc123") and app.allowed("lang=zh&token=abc123")
    for search in (None, "", "token=", "token=abc", "token=abc1234", "x=abc123"):
        assert not app.allowed(search)
    import solara
    from juwei.app import page          # where the workshop builds its county
    monkeypatch.setattr(page, "County", lambda *a: pytest.fail("the workshop was built"))
    _, rc = solara.render(app.Page(), handle_error=False)     # no ?token= in the address
    shown = " ".join(str(getattr(w, "children", "")) for w in rc.find().widgets)
    assert "needs its access token" in shown


def _page_text(rc) -> str:
    """What a rendered component shows: its texts and its HTML."""
    return " ".join(str(getattr(w, name, "")) for w in rc.find().widgets
                    for name in ("children", "label", "unsafe_innerHTML", "description"))


def _room(app, monkeypatch, tmp_path):
    """A page's State and comparison Run, as the workshop makes them, on an empty results
    store."""
    import threading

    import solara
    from juwei.app import compare
    monkeypatch.setenv("JUWEI_RESULTS", str(tmp_path / "results"))
    r = solara.reactive
    first = sessions.of_scenario(sc.load("separation"), scale=0.1)
    st = app.State(lang=r("en"), scenario=r(first.scenario), levers=r(dict(first.levers)),
                   scale=r(first.scale), seed=r(first.seed), county=r(None), week=r(0),
                   playing=r(False), notice=r(""), assumptions=r({}), presenter=r(False),
                   zoom=r(1.0))
    run = compare.Run(lock=threading.Lock(), running=r(False), progress=r((0, 0)),
                      message=r(""), shown=r(""), chosen=r(["baseline", "separation"]),
                      add_mine=r(False), scale=r(0.02), years=r(1), replicates=r(4))
    return st, run


def test_the_room_in_read_only_mode_saves_loads_and_runs_nothing_on_the_server(
        app, monkeypatch, tmp_path):
    """`juwei app --read-only` (issue 28): the server itself refuses to save, list, load or take
    a session and to start a comparison, and the page offers none of them; the downloads
    made from the page's own state stay."""
    import solara
    from juwei.app import compare, controls
    path = app.save_session(sessions.dumps(sessions.Session(scenario="separation")))
    st, run = _room(app, monkeypatch, tmp_path)
    _, rc = solara.render(controls.SessionPanel(st), handle_error=False)
    assert "Save the session on this computer" in _page_text(rc)     # the open page: all
    monkeypatch.setenv("JUWEI_READ_ONLY", "1")
    assert app._saved_sessions() == []
    upload = {"name": "up.toml", "file_obj": io.BytesIO(b'juwei_session = 1\n')}
    for refused in (lambda: app.save_session("# x\n"), lambda: app.saved_session(path.name),
                    lambda: app.uploaded(upload), compare.new_folder):
        with pytest.raises(UserError, match="read-only mode"):
            refused()
    assert upload["file_obj"].tell() == 0 and os.listdir(path.parent) == [path.name]
    _, rc = solara.render(controls.SessionPanel(st), handle_error=False)
    shown = _page_text(rc)
    assert "Read-only mode" in shown and "Download this session" in shown
    for gone in ("Save the session", "Load a saved session", "drop a session file"):
        assert gone not in shown
    _, rc = solara.render(compare.Compare(st, run), handle_error=False)
    shown = _page_text(rc)
    assert "new comparisons are not run" in shown and "Run the comparison" not in shown
    assert not (tmp_path / "results").exists()


def test_read_only_reads_the_settled_county_cache_but_writes_nothing(tmp_path):
    from juwei.model import Parameters
    from juwei.studies import common
    folder = tmp_path / "cache"
    made = common.settled(Parameters(), 912_345, None, folder, lambda *a: b"made", store=False)
    assert made == b"made" and not folder.exists()
    common.settled(Parameters(), 912_346, None, folder, lambda *a: b"kept")      # stored
    common._states.clear()
    assert common.settled(Parameters(), 912_346, None, folder, lambda *a: b"other",
                          store=False) == b"kept"
    files_before = sorted(folder.iterdir())
    common.settled(Parameters(), 912_347, None, folder, lambda *a: b"new", store=False)
    assert sorted(folder.iterdir()) == files_before


def test_the_app_says_it_is_read_only_and_offers_it_on_the_network(app_cli, capsys):
    started, port = app_cli
    cli.main(["app", "--host", "0.0.0.0", "--port", port])
    assert "add --read-only" in capsys.readouterr().out
    assert "JUWEI_READ_ONLY" not in started[0]
    cli.main(["app", "--host", "0.0.0.0", "--port", port, "--read-only"])
    out = capsys.readouterr().out
    assert started[1]["JUWEI_READ_ONLY"] == "1" and "read-only mode" in out
    assert "add --read-only" not in out


def test_a_full_disk_names_the_file_and_leaves_the_manifest_interrupted(tmp_path, monkeypatch):
    """A full disk ended with the manifest 'running' and the temporary file's name, or none."""
    from juwei.engine import Interrupted, Options, Run, run_batch
    from juwei.engine import store as st
    runs = [Run({"i": i}, {"nan": 0.3}, i) for i in range(4)]
    opts = Options(tmp_path / "x", executor="inprocess", progress=False)
    real, calls = np.savez, []

    def savez(f, **arrays):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, **arrays)
    monkeypatch.setattr(st.np, "savez", savez)
    with pytest.raises(Interrupted) as e:
        run_batch(runs, opts, "test", {}, fn=nan_committee, keep=("breakdown",))
    assert e.value.status == 74 and "\n" not in str(e.value)
    assert f"cannot write {tmp_path / 'x' / 'parts' / '000002.npz'} (No space left" in \
        str(e.value) and "2 of 4 runs are stored" in str(e.value)
    m = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert m["status"] == "interrupted" and "No space left" in m["interrupted_by"]
    assert not list((tmp_path / "x" / "parts").glob(".*.tmp"))
    monkeypatch.setattr(st.np, "savez", real)
    _, tables = run_batch(runs, dataclasses.replace(opts, resume=True), "test", {},
                          fn=nan_committee, keep=("breakdown",))
    assert len(tables["runs"]) == 4


def test_files_read_back_go_through_the_safe_reader(tmp_path, app, monkeypatch):
    """A manifest.json that is a FIFO blocked --resume, `juwei.engine.load` and the app's list
    of prepared comparisons forever."""
    from juwei.engine import store as st
    (tmp_path / "r" / "x").mkdir(parents=True)
    os.mkfifo(tmp_path / "r" / "x" / "manifest.json")
    monkeypatch.setenv("JUWEI_RESULTS", str(tmp_path / "r"))
    with at_most(10):
        assert st.Store(tmp_path / "r" / "x")._old_manifest() is None
        with pytest.raises(UserError, match="manifest.json: unreadable"):
            st.load(tmp_path / "r" / "x")
        assert app.prepared() == []


# --- 8. stops honoured while tables, figures and report are written -----------------------------
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stop_while_the_report_is_written_marks_the_manifest(tmp_path, sig):
    """A SIGTERM then killed the process with the manifest left at 'tables'; Ctrl-C left it
    so too."""
    from juwei.engine import Options, Run, run_batch
    signum = getattr(signal, sig)
    before = signal.getsignal(signum)
    runs = [Run({"i": i}, {"nan": 0.3}, i) for i in range(2)]
    opts = Options(tmp_path / "x", executor="inprocess", progress=False)
    store, _ = run_batch(runs, opts, "test", {}, fn=nan_committee, keep=("breakdown",),
                         finish=False)
    with pytest.raises(KeyboardInterrupt) as e:          # as in a study's plotting
        os.kill(os.getpid(), signum)
        for _ in range(100):
            __import__("time").sleep(0.01)
    assert getattr(e.value, "signum", signal.SIGINT) == signum
    m = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert m["status"] == "interrupted" and "report" in m["interrupted_by"]
    assert signal.getsignal(signum) is before and store.lock.fd is None
    store, _ = run_batch(runs, dataclasses.replace(opts, resume=True), "test", {},
                         fn=nan_committee, keep=("breakdown",), finish=False)
    store.finish()
    assert signal.getsignal(signum) is before
    assert json.loads((tmp_path / "x" / "manifest.json").read_text())["status"] == "complete"


def test_an_uploaded_session_is_read_from_its_bytes_within_the_limit(tmp_path):
    """A dropped file was written whole to a temporary file before its size was checked."""
    assert sessions.loads(b'juwei_session = 1\nscenario = "separation"\n', "up.toml"
                          ).scenario == "separation"
    with pytest.raises(UserError, match="up.toml: over 1,000,000 bytes"):
        sessions.loads(b"#" * (files.MAX_BYTES + 1), "up.toml")
    with pytest.raises(UserError, match="not a session file") as e:
        sessions.loads(SECRET.encode(), "up.toml")
    assert "s3cret" not in str(e.value)


# --- 8. big designs are made lazily ---------------------------------------------------------------
def test_a_big_grid_is_made_as_it_runs_not_before(tmp_path):
    """A grid allocated about 8 KB a run (one parameter set a point) before anything ran."""
    from juwei.engine.batch import varied_parameters
    from juwei.inputs.design import load_sweep
    from juwei.studies import sweep
    path = tmp_path / "big.toml"
    path.write_text('sampling = "grid"\nlevels = 200\nreplicates = 5\n[levers]\n'
                    'task_admission = [0.0, 0.9]\ncadre_pay = [200, 1500]\n')
    design = load_sweep(str(path))
    frame = sweep.points(design)
    tracemalloc.start()
    runs = sweep.runs(design, frame)
    made = runs[123_457]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(runs) == 200 * 200 * 5 and peak < 5_000_000, peak       # was about 360 MB
    p, r = divmod(123_457, 5)
    assert made.labels == {"point": p, "replicate": r}
    assert made.params == dataclasses.replace(
        design.base.params, task_admission=float(frame.task_admission[p]),
        cadre_pay=float(frame.cadre_pay[p]))
    assert varied_parameters(runs[:2000]) == ["task_admission", "cadre_pay"]


class FirstRuns:
    """A trivial run function that notes when (and at what traced memory) the first run
    started, and stops the batch as Ctrl-C does at its `stop`-th call."""
    identity = "tests.test_no_door.FirstRuns"

    def __init__(self, stop: int):
        self.stop, self.calls, self.first = stop, 0, None

    def __call__(self, params, seed):
        self.calls += 1
        if self.first is None:
            self.first = (time.perf_counter(), tracemalloc.get_traced_memory()[1])
        if self.calls == self.stop:
            raise KeyboardInterrupt
        return {"summary": {"y": params.task_admission + params.cadre_pay / 1000}}


def test_a_million_run_grid_starts_within_seconds_and_its_memory_stays_flat(tmp_path):
    """A 10^6-run grid made every run to hash the design (about 1 ms a run: 17 min before the
    first run) and listed every run left (36 MB), and a resume listed them again. Tested at
    10^6 runs with a trivial run function up to its first runs (running all 10^6 would store
    10^6 parts: minutes, not a test); the memory after the runs is bench_memory.py's."""
    from juwei.engine import Interrupted, Options, run_batch
    from juwei.inputs.design import load_sweep
    from juwei.studies import sweep
    path = tmp_path / "million.toml"
    path.write_text('sampling = "grid"\nlevels = 1000\nreplicates = 1\n[levers]\n'
                    'task_admission = [0.0, 0.9]\ncadre_pay = [200, 1500]\n')
    design = load_sweep(str(path))
    frame = sweep.points(design)                  # the points table (16 MB): the design's own
    opts = Options(tmp_path / "out", executor="inprocess", progress=False)
    for resume in (False, True):
        fn = FirstRuns(stop=4)
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            with at_most(60), pytest.raises(Interrupted):
                run_batch(sweep.runs(design, frame), dataclasses.replace(opts, resume=resume),
                          "sweep", design.as_dict(), fn=fn, keep=(), outputs=["y"])
        finally:
            tracemalloc.stop()
        started, peak = fn.first[0] - t0, fn.first[1]
        assert started < 10 and peak < 8_000_000, (resume, started, peak)
        print(f"resume={resume}: first run after {started:.1f} s, {peak / 1e6:.1f} MB traced")
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["total"] == 1_000_000 and m["status"] == "interrupted"
    assert len(list((tmp_path / "out" / "parts").glob("*.npz"))) == 6   # 3 + 3 more


def test_the_tables_are_made_a_chunk_at_a_time(tmp_path, monkeypatch):
    """Every part was read into memory at once, then every run's series table, then their
    concatenation: three copies of the series. Now the series go to their file a chunk at a
    time and are read back only when a study asks for them."""
    from juwei.engine import Options, Run, run_batch
    from juwei.engine import store as st
    monkeypatch.setattr(st, "CHUNK_RUNS", 10)
    steps = 1000

    def long_series(params, seed):
        return {"summary": {"y": float(seed)},
                "series": {name: np.full(steps, seed + k) for k, name in
                           enumerate(("a", "b", "c"))}}
    runs = [Run({"i": i}, None, i) for i in range(1000)]     # 24 MB of series in all
    opts = Options(tmp_path / "x", executor="inprocess", progress=False)
    tracemalloc.start()
    try:
        _, tables = run_batch(runs, opts, "test", {}, fn=long_series, keep=("series",))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, peak                          # was about 140 MB
    assert dict.__getitem__(tables, "series") == tmp_path / "x" / "series.parquet"
    series = tables["series"]
    assert len(series) == 1000 * steps and list(series.columns) == ["run", "i", "seed", "step",
                                                                     "a", "b", "c"]
    assert (series.groupby("run").a.first() == np.arange(1000)).all()
    assert series.run.is_monotonic_increasing                # in run order, chunk after chunk
    assert list(tables["runs"].y) == list(range(1000))
    assert st.by_index(Path("1000000.npz")) > st.by_index(Path("999999.npz"))


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_a_lazy_design_runs_as_an_eager_one(executor, monkeypatch):
    """A pool or a Dask cluster takes a design's runs a few at a time, in order, and loses
    none (Dask had every run submitted at once)."""
    from juwei.engine import execute, executors
    from juwei.engine.runner import LazyRuns, Run
    from . import engine_helpers as h
    monkeypatch.setattr(executors, "DASK_IN_FLIGHT", 3)
    made = []

    def make(i):
        made.append(i)
        return Run({"i": i}, {"a": i / 10, "b": 0.5}, i)
    runs = LazyRuns(30, make)
    seen = []
    outcomes = execute(runs, h.analytic, executor, 2, progress=False,
                       on_outcome=lambda i, o: seen.append((i, len(made))))
    assert all(m <= i + 1 + 3 * 4 for i, m in seen[:5]), seen       # made as they ran
    seen = [i for i, _ in seen]
    assert sorted(seen) == list(range(30)) and all(o.ok for o in outcomes)
    assert [o.run.labels["i"] for o in outcomes] == list(range(30))
    assert execute(runs, h.analytic, "inprocess", progress=False, keep_outcomes=False) == []


def test_a_full_disk_while_the_outputs_are_written_is_kept_as_an_interruption(tmp_path,
                                                                                monkeypatch):
    """The command said `error: ...` with exit 2 and left the manifest at 'tables'."""
    from juwei.studies import sweep
    design = tmp_path / "d.toml"
    design.write_text('sampling = "grid"\nlevels = 2\nreplicates = 1\nyears = 1\nscale = 0.01\n'
                      'outputs = ["trust"]\n[levers]\ncadre_pay = [300, 900]\n')
    out = tmp_path / "out"

    def full(path, frame):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    real = sweep.write_parquet
    monkeypatch.setattr(sweep, "write_parquet", full)
    status, err = cli_main("sweep", design, "--executor", "inprocess", "--out", out)
    assert status == 74 and err.count("\n") == 1, err
    assert f"cannot write {out / 'points.parquet'} (No space left" in err and "--resume" in err
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.setattr(sweep, "write_parquet", real)
    status, err = cli_main("sweep", design, "--executor", "inprocess", "--out", out, "--resume")
    assert status == 0, err
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_full_disk_during_a_calibration_is_kept_as_an_interruption(toy_runs, tmp_path,
                                                                      monkeypatch):
    from juwei.engine import Interrupted
    from juwei.studies import calibrate
    calibrate_into, _ = toy_runs

    def full(*a, **kw):
        try:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "c" / "f"))
        except OSError:
            raise UserError("--out: cannot write there (No space left on device)") from None
    real = calibrate.predictive_checks
    monkeypatch.setattr(calibrate, "predictive_checks", full)
    with pytest.raises(Interrupted) as e:
        calibrate_into(tmp_path / "c")
    assert e.value.status == 74 and "No space left" in str(e.value)
    m = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["generations_done"] == 2
    monkeypatch.setattr(calibrate, "predictive_checks", real)
    assert calibrate_into(tmp_path / "c", resume=True).manifest["status"] == "complete"


def test_a_sensitivity_design_is_made_as_it_runs():
    from juwei.engine.runner import LazyRuns
    from juwei.inputs.design import DUMMY, load_sensitivity
    from juwei.studies import sensitivity
    from juwei.studies.sensitivity.sampling import county_params
    d = load_sensitivity("morris_quick")
    X, runs = sensitivity.runs_of(d)
    assert isinstance(runs, LazyRuns) and len(runs) == len(X) * d.replicates
    p, r = divmod(777, d.replicates)
    row = dict(zip(d.factors.names, X[p].tolist()))
    assert runs[777].params == county_params(d)(row) and DUMMY in row
    assert runs[777].labels == {"point": p, "replicate": r}
