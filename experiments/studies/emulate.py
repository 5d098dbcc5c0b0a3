"""Calibration through Gaussian-process emulators (`inference = "emulator"`): the county is run
in waves, a Gaussian process per fitted figure learns the figure's mean and its seeds' noise
over the constants, and the posterior is an importance sample under the emulated likelihood.

Why. The likelihood kernel (`inference = "kernel"`) needs tens of thousands of county runs for
a posterior of twelve constants, hours on two cores (README, "What a posterior costs"). The
figures change smoothly with the constants, so a few hundred runs per wave teach an emulator
enough (Kennedy & O'Hagan 2001; Wilkinson 2014), and the posterior can then be sampled as
finely as wanted at no further runs.

The target is the kernel's with one simplification: prior x the product over fitted targets of
E_x[K(x)], x the figure one run gives (normal: the emulator's mean, and a variance that adds
the emulator's own uncertainty to the seeds' noise) and K the target's kernel
exp(-weight x gap^2 / 2), in closed form (`log_likelihood`). The kernel's ABC averages the
product of the kernels over one run's noise; here each figure's noise is averaged alone, as if
a run's figures varied independently around their means (they share the run's seed: where two
targets' figures move together, the posterior is somewhat narrower than the kernel's). Where
the emulator has seen few runs its variance is large and the likelihood wide. A failed run
teaches the emulator nothing; a wave with more than MAX_FAILED of them is refused.

Waves. Wave 0 runs `population` constants from a Latin hypercube over the priors; each later
wave runs draws from the current posterior, where the emulator must be right, and EXPLORE of
them from a fresh hypercube (refocusing as history matching does, Vernon et al. 2010, without
its implausibility cut). Each later wave first checks the emulator: the share of its runs
inside their 90% predictive interval, per figure (emulator_checks.csv). The waves stop after
`generations`, or once the emulator held every figure's new runs at least SETTLED of the time
and no constant's posterior 5%, 50% or 95% quantile moved by more than CHANGE of its prior's
range beyond twice its sampling error. Each run has its own seed (derived_seed(seed, 5,
wave + 1, run + 1)); the Gaussian processes are fitted in the main process with fixed seeds,
so the posterior does not depend on the executor. A wave is stored as it finishes
(waves.parquet; a wave cut short is run again); --resume refits the stored waves and goes on.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ..engine import AnalysisRefused, Interrupted, Options, Run
from ..engine.batch import guard_until_finished, invocation, stopping_on_signals
from ..engine.errors import SchedulerLost, same_again
from ..engine.executors import Workers, check_scheduler, default_workers
from ..engine.seeds import derived_seed
from ..engine.store import Store, atomic_write, code_version, now, write_parquet
from ..inputs.ensemble import POSTERIOR, draws, quantile
from .common import county_record

EMULATOR_STREAM = 5       # the stream of the waves' runs (1 predictive, 2 screen, 3-4 check)
WAVES = "waves.parquet"   # every run of the finished waves: wave, run, seed, constants, figures
PROPOSALS = 10_000        # importance-sampling draws per pass (the posterior's particles)
DEFENSIVE = 0.2           # the prior's share of the proposal (Hesterberg 1995): no region lost
TAIL = 5                  # degrees of freedom of the proposal's t around the last posterior
PASSES = 4                # importance-sampling passes a wave, each around the one before
FIT_POINTS = 400          # runs the Gaussian processes' hyperparameters are fitted on (all
                          # runs condition them): a 12-constant fit on more takes minutes
CHANGE = 0.05             # waves stop when no posterior quantile moves more than this share
                          # of its prior's range beyond twice its sampling error ...
COVER = 0.9               # ... and a wave's runs fall inside their COVER predictive interval
SETTLED = 0.8             # at least this often for every figure (the emulator is right there)
EXPLORE = 0.2             # the share of each later wave drawn from the prior, not the posterior
MAX_FAILED = 0.5          # a wave with more failed runs than this share is refused
CHUNK = 2000              # proposals predicted at a time (bounds the memory of a prediction)


@dataclass
class Emulator:
    """One Gaussian process per fitted figure: its mean and predictive sd (the seeds' noise and
    the process's own uncertainty) at constants given as prior quantiles."""
    figures: tuple[str, ...]
    processes: list

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu, sd = np.empty((len(u), len(self.figures))), np.empty((len(u), len(self.figures)))
        for k, gp in enumerate(self.processes):
            for a in range(0, len(u), CHUNK):
                mu[a:a + CHUNK, k], sd[a:a + CHUNK, k] = gp.predict(u[a:a + CHUNK],
                                                                    return_std=True)
        return mu, np.maximum(sd, 1e-12)


def fit(design, runs: pd.DataFrame, seed: int, before: Emulator | None = None) -> Emulator:
    """Gaussian processes (Matern 5/2, a length scale per constant, white noise for the seeds)
    on the runs that did not fail: hyperparameters by maximum likelihood on FIT_POINTS of them,
    chosen with `seed` (starting from the last wave's, `before`, if given), then conditioned
    on all."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    ok = runs[runs["failed"].isna()]
    u = design.quantiles_of(ok)
    rng = np.random.default_rng(seed)
    some = np.sort(rng.choice(len(ok), min(FIT_POINTS, len(ok)), replace=False))
    figures = tuple(t.figure for t in design.fitted)
    processes = []
    for k, figure in enumerate(figures):
        y = ok[figure].to_numpy(float)
        kernel = (before.processes[k].kernel_ if before is not None else
                  ConstantKernel(1.0, (1e-3, 1e3))
                  * Matern(np.full(u.shape[1], 0.5), (1e-2, 1e2), nu=2.5)
                  + WhiteKernel(0.1, (1e-6, 1e1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tuned = GaussianProcessRegressor(kernel, normalize_y=True,
                                             n_restarts_optimizer=0 if before else 1,
                                             random_state=int(rng.integers(2**31)))
            tuned.fit(u[some], y[some])
            processes.append(GaussianProcessRegressor(tuned.kernel_, normalize_y=True,
                                                      optimizer=None).fit(u, y))
    return Emulator(figures, processes)


def log_likelihood(design, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """log E_x[K(x)] summed over the fitted targets, x ~ normal(mu, sd) per figure (columns in
    design.fitted's order) and K = exp(-weight x gap^2 / 2): a measurement's value against
    normal(mu, s^2 + sd^2), s = scale / sqrt(weight); a bound's interval, flat inside with
    normal tails of scale s, convolved with the same normal (the three parts in closed form)."""
    total = np.zeros(len(mu))
    for k, t in enumerate(design.fitted):
        if t.weight <= 0:
            continue
        s = t.scale / math.sqrt(t.weight)
        m, v = mu[:, k], sd[:, k] ** 2
        big = s * s + v
        norm = math.log(s) - 0.5 * np.log(big)
        if t.value is not None:
            total += norm - 0.5 * (t.value - m) ** 2 / big
            continue
        lo, hi, spread = t.low, t.high, np.sqrt(v)
        with np.errstate(divide="ignore"):
            inside = np.log(np.maximum(special.ndtr((hi - m) / spread)
                                       - special.ndtr((lo - m) / spread), 0.0))
        cut = s / np.sqrt(big * v)
        below = norm - 0.5 * (lo - m) ** 2 / big + special.log_ndtr(cut * (lo - m))
        above = norm - 0.5 * (hi - m) ** 2 / big + special.log_ndtr(cut * (m - hi))
        total += np.logaddexp(inside, np.logaddexp(below, above))
    return total


@dataclass
class Sample:
    """An importance sample of the posterior in the priors' normal scores z (the prior there
    is a standard normal): z, the normalised weights, and the emulated log-likelihood and
    figures' means of each draw."""
    z: np.ndarray
    weight: np.ndarray
    log_likelihood: np.ndarray
    means: np.ndarray

    @property
    def ess(self) -> float:
        return float(1.0 / (self.weight ** 2).sum())

    def unit(self) -> np.ndarray:
        return np.clip(special.ndtr(self.z), 1e-12, 1 - 1e-12)

    def quantiles(self) -> tuple[np.ndarray, np.ndarray]:
        """Each constant's posterior 5%, 50% and 95% quantiles, as prior quantiles, and their
        sampling errors (sqrt(p(1 - p) / ESS) over the density, read from the quantiles
        2.5 points either side)."""
        u, n = self.unit(), self.ess
        q, se = [], []
        for j in range(u.shape[1]):
            at = lambda p: quantile(u[:, j], self.weight, p)
            q.append([at(p) for p in (0.05, 0.5, 0.95)])
            se.append([math.sqrt(p * (1 - p) / n) * (at(p + 0.025) - at(p - 0.025)) / 0.05
                       for p in (0.05, 0.5, 0.95)])
        return np.array(q), np.array(se)


def importance(design, emulator: Emulator, rng, around: Sample | None = None) -> Sample:
    """PROPOSALS draws from the prior (DEFENSIVE of them) and a multivariate t around the last
    posterior `around` (its weighted mean and covariance, TAIL degrees of freedom), weighted by
    prior x emulated likelihood over the mixture's density; from the prior alone without
    `around`. A t of the posterior's own covariance, not a wider normal: in sixteen
    dimensions a normal twice as wide would waste all but a thousandth of the draws."""
    d = len(design.priors)
    n_prior = PROPOSALS if around is None else int(DEFENSIVE * PROPOSALS)
    z = rng.standard_normal((n_prior, d))
    log_prior = lambda x: -0.5 * (x ** 2).sum(axis=1) - 0.5 * d * math.log(2 * math.pi)
    if around is None:
        log_q = log_prior(z)
    else:
        mean = around.weight @ around.z
        cov = np.atleast_2d(np.cov(around.z.T, aweights=around.weight)) + 1e-6 * np.eye(d)
        near = stats.multivariate_t(mean, cov * (TAIL - 2) / TAIL, df=TAIL)
        z = np.vstack([z, near.rvs(PROPOSALS - n_prior, random_state=rng).reshape(-1, d)])
        log_q = np.logaddexp(math.log(DEFENSIVE) + log_prior(z),
                             math.log(1 - DEFENSIVE) + near.logpdf(z))
    u = np.clip(special.ndtr(z), 1e-12, 1 - 1e-12)
    mu, sd = emulator.predict(u)
    loglik = log_likelihood(design, mu, sd)
    log_w = log_prior(z) + loglik - log_q
    if not np.isfinite(log_w).any():
        raise AnalysisRefused("the emulated likelihood is zero wherever the sampler looked: "
                              "the targets lie outside what the runs reach; check them against "
                              "`juwei calibrate DESIGN --screen`")
    w = np.exp(np.where(np.isfinite(log_w), log_w - log_w[np.isfinite(log_w)].max(), -np.inf))
    return Sample(z, w / w.sum(), loglik, mu)


def posterior_of(design, emulator: Emulator, seed: int, around: Sample | None) -> Sample:
    """PASSES passes of importance sampling, each around the one before (adaptive importance
    sampling, population Monte Carlo; Cappé et al. 2004): the last."""
    rng = np.random.default_rng(seed)
    sample = around
    for _ in range(PASSES):
        sample = importance(design, emulator, rng, sample)
    return sample


def check_rows(design, emulator: Emulator, wave: pd.DataFrame, w: int) -> list[dict]:
    """The emulator fitted before wave w, against wave w's runs: per figure, the share inside
    its COVER predictive interval and the root mean squared error in the target's scale."""
    ok = wave[wave["failed"].isna()]
    if not len(ok):
        return []
    mu, sd = emulator.predict(design.quantiles_of(ok))
    z = stats.norm.ppf(0.5 + COVER / 2)
    rows = []
    for k, t in enumerate(design.fitted):
        y = ok[t.figure].to_numpy(float)
        rows.append({"wave": w, "figure": t.figure, "runs": len(ok),
                     "inside": float(np.mean(np.abs(y - mu[:, k]) <= z * sd[:, k])),
                     "rmse_in_scales": float(np.sqrt(np.mean((y - mu[:, k]) ** 2)) / t.scale)})
    return rows


def moved(before: Sample, after: Sample) -> float:
    """The largest move of a constant's posterior 5%, 50% or 95% quantile between two waves,
    as a share of its prior's range (prior quantiles: 0-1), beyond twice its sampling error:
    a move the importance samples' own noise could make counts as none."""
    (a, sa), (b, sb) = before.quantiles(), after.quantiles()
    return float(np.maximum(np.abs(a - b) - 2 * np.hypot(sa, sb), 0.0).max())


def posterior_table(design, sample: Sample) -> pd.DataFrame:
    """The final importance sample: particle, the constants, weight, distance (minus the
    emulated log-likelihood) and each fitted figure's emulated mean."""
    values = design.values_at(sample.unit())
    figures = {f: sample.means[:, k] for k, f in enumerate(t.figure for t in design.fitted)}
    return pd.DataFrame({"particle": np.arange(len(values)), **values,
                         "weight": sample.weight, "distance": -sample.log_likelihood,
                         **figures})


def stored_waves(folder) -> int:
    """Waves finished in an emulated calibration's folder (for --resume --dry-run)."""
    path = folder / WAVES
    return int(pd.read_parquet(path, columns=["wave"]).wave.nunique()) if path.exists() else 0


def wave_values(design, w: int, sample: Sample | None, root: int) -> pd.DataFrame:
    """Wave w's constants: a Latin hypercube over the priors for wave 0; later, draws from the
    posterior `sample` and EXPLORE of them from a fresh hypercube, so that a region the first
    emulator missed can still show (each wave's own seeds)."""
    from .screen import prior_draws
    if sample is None:
        return prior_draws(design, design.population, derived_seed(root, w + 1, 0, 3))
    fresh = round(EXPLORE * design.population)
    near = draws(posterior_table(design, sample), design.population - fresh,
                 derived_seed(root, w + 1))[[p.name for p in design.priors]]
    return pd.concat([near, prior_draws(design, fresh, derived_seed(root, w + 1, 0, 3))],
                     ignore_index=True)


def wave_runs(design, w: int, values: pd.DataFrame, root: int) -> list[Run]:
    return [Run({"wave": w, "run": i}, row.to_dict(), derived_seed(root, w + 1, i + 1))
            for i, row in values.reset_index(drop=True).iterrows()]


def run(design, opts: Options, model=None, report: bool = True):
    """Calibrate `design` by emulation into opts.out (waves.parquet, posterior.parquet,
    generations.csv, emulator_checks.csv, predictive.parquet, report.html); returns a
    calibrate.Calibration. `model(values) -> {figure: number}` replaces the county model, as
    in calibrate.run."""
    from . import calibrate
    if opts.scheduler:
        check_scheduler(opts.scheduler, opts.scheduler_timeout)
    store = Store(opts.out)
    old = store._old_manifest() if opts.resume else None
    store.create({"kind": "calibrate", "design": {**design.as_dict(),
                                                  **county_record(design.base)},
                  "design_hash": design.digest(), "run_function": "juwei.studies.emulate",
                  "executor": "dask" if opts.scheduler else opts.executor,
                  "workers": opts.workers or default_workers(), "scheduler": opts.scheduler,
                  "started": now(), "status": "running", "code": code_version(), **invocation(),
                  "failed_candidates": [], "generations_done": 0},
                 opts.resume, opts.allow_code_change, opts.overwrite)
    m = store.manifest
    earlier, t0 = (old or {}).get("wall_seconds", 0.0), time.perf_counter()
    path = opts.out / WAVES
    stored = pd.read_parquet(path) if opts.resume and path.exists() else None
    candidate = calibrate.Guarded(
        model or calibrate.county_model(design, design.seed, True, True),
        calibrate.figures_of(design, candidates=True))
    try:
        with stopping_on_signals(), Workers(opts.executor, opts.workers,
                                            opts.scheduler) as pool:
            sample, generations, checks = _waves(design, opts, candidate, pool, stored, store)
            posterior = posterior_table(design, sample)
            predictive = calibrate.predictive_checks(design, opts, posterior, model, pool)
    except (KeyboardInterrupt, SchedulerLost) as e:
        why, status = calibrate.stop_reason(e)
        done = m["generations_done"]
        m.update(status="interrupted", interrupted=now(), interrupted_by=why,
                 wall_seconds=round(earlier + time.perf_counter() - t0, 3))
        store.write_manifest()
        store.lock.release()
        raise Interrupted(f"{why}: {done} of at most {design.generations} waves are stored in "
                          f"{opts.out}; {same_again(opts.out)} continues from there",
                          status) from None
    except BaseException as e:
        m.update(status="failed", error=f"{type(e).__name__}: {e}"[:500],
                 wall_seconds=round(earlier + time.perf_counter() - t0, 3))
        store.write_manifest()
        store.lock.release()
        raise
    guard_until_finished(store)
    write_parquet(opts.out / POSTERIOR, posterior)
    atomic_write(opts.out / "generations.csv", lambda tmp: generations.to_csv(tmp, index=False))
    atomic_write(opts.out / "emulator_checks.csv", lambda tmp: checks.to_csv(tmp, index=False))
    write_parquet(opts.out / "predictive.parquet", predictive)
    if report:
        from ..present import calibration_page
        calibration_page.write(opts.out, design, posterior, generations, predictive, m, checks)
    total = round(earlier + time.perf_counter() - t0, 3)
    store.finish("complete", wall_seconds=total, session_seconds=round(total - earlier, 3))
    return calibrate.Calibration(opts.out, design, posterior, generations, predictive,
                                 store.manifest)


def _waves(design, opts: Options, model, pool, stored: pd.DataFrame | None, store
           ) -> tuple[Sample, pd.DataFrame, pd.DataFrame]:
    """Run (or reload from `stored`) the waves, refitting the emulator after each; the last
    posterior sample, one row per wave, and the emulator's checks."""
    from .calibrate import figure_table
    root = derived_seed(design.seed, EMULATOR_STREAM)
    waves, checks, generations = [], [], []
    sample = emulator = None
    for w in range(design.generations):
        if stored is not None and w in set(stored.wave):
            wave = stored[stored.wave == w].reset_index(drop=True)
        else:
            wave = figure_table(wave_runs(design, w, wave_values(design, w, sample, root), root),
                                model, opts, pool, f"wave {w}")
            write_parquet(opts.out / WAVES, pd.concat(waves + [wave], ignore_index=True))
        waves.append(wave)
        runs = pd.concat(waves, ignore_index=True)
        failed = runs[runs["failed"].notna()]
        store.manifest.update(generations_done=w + 1, failed_candidates=[
            {"generation": int(r.wave), "candidate": int(r.run), "seed": int(r.seed),
             "error": r.failed} for r in failed.itertuples()])
        store.write_manifest()
        lost = wave[wave["failed"].notna()]
        if len(lost) > MAX_FAILED * len(wave):
            raise AnalysisRefused(f"wave {w}: {len(lost)} of {len(wave)} runs failed, so the "
                                  "emulator would learn from a corner of the priors; the first "
                                  f"error: {lost['failed'].iloc[0]} (all in the manifest)")
        new = check_rows(design, emulator, wave, w) if emulator is not None else []
        checks += new
        emulator = fit(design, runs, derived_seed(root, w + 1, 0, 1), emulator)
        before, sample = sample, posterior_of(design, emulator, derived_seed(root, w + 1, 0, 2),
                                              sample)
        change = moved(before, sample) if before is not None else float("nan")
        ok = len(wave) - len(lost)
        generations.append({"generation": w, "epsilon": 1.0, "candidates": len(wave),
                            "accepted": ok, "acceptance": ok / len(wave), "ess": sample.ess,
                            "draws": len(sample.weight), "moved": change})
        print(f"  wave {w}: {ok} of {len(wave)} runs; the posterior's effective sample "
              f"{sample.ess:.0f} of {PROPOSALS}" + ("" if before is None else
                                                    f"; its quantiles moved {change:.3f}"),
              file=sys.stderr)
        if before is not None and change < CHANGE and all(r["inside"] >= SETTLED
                                                          for r in new):
            break
    return (sample, pd.DataFrame(generations),
            pd.DataFrame(checks, columns=["wave", "figure", "runs", "inside", "rmse_in_scales"]))


