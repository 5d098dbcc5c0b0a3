"""`juwei search` (issue 26): the search finds a known Pareto front through juwei's engine, a
search interrupted mid-way resumes to the same Pareto set bit for bit without simulating the
stored runs again, the robustness measures say what they promise, bad designs are one line
(exit 2, nothing written), and a tiny search of the county itself finishes with its report."""

import json

import numpy as np
import pandas as pd
import pytest

import juwei
from juwei import cli
from juwei.engine import Interrupted, Options, UserError
from juwei.inputs.search import SearchDesign, own_search
from juwei.present import i18n
from juwei.studies import search

VARIABLES = 3
NOISE_SD = 0.01                 # replicate noise added to each objective
HV_SHARE = 0.85                 # of the true front's hypervolume, reference point (1.1, 1.1)


def zdt1_noisy(params, seed):
    """ZDT1 (Zitzler, Deb and Thiele 2000; its front f2 = 1 - sqrt(f1) at x1.. = 0) with
    normal noise per replicate seed, as a run function of one's own."""
    x = np.array([params[f"x{i}"] for i in range(VARIABLES)])
    f1 = x[0]
    g = 1 + 9 * x[1:].mean()
    noise = np.random.default_rng(seed).normal(0, NOISE_SD, 2)
    return {"summary": {"f1": f1 + noise[0], "f2": g * (1 - np.sqrt(f1 / g)) + noise[1]}}


class Stopping:
    """zdt1_noisy that raises KeyboardInterrupt (as Ctrl-C would) at its `stop_at`-th call,
    and counts its calls: what a resume simulates again."""
    identity = "tests.test_search.zdt1_noisy"

    def __init__(self, stop_at=None):
        self.stop_at, self.calls = stop_at, 0

    def __call__(self, params, seed):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return zdt1_noisy(params, seed)


def zdt_design(population=20, generations=30, **keys) -> SearchDesign:
    return own_search({f"x{i}": (0.0, 1.0) for i in range(VARIABLES)},
                      {"f1": "min", "f2": "min"}, population=population,
                      generations=generations, replicates=2, seed=1, **keys)


def opts(out, **kw) -> Options:
    return Options(out, executor="inprocess", progress=False, **kw)


def true_objectives(pareto: pd.DataFrame) -> np.ndarray:
    x = pareto[[f"x{i}" for i in range(VARIABLES)]].to_numpy()
    g = 1 + 9 * x[:, 1:].mean(axis=1)
    return np.c_[x[:, 0], g * (1 - np.sqrt(x[:, 0] / g))]


def test_the_search_recovers_the_known_front_of_zdt1_through_the_engine(tmp_path):
    from pymoo.indicators.hv import HV
    from pymoo.problems import get_problem
    r = search.run(zdt_design(), opts(tmp_path / "zdt"), fn=Stopping())
    hv = HV(ref_point=np.array([1.1, 1.1]))
    found = hv(true_objectives(r.pareto))          # the packages' noise-free objectives
    assert found >= HV_SHARE * hv(get_problem("zdt1").pareto_front())
    x = r.pareto[[f"x{i}" for i in range(1, VARIABLES)]].to_numpy()
    assert np.median(x.mean(axis=1)) < 0.02        # on the front: x1.. near 0
    assert r.hypervolume.hypervolume.is_monotonic_increasing
    assert r.converged is not None and r.converged < 30
    assert len(r.evaluations) == 20 * 30
    m = json.loads((tmp_path / "zdt" / "manifest.json").read_text())
    assert m["status"] == "complete" and m["kind"] == "search"
    assert "replicate seeds" in m["design"]["units"]


def test_an_interrupted_search_resumes_to_the_same_pareto_set_without_rerunning(tmp_path):
    design = zdt_design(population=8, generations=4)
    whole = search.run(design, opts(tmp_path / "whole"), fn=Stopping())
    stopping = Stopping(stop_at=40)                # in generation 3 (16 runs a generation)
    with pytest.raises(Interrupted) as stop:
        search.run(design, opts(tmp_path / "cut"), fn=stopping)
    assert stop.value.status == 130
    m = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["generations_done"] == 2
    again = Stopping()
    resumed = search.run(design, opts(tmp_path / "cut", resume=True), fn=again)
    pd.testing.assert_frame_equal(resumed.pareto, whole.pareto, check_exact=True)
    pd.testing.assert_frame_equal(resumed.evaluations, whole.evaluations, check_exact=True)
    runs = whole.evaluations.package.nunique() * 2
    assert again.calls == runs - (40 - 1)          # only the runs not stored before the stop


