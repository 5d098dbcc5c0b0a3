"""The command line end to end, as a user runs it (subprocess, real exit codes)."""

import json
import re

import pandas as pd
import pytest

from juwei.model import CANONICAL
from juwei.studies import validate

from .conftest import juwei



@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "baseline-run"
    r = juwei("run", "scenarios/baseline.toml", "--replicates", "2", "--scale", "0.02",
              "--years", "2", "--seed", "5", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, r


def test_run_writes_the_results_folder(run_dir):
    out, r = run_dir
    for name in ("manifest.json", "runs.parquet", "series.parquet", "committees.parquet",
                 "participation.png", "workload.png", "htc.png"):
        assert (out / name).stat().st_size > 0, name
    m = json.loads((out / "manifest.json").read_text())
    d = m["design"]
    assert d["scenario"] == "baseline" and d["root_seed"] == 5 and len(d["replicate_seeds"]) == 2
    assert d["parameters"]["scale"] == 0.02 and d["parameters"]["years"] == 2
    assert m["done"] == 2 and m["failed"] == 0 and m["status"] == "complete"
    assert m["summary"]["htc_index"]["n"] == 2
    assert m["code"]["packages"]["mesa"].startswith("3.")
    assert m["wall_seconds"] > 0
    series = pd.read_parquet(out / "series.parquet")
    assert len(series) == 2 * (2 + 1) * 52              # the year before the switch, then 2
    assert series.year.min() == -1 and series.year.max() < 2
    assert set(CANONICAL) <= set(series.columns)
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.seed) == d["replicate_seeds"]
    assert "syndrome" in r.stdout and "htc_index" in r.stdout


def test_json_summary_is_deterministic_across_executors(tmp_path):
    args = ["run", "baseline", "--replicates", "2", "--scale", "0.02", "--years", "1", "--json"]
    a = juwei(*args, "--out", str(tmp_path / "a"), "--executor", "inprocess")
    b = juwei(*args, "--out", str(tmp_path / "b"), "--executor", "processes", "--workers", "2")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    for name in CANONICAL:
        row = ja["indicators"][name]
        assert set(row) >= {"mean", "ci95_low", "ci95_high"}
        assert row["ci95_low"] <= row["mean"] <= row["ci95_high"]
    assert ja["indicators"] == jb["indicators"]


