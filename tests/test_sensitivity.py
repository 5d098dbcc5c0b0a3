"""Sensitivity analysis: known indices recovered through the public path; refusals; resume."""

import dataclasses
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as salib_morris

from juwei.model import LEVER_GROUPS, Parameters, levers
from juwei.engine import AnalysisRefused, Options
from juwei.inputs.design import DUMMY, Factors
from juwei.inputs.design import SensitivityDesign as Design
from juwei.studies import sensitivity as sa
from juwei.studies.sensitivity.analysis import _elementary_effects, analyse
from juwei.studies.sensitivity.sampling import sample

from . import engine_helpers as h
from .conftest import juwei, same_tables


def design(method, bounds, samples, replicates=2, groups=None, bootstrap=200):
    return Design(description="analytic", method=method, samples=samples, levels=4,
                  replicates=replicates, seed=11, outputs=["y"], spread=False,
                  bootstrap=bootstrap, factors=Factors.with_dummy(bounds, groups))


def as_dict(row):
    return {k: v for k, v in row.items() if k != DUMMY}


def test_morris_recovers_a_linear_function(tmp_path):
    # x4 is never read by the function: it must be flagged as noise, like the dummy
    d = design("morris", {"x1": (0, 1), "x2": (0, 1), "x3": (0, 1), "x4": (0, 1)}, samples=40)
    result = sa.run(d, Options(tmp_path / "m", executor="inprocess", progress=False),
                    fn=h.linear, make_params=as_dict).indices.outputs
    t = result["y"].table
    assert list(t.drop(index=DUMMY).sort_values("rank").index) == ["x1", "x2", "x3", "x4"]
    for name, true in (("x1", 4), ("x2", 2), ("x3", 1)):
        assert t.loc[name, "mu_star_low"] <= true <= t.loc[name, "mu_star_high"] + 0.15, name
        assert t.loc[name, "above_dummy"]
    assert not t.loc["x4", "above_dummy"] and not t.loc[DUMMY, "above_dummy"]
    # the dummy re-draws the noise: mean of 2 replicates of N(0, 0.3), difference over a step
    # of 2/3 -> |N(0, 0.45)|, mean 0.36
    assert 0.2 < t.loc[DUMMY, "mu_star"] < 0.55
    assert result["y"].rank_probs.loc["x1", 1] > 0.95
    assert 0 < result["y"].noise_share < 0.2
    assert result["y"].convergence.converged


def test_spread_across_replicates_is_analysed_too(tmp_path):
    d = dataclasses.replace(design("morris", {"x1": (0, 1), "x2": (0, 1), "x3": (0, 1)},
                                   samples=10),
                            spread=True)
    result = sa.run(d, Options(tmp_path / "sp", executor="inprocess", progress=False),
                          fn=h.linear, make_params=as_dict).indices.outputs
    assert set(result) == {"y", "y_sd"}
    # the noise sd does not depend on the levers: nothing clears the dummy for the spread
    assert not result["y_sd"].table.drop(index=DUMMY).above_dummy.any()
    assert result["y"].table.loc["x1", "above_dummy"]


def test_our_elementary_effects_match_salib():
    d = design("morris", {"a": (0, 2), "b": (-1, 1)}, samples=10)
    X = sample(d)
    y = X[:, 0] ** 2 + 3 * X[:, 1]
    ours = np.abs(_elementary_effects(X, y, 3, 4, d.factors)).mean(axis=1)
    theirs = salib_morris.analyze(d.factors.problem(), X, y, num_levels=4, seed=1)["mu_star"]
    assert np.allclose(ours, theirs)


