"""Speed and memory of one county run: median wall time, time per step by phase, peak memory.

    python benchmarks/bench_model.py [--runs 5] [--years 5] [--against COMMIT]

With --against, the same figures for another commit's model (its files from git archive) are
measured in the same run, interleaved with this one's, and the ratio printed: the machines are
noisy, so only figures taken side by side compare.

Targets on the 2-core reference machine: full county (220,000 residents) 5 years <= 2 s median,
scale 0.1 <= 0.3 s, peak memory <= 500 MB. Each scale is measured in a fresh process so peak
memory (max resident set size) is that run's alone, imports included.

The kernels' compile cost is the first week's time with an empty numba cache against the
same with the cache filled (each in a fresh process).

The residents' floor is how far the residents' week, most of a step, is from this machine's
limit (residents_floor): its state read once and what it changes written once at the memory
bandwidth, plus the random numbers it must draw at numpy's rate.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import resource
import statistics
import os
import subprocess
import sys
import tempfile
import tomllib
import time
from pathlib import Path


def residents_floor(residents, before: dict) -> dict:
    """How fast the residents' week could be on this machine: every per-resident array read
    once, and those the last week changed (against `before`, a copy of them) written once, at
    the memory bandwidth of a large copy, plus the random numbers the week must draw (one
    uniform per resident for the decision, one per resident in need for the service) at
    numpy's rate per number. A lower bound: the arithmetic and the indexing come on top."""
    import numpy as np

    n = residents.n
    rows = {k: v for k, v in vars(residents).items()
            if isinstance(v, np.ndarray) and v.shape[:1] == (n,)}
    read = sum(v.nbytes for v in rows.values())
    written = sum(v.nbytes for k, v in rows.items()
                  if k in before and not np.array_equal(before[k], v))
    big = np.ones(2**26, np.float32)                   # 256 MB, past every cache
    out = np.empty_like(big)
    copy = min(_timed(lambda: np.copyto(out, big)) for _ in range(3))
    bandwidth = 2 * big.nbytes / copy                  # bytes read and written per second
    rng = np.random.default_rng(0)
    per_draw = min(_timed(lambda: rng.random(2**24, dtype=np.float32)) for _ in range(3)) / 2**24
    draws = n + residents.needy.size
    return {"bytes_per_resident": (read + written) / n, "bandwidth_gb_s": bandwidth / 1e9,
            "ns_per_draw": per_draw * 1e9, "draws_per_week": draws,
            "floor_ms": 1e3 * ((read + written) / bandwidth + draws * per_draw)}


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def measure(scale: float, runs: int, years: int, summary_only: bool = False,
            floor: bool = False, values: dict | None = None) -> dict:
    """The runs' times; this commit's model alone (`floor`, `summary_only`, `values`: another
    commit's may lack what they call) also gives the residents' floor, records the last year
    only or sets parameters."""
    import mesa
    import numpy as np

    from juwei.model import STEPS_PER_YEAR, CountyModel, Parameters

    times, phases = [], []
    for seed in range(runs):
        m = None            # the last run's model is cyclic garbage: free it, untimed, so that
        gc.collect()        # the peak is one run's, not as many as the collector let pile up
        t0 = time.perf_counter()
        m = CountyModel(Parameters(scale=scale, years=years, **(values or {})), seed=seed)
        if summary_only:
            m.record_last_year_only()
        for _ in range(years * STEPS_PER_YEAR):
            m.step()
        times.append(time.perf_counter() - t0)
        phases.append(dict(m.phase_seconds))
        if seed < runs - 1:
            mesa.Agent._ids.pop(m, None)
    steps = years * STEPS_PER_YEAR
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # before the floor's
    before = None
    if floor:
        m.switch(dataclasses.replace(m.p, years=1))    # one more week, untimed: what it writes
        before = {k: v.copy() for k, v in vars(m.residents).items()
                  if isinstance(v, np.ndarray)}
        m.step()
    mesa.Agent._ids.pop(m, None)
    return {
        "scale": scale, "residents": m.residents.n, "runs": runs, "years": years,
        "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
        "ms_per_step": {k: 1e3 * statistics.median(p[k] for p in phases) / steps
                        for k in phases[0]},
        "peak_mb": peak,
        "floor": residents_floor(m.residents, before) if floor else None,
    }


