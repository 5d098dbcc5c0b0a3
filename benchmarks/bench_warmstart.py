"""What the warm start costs a comparison, and what sharing the burn-in saves.

    python benchmarks/bench_warmstart.py [--scenarios 10] [--replicates 2] [--scale 0.05]
                                         [--years 5] [--repeats 3]

Times, in one process and side by side (median of --repeats), one comparison of N scenarios
(the baseline and the first N-1 remedies of `make run`) x R replicate seeds, three ways:

- shared: each seed's burn-in simulated once and continued by every arm (what juwei does:
  studies.common.SharedBurnIn, here with its in-memory cache only);
- unshared: every arm simulates its own burn-in (what the warm start would cost without
  sharing);
- cold: no burn-in, the remedies from week 0 (juwei 0.1.0's comparison).

Shared costs R x burn-in + N x R x years simulated years; unshared N x R x (burn-in + years);
cold N x R x years. The printed ratios are measured, not these counts.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from juwei.inputs import scenario as sc
from juwei.model import Parameters, run
from juwei.model.run import run_on
from juwei.studies import audit, common

REMEDIES = audit.REMEDIES


def arms(n: int, scale: float, years: int) -> list[Parameters]:
    names = ["baseline", *REMEDIES][:n]
    return [dataclasses.replace(sc.load(k).params, scale=scale, years=years) for k in names]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=10)
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    params = arms(a.scenarios, a.scale, a.years)
    seeds = range(1, a.replicates + 1)

    def shared():
        common._states.clear()
        fn = common.SharedBurnIn(run_on(None), None)
        for s in seeds:
            for p in params:
                fn(p, s)

    def unshared():
        for s in seeds:
            for p in params:
                run(p, s)

    def cold():
        for s in seeds:
            for p in params:
                run(dataclasses.replace(p, burn_in_years=0), s)

    ways = {"shared": shared, "unshared": unshared, "cold": cold}
    times = {k: [] for k in ways}
    for _ in range(a.repeats):
        for k, f in ways.items():          # interleaved: the machine's noise hits all alike
            times[k].append(timed(f))
    med = {k: statistics.median(v) for k, v in times.items()}
    b = params[0].burn_in_years
    print(f"{a.scenarios} scenarios x {a.replicates} seeds, scale {a.scale}, {a.years} years "
          f"after a {b}-year burn-in; median of {a.repeats}")
    for k, v in med.items():
        print(f"  {k:9s} {v:7.2f} s")
    print(f"  shared / unshared {med['shared'] / med['unshared']:.2f} "
          f"(simulated years {a.replicates * b + a.scenarios * a.replicates * a.years} / "
          f"{a.scenarios * a.replicates * (b + a.years)})")
    print(f"  shared / cold     {med['shared'] / med['cold']:.2f} "
          f"(simulated years {a.replicates * b + a.scenarios * a.replicates * a.years} / "
          f"{a.scenarios * a.replicates * a.years})")


if __name__ == "__main__":
    main()
