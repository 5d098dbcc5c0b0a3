"""Fuzzing the inputs: scenario files, design files and command-line flags, each generated case
bad in at least one way. Every case must end with exit status 2, at most 3 lines on stderr, no
traceback, and nothing written. `juwei.cli.main` is called in-process (a subprocess per case
would take minutes). A file of another kind (a TOML file whose keys are not the kind's) must
be refused without quoting any of its keys or values, and a file that is not a regular file
(a FIFO, a device, a folder) at once, whatever kind of input it is given as.

Cases: 130 scenario files + 130 design files + 110 flag sets + 60 session files + 60 county
files + 60 foreign files + 16 special files + 60 session uploads through the app + 60
posteriors + 60 histories + 60 county paths = 806 per run.
"""

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juwei import cli
from juwei.model.params import FIELDS

SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
NUMERIC = sorted(FIELDS)
SMALL = ["--executor", "inprocess"]
ODD_TEXT = st.text(min_size=1, max_size=40)


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def toml_key(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@contextlib.contextmanager
def sandbox():
    """A fresh folder as the working directory (default results/ folders land there)."""
    folder = Path(tempfile.mkdtemp(prefix="juwei-fuzz-"))
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(old)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_batch(monkeypatch):
    """A generated case that is valid after all must fail at once, not run a study."""
    import juwei.engine.batch

    def refuse(*args, **kw):
        raise AssertionError("a valid input reached the engine: the generator is wrong")
    monkeypatch.setattr(juwei.engine.batch, "execute", refuse)


def check_refused(args, folder: Path, inputs: set[str]):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = cli.main([str(a) for a in args])
    text = err.getvalue()
    assert status == 2, (args, status, text[-500:], out.getvalue()[-300:])
    assert len(text.strip().splitlines()) <= 3, text[:1000]
    assert "Traceback" not in text, text
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*")} - inputs
    assert not written, (args, written)


# --- defects --------------------------------------------------------------------------------------
def deep(n: int) -> str:
    return "x = " + "[" * n + "]" * n + "\n"


known_value = st.sampled_from(NUMERIC).map(lambda k: f"{k} = {FIELDS[k].default!r}\n".replace(
    "True", "true").replace("False", "false"))
noise = st.lists(st.one_of(known_value, ODD_TEXT.map(lambda t: f"description = {toml_string(t)}\n")),
                 max_size=3)

scenario_defect = st.one_of(
    ODD_TEXT.filter(lambda k: k not in FIELDS and k not in ("description", "extends")).map(
        lambda k: f"{toml_key(k)} = 1\n"),                                # unknown key
    st.tuples(st.sampled_from(NUMERIC), st.one_of(
        ODD_TEXT.map(toml_string), st.just("[1, 2]"), st.just("{ a = 1 }"),
        st.just("1979-05-27"))).map(lambda kv: f"{kv[0]} = {kv[1]}\n"),  # wrong type
    st.tuples(st.sampled_from(NUMERIC), st.floats(1e9, 1e300), st.booleans()).map(
        lambda t: f"{t[0]} = {-t[1] if t[2] else t[1]}\n"),              # out of range
    st.tuples(st.sampled_from(NUMERIC), st.sampled_from(["inf", "-inf", "nan"])).map(
        lambda t: f"{t[0]} = {t[1]}\n"),
    st.integers(9, 5000).map(deep),                                       # nesting
    ODD_TEXT.map(lambda t: t + "\n= = not toml\n"),                       # not TOML
    st.just("description = 5\n"),
    ODD_TEXT.map(lambda t: f"extends = {toml_string('../' + t)}\n"),      # outside or missing
    ODD_TEXT.map(lambda t: f"extends = {toml_string(t + '.nope')}\n"),
    st.just("extends = \"/etc/passwd\"\n"),
    st.just("[section]\ncadre_pay = 900\n"),
)


def write(folder: Path, name: str, lines: list[str], defect, raw: bytes | None = None) -> Path:
    path = folder / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        text = "".join(lines)
        path.write_text(defect + text if defect.startswith("x = [") else text + defect,
                        encoding="utf-8")
    return path


raw_defect = st.one_of(st.none(), st.none(), st.none(),
                       st.binary(min_size=1, max_size=50).map(lambda b: b"\xff\xfe" + b),
                       st.just(b"description = '" + b"x" * 1_100_000 + b"'\n"))


@settings(max_examples=130, **SETTINGS)
@given(noise=noise, defect=scenario_defect, raw=raw_defect)
def test_bad_scenario_files_are_one_line_errors(noise, defect, raw):
    with sandbox() as folder:
        (folder / "in").mkdir()
        path = write(folder / "in", "s.toml", noise, defect, raw)
        inputs = {"in", "in/s.toml"}
        check_refused(["run", path, "--replicates", "1", "--scale", "0.01", "--years", "1",
                       "--no-plots", *SMALL, "--out", folder / "out"], folder, inputs)


GOOD_SWEEP = ['scenario = "baseline"\n', 'replicates = 1\n', 'years = 1\n', 'scale = 0.01\n']
design_defect = st.one_of(
    ODD_TEXT.filter(lambda k: k not in ("levers",)).map(lambda k: f"{toml_key(k + '_x')} = 1\n"),
    st.integers(1001, 10**12).map(lambda n: f"levels = {n}\n"),           # huge levels
    st.integers(-10**6, 1).map(lambda n: f"levels = {n}\n"),
    st.integers(2**20 + 1, 10**15).map(lambda n: f"samples = {n}\n"),
    st.integers(10**4 + 1, 10**12).map(lambda n: f"replicates = {n}\n"),
    st.integers(-10**6, 0).map(lambda n: f"replicates = {n}\n"),
    st.integers(-10**18, -1).map(lambda n: f"seed = {n}\n"),               # negative seed
    ODD_TEXT.map(lambda t: f"seed = {toml_string(t)}\n"),
    ODD_TEXT.filter(lambda t: t not in ("grid", "lhs", "sobol")).map(
        lambda t: f"sampling = {toml_string(t)}\n"),
    ODD_TEXT.map(lambda t: f"outputs = [{toml_string(t + '_x')}]\n"),
    st.just("outputs = []\n"),
    ODD_TEXT.map(lambda t: f"scenario = {toml_string(t + '_nope')}\n"),
    st.integers(9, 5000).map(deep),
    ODD_TEXT.map(lambda t: t + "\n= = not toml\n"),
    st.just("[levers]\n"),
    st.tuples(st.sampled_from(NUMERIC), st.floats(-1e300, 1e300, allow_nan=False)).map(
        lambda t: f"[levers]\n{t[0]} = [{abs(t[1]) + 1e9}, {abs(t[1]) + 2e9}]\n"),
    ODD_TEXT.map(lambda t: f"[levers]\n{toml_key(t + '_x')} = [0, 1]\n"),
    st.sampled_from(NUMERIC).map(lambda k: f"[levers]\n{k} = [1, 0]\n"),
    st.sampled_from(NUMERIC).map(lambda k: f"[levers]\n{k} = {{ values = [] }}\n"),
    st.sampled_from(NUMERIC).map(lambda k: f"[levers]\n{k} = \"wide\"\n"),
)
# grid x replicates beyond the limit: 7 levers of 1000 levels
HUGE_GRID = "sampling = \"grid\"\nlevels = 1000\n[levers]\n" + "".join(
    f"{k} = [{FIELDS[k].metadata['low']}, {FIELDS[k].metadata['high']}]\n"
    for k in NUMERIC if FIELDS[k].metadata["low"] < FIELDS[k].metadata["high"])


@settings(max_examples=130, **SETTINGS)
@given(command=st.sampled_from(["sweep", "sensitivity"]),
       defect=st.one_of(design_defect, st.just(HUGE_GRID)), raw=raw_defect,
       order=st.booleans())
def test_bad_design_files_are_one_line_errors(command, defect, raw, order):
    if command == "sensitivity":
        defect = defect.replace("sampling = \"grid\"\n", "method = \"morris\"\n").replace(
            "sampling =", "method =")
        if defect in ('method = "morris"\n', 'method = "sobol"\n', 'method = "pawn"\n',
                      "[levers]\n"):
            defect = "method = 5\n"        # valid for a sensitivity analysis: make it bad
        defect = defect.replace("levels = 1000\n", "samples = 1048576\n")   # too many runs
    with sandbox() as folder:
        (folder / "in").mkdir()
        lines = GOOD_SWEEP if order else GOOD_SWEEP[::-1]
        if "[levers]" not in defect and command == "sweep":
            defect = defect + "[levers]\ntask_admission = [0.0, 0.9]\n"
        path = write(folder / "in", "d.toml", lines, defect, raw)
        check_refused([command, path, *SMALL, "--out", folder / "out"], folder,
                      {"in", "in/d.toml"})


BASE = ["run", "baseline", "--replicates", "1", "--scale", "0.01", "--years", "1",
        "--no-plots", *SMALL]
not_a_number = ODD_TEXT.filter(lambda t: not t.strip().lstrip("+-").isdigit())
bad_flags = st.one_of(
    st.integers(-10**9, -1).map(lambda n: ["--seed", str(n)]),
    not_a_number.map(lambda t: ["--seed", t]),
    st.integers(-10**6, 0).map(lambda n: ["--workers", str(n)]),
    not_a_number.map(lambda t: ["--workers", t]),
    st.integers(-10**6, 0).map(lambda n: ["--replicates", str(n)]),
    st.integers(2_000_001, 10**15).map(lambda n: ["--replicates", str(n)]),
    st.sampled_from(["0", "-1", "31", "99999999999999999999", "x", "1.5"]).map(
        lambda t: ["--years", t]),
    st.one_of(st.floats(1.0001, 1e300), st.floats(-1e300, 0.0009),
              st.sampled_from([float("nan"), float("inf")])).map(lambda f: ["--scale", str(f)]),
    ODD_TEXT.filter(lambda t: "=" not in t).map(lambda t: ["--set", t]),
    ODD_TEXT.filter(lambda t: t.strip() not in FIELDS).map(lambda t: ["--set", f"{t}_x=1"]),
    st.sampled_from(NUMERIC).map(lambda k: ["--set", f"{k}=\"text\""]),
    st.sampled_from(NUMERIC).map(lambda k: ["--set", f"{k}=1e308"]),
    ODD_TEXT.filter(lambda t: t not in ("processes", "inprocess", "dask")).map(
        lambda t: ["--executor", t]),
    ODD_TEXT.map(lambda t: ["--scheduler", t]),
    st.just(["--resume"]),
    st.just(["--allow-code-change"]),
    st.from_regex(r"--[a-z]{3,12}", fullmatch=True).filter(
        lambda f: f not in {"--seed", "--workers", "--replicates", "--years", "--scale", "--set",
                            "--executor", "--scheduler", "--resume", "--out", "--json",
                            "--dry-run", "--no-plots", "--help", "--overwrite"}).map(
                                lambda f: [f]),
)


@settings(max_examples=110, **SETTINGS)
@given(command=st.sampled_from(["run", "sweep", "compare"]), flags=bad_flags)
def test_bad_flags_are_one_line_errors(command, flags):
    if command == "sweep":
        base = ["sweep", "quick", *SMALL]
        flags = {"--seed": ["--scheduler", "tcp://"], "--set": ["--workers", "0"]}.get(
            flags[0], flags)
        if flags[0] in ("--replicates", "--years", "--scale"):
            flags = ["--workers", "-1"]
    elif command == "compare":
        base = ["compare", "baseline", "separation", "--replicates", "2", "--scale", "0.01",
                "--years", "1", *SMALL]
    else:
        base = BASE
    with sandbox() as folder:
        out = [] if flags == ["--resume"] else ["--out", folder / "out"]
        check_refused([*base, *out, *flags], folder, set())


# --- sessions, counties, foreign files, special files ---------------------------------------------
@pytest.fixture
def no_server(monkeypatch):
    """A generated session that is valid after all must not start the app's server."""
    def refuse(*args):
        raise AssertionError("a valid session started the server: the generator is wrong")
    monkeypatch.setattr(os, "execve", refuse)


session_defect = st.one_of(
    st.sampled_from(["juwei_session = 2\n", "language = \"fr\"\n", "seed = 0\n",
                     "seed = 101\n", "scale = 0.0\n", "scale = 2\n", "scale = nan\n",
                     "scenario = \"nope\"\n", "levers = 3\n", "[levers]\ncadre_pay = -1\n",
                     "[levers]\nblame_pressure = 1.0\n", "langauge = \"en\"\n"]),
    ODD_TEXT.map(lambda t: f"scenario = {toml_string(t + '_nope')}\n"),
    st.sampled_from(sorted(FIELDS)).map(lambda k: f"[levers]\n{k} = \"text\"\n"),
    st.integers(9, 5000).map(deep),
    ODD_TEXT.map(lambda t: t + "\n= = not toml\n"),
)


@settings(max_examples=60, **SETTINGS)
@given(defect=session_defect, raw=raw_defect)
def test_bad_session_files_are_one_line_errors(defect, raw, no_server):
    with sandbox() as folder:
        (folder / "in").mkdir()
        path = write(folder / "in", "s.toml", ["juwei_session = 1\n"], defect, raw)
        check_refused(["app", "--session", path, "--port", "1"], folder, {"in", "in/s.toml"})


SMALL_TOWN = (Path(__file__).resolve().parent.parent / "counties" / "small_town.toml").read_text(
    "utf-8")
county_defect = st.one_of(
    st.sampled_from([("seat = \"Qingshui\"", "seat = \"Nowhere\""),
                     ("residents = 6000,", "residents = -6000,"),
                     ("residents = 6000,", "residents = 1,"),
                     ("seats = 5,", "seats = 10,"), ("office = \"owned\"", "office = \"both\""),
                     ("residents_per_group = 800", "residents_per_group = \"many\""),
                     ("cadres_over_45_share = 0.6", "cadres_over_45_share = 1.5"),
                     ("name = \"health\"", "name = \"civil affairs\"")]),
    ODD_TEXT.map(lambda t: ("seat = \"Qingshui\"", f"seat = \"Qingshui\"\n{toml_key(t + '_x')} = 1")),
    st.integers(9, 5000).map(lambda n: ("seat = \"Qingshui\"", "seat = \"Qingshui\"\n"
                                        + deep(n).strip())),
)


@settings(max_examples=60, **SETTINGS)
@given(defect=county_defect, raw=raw_defect, use=st.sampled_from(["counties", "run"]))
def test_bad_county_files_are_one_line_errors(defect, raw, use):
    old, new = defect
    with sandbox() as folder:
        (folder / "in").mkdir()
        path = folder / "in" / "c.toml"
        if raw is not None:
            path.write_bytes(raw)
        else:
            path.write_text(SMALL_TOWN.replace(old, new, 1), "utf-8")
        args = (["counties", path] if use == "counties" else
                [*BASE, "--county", path, "--out", folder / "out"])
        check_refused(args, folder, {"in", "in/c.toml"})


SECRET_WORD = st.from_regex(r"[a-z]{12,20}", fullmatch=True)


@settings(max_examples=60, **SETTINGS)
@given(kind=st.sampled_from(["run", "sweep", "sensitivity", "calibrate", "counties", "app"]),
       key=SECRET_WORD, value=SECRET_WORD, table=st.booleans())
def test_a_file_of_another_kind_is_refused_without_quoting_it(kind, key, value, table,
                                                              no_server):
    text = (f"[{key}]\nsecret = \"{value}\"\n" if table else f"{key} = \"{value}\"\n")
    with sandbox() as folder:
        (folder / "in").mkdir()
        path = folder / "in" / "f.toml"
        path.write_text(text, "utf-8")
        args = {"run": ["run", path, *BASE[2:]], "app": ["app", "--session", path, "--port", "1"],
                "counties": ["counties", path]}.get(kind, [kind, path, *SMALL])
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main([str(a) for a in [*args, "--out", folder / "out"]]
                              if kind not in ("counties", "app") else [str(a) for a in args])
        assert status == 2, err.getvalue()
        assert key not in err.getvalue() and value not in err.getvalue(), err.getvalue()


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder", "/dev/null"])
@pytest.mark.parametrize("kind", ["run", "sweep", "app", "counties"])
def test_special_files_are_refused_at_once(kind, special, no_server):
    with sandbox() as folder:
        path = {"fifo": folder / "fifo", "folder": folder / "dir"}.get(special, Path(special))
        inputs = set()
        if special == "fifo":
            os.mkfifo(path)
            inputs = {"fifo"}
        elif special == "folder":
            path.mkdir()
            inputs = {"dir"}
        args = {"run": ["run", path, *BASE[2:], "--out", folder / "out"],
                "sweep": ["sweep", path, *SMALL, "--out", folder / "out"],
                "app": ["app", "--session", path, "--port", "1"],
                "counties": ["counties", path]}[kind]
        check_refused(args, folder, inputs)


# --- uploads through the app, posteriors, histories, county paths (issue 28) ----------------------
class Upload(io.BytesIO):
    """A dropped file as the app's drop zone hands it over; counts what is read of it."""

    def read(self, size=-1):
        data = super().read(size)
        self.taken = getattr(self, "taken", 0) + len(data)
        return data


@settings(max_examples=60, **SETTINGS)
@given(defect=session_defect, raw=raw_defect, padding=st.sampled_from([0, 0, 3_000_000]))
def test_bad_session_uploads_are_one_line_errors(defect, raw, padding):
    """A session dropped on the page goes through the reader a file does: one line, and never
    more than the limit + 1 byte taken from the browser."""
    pytest.importorskip("solara")
    from juwei import app
    from juwei.engine import UserError
    from juwei.inputs import files
    from juwei.inputs import session as sessions
    data = raw if raw is not None else ("juwei_session = 1\n" + defect).encode()
    data += b"#" * padding
    upload = Upload(data)
    with pytest.raises(UserError) as e:
        sessions.loads(app.uploaded({"name": "up.toml", "file_obj": upload}), "up.toml")
    assert "\n" not in str(e.value) and "Traceback" not in str(e.value)
    assert upload.taken <= files.MAX_BYTES + 1


def posterior_case(draw):
    """A calibration's posterior with at least one defect."""
    n = draw(st.integers(0, 5))
    frame = {"particle": list(range(n)),
             "weight": draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n)),
             "blame_pressure": draw(st.lists(st.floats(0.1, 1.9), min_size=n, max_size=n))}
    bad = draw(st.sampled_from(["empty", "weight", "constant", "missing", "zero", "bytes"]))
    if bad == "bytes":
        return draw(st.binary(max_size=200))
    if bad == "missing":
        frame.pop(draw(st.sampled_from(sorted(frame))))
        n = max(n, 0)
    elif bad == "zero":
        frame["weight"] = [0.0] * n
    elif bad in ("weight", "constant") and n:
        column = "weight" if bad == "weight" else "blame_pressure"
        values = ([float("nan"), float("inf"), -float("inf"), -0.5, -1e300] if bad == "weight"
                  else [float("nan"), float("inf"), -3.0, 2.5, 1e300])
        frame[column][draw(st.integers(0, n - 1))] = draw(st.sampled_from(values))
    else:
        frame = {k: [] for k in frame}
    return frame


