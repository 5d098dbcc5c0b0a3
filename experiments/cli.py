"""`juwei`: the command line. Bad input exits with status 2 and one line, never a traceback."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from model import INDICATORS, LEVER_GROUPS, levers, syndrome_present
from model.params import OTHER_GROUPS

from . import scenario as scen
from .scenario import UserError

CANONICAL = list(INDICATORS)[:20]


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse prints usage lines by default)
        raise UserError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def add_batch_options(p: argparse.ArgumentParser, replicates: int) -> None:
    p.add_argument("--replicates", type=positive_int, default=replicates,
                   help=f"replicate runs (default {replicates})")
    p.add_argument("--seed", type=int, default=20061, help="root seed (default 20061)")
    p.add_argument("--years", type=int, help="horizon in years (default: the scenario's)")
    p.add_argument("--scale", type=float, help="population scale, e.g. 0.1 (default: 1)")
    p.add_argument("--workers", type=positive_int, help="local processes (default: all cores)")
    p.add_argument("--executor", choices=("processes", "inprocess"), default="processes")


def build_parser() -> Parser:
    top = Parser(prog="juwei", description="Simulate the 'government hot, cadres tired, residents "
                 "cold' syndrome of a county's community governance and its remedies.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("run", help="run a scenario and write its results folder")
    p.add_argument("scenario", help="scenario file or name (see `juwei scenarios`)")
    add_batch_options(p, replicates=10)
    p.add_argument("--set", action="append", default=[], metavar="LEVER=VALUE",
                   help="override a parameter (repeatable)")
    p.add_argument("--out", help="results folder (default results/<scenario>-<time>)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")

    p = sub.add_parser("levers", help="list the policy levers")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="also structure and calibration")

    sub.add_parser("scenarios", help="list the scenario files")

    p = sub.add_parser("validate", help="check the baseline against the patterns of spec §7")
    p.add_argument("scenario", nargs="?", default="baseline")
    add_batch_options(p, replicates=5)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UserError as e:
        print(f"juwei: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("juwei: interrupted", file=sys.stderr)
        return 130


def _scenario(args) -> scen.Scenario:
    s = scen.load(args.scenario)
    sets = scen.parse_set(getattr(args, "set", []))
    if sets:
        s = s.with_overrides(sets, "--set")
    for flag in ("years", "scale"):
        if getattr(args, flag) is not None:
            s = s.with_overrides({flag: getattr(args, flag)}, f"--{flag}")
    return s


def cmd_run(args) -> int:
    from . import plots
    from .runner import Run, execute, replicate_seeds
    from .stats import summary_table
    from .store import code_version, frames, now, umask, write_json, write_parquet

    s = _scenario(args)
    out = Path(args.out or f"results/{s.name}-{datetime.now():%Y%m%d-%H%M%S}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"--out {out}: already exists and is not empty; choose another folder")
    seeds = replicate_seeds(args.seed, args.replicates)
    runs = [Run({"scenario": s.name, "replicate": r}, s.params, seed)
            for r, seed in enumerate(seeds)]
    started, t0 = now(), time.perf_counter()
    outcomes = execute(runs, executor=args.executor, workers=args.workers, desc=s.name)
    wall = time.perf_counter() - t0
    tables = frames(outcomes)
    ok = tables["runs"][tables["runs"].status == "ok"]
    failed = tables["runs"][tables["runs"].status == "failed"]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    tmp.chmod(0o777 & ~umask())
    try:
        for name, frame in tables.items():
            write_parquet(tmp / f"{name}.parquet", frame)
        if not args.no_plots and "series" in tables:
            plots.plot_run(tables["series"], tmp, s.name)
        summary = summary_table(ok, INDICATORS) if len(ok) else {}
        write_json(tmp / "manifest.json", {
            "kind": "run", "scenario": s.name, "scenario_file": s.path,
            "description": s.description, "changes_from_baseline": s.changes,
            "parameters": s.params.__dict__, "root_seed": args.seed, "replicate_seeds": seeds,
            "replicates": args.replicates, "done": int(len(ok)), "failed": int(len(failed)),
            "errors": failed[["replicate", "seed", "error"]].to_dict("records"),
            "started": started, "finished": now(), "wall_seconds": round(wall, 3),
            "code": code_version(), "command": ["juwei", *sys.argv[1:]],
            "summary": summary,
        })
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    if args.json:
        print(json.dumps({"scenario": s.name, "replicates": int(len(ok)),
                          "failed": int(len(failed)), "out": str(out),
                          "indicators": summary}, indent=2))
    else:
        print_summary(s, summary, len(ok), len(failed), out, wall)
    return 0 if len(ok) else 1


def print_summary(s, summary: dict, n_ok: int, n_failed: int, out: Path, wall: float) -> None:
    print(f"\n{s.name}: {s.description}")
    if s.changes:
        print("  changes: " + ", ".join(f"{k}={v}" for k, v in s.changes.items()))
    print(f"  {n_ok} replicates" + (f", {n_failed} FAILED (see manifest.json)" if n_failed else "")
          + f", {wall:.1f} s; last-year means with 95% intervals\n")
    print(f"  {'indicator':26s} {'mean':>10s}  {'95% interval':>21s}  unit")
    for name in CANONICAL:
        if name not in summary:
            continue
        row = summary[name]
        ci = (f"[{row['ci95_low']:9.3f}, {row['ci95_high']:9.3f}]" if row["ci95_low"] is not None
              else " " * 21)
        print(f"  {name:26s} {row['mean']:10.3f}  {ci}  {INDICATORS[name][0]}")
    if summary:
        means = {k: v["mean"] for k, v in summary.items()}
        verdict = "present" if syndrome_present(means) else "absent"
        print(f"\n  syndrome {verdict}: H {means['htc_H']:.2f}, T {means['htc_T']:.2f}, "
              f"C {means['htc_C']:.2f} (threshold 0.6 each)")
    print(f"\n  results: {out}/ (manifest.json, runs/series/committees .parquet, *.png)")


def cmd_levers(args) -> int:
    groups = LEVER_GROUPS + (OTHER_GROUPS if args.all else ())
    rows = levers(groups)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for group in groups:
        print(f"\n{group}")
        for r in (r for r in rows if r["group"] == group):
            zh = f" ({r['zh']})" if r["zh"] else ""
            print(f"  {r['name']:30s} {r['baseline']!s:>7} in [{r['low']}, {r['high']}] "
                  f"{r['unit']}: {r['meaning']}{zh}")
    return 0


def cmd_scenarios(args) -> int:
    for s in scen.available():
        print(f"{s.name:28s} {s.description}")
        if s.changes:
            print(f"{'':28s}   " + ", ".join(f"{k}={v}" for k, v in s.changes.items()))
    return 0


def cmd_validate(args) -> int:
    from . import patterns

    s = _scenario(args)
    t0 = time.perf_counter()
    tables = patterns.batch(s.params, args.replicates, args.seed, args.executor, args.workers)
    results = patterns.check(tables)
    print(f"\nPatterns of spec §7 on '{s.name}' (scale {s.params.scale}, {s.params.years} years, "
          f"{args.replicates} replicates, seed {args.seed}, {time.perf_counter() - t0:.0f} s)")
    for r in results:
        print(f"  {r.number:2d}. {'holds' if r.holds else 'FAILS':5s}  {r.title}: {r.figure}"
              f"  [{r.condition}]")
    n = sum(r.holds for r in results)
    print(f"\n{n} of {len(results)} patterns hold")
    return 0 if n == len(results) else 1


COMMANDS = {"run": cmd_run, "levers": cmd_levers, "scenarios": cmd_scenarios,
            "validate": cmd_validate}

if __name__ == "__main__":
    sys.exit(main())