@pytest.mark.parametrize("args, message", [
    (["run", "no_such_scenario"], "no such scenario file"),
    (["run", "baseline", "--set", "cadre_py=900"], "did you mean 'cadre_pay'"),
    (["run", "baseline", "--set", "cadre_pay=9000"], "outside the range"),
    (["validate", "--set", "cadres_chose=1"], "did you mean 'cadres_choose'"),
    (["dock", "--set", "cadres_choose=2"], "cadres_choose: 2 is outside the range 0..1"),
    (["compare", "baseline", "separation", "--set", "cadres_choose"], "expected parameter=value"),
    (["run", "baseline", "--scale", "2"], "--scale: scale: 2.0 is outside the range"),
    (["run", "baseline", "--replicates", "0"], "expected at least 1"),
    (["run", "baseline", "--years", "many"], "invalid int value"),
    (["run", "baseline", "--seed", "-5"], "--seed: expected a whole number >= 0, got '-5'"),
    (["compare", "baseline", "separation", "--seed", "1.5"], "expected a whole number >= 0"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    r = (juwei(*args, "--out", str(tmp_path / "out")) if args[0] in ("run", "compare")
         else juwei(*args))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("juwei"), r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_no_plots_writes_and_lists_no_figures(tmp_path):
    out = tmp_path / "np"
    r = juwei("run", "baseline", "--replicates", "1", "--scale", "0.01", "--years", "1",
              "--no-plots", "--executor", "inprocess", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert not list(out.glob("*.png")) and ".png" not in r.stdout


def test_a_results_folder_given_as_a_design_says_what_to_give(tmp_path):
    folder = tmp_path / "done"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")
    r = juwei("calibrate", str(folder), "--resume")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "a results folder, not a design file" in r.stderr and "--out" in r.stderr


def test_bad_scenario_file_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "x.toml"\ntask_admision = 0.3\n')
    r = juwei("run", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and str(bad) in r.stderr and "task_admission" in r.stderr
    assert not (tmp_path / "out").exists()


def test_existing_output_folder_is_not_overwritten(run_dir):
    out, _ = run_dir
    r = juwei("run", "baseline", "--scale", "0.02", "--years", "1", "--out", str(out))
    assert r.returncode == 2 and "holds an experiment already" in r.stderr


def test_levers_lists_every_lever_with_its_range():
    r = juwei("levers", "--json")
    rows = json.loads(r.stdout)
    names = {row["name"] for row in rows}
    assert {"task_admission", "cadre_pay", "unit_sharing", "demonstration_sites"} <= names
    for row in rows:
        assert row["group"] in ("autonomy", "incentives", "resources")
        assert row["low"] <= row["baseline"] <= row["high"] and row["unit"] and row["meaning"]
    text = juwei("levers").stdout
    assert "政事分离" in text and "incentives" in text


def test_levers_in_chinese_name_the_file_keys_and_say_the_rest_in_chinese():
    """Officials read the levers in Chinese: every line keeps the key a scenario file sets, and
    its meaning, unit and group are the catalogue's Chinese, not the English."""
    from juwei.present.i18n import words
    r = juwei("levers", "--all", "--lang", "zh")
    assert r.returncode == 0
    lines = [l for l in r.stdout.splitlines() if l.startswith("  ")]
    assert len(lines) == len(json.loads(juwei("levers", "--all", "--json").stdout))
    for line in lines:
        key, rest = line.split(maxsplit=1)
        said = rest.split("  [")[0].split("（仅在")[0]
        assert not words(said) - {"ODD"}, line
    assert "职能部门" in r.stdout and "来源：[E] 文章" in r.stdout
    assert "clear_functions" in r.stdout and "（仅在township_agent=1时读取）" in r.stdout


def test_scenarios_lists_files_with_descriptions():
    r = juwei("scenarios")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0].startswith("baseline")
    assert "combined_reform" in r.stdout and "task_admission=0.5" in r.stdout


def test_validate_reports_each_pattern_over_replicates(tmp_path):
    """Each of the 11 patterns with its share of replicates, its interval, its label and what it
    rests on, and the breaker of each that is not an input; only those count, and the exit
    status says whether they all hold. The table has the same rows."""
    table = tmp_path / "patterns.csv"
    r = juwei("validate", "--scale", "0.1", "--replicates", "4", "--csv", table)
    lines = [l for l in r.stdout.splitlines() if l[:4].strip().rstrip(".").isdigit()]
    assert len(lines) == 11, r.stdout
    held = sum("holds (held in" in lines[k - 1] for k in range(1, 12) if validate.validates(k))
    assert f"{held} of 7 emergent or partly imposed patterns hold; 4 are inputs" in r.stdout
    assert r.returncode == (0 if held == 7 else 1), r.stdout
    assert "% of replicates" in r.stdout and "[" in r.stdout       # shares and intervals
    for d in validate.PATTERNS:
        assert f"{d.label}: {d.rests_on}" in r.stdout
        assert not d.breaker or f"breaker {validate.setting(d.breaker)} (" in r.stdout
    assert sum(l.strip().startswith("breaker ") for l in r.stdout.splitlines()) == 7
    spread = [l for l in r.stdout.splitlines() if "without the drawn spreads" in l]
    assert len(spread) == 4 and all(re.search(r"\[\d\.\d{3}, \d\.\d{3}\].*\d+% of it$", l)
                                    for l in spread), r.stdout
    rows = pd.read_csv(table)
    assert list(rows.label) == [d.label for d in validate.PATTERNS]
    assert rows.breaks.isna().all()          # the breakers ran only with --breakers


def test_validate_exits_1_when_a_pattern_fails(tmp_path):
    calm = tmp_path / "calm.toml"
    calm.write_text('description = "departments that do not escalate"\nblame_pressure = 0.0\n')
    r = juwei("validate", str(calm), "--scale", "0.05", "--replicates", "2")
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"10\. FAILS \(held in +0% of replicates\)", r.stdout)   # "FAILS in 0%"
    assert "of 7 emergent or partly imposed patterns hold" in r.stdout
    assert "7 of 7" not in r.stdout


def test_validate_breakers_run_each_breaker():
    """--breakers runs each breaker on the same seeds and says whether it breaks its pattern
    (the patterns' own tests are tests/test_patterns.py)."""
    r = juwei("validate", "--scale", "0.02", "--years", "1", "--replicates", "1",
              "--breakers", "--executor", "inprocess")
    assert r.returncode in (0, 1), r.stderr
    results = [l for l in r.stdout.splitlines() if l.strip().startswith("breaker ")]
    assert len(results) == 7 and all(": breaks (" in l or ": STILL HOLDS (" in l
                                      for l in results), r.stdout
    assert "breakers make their pattern fail" in r.stdout
    # one replicate: the committees' spread without intervals, not a crash after the runs
    spread = [l for l in r.stdout.splitlines() if "without the drawn spreads" in l]
    assert len(spread) == 4 and not any("[" in l for l in spread), r.stdout


def test_a_run_under_lang_zh_names_its_scenario_once(capsys):
    """`juwei run separation --lang zh` said 政事分离：政事分离：居委会可以拒绝..."""
    from pathlib import Path
    from types import SimpleNamespace
    from juwei import cli
    from juwei.inputs import scenario as sc
    for name in ("separation", "baseline"):
        s = sc.load(name)
        cli.print_summary(SimpleNamespace(scenario=s, replicates_ok=4, failed=0, wall_seconds=1.0,
                                          window="", summary={}, out=Path("out"), figures=[], townships=None),
                          "zh")
        head = capsys.readouterr().out.strip().splitlines()[0]
        assert head.count(s.title_zh) == 1 and head.endswith(s.description_zh[-10:]), head
    # the verdict with its three parts, as in English (the Chinese gave the word alone)
    row = {"mean": 0.7, "ci95_low": None, "ci95_high": None, "sd": 0, "n": 1}
    summary = {k: {**row, "mean": v} for k, v in
               {"htc_H": 0.71, "htc_T": 0.79, "htc_C": 0.83, "htc_index": 0.77}.items()}
    cli.print_summary(SimpleNamespace(scenario=s, replicates_ok=1, failed=0, wall_seconds=1.0,
                                      window="", summary=summary, out=Path("out"), figures=[],
                                      townships=None), "zh")
    assert "症状：存在（政府热 0.71，居干累 0.79，居民冷 0.83；" in capsys.readouterr().out


def test_dry_runs_under_lang_zh_speak_chinese(tmp_path):
    """`compare` and `sweep --dry-run --lang zh` said "12 runs; one run takes about ..."."""
    from juwei.present import i18n
    from .test_reports import SWEEP
    (tmp_path / "d.toml").write_text(SWEEP)
    for args in (["compare", "baseline", "separation", "--replicates", "2", "--scale", "0.01",
                  "--years", "1"], ["sweep", str(tmp_path / "d.toml")]):
        r = juwei(*args, "--dry-run", "--lang", "zh", "--executor", "inprocess")
        assert r.returncode == 0, r.stderr
        assert "共" in r.stdout and "次模拟" in r.stdout, r.stdout
        english = i18n.words(r.stdout)
        assert english == set(), (args[0], english, r.stdout)
    r = juwei("sweep", str(tmp_path / "d.toml"), "--dry-run", "--executor", "inprocess")
    assert "runs; one run takes about" in r.stdout            # English stays English


@pytest.mark.parametrize("args, kind", [
    (["run", "baseline", "--set", "cadre_py=3"], "名称不认识，是否想写“cadre_pay”？"),
    (["run", "baseline", "--set", "cadre_pay=99999"], "数值超出允许范围"),
    (["run", "baseline", "--set", "township_agent=0.5"], "数值的类型或格式不对"),
    (["compare", "baseline", "separaton"], "找不到文件或文件夹，是否想写“separation”？"),
    (["run", "baseline", "--replicates", "x"], "数值的类型或格式不对"),      # the parser's
])
def test_a_refused_input_under_lang_zh_says_its_kind_in_chinese(tmp_path, args, kind):
    """Errors were English under --lang zh: the kind of mistake comes first in Chinese; the
    message after it still names the file and the key, one line, status 2, nothing written."""
    r = juwei(*args, "--lang", "zh", "--out", str(tmp_path / "o"))
    line = r.stderr.strip()
    assert r.returncode == 2 and "\n" not in line and not (tmp_path / "o").exists()
    assert line.startswith(f"juwei: 错误（{kind}）：") and args[-1].split("=")[0] in line, line
    r = juwei(*args, "--out", str(tmp_path / "o"))             # English as it was
    assert r.returncode == 2 and r.stderr.startswith("juwei: error: ") and "错误" not in r.stderr


def test_a_refused_app_option_is_one_line_though_app_has_no_default_language():
    """`juwei app --port 70000` crashed in the error handler (its --lang has no default)."""
    r = juwei("app", "--port", "70000")
    assert r.returncode == 2 and r.stderr == "juwei: error: --port: expected 1-65535, got 70000\n"


def test_a_validation_resumes_and_refuses_another_set(tmp_path):
    """A stored validation continues with the same command (its design's identity holds no
    memory address), and is refused one with a parameter set otherwise."""
    small = ["--scale", "0.02", "--replicates", "2", "--years", "1", "--burn-in", "1",
             "--out", str(tmp_path / "v")]
    assert juwei("validate", *small).returncode in (0, 1)
    again = juwei("validate", *small, "--resume")
    assert again.returncode in (0, 1) and "constraints.csv" in again.stdout, again.stderr
    other = juwei("validate", *small, "--resume", "--set", "cadres_choose=1")
    assert other.returncode == 2 and "design" in other.stderr and "\n" not in other.stderr.strip()


def test_a_chinese_comparison_names_an_own_scenario_file_by_its_chinese_title(tmp_path):
    """Not by its file name: the terminal, like the report, reads the file's title_zh."""
    own = tmp_path / "my_reform.toml"
    own.write_text('description = "pay"\ntitle_zh = "提高待遇试点"\nextends = "baseline.toml"\n'
                   'cadre_pay = 900\n', encoding="utf-8")
    r = juwei("compare", "baseline", str(own), "--lang", "zh", "--replicates", "2", "--scale",
              "0.02", "--years", "1", "--burn-in", "0", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if "提高待遇试点" in line]
    assert rows and not any("my_reform" in line for line in r.stdout.splitlines())


def test_scenarios_list_in_chinese():
    """A facilitator's list: each file's Chinese title and description (they were English)."""
    from juwei.inputs.scenario import available
    from juwei.present import i18n
    r = juwei("scenarios", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    shipped = available()
    assert all(s.title_zh in r.stdout for s in shipped)
    codes = i18n.words(" ".join([s.name.replace("_", " ") for s in shipped]
                                + [k.replace("_", " ") for s in shipped for k in s.changes]))
    assert i18n.words(r.stdout) <= codes, i18n.words(r.stdout) - codes


@pytest.mark.parametrize("args, said", [
    (["run", "baseline", "--scael", "0.1"],
     "juwei run: unrecognized arguments: --scael 0.1; did you mean '--scale'? "
     "(see `juwei run --help`)"),
    (["run", "baseline", "--replicate", "2"],            # no abbreviation of --replicates
     "juwei run: unrecognized arguments: --replicate 2; did you mean '--replicates'?"),
    (["run", "baseline", "--set", "cadre_pay=600", "--set", "cadre_pay=700"],
     "--set cadre_pay: given twice"),
])
def test_an_option_the_command_does_not_know_is_named_by_the_command(tmp_path, args, said):
    """An unknown option pointed to `juwei --help`, an abbreviation was taken, a parameter
    set twice kept the last silently."""
    r = juwei(*args, "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and said in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "o").exists()