def test_sobol_recovers_ishigami(tmp_path):
    pi = math.pi
    d = design("sobol", {"x1": (-pi, pi), "x2": (-pi, pi), "x3": (-pi, pi)}, samples=512,
               replicates=1)
    result = sa.run(d, Options(tmp_path / "s", executor="inprocess", progress=False),
                          fn=h.ishigami, make_params=as_dict).indices.outputs
    t = result["y"].table
    assert list(t.drop(index=DUMMY).sort_values("rank").index) == ["x1", "x2", "x3"]
    for name, st, s1 in (("x1", 0.558, 0.314), ("x2", 0.442, 0.442), ("x3", 0.244, 0.0)):
        assert t.loc[name, "ST_low"] - 0.02 <= st <= t.loc[name, "ST_high"] + 0.02, name
        assert t.loc[name, "S1_low"] - 0.02 <= s1 <= t.loc[name, "S1_high"] + 0.02, name
    assert t.loc[DUMMY, "ST"] < 0.02 and not t.loc[DUMMY, "above_dummy"]


def test_pawn_ranks_and_flags_the_dummy(tmp_path):
    d = design("pawn", {"x1": (0, 1), "x2": (0, 1), "x3": (0, 1)}, samples=256, bootstrap=60)
    result = sa.run(d, Options(tmp_path / "p", executor="inprocess", progress=False),
                          fn=h.linear, make_params=as_dict).indices.outputs
    t = result["y"].table
    assert t.drop(index=DUMMY).sort_values("rank").index[0] == "x1"
    assert t.loc["x1", "above_dummy"] and not t.loc[DUMMY, "above_dummy"]


def test_lever_groups_are_ranked_as_groups(tmp_path):
    groups = {"x1": "big", "x2": "small", "x3": "small"}
    d = design("morris", {"x1": (0, 1), "x2": (0, 1), "x3": (0, 1)}, samples=20, groups=groups)
    result = sa.run(d, Options(tmp_path / "g", executor="inprocess", progress=False),
                          fn=h.linear, make_params=as_dict).indices.outputs
    t = result["y"].table
    assert list(t.index) == ["big", "small", DUMMY]
    assert t.loc["big", "rank"] == 1


def test_failed_runs_are_never_analysed(tmp_path):
    d = design("morris", {"x1": (0, 1), "x2": (0, 1)}, samples=4)
    X = sample(d)
    runs = pd.DataFrame([{"run": i, "point": p, "replicate": r, "status": "ok", "error": None,
                          "y": 1.0} for i, (p, r) in enumerate(
                              (p, r) for p in range(len(X)) for r in range(2))])
    runs.loc[3, ["status", "error", "y"]] = ["failed", "ValueError: boom", np.nan]
    with pytest.raises(AnalysisRefused, match="1 failed .* run 3 .*boom.*--resume"):
        analyse(d, X, runs)
    with pytest.raises(AnalysisRefused, match="missing"):
        analyse(d, X, runs.drop(index=5))



TINY = ["--samples", "4", "--replicates", "2", "--scale", "0.01", "--years", "1"]


def test_morris_design_end_to_end_at_tiny_scale(tmp_path):
    out = tmp_path / "m"
    r = juwei("sensitivity", "morris_quick", *TINY, "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("indices.csv", "rank_probabilities.csv", "convergence.csv", "report.html",
                 "sa-indices.png", "sa-heatmap.png", "sa-ranks.png", "sa-convergence.png",
                 "runs.parquet", "manifest.json"):
        assert (out / name).exists(), name
    idx = pd.read_csv(out / "indices.csv")
    assert set(idx.output) >= {"participation_rate", "trust", "admin_share", "htc_index"}
    assert DUMMY in set(idx.factor) and "task_admission" in set(idx.factor)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "https://" not in html
    assert "distinguishable" in html and "converged" in html
    m = json.loads((out / "manifest.json").read_text())
    per_trajectory = len(levers(LEVER_GROUPS, Parameters())) + 2   # every lever read, the dummy, 1
    assert m["design"]["method"] == "morris" and m["design"]["points"] == 4 * per_trajectory


