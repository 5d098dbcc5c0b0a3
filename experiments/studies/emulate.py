"""Calibration through Gaussian-process emulators (`inference = "emulator"`): the county is run
in waves, a Gaussian process per fitted figure learns the figure's mean and its seeds' noise
over the constants, and the posterior is an importance sample under the emulated likelihood.

Why. The likelihood kernel (`inference = "kernel"`) needs tens of thousands of county runs for
a posterior of twelve constants, hours on two cores (README, "What a posterior costs"). The
figures change smoothly with the constants, so a few hundred runs per wave teach an emulator
enough (Kennedy & O'Hagan 2001; Wilkinson 2014; history matching, Vernon et al. 2010), and the
posterior can then be sampled as finely as wanted at no further runs.

The target is the kernel's: prior x the product over fitted targets of E_x[K(x)], x the figure
one run gives (normal: the emulator's mean, and its variance, the seeds' noise plus the
emulator's own uncertainty) and K the target's kernel exp(-weight x gap^2 / 2) (a measurement's
gap from its value in sd; a bound's outside its interval in its scale), in closed form
(`log_likelihood`). Where the emulator has seen few runs its variance is large and the
likelihood wide, so it does not claim what it has not seen.

Waves. Wave 0 runs `population` constants from a Latin hypercube over the priors; each later
wave runs `population` draws from the current posterior, where the emulator must be right, and
first checks the emulator on them: the share of the new runs inside their 90% predictive
interval, per figure (emulator_checks.csv; near 90% when the emulator is calibrated). The
waves stop after `generations`, or once no constant's posterior 5%, 50% and 95% quantiles move
by more than CHANGE of its prior's range between waves. Each run has its own seed
(SeedSequence(seed, spawn_key=(5, wave + 1, run + 1))); the Gaussian processes are fitted in
the main process with fixed seeds, so the posterior does not depend on the executor. A wave is
stored as it finishes (waves.parquet); --resume refits the stored waves and goes on.
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

from ..engine import AnalysisRefused, Interrupted, Options, Run, execute
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
                          # of its prior's range
COVER = 0.9               # the emulator's check: the predictive interval new runs fall in
CHUNK = 2000              # proposals predicted at a time (bounds the memory of a prediction)


def to_unit(design, values: pd.DataFrame) -> np.ndarray:
    """The constants as quantiles of their priors (the Gaussian processes' inputs)."""
    return np.column_stack([p.scipy().cdf(values[p.name].to_numpy(float))
                            for p in design.priors])


def from_unit(design, u: np.ndarray) -> pd.DataFrame:
    """Quantiles of the priors as the constants the model reads."""
    return pd.DataFrame({p.name: [p.value(x) for x in p.scipy().ppf(u[:, j])]
                         for j, p in enumerate(design.priors)})


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
    u = to_unit(design, ok)
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

    def quantiles(self) -> np.ndarray:
        """Each constant's posterior 5%, 50% and 95% quantiles, as prior quantiles."""
        u = self.unit()
        return np.array([[quantile(u[:, j], self.weight, q) for q in (0.05, 0.5, 0.95)]
                         for j in range(u.shape[1])])


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
    w = np.exp(log_w - log_w.max())
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
    mu, sd = emulator.predict(to_unit(design, ok))
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
    as a share of its prior's range (prior quantiles: 0-1)."""
    return float(np.abs(before.quantiles() - after.quantiles()).max())


def posterior_table(design, sample: Sample) -> pd.DataFrame:
    """The final importance sample: particle, the constants, weight, distance (minus the
    emulated log-likelihood) and each fitted figure's emulated mean."""
    values = from_unit(design, sample.unit())
    figures = {f: sample.means[:, k] for k, f in enumerate(t.figure for t in design.fitted)}
    return pd.DataFrame({"particle": np.arange(len(values)), **values,
                         "weight": sample.weight, "distance": -sample.log_likelihood,
                         **figures})


def stored_waves(folder) -> int:
    """Waves finished in an emulated calibration's folder (for --resume --dry-run)."""
    path = folder / WAVES
    return int(pd.read_parquet(path, columns=["wave"]).wave.nunique()) if path.exists() else 0


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
    from .screen import prior_draws
    root = derived_seed(design.seed, EMULATOR_STREAM)
    figures = tuple(t.figure for t in design.fitted)
    names = [p.name for p in design.priors]
    waves, checks, generations = [], [], []
    sample = emulator = None
    for w in range(design.generations):
        if stored is not None and w in set(stored.wave):
            wave = stored[stored.wave == w].reset_index(drop=True)
        else:
            values = (prior_draws(design, design.population) if sample is None else
                      draws(posterior_table(design, sample), design.population,
                            derived_seed(root, w + 1))[names])
            wave = _simulate(wave_runs(design, w, values, root), model, figures, opts, pool, w)
            write_parquet(opts.out / WAVES, pd.concat(waves + [wave], ignore_index=True))
        waves.append(wave)
        runs = pd.concat(waves, ignore_index=True)
        failed = runs[runs["failed"].notna()]
        store.manifest.update(generations_done=w + 1, failed_candidates=[
            {"generation": int(r.wave), "candidate": int(r.run), "seed": int(r.seed),
             "error": r.failed} for r in failed.itertuples()])
        store.write_manifest()
        if len(runs) - len(failed) < 2 * len(names):
            raise AnalysisRefused(f"wave {w}: only {len(runs) - len(failed)} runs did not "
                                  "fail, too few to emulate; the errors are in the manifest")
        if emulator is not None:
            checks += check_rows(design, emulator, wave, w)
        emulator = fit(design, runs, derived_seed(root, w + 1, 0, 1), emulator)
        before, sample = sample, posterior_of(design, emulator, derived_seed(root, w + 1, 0, 2),
                                              sample)
        change = moved(before, sample) if before is not None else float("nan")
        ok = len(wave) - int(wave["failed"].notna().sum())
        generations.append({"generation": w, "epsilon": 1.0, "candidates": len(wave),
                            "accepted": ok, "acceptance": ok / len(wave), "ess": sample.ess,
                            "moved": change})
        print(f"  wave {w}: {ok} of {len(wave)} runs; the posterior's effective sample "
              f"{sample.ess:.0f} of {PROPOSALS}" + ("" if before is None else
                                                    f"; its quantiles moved {change:.3f}"),
              file=sys.stderr)
        if before is not None and change < CHANGE:
            break
    return (sample, pd.DataFrame(generations),
            pd.DataFrame(checks, columns=["wave", "figure", "runs", "inside", "rmse_in_scales"]))


def _simulate(runs: list[Run], guarded, figures, opts: Options, pool, w: int) -> pd.DataFrame:
    """One wave's runs: their constants, seeds and figures (failed: the error, figures NaN)."""
    from .calibrate import FAILED, _Predictive
    outcomes = execute(runs, _Predictive(guarded), opts.executor, opts.workers, opts.scheduler,
                       progress=opts.progress, desc=f"wave {w}", pool=pool)
    rows = []
    for o in outcomes:
        f = o.payload if o.ok else {FAILED: o.error}
        rows.append({**o.run.labels, "seed": o.run.seed, **o.run.params,
                     "failed": f.get(FAILED),
                     **{k: f.get(k, float("nan")) for k in figures}})
    return pd.DataFrame(rows)
