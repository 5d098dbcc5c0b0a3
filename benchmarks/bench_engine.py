"""The experiment engine: parallel efficiency and overhead per run.

    python benchmarks/bench_engine.py [--runs 240] [--repeats 3]

1. Runs per second for a batch of short county runs (scale 0.05, 2 years, ~0.09 s each) with 1
   and 2 local processes; parallel efficiency = rate(2) / (2 x rate(1)), with the pool's
   start-up (spawning workers that import numpy and mesa) included; the start-up alone.
2. Overhead per run: the engine (in-process executor, with and without the results store)
   against calling `model.run` directly on the same runs.
Targets: >= 85% parallel efficiency on 2 cores; < 10 ms overhead per run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from juwei.engine import Options, Run, execute, replicate_seeds, run_batch
from juwei.model import Parameters, run


def batch(n: int, scale=0.05, years=2) -> list[Run]:
    return [Run({"replicate": i}, Parameters(scale=scale, years=years), s)
            for i, s in enumerate(replicate_seeds(1, n))]


def timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=240)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    runs = batch(args.runs)

    rates = {}
    for workers in (1, 2):
        secs = [timed(lambda: execute(runs, run, executor="processes", workers=workers,
                                      progress=False)) if workers > 1 else
                timed(lambda: execute(runs, run, executor="inprocess", progress=False))
                for _ in range(args.repeats)]
        rates[workers] = args.runs / statistics.median(secs)
        print(f"{workers} process{'es' if workers > 1 else ''}: {rates[workers]:6.2f} runs/s "
              f"(median of {args.repeats} batches of {args.runs} runs; "
              f"{'pool start-up included' if workers > 1 else 'in the main process'})")
    eff = rates[2] / (2 * rates[1])
    print(f"parallel efficiency on 2 cores: {eff:.0%} (target >= 85%: "
          f"{'met' if eff >= 0.85 else 'MISSED'})")
    # start-up: a batch of one run per worker, less one run's time
    tiny = batch(2)
    one = statistics.median(timed(lambda: execute(tiny[:1], run, executor="inprocess",
                                                  progress=False)) for _ in range(args.repeats))
    startup = statistics.median(timed(lambda: execute(tiny, run, executor="processes", workers=2,
                                                      progress=False))
                                for _ in range(args.repeats)) - one
    print(f"pool start-up: {startup:.2f} s, a fixed cost per batch (so batches shorter than a "
          "few seconds gain little from processes)")

    short = batch(60, scale=0.01, years=1)
    direct = statistics.median(timed(lambda: [run(r.params, r.seed) for r in short])
                               for _ in range(args.repeats))
    engine = statistics.median(timed(lambda: execute(short, run, executor="inprocess",
                                                     progress=False))
                               for _ in range(args.repeats))

    def stored():
        with tempfile.TemporaryDirectory() as d:
            run_batch(short, Options(Path(d) / "x", executor="inprocess", progress=False),
                      "bench", {}, fn=run)
    with_store = statistics.median(timed(stored) for _ in range(args.repeats))
    for label, t in (("engine", engine), ("engine + store (parts, tables, manifest)", with_store)):
        ms = 1e3 * (t - direct) / len(short)
        print(f"overhead per run, {label}: {ms:.2f} ms (direct {1e3 * direct / len(short):.1f} "
              f"ms/run; target < 10 ms: {'met' if ms < 10 else 'MISSED'})")


if __name__ == "__main__":
    main()