@settings(max_examples=60, **SETTINGS)
@given(case=st.composite(posterior_case)())
def test_bad_posteriors_are_one_line_errors(case):
    import pandas as pd
    with sandbox() as folder:
        cal = folder / "in"
        cal.mkdir()
        (cal / "manifest.json").write_text(json.dumps({
            "kind": "calibrate", "status": "complete",
            "design": {"priors": [{"name": "blame_pressure"}], "county_sha256": "",
                       "scale": 0.1, "years": 5}}))
        if isinstance(case, bytes):
            (cal / "posterior.parquet").write_bytes(case)
        else:
            pd.DataFrame(case).to_parquet(cal / "posterior.parquet")
        check_refused(["compare", "baseline", "separation", "--ensemble", cal, "--dry-run"],
                      folder, {"in", "in/manifest.json", "in/posterior.parquet"})


def history_case(draw):
    """A history.db that is not this calibration's: bytes, or SQLite with a stamp of its own."""
    kind = draw(st.sampled_from(["bytes", "stamp", "stamp", "tables"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    keys = draw(st.lists(st.sampled_from(["design_hash", "seed", "code_id", "other"]),
                         min_size=0 if kind == "tables" else 1, max_size=4, unique=True))
    return [(k, draw(ODD_TEXT)) for k in keys], draw(st.booleans())


@settings(max_examples=60, **SETTINGS)
@given(case=st.composite(history_case)())
def test_foreign_or_broken_histories_are_refused_or_quarantined(case):
    """Whatever history.db a resume finds: refused in one line (another calibration's), or
    moved to quarantine/ (never deleted) and started over; never a traceback."""
    import sqlite3

    from juwei.engine import UserError
    from juwei.studies import calibrate
    identity = {"design_hash": "d" * 16, "seed": "1", "code_id": "c" * 16}
    with sandbox() as folder:
        path = folder / "history.db"
        if isinstance(case, bytes):
            path.write_bytes(case)
        else:
            stamp, generations = case
            with contextlib.closing(sqlite3.connect(path)) as con, con:
                con.execute("CREATE TABLE juwei_identity (key TEXT PRIMARY KEY, value TEXT)")
                con.executemany("INSERT INTO juwei_identity VALUES (?, ?)", stamp)
                con.execute("CREATE TABLE populations (t INTEGER)")
                if generations:
                    con.execute("INSERT INTO populations VALUES (0)")
        before = path.read_bytes()
        try:
            resumed = calibrate.resumable(path, identity, False)
        except UserError as e:
            assert "\n" not in str(e) and "belongs to another calibration" in str(e), str(e)
            assert path.read_bytes() == before                     # left as it was
            return
        assert resumed is False
        kept = list((folder / "quarantine").glob("history-*.db"))
        assert len(kept) == 1 and kept[0].read_bytes() == before


county_path = st.one_of(
    ODD_TEXT.map(lambda t: "../" + t),
    ODD_TEXT.map(lambda t: "/" + t.lstrip("/")),
    st.sampled_from(["/etc/passwd", "/dev/zero", "../../../../etc/hostname", "..", "/",
                     "~/.ssh/config", "nul", "small_town/../../x"]),
    ODD_TEXT.map(lambda t: t + ".toml"),
)


@settings(max_examples=60, **SETTINGS)
@given(where=county_path)
def test_a_scenarios_county_outside_its_folder_is_one_line(where):
    with sandbox() as folder:
        (folder / "in").mkdir()
        (folder / "secret.toml").write_text('api_token = "s3cret"\n')
        path = folder / "in" / "s.toml"
        path.write_text(f"extends = \"baseline\"\ncounty = {toml_string(where)}\n", "utf-8")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(["run", str(path), *BASE[2:], "--out", str(folder / "out")])
        text = err.getvalue()
        assert status == 2 and len(text.strip().splitlines()) <= 3, (where, status, text)
        assert "Traceback" not in text and "s3cret" not in text and "api_token" not in text
        assert not (folder / "out").exists()
