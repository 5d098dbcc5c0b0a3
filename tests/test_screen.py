"""The prior-predictive screen of a calibration design (studies/screen.py): it names a target the
constants cannot move and a constant no target moves, on a design where both are known; it
resumes to the same tables; bad arguments get one line."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import juwei
from juwei.inputs import calibration
from juwei.studies import screen

# participation_bias moves participation (pattern 2's mechanism); paid_service_jobs acts only
# with paid services, which the baseline does not run; the cadres' schooling is the hiring
# draw (pattern 8, an input), which no constant here touches
KNOWN = """description = "screen: known answers"
years = 2
burn_in_years = 1
scale = 0.02
seed = 3
[constants]
participation_bias = [-6.0, -2.0]
paid_service_jobs = [0.0, 0.5]
[targets]
participation_rate = { interval = [0.0, 0.15], scale = 0.02 }
high_school_share = { interval = [0.2, 0.5], scale = 0.05 }
[held_out]
cadre_turnover = { interval = [0.15, 0.25] }
"""


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen")
    design = folder / "known.toml"
    design.write_text(KNOWN)
    return design, juwei.screen(design, draws=12, out=folder / "out", progress=False)


def test_the_screen_names_the_target_that_cannot_move_and_the_constant_no_target_moves(known):
    _, s = known
    t = s.targets.set_index("figure")
    assert t.loc["participation_rate", "movable"]
    assert t.loc["participation_rate", "range_in_scales"] > 1
    assert not t.loc["high_school_share", "movable"]
    assert s.dropped == ["high_school_share"]
    c = s.constants.set_index("constant")
    assert c.loc["participation_bias", "moved_by"] == "participation_rate"
    assert c.loc["participation_bias", "rho"] > 0.5        # a higher bias, more residents come
    assert s.unmoved == ["paid_service_jobs"]
    # every draw ran on the same two seeds: the figures table has draws x replicates rows
    assert len(s.figures) == 12 * 2
    assert set(s.figures.replicate) == {0, 1}


def test_a_resumed_screen_reads_its_stored_runs_and_gives_the_same_tables(known):
    design, s = known
    again = juwei.screen(design, draws=12, out=s.out, resume=True, progress=False)
    pd.testing.assert_frame_equal(again.targets, s.targets)
    pd.testing.assert_frame_equal(again.constants, s.constants)
    assert pd.read_csv(s.out / "screen_targets.csv").figure.tolist() == list(s.targets.figure)


def test_the_prior_draws_are_a_latin_hypercube_over_each_prior():
    d = calibration.load("calibrate_patterns")
    draws = screen.prior_draws(d, 20)
    for p in d.priors:
        if p.name in ("rebound_weeks",):          # whole weeks: rounding blurs the strata
            continue
        u = p.scipy().cdf(draws[p.name].to_numpy(float))
        assert sorted(np.floor(u * 20).astype(int)) == list(range(20)), p.name
    assert screen.prior_draws(d, 20).equals(draws)           # seeded by the design


@pytest.mark.parametrize("flags, says", [(["--replicates", "1"], "--replicates 1: the screen "
                                          "needs at least 2"),
                                         (["--draws", "3"], "--draws 3: the screen needs at "
                                          "least 8")])
def test_a_screen_too_small_to_tell_is_refused_in_one_line(known, tmp_path, flags, says):
    design, _ = known
    r = subprocess.run([sys.executable, "-m", "juwei", "calibrate", str(design), "--screen",
                        *flags, "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "o").exists()
