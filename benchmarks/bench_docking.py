"""The speed the vectorised model buys: wall time per simulated week of the vectorised model and
of the one-object-per-agent reference (model/reference), side by side in one run.

    python benchmarks/bench_docking.py [--repeats 3] [--weeks 26] [--full-weeks 3]
                                       [--scales 0.02 0.05 0.1] [--no-full]

For each scale both models are built (not timed), then stepped `--weeks` weeks (timed; the
weeks after initialisation, so the figure is the schedule's cost, not the build's); the median
over `--repeats` seeds is printed with the ratio reference / vectorised and how the ratio grows
with scale. Then the full county (scale 1): the vectorised model over `--weeks` weeks and the
reference over `--full-weeks` weeks, once each (the reference takes seconds a week there and
about half a minute to build).
Goal of the docking issue: the vectorised model at least 100 times faster at full scale.
"""

from __future__ import annotations

import argparse
import statistics
import time


def per_week(kind: str, scale: float, weeks: int, seed: int) -> tuple[float, float]:
    """(seconds to build, seconds per simulated week) of one model."""
    from juwei.model import CountyModel, Parameters
    from juwei.model.reference import ReferenceModel

    cls = CountyModel if kind == "vectorised" else ReferenceModel
    t0 = time.perf_counter()
    m = cls(Parameters(scale=scale, years=max(1, -(-weeks // 52))), seed=seed)
    t1 = time.perf_counter()
    for _ in range(weeks):
        m.step()
    return t1 - t0, (time.perf_counter() - t1) / weeks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--full-weeks", type=int, default=3)
    ap.add_argument("--scales", type=float, nargs="+", default=[0.02, 0.05, 0.1])
    ap.add_argument("--no-full", action="store_true", help="skip the full county")
    args = ap.parse_args()
    print(f"{'scale':>6s} {'vectorised ms/week':>19s} {'reference ms/week':>18s} "
          f"{'ratio':>7s}  (median of {args.repeats}, {args.weeks} weeks after the build)")
    ratios = []
    for scale in args.scales:
        fast = [per_week("vectorised", scale, args.weeks, s)[1] for s in range(args.repeats)]
        ref = [per_week("reference", scale, args.weeks, s)[1] for s in range(args.repeats)]
        f, r = statistics.median(fast), statistics.median(ref)
        ratios.append((scale, r / f))
        print(f"{scale:6g} {f * 1e3:19.2f} {r * 1e3:18.1f} {r / f:7.0f}", flush=True)
    for (s0, r0), (s1, r1) in zip(ratios, ratios[1:]):
        print(f"  the ratio grows x{r1 / r0:.2f} from scale {s0:g} to {s1:g}")
    if args.no_full:
        return
    build_f, f = per_week("vectorised", 1.0, args.weeks, 0)
    print(f"\nfull county: vectorised {f * 1e3:.1f} ms/week (build {build_f:.1f} s) ...",
          flush=True)
    build_r, r = per_week("reference", 1.0, args.full_weeks, 0)
    print(f"full county: reference {r:.2f} s/week over {args.full_weeks} weeks (build "
          f"{build_r:.0f} s); ratio {r / f:.0f} (goal: at least 100)")


if __name__ == "__main__":
    main()
