"""Docking (ODD §12): the equivalence statistics, the `juwei dock` command, and the suite that
must tell a perturbed model from the unperturbed one."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from juwei.model import STEPS_PER_YEAR, Parameters
from juwei.model import reference as ref
from juwei.present.stats import equivalence
from juwei.studies import dock

# Docking in the tests warm-starts with one burn-in year: enough to go through the switch
# (ODD §7.1, §7.11), and the suite stays within its time (the reference is slow; dock.py).
BURN_IN = 1


def juwei(*args, timeout=1800):
    return subprocess.run([sys.executable, "-m", "juwei", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def test_tost_shows_equivalence_only_within_the_margin():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1.0, 0.1, 200), rng.normal(1.0, 0.1, 200)
    assert equivalence(a, b, 0.05) < 0.05             # same mean, margin 0.5 sd: shown
    assert equivalence(a + 0.2, b, 0.05) > 0.5         # 2 sd apart: not equivalent
    assert equivalence(a[:3], b[:3], 0.05) > 0.05      # too few to show it
    assert equivalence([1.0, 1.0], [1.0, 1.0], 0.01) == 0.0


def test_a_docking_of_the_base_alone_has_no_effects_to_dock_and_does_not_crash():
    """`juwei dock baseline` (levels only) crashed after all its runs: no remedy, no effects."""
    empty = pd.DataFrame({"arm": [], "scenario": [], "replicate": []})
    effects = dock.effects_table(empty, ["vectorised", "reference"], ["baseline"], 0.1)
    assert effects.empty and {"p_tost", "docks"} <= set(effects.columns)


def test_the_margin_is_the_largest_of_share_sd_and_floor():
    calm = np.array([10.0, 10.2, 9.8])
    assert dock.margin_of(calm, calm, 0.05) == (0.5, "5% of the mean")
    noisy = np.array([0.1, 0.3, 0.2])
    bound, by = dock.margin_of(noisy, noisy * 0 + 0.2, 0.05)      # pooled with a constant arm
    assert by == "2 sd" and bound == pytest.approx(2 * np.sqrt(0.01 / 2))
    flat = np.array([0.001, 0.001, 0.001])
    assert dock.margin_of(flat, flat, 0.2, 0.01) == (0.01, "floor")


@pytest.mark.parametrize("args, message", [
    (["--perturb", "trust_rat=1.5"], "did you mean 'trust_rate'"),
    (["--perturb", "trust_rate"], "PARAMETER=FACTOR"),
    (["--perturb", "trust_rate=-1"], "positive"),
    (["--margin", "2"], "at most 1"),
    (["baseline", "baseline"], "named twice"),
    (["--replicates", "5"], "at least 20"),
    (["--perturb", "trust_rate=1000"], "outside"),
    (["--perturb", "years=2"], "not a rule"),
    (["--against", "commit:no-such-commit"], "names no commit"),
    (["--against", "refrence"], "or commit:REV (another commit's model); did you mean "
                                "'reference'?"),
])
def test_bad_docking_options_are_one_line_with_exit_2(args, message):
    r = juwei("dock", *args, "--dry-run")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_vectorised_model_docks_with_itself_and_a_perturbation_is_caught(tmp_path):
    """The harness's size and power on the fast model alone: on other seeds the model docks
    with itself; with trust moving twice as fast in one arm it does not."""
    common = ["baseline", "separation", "--against", "vectorised", "--replicates", "30",
              "--scale", "0.02", "--years", "1", "--burn-in", BURN_IN]
    same = juwei("dock", *common, "--out", tmp_path / "same")
    assert same.returncode == 0, same.stdout + same.stderr
    levels = pd.read_csv(tmp_path / "same" / "docking.csv")
    assert levels.docks.all()
    perturbed = juwei("dock", *common, "--perturb", "trust_rate=2", "--out", tmp_path / "p")
    assert perturbed.returncode == 1, perturbed.stderr
    levels = pd.read_csv(tmp_path / "p" / "docking.csv").set_index(["scenario", "feature"])
    failing = set(levels[~levels.docks].index.get_level_values("feature"))
    assert failing and failing <= {"trust", "trust_early", "htc_C", "htc_index",
                                   "participation_rate", "awareness"}, failing
    html = (tmp_path / "p" / "report.html").read_text()
    assert "do not dock" in html and html.count("data:image/png;base64,") == len(
        levels.index.get_level_values("feature").unique())


def test_another_commits_model_gives_this_ones_runs(tmp_path):
    """The `commit:` arm runs another commit's model in a subprocess under that commit's code:
    HEAD's, where the model is HEAD's, gives this process's features bit for bit."""
    from juwei.engine import revision
    changed = subprocess.run(["git", "-C", str(revision.CHECKOUT), "status", "--porcelain",
                              "model"], capture_output=True, text=True).stdout
    if changed:
        pytest.skip("the working tree's model differs from HEAD's")
    path = revision.importable(revision.resolve("HEAD"), tmp_path)
    p = Parameters(scale=0.01, years=1, burn_in_years=1)
    theirs = dock.commit_run(path, p, 5, p)
    ours = dock.vectorised_run(p, 5, base=p)
    assert dock.features(theirs.series, theirs.summary, theirs.first_step) == dock.features(
        ours.series, ours.summary, ours.first_step)
    assert revision.importable(revision.resolve("HEAD"), tmp_path) == path     # made once


