"""Calibration through Gaussian-process emulators (studies/emulate.py): the kernel's posterior
for a noisy toy, its closed-form likelihood against Monte Carlo, the same posterior whatever the
executor and after an interruption, honest intervals over known truths (ODD §9)."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from juwei.engine import AnalysisRefused, Options
from juwei.inputs.calibration import Prior, Target
from juwei.studies import emulate, fit

from .test_calibrate import TINY, juwei, toy_design


class Noisier:
    """y = a + the model's own noise, sd 0.1, drawn from the globals each run seeds; z = 2a,
    for a held-out check."""

    def __call__(self, values):
        return {"y": float(values["a"]) + 0.1 * np.random.normal(), "z": 2 * float(values["a"])}


def _mean_sd(posterior):
    w = posterior.weight.to_numpy() / posterior.weight.sum()
    mean = float(w @ posterior.a)
    return mean, float(np.sqrt(w @ (posterior.a - mean) ** 2))


def test_the_emulator_gives_the_posterior_under_both_the_error_and_the_models_noise(tmp_path):
    """y = 1.3 measured with sd 0.05, the model's noise sd 0.1: the posterior of a (flat prior)
    is normal(1.3, sqrt(0.05^2 + 0.1^2) = 0.112); an emulator that ignored the noise would give
    sd 0.05."""
    d = replace(toy_design(tmp_path), population=40, generations=4, inference="emulator",
                targets=[Target("y", 1.2, 1.4, 1.0, 0.05, "", False, 1.3),
                         Target("z", 2.0, 3.2, 0.0, 0.1, "", True)])
    c = fit.run(d, Options(tmp_path / "e", executor="inprocess", progress=False),
                      model=Noisier())
    mean, sd = _mean_sd(c.posterior)
    assert abs(mean - 1.3) < 0.04 and 0.09 < sd < 0.135, (mean, sd)
    assert c.generations.ess.iloc[-1] >= 200
    checks = pd.read_csv(tmp_path / "e" / "emulator_checks.csv")
    assert len(checks) == len(c.generations) - 1 and (checks.inside >= 0.7).all(), checks
    # the held-out figure, never emulated, comes from the fresh-seed predictive checks
    assert len(c.predictive) == d.predictive and c.predictive["failed"].isna().all()
    drawn = c.posterior.set_index("particle").loc[c.predictive.particle, "a"].to_numpy()
    assert "z" not in c.posterior and np.allclose(c.predictive.z, 2 * drawn)
    assert "emulator" in (tmp_path / "e" / "report.html").read_text()


@pytest.mark.parametrize("mu,sd", [(0.5, 0.1), (0.95, 0.2), (1.6, 0.05), (-0.3, 0.3)])
def test_the_likelihood_of_a_bound_is_its_kernel_averaged_over_the_noise(tmp_path, mu, sd):
    """log E_x[exp(-gap(x)^2 / 2)], x ~ normal(mu, sd), against Monte Carlo: a bound [0, 1] of
    scale 0.2 and weight 2 (so a gap of s = 0.2 / sqrt(2) weighs 1), and a measurement."""
    d = replace(toy_design(tmp_path), targets=[Target("y", 0.0, 1.0, 2.0, 0.2, "", False),
                                               Target("z", 0.5, 1.5, 1.0, 0.25, "", False, 1.0)])
    x = np.random.default_rng(1).normal(mu, sd, 2_000_000)
    for k, t in enumerate(d.targets):
        gap = np.array([t.gap(v) for v in x[:200_000]])
        mc = np.log(np.mean(np.exp(-0.5 * t.weight * gap ** 2)))
        means, sds = np.full((1, 2), mu), np.full((1, 2), sd)
        alone = replace(d, targets=[t])
        got = emulate.log_likelihood(alone, means[:, [k]], sds[:, [k]])[0]
        assert got == pytest.approx(mc, abs=0.02), (t.figure, got, mc)


def test_an_emulated_calibration_of_the_county_does_not_depend_on_the_executor(tmp_path):
    """Each run's own seed, the processes fitted in the main process: the same posterior, bit
    for bit, in one process and in a pool of two; and after a resume from wave 0."""
    design = tmp_path / "e.toml"
    design.write_text(TINY.replace("seed = 3", 'seed = 3\ninference = "emulator"')
                      .replace("population = 8", "population = 12")
                      .replace("predictive = 3", "predictive = 2"))
    posts = []
    for name, flags in (("pool", ("--workers", "2")),
                        ("one", ("--executor", "inprocess", "--workers", "1"))):
        r = juwei("calibrate", design, "--out", tmp_path / name, *flags)
        assert r.returncode == 0, r.stderr
        posts.append(pd.read_parquet(tmp_path / name / "posterior.parquet"))
    assert posts[0].equals(posts[1])
    # cut the folder back to its first wave, as a stop after it would leave it, and resume
    waves = pd.read_parquet(tmp_path / "one" / "waves.parquet")
    assert waves.wave.nunique() >= 2 and waves["failed"].isna().all()
    waves[waves.wave == 0].to_parquet(tmp_path / "one" / "waves.parquet")
    manifest = tmp_path / "one" / "manifest.json"
    m = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**m, "status": "interrupted", "generations_done": 1}))
    (tmp_path / "one" / "posterior.parquet").unlink()
    r = juwei("calibrate", design, "--out", tmp_path / "one", "--resume", "--executor",
              "inprocess")
    assert r.returncode == 0, r.stderr
    assert pd.read_parquet(tmp_path / "one" / "posterior.parquet").equals(posts[0])
    assert pd.read_parquet(tmp_path / "one" / "waves.parquet").equals(waves)


def test_the_coverage_check_finds_honest_emulated_intervals_for_a_noisy_toy(tmp_path):
    """Simulation-based calibration of the emulator: twelve truths, each calibrated to its
    noisy figure; the 90% intervals hold about 90% of them. P(at most 7 of 12 | 90%) = 0.004."""
    from scipy import stats
    from juwei.studies import coverage
    d = replace(toy_design(tmp_path), population=30, generations=3, inference="emulator",
                priors=[Prior("a", "uniform", 0.0, 2.0, 0.0, 2.0)],
                targets=[Target("y", 1.2, 1.4, 1.0, 0.05, "", False, 1.3)])
    c = coverage.run(d, Options(tmp_path / "c", executor="inprocess", progress=False),
                     truths=12, model=Noisier())
    held = c.coverage.set_index("constant").loc["a"]
    assert 8 / 12 <= held["in_90%"] and 0.25 <= held["in_50%"] <= 0.75, held
    assert stats.kstest(c.ranks["rank"], "uniform").pvalue > 0.05
    assert coverage.observed_design(d, {"y": 1.3}, 0).inference == "emulator"


class Fragile:
    """y = a, failing for a > 0.6: most of the prior U(0, 2) fails."""

    def __call__(self, values):
        if float(values["a"]) > 0.6:
            raise RuntimeError("the toy fails here")
        return {"y": float(values["a"])}


def test_a_wave_of_mostly_failed_runs_is_refused_not_emulated(tmp_path):
    d = replace(toy_design(tmp_path), population=20, inference="emulator",
                targets=[Target("y", 0.2, 0.4, 1.0, 0.05, "", False, 0.3)])
    with pytest.raises(AnalysisRefused, match="wave 0: 14 of 20 runs failed.*the toy fails"):
        fit.run(d, Options(tmp_path / "f", executor="inprocess", progress=False),
                      model=Fragile())


@pytest.mark.parametrize("text,message", [
    ("population = 3", "population: 3 runs a wave cannot teach an emulator of 2 constants"),
    ("min_acceptance = 0.1", "min_acceptance: the emulator's waves accept every run"),
])
def test_a_bad_emulator_design_is_one_line_naming_file_and_key(tmp_path, text, message):
    path = tmp_path / "e.toml"
    path.write_text(TINY.replace("seed = 3", f'seed = 3\ninference = "emulator"\n{text}')
                    .replace("population = 8\n", ""))
    r = juwei("calibrate", path, "--out", tmp_path / "out")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert str(path) in r.stderr and message in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()