def test_the_robustness_measures():
    units = pd.DataFrame({"package": [1, 1, 2, 2], "unit": [0, 1, 0, 1],
                          "f1": [0.1, 0.5, 0.3, 0.2], "f2": [1.0, 1.0, 0.0, 0.0]}
                         ).set_index(["package", "unit"])
    mean = search.robust(units, zdt_design(robustness="mean"))
    assert mean.f1.tolist() == pytest.approx([0.3, 0.25])
    regret = search.robust(units, zdt_design(robustness="regret"))
    # unit 0: best f1 0.1, so package 2 is 0.2 short; unit 1: best 0.2, package 1 0.3 short
    assert regret.f1_regret.tolist() == pytest.approx([0.3, 0.2])
    sat = search.robust(units, zdt_design(robustness="satisficing",
                                          satisfice={"f1": 0.25, "f2": 0.5}))
    assert sat.f1_satisficing.tolist() == [0.5, 0.5] and sat.f2_satisficing.tolist() == [0, 1]


@pytest.mark.parametrize("text, words", [
    ("populaton = 8\n", "unknown key 'populaton'; did you mean 'population'?"),
    ('robustness = "mean"\n[objectives]\nextra_yuan = {}\nunmet_need = { satisfice = 0.3 }\n',
     "objectives.unmet_need.satisfice: read only with robustness = \"satisficing\""),
    ("[objectives]\nextra_yuan = {}\np_syndrom_absent = {}\n",
     "objectives.p_syndrom_absent: unknown objective"),
    ("[levers]\nblame_pressure = [0.1, 1.0]\n", "levers.blame_pressure: not a lever"),
    ('robustness = "satisficing"\n', "objectives.extra_yuan: robustness = \"satisficing\" needs"),
    ('robustness = "regrets"\n', "robustness: expected one of mean, satisficing, regret"),
    ("min_p_absent = 1.5\n", "min_p_absent: expected a probability"),
    # a switch belongs in the base scenario's file, and a lever it opens says so
    ("[levers]\ntownship_agent = { values = [0, 1] }\n",
     "levers.township_agent: a switch, not a lever to search: set township_agent = 1 in the "
     "base scenario's file"),
    ("[levers]\nclear_functions = [0.0, 1.0]\n",
     "levers.clear_functions: not read by this design's runs; to vary it, set township_agent=1 "
     "in the base scenario's file"),
])
def test_a_bad_design_is_one_line_naming_the_file_and_key(tmp_path, capsys, text, words):
    good = {"scenario": '"baseline"', "population": "4", "generations": "1"}
    lines = [f"{k} = {v}" for k, v in good.items() if not text.startswith(k)]
    body = "\n".join(lines) + "\n" + text
    if "[levers]" not in text:
        body += "[levers]\ntask_admission = [0.0, 0.9]\n"
    if "[objectives]" not in text:
        body += "[objectives]\nextra_yuan = {}\np_syndrome_absent = {}\n"
    path = tmp_path / "bad.toml"
    path.write_text(body)
    out = tmp_path / "out"
    assert cli.main(["search", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and words in err, err
    assert not out.exists()


def test_a_tiny_county_search_writes_its_pareto_set_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUWEI_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "tiny"
    s = juwei.search("search_packages", population=4, generations=1, replicates=2, years=1,
                     burn_in_years=1, scale=0.02, lang="zh", out=out, executor="inprocess",
                     progress=False)
    # under lang zh the terminal speaks Chinese: its progress and summary were English
    cli.print_search(s, "zh")
    said = capsys.readouterr()
    assert "第1代（共1代）：4个新组合" in said.err, said.err
    text = said.out.replace(str(out), "").replace("search_packages", "")   # paths, the name
    assert "帕累托集中" in text and i18n.words(text) <= {
        "csv", "evaluations", "html", "hypervolume", "pareto", "parquet", "report"}, text
    assert len(s.pareto) >= 1 and len(s.evaluations) == 4
    for name in ("pareto.parquet", "pareto.csv", "evaluations.parquet", "report.html",
                 "search-tradeoffs.png", "search-parallel.png", "search-hypervolume.png"):
        assert (out / name).is_file(), name
    assert set(s.pareto.columns) >= {"task_admission", "extra_yuan", "p_syndrome_absent",
                                     "unmet_need", "feasible"}
    page = (out / "report.html").read_text()
    assert "症状消除的概率 ≥ 90%" in page and "仅2个重复种子" in page
    assert "相同的随机种子上" in page           # no posterior draws named without an ensemble
    assert "县先在“现状（基线）”下" in page      # the base by its title, not its file name
    m = s.manifest
    assert m["design"]["warm_start"] == {"burn_in_years": 1, "under": "baseline",
                                         "then": "each package's levers switched on"}
    e = juwei.load(out)
    assert e.tables["pareto"].shape == s.pareto.shape


def test_dry_run_counts_the_runs_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["search", "search_packages", "--dry-run", "--years", "1",
                     "--scale", "0.02"]) == 0
    out = capsys.readouterr().out
    assert "at most 16 packages x 10 generations + the base, x 10 replicates" in out
    assert "1610 runs" in out
    assert list(tmp_path.iterdir()) == []


def test_a_county_search_starts_from_the_base_and_each_lever_alone():
    """The first generation holds the base's package and the single-lever corners, so the cheap
    ends of the front are tried from the start; the rest is seeded."""
    from juwei.inputs.search import load_search
    from juwei.studies.search import Codec, first_generation
    design = load_search("search_packages")
    codec = Codec(design)
    first = first_generation(design, codec)
    assert first.shape == (design.population, len(codec.names))
    base = first[0]
    assert codec.values(base)["cadre_pay"] == design.base.params.cadre_pay
    for j, row in enumerate(first[1:len(base) + 1]):
        moved = np.flatnonzero(row != base)
        assert moved.tolist() == [j]
        assert row[j] in (codec.lower[j], codec.upper[j])
    assert (first_generation(design, codec) == first).all()


def test_a_search_over_the_assumptions_runs_every_package_on_the_same_samples(tmp_path,
                                                                               monkeypatch):
    """assumptions = N: the units are the audit's samples of the assumed constants, each on its
    own seed, the same for every package; a design giving replicates too is refused."""
    monkeypatch.setenv("JUWEI_CACHE_DIR", str(tmp_path / "cache"))
    s = juwei.search("search_packages", population=4, generations=1, assumptions=3, years=1,
                     burn_in_years=1, scale=0.02, out=tmp_path / "a", executor="inprocess",
                     progress=False)
    units = pd.read_parquet(tmp_path / "a" / "units.parquet")
    assert set(units.groupby("package")["sample"].apply(tuple)) == {(0, 1, 2)}
    runs = pd.read_parquet(tmp_path / "a" / "generations" / "000" / "runs.parquet")
    assert runs.groupby("sample").skill_speed_base.nunique().eq(1).all()
    assert runs.skill_speed_base.nunique() == 3        # each sample its own assumed value
    assert "assumed constants" in s.manifest["design"]["units"]
    assert "3 samples of the assumed constants" in (tmp_path / "a" / "report.html").read_text()
    with pytest.raises(UserError, match="leave replicates out"):
        juwei.search("search_packages", assumptions=3, replicates=2, out=tmp_path / "b")


def test_a_package_that_spends_less_is_said_to_save():
    """The cheapest packages often save money: "每年新增-20.5万元" is said as a saving."""
    from juwei.present.search_page import yearly_money
    assert yearly_money(-205_000, "zh") == "每年节省20.5万元"
    assert yearly_money(205_000, "zh") == "每年新增20.5万元"
    assert yearly_money(-205_000, "en") == "saving 20.5 ten-thousand yuan a year"


def test_an_overridden_size_is_refused_naming_the_override_not_the_file(capsys):
    """`--population 2` was blamed on the shipped design file, and 0 got another minimum."""
    from juwei.engine import UserError
    for n in ("2", "0"):
        assert cli.main(["search", "search_packages", "--population", n, "--dry-run"]) == 2
        err = capsys.readouterr().err
        assert f"--population: expected at least 4, got {n}" in err and ".toml" not in err, err
    with pytest.raises(UserError, match=r"^population=2: expected at least 4, got 2$"):
        juwei.search("search_packages", population=2)
