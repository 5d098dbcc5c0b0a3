"""Fuzzing the inputs: scenario files, design files and command-line flags, each generated case
bad in at least one way. Every case must end with exit status 2, at most 3 lines on stderr, no
traceback, and nothing written. `juwei.cli.main` is called in-process (a subprocess per case
would take minutes). County and session files do not exist yet: they are not fuzzed.

Cases: 130 scenario files + 130 design files + 110 flag sets = 370 per run.
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
        if flags[0] == "--set":
            flags = ["--seed", "-1"]
    else:
        base = BASE
    with sandbox() as folder:
        out = [] if flags == ["--resume"] else ["--out", folder / "out"]
        check_refused([*base, *out, *flags], folder, set())