def test_a_commit_that_lacks_a_mechanism_set_here_refuses_to_run_without_it():
    """A parameter the other commit does not know is left out only at this code's default:
    set otherwise (cadres who choose, against a commit before them), its run would not be the
    one asked for."""
    import json
    p = dataclasses.asdict(Parameters(scale=0.01, years=1, burn_in_years=0))
    asked = {"params": {**p, "a_later_switch": 1}, "seed": 1, "base": None, "series": [],
             "summary": [], "defaults": {**p, "a_later_switch": 0}}
    out = subprocess.run([sys.executable, "-c", dock.COMMIT_RUN], input=json.dumps(asked),
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "that commit has no parameter a_later_switch (set to 1 here)" in out.stderr
    asked["params"]["a_later_switch"] = 0                      # at the default: left out
    out = subprocess.run([sys.executable, "-c", dock.COMMIT_RUN], input=json.dumps(asked),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_a_docking_against_a_commit_before_a_mechanism_set_here_is_refused_at_once():
    """Cadres who choose came after 9187878: docking them against it is refused before any
    run, with the flag and the parameter named."""
    from juwei.engine import UserError, revision
    try:
        revision.resolve("9187878")
    except UserError:
        pytest.skip("a shallow clone: the commit is not here")
    r = juwei("dock", "baseline", "--against", "commit:9187878", "--set", "cadres_choose=1",
              "--dry-run")
    assert r.returncode == 2, r.stderr
    assert "commit:9187878: that commit's model has no parameter cadres_choose" in r.stderr


def test_a_docking_against_a_commit_names_it_and_docks(tmp_path):
    """`--against commit:REV`: the second arm is that commit's model, on other seeds."""
    r = juwei("dock", "baseline", "--against", "commit:HEAD", "--replicates", "20",
              "--scale", "0.01", "--years", "1", "--burn-in", BURN_IN, "--out", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"Docking vectorised against commit [0-9a-f]{7}: 18 of 18 levels", r.stdout)
    assert pd.read_csv(tmp_path / "docking.csv").docks.all()


def _dock(tmp_path, name, *args):
    out = tmp_path / name
    r = juwei("dock", *args, "--scale", "0.02", "--years", "1", "--burn-in", BURN_IN,
              "--out", out)
    assert (out / "docking.csv").is_file(), r.stdout + r.stderr
    return r, pd.read_csv(out / "docking.csv"), pd.read_csv(out / "effects.csv")


def test_the_early_features_are_the_weeks_after_the_switch():
    series = {name: np.r_[np.zeros(STEPS_PER_YEAR), np.ones(2 * STEPS_PER_YEAR)]
              for name in dock.EARLY}
    summary = dict.fromkeys(dock.LEVELS, 1.0)
    warm = dock.features(series, summary, first_step=-STEPS_PER_YEAR)
    assert all(warm[f"{name}_early"] == 1.0 for name in dock.EARLY)
    cold = dock.features(series, summary)
    assert all(cold[f"{name}_early"] == 0.0 for name in dock.EARLY)


def test_the_reference_levers_are_the_odd_levers():
    """The reference takes the base's levers from ODD §8's "Levers" table (it may not read the
    fast model's code); the table is the schema's (tests/test_docs.py)."""
    odd = (Path(__file__).parents[1] / "docs" / "ODD.md").read_text()
    table = odd.split("Levers:\n", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"^\| `(\w+)` \|", table, re.M)) == set(ref.LEVERS)
    assert set(ref.YEARLY_LEVERS) <= set(ref.LEVERS)


def test_the_reference_warm_start():
    """ODD §7.1: the burn-in runs under the base's levers and the scenarios of one seed are
    identical up to the switch; a shared settled county gives the same run bit for bit; the
    scenario's levers act from the switch, a yearly one (unit sharing) at once; the series keep
    the burn-in's last year."""
    p = Parameters(scale=0.01, years=1, burn_in_years=1)
    settled = ref.dumps(ref.settle(p, seed=5))
    base = ref.run(p, 5, settled=ref.loads(settled))
    assert base.first_step == -STEPS_PER_YEAR
    assert len(base.series["htc_index"]) == 2 * STEPS_PER_YEAR
    again = ref.run(p, 5)                        # burn-in simulated, not shared
    assert all(np.array_equal(base.series[k], again.series[k]) for k in base.series)
    sharing = dataclasses.replace(p, unit_sharing=0.9, task_admission=0.6)
    remedy = ref.run(sharing, 5, settled=ref.loads(settled))
    before, after = slice(0, STEPS_PER_YEAR), slice(STEPS_PER_YEAR, None)
    for k in ("admin_share", "exhaustion", "trust", "units_open_share"):
        assert np.array_equal(base.series[k][before], remedy.series[k][before]), k
    assert remedy.series["units_open_share"][STEPS_PER_YEAR] > \
        base.series["units_open_share"][STEPS_PER_YEAR] + 0.2        # at the switch's year start
    assert remedy.series["admin_share"][after].mean() < base.series["admin_share"][after].mean()
    # a base with the remedy's levers changes the year before the switch
    on_base = ref.run(sharing, 5, base=sharing)
    assert on_base.series["units_open_share"][:STEPS_PER_YEAR].mean() > \
        base.series["units_open_share"][:STEPS_PER_YEAR].mean() + 0.2


def test_the_reference_docks_with_the_vectorised_model(tmp_path):
    """The fast subset: baseline and separation, 20 replicates of each implementation, warm
    started (one burn-in year under the baseline's levers, one year after the switch)."""
    r, levels, effects = _dock(tmp_path, "ref", "baseline", "separation", "--replicates", "20")
    assert r.returncode == 0, r.stdout + r.stderr
    assert levels.docks.all() and effects.docks.all()
    assert len(levels) == 2 * (len(dock.LEVELS) + len(dock.EARLY)) >= 2 * 10


@pytest.mark.slow
def test_the_full_docking_suite(tmp_path):
    """ODD §12: the baseline and three remedies, 20 replicates of each implementation, warm
    started (one burn-in year); every level and every remedy's paired effect docks."""
    r, levels, effects = _dock(tmp_path, "full", *dock.SCENARIOS, "--replicates", "20")
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(levels.scenario) == set(dock.SCENARIOS)
    assert levels.docks.all() and effects.docks.all()