def child(scale: float, args, pythonpath: str | None = None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, __file__, "--child", str(scale), "--runs",
                          str(args.runs), "--years", str(args.years)]
                         + ([] if pythonpath else ["--floor"]
                            + (["--summary-only"] if args.summary_only else [])
                            + [f"--set={item}" for item in args.set]),
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout)


FIRST_WEEK = ("import time; t0 = time.perf_counter(); "
              "from juwei.model import CountyModel, Parameters; "
              "CountyModel(Parameters(scale=0.01, years=1), seed=0).step(); "
              "print(time.perf_counter() - t0)")


def compile_cost() -> tuple[float, float]:
    """Import, a small county and its first week, in a fresh process with an empty numba cache
    and again with the cache the first filled: the difference is the kernels' compilation,
    which each machine (or cache folder) pays once."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold, warm = (float(subprocess.run([sys.executable, "-c", FIRST_WEEK], env=env,
                                           capture_output=True, text=True, check=True).stdout)
                      for _ in range(2))
    return cold, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 0.1])
    ap.add_argument("--against", metavar="COMMIT", help="also measure this commit's model")
    ap.add_argument("--summary-only", action="store_true",
                    help="record the last year alone, as a study that keeps summaries does "
                         "(this commit's model only)")
    ap.add_argument("--set", action="append", default=[], metavar="PARAMETER=VALUE",
                    help="set a parameter in this commit's runs (repeatable), e.g. "
                         "cadres_choose=1")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        values = {k: tomllib.loads(f"v = {v}")["v"]
                  for k, _, v in (item.partition("=") for item in args.set)}
        print(json.dumps(measure(args.child, args.runs, args.years, args.summary_only,
                                 args.floor, values)))
        return
    from juwei.engine import revision

    targets = {1.0: 2.0, 0.1: 0.3}
    print(f"county run, {args.years} years ({args.years * 52} weekly steps), "
          f"median of {args.runs} runs, each scale in a fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        ref = (revision.importable(revision.resolve(args.against), Path(tmp))
               if args.against else None)
        for scale in args.scales:
            r = child(scale, args)
            old = child(scale, args, ref) if ref else None
            target = targets.get(scale)
            verdict = (f" (target <= {target} s: "
                       f"{'met' if r['median_s'] <= target else 'MISSED'})"
                       if target and args.years == 5 else "")
            print(f"\nscale {scale} ({r['residents']:,} residents): median "
                  f"{r['median_s']:.3f} s [min {r['min_s']:.3f}, max {r['max_s']:.3f}]"
                  f"{verdict}")
            if old:
                what = (" (this recording the last year only, that every week: what a "
                        "study of summaries costs now and then)" if args.summary_only
                        else "")
                print(f"  {args.against}: median {old['median_s']:.3f} s, peak "
                      f"{old['peak_mb']:.1f} MB; ratio this / that "
                      f"{r['median_s'] / old['median_s']:.2f}{what}")
            for phase, ms in r["ms_per_step"].items():
                print(f"  {phase:28s} {ms:7.3f} ms/step")
            f = r.get("floor")
            if f:
                print(f"  residents' floor             {f['floor_ms']:7.3f} ms/step "
                      f"({r['ms_per_step']['residents'] / f['floor_ms']:.1f}x from it: "
                      f"{f['bytes_per_resident']:.0f} bytes a resident read and written at "
                      f"{f['bandwidth_gb_s']:.1f} GB/s, {f['draws_per_week']:,} draws at "
                      f"{f['ns_per_draw']:.1f} ns)")
            print(f"  peak memory (max RSS)        {r['peak_mb']:7.1f} MB (target <= 500)")
        cold, warm = compile_cost()
        print(f"\nfirst week with an empty numba cache {cold:.2f} s, from the cache "
              f"{warm:.2f} s: the kernels compile in {cold - warm:.2f} s, once per machine")


if __name__ == "__main__":
    main()