def test_interrupted_analysis_resumes_to_the_same_indices(tmp_path):
    from .test_engine import kill_when_parts
    killed, clean = tmp_path / "k", tmp_path / "c"
    cmd = [sys.executable, "-m", "juwei", "sensitivity", "morris_quick", *TINY,
           "--workers", "2"]
    kill_when_parts(cmd + ["--out", str(killed)], killed, at_least=30)
    assert not (killed / "indices.csv").exists()
    assert juwei("sensitivity", "morris_quick", *TINY, "--out", str(killed),
                 "--resume").returncode == 0
    assert juwei("sensitivity", "morris_quick", *TINY, "--out", str(clean)).returncode == 0
    same_tables(killed, clean, ("indices", "rank_probabilities", "convergence"))


def test_a_finished_difference_analysis_has_nothing_left_to_resume(tmp_path):
    """--resume --dry-run counts a remedy's-effect analysis by the function it ran with."""
    design = tmp_path / "d.toml"
    design.write_text('method = "morris"\nsamples = 2\nreplicates = 1\nyears = 1\n'
                      'scale = 0.01\noutputs = ["htc_index"]\ndifference = "separation"\n'
                      '[levers]\ntask_admission = [0.0, 0.9]\n')
    out = str(tmp_path / "sa")
    assert juwei("sensitivity", design, "--out", out, "--executor", "inprocess").returncode == 0
    r = juwei("sensitivity", design, "--out", out, "--resume", "--dry-run")
    assert r.returncode == 0 and "0 of 6 runs left" in r.stdout, r.stderr


@pytest.mark.slow
def test_sobol_design_on_dask_matches_local(tmp_path):
    args = ["sensitivity", "sobol_cluster", "--samples", "4", "--replicates", "1", "--scale",
            "0.01", "--years", "1"]
    a, b = tmp_path / "a", tmp_path / "b"
    assert juwei(*args, "--out", str(a)).returncode == 0
    r = juwei(*args, "--executor", "dask", "--workers", "2", "--out", str(b))
    assert r.returncode == 0, r.stderr
    same_tables(a, b, ("runs", "indices", "rank_probabilities", "convergence"))


@pytest.mark.parametrize("text, message", [
    ('method = "morish"', "did you mean 'morris'"),
    ('method = "sobol"\nsamples = 100', "needs a power of 2, got 100 (try 128)"),
    ('method = "pawn"\nsamples = 64\ngroups = true', "groups work with morris and sobol"),
    ('bootstrap = 5', "bootstrap: expected at least 50"),
    ('[levers]\ntask_admission = [0.0, 1.5]', "task_admission: 1.5 is outside the range"),
])
def test_bad_sensitivity_designs(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    r = juwei("sensitivity", str(path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and message in r.stderr and str(path) in r.stderr
    assert not (tmp_path / "o").exists()


def test_the_report_tells_uneven_effects_from_no_effect():
    """When no lever's interval clears the dummy's, the report says whether a lever's index is
    still far above the dummy's (uneven effects: more samples) or nothing moves the output."""
    from types import SimpleNamespace

    from juwei.present.sensitivity_page import paragraph
    from juwei.studies.sensitivity.analysis import Convergence, OutputIndices

    def words(lever_mu):
        table = pd.DataFrame({"mu_star": [lever_mu, 0.02], "mu_star_low": [-0.01, 0.0],
                              "mu_star_high": [lever_mu * 2, 0.04], "above_dummy": [False, False],
                              "rank": [1.0, np.nan], "p_rank": [0.6, np.nan]},
                             index=["task_admission", DUMMY])
        r = OutputIndices(table, pd.DataFrame(), None, None,
                          Convergence(10, 20, 0.95, True, True, None, {}))
        d = SimpleNamespace(main_index="mu_star", factors=SimpleNamespace(groups=False), base=None)
        return paragraph(d, "exhaustion", r)
    assert "uneven across the design" in words(0.18) and "nothing moves" not in words(0.18)
    assert "nothing moves it beyond noise" in words(0.021)
