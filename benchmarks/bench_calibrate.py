"""Throughput of the calibration loop against the engine's plain batches, side by side.

    python benchmarks/bench_calibrate.py [--repeats 3] [--population 16] [--scale 0.05]
                                         [--default-design]

Each repeat runs, in the same process and executor (local processes, all cores):
  - a calibration of the default design's constants and targets, shrunk to `--population`
    particles and 2 generations, and counts the model runs it did (candidates x runs each);
  - a plain batch (`juwei run`'s engine path) of the same number of runs of the same scenario.
It prints the model runs per second of both and the share of the workers' wall time spent
inside runs (busy share), their medians over the repeats, and the calibration loop's overhead:
the ratio of the busy shares (goal: under 20%). The busy share is the fair measure, since the
candidates' constants differ from the plain batch's and change what a run costs. With --default-design it also times the shipped
design `calibrate_patterns` as it is (30-40 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path


def calibration_rate(population: int, scale: float, folder: Path) -> tuple[float, int, float]:
    """Model runs per second of a small calibration, how many runs, and the share of its
    workers' wall time spent inside candidates (the rest is the loop's overhead)."""
    from juwei.engine import Options, default_workers
    from juwei.inputs import calibration
    from juwei.studies import calibrate, validate

    d = calibration.load("calibrate_patterns", {"population": population, "generations": 2,
                                                "scale": scale})
    d = dataclasses.replace(d, predictive=0)
    t0 = time.perf_counter()
    c = calibrate.run(d, Options(out=folder, progress=False))
    seconds = time.perf_counter() - t0
    per = validate.arm_count(calibration.PAIRED in calibrate.figures_of(d, candidates=True)) \
        * d.replicates
    runs = (int(c.generations.candidates.sum()) + population) * per   # + the prior sample
    busy = c.manifest["candidate_seconds"] / (seconds * default_workers())
    return runs / seconds, runs, busy


def batch_rate(runs: int, scale: float, folder: Path) -> tuple[float, float]:
    """Runs per second of a plain batch of the base scenario, and its workers' busy share."""
    from juwei.engine import Options, Run, default_workers, replicate_seeds, run_batch
    from juwei.inputs import calibration
    from juwei.model import run

    d = calibration.load("calibrate_patterns", {"scale": scale})
    batch = [Run({"replicate": r}, d.base.params, s)
             for r, s in enumerate(replicate_seeds(d.seed, runs))]
    busy = []
    t0 = time.perf_counter()
    run_batch(batch, Options(out=folder, progress=False), "bench", {}, fn=run,
              keep=("series", "breakdown"), on_outcome=lambda i, o: busy.append(o.seconds))
    seconds = time.perf_counter() - t0
    return runs / seconds, sum(busy) / (seconds * default_workers())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--population", type=int, default=16)
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--default-design", action="store_true")
    args = ap.parse_args()
    import logging
    logging.disable(logging.WARNING)
    cal, plain, cal_busy, plain_busy = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            rate, runs, busy = calibration_rate(args.population, args.scale, Path(tmp) / f"c{k}")
            base, base_busy = batch_rate(runs, args.scale, Path(tmp) / f"b{k}")
            cal.append(rate)
            plain.append(base)
            cal_busy.append(busy)
            plain_busy.append(base_busy)
            print(f"repeat {k + 1}: calibration {rate:.2f} runs/s ({runs} runs, workers busy "
                  f"{busy:.0%} of the wall time), plain batch {base:.2f} runs/s (busy "
                  f"{base_busy:.0%})", flush=True)
        c, p = statistics.median(cal), statistics.median(plain)
        cb, pb = statistics.median(cal_busy), statistics.median(plain_busy)
        print(f"\nmedian: calibration {c:.2f} runs/s, plain batch {p:.2f} runs/s "
              f"({(p / c - 1) * 100:+.0f}%; the candidates' constants differ from the batch's, "
              "and so does a run's cost)")
        print(f"median busy share: calibration {cb:.0%}, plain batch {pb:.0%}: the loop's "
              f"overhead over plain batches {(pb / cb - 1) * 100:+.0f}% (goal: under 20%)")
        if args.default_design:
            from juwei.engine import Options
            from juwei.inputs import calibration
            from juwei.studies import calibrate
            t0 = time.perf_counter()
            r = calibrate.run(calibration.load("calibrate_patterns"),
                              Options(out=Path(tmp) / "default", progress=False))
            minutes = (time.perf_counter() - t0) / 60
            print(f"default design calibrate_patterns: {minutes:.1f} min, "
                  f"{int(r.generations.candidates.sum())} candidates in {len(r.generations)} "
                  "generations")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
