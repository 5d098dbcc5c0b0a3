"""`juwei`: the command line. Bad input exits with status 2 and one line, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from model import INDICATORS, LEVER_GROUPS, levers, syndrome_present
from model import run as run_model
from model.params import OTHER_GROUPS

from . import scenario as scen
from .scenario import Interrupted, UserError
from .sensitivity import AnalysisRefused

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


def add_model_options(p, replicates: int | None) -> None:
    if replicates is not None:
        p.add_argument("--replicates", type=positive_int, default=replicates,
                       help=f"replicate runs per scenario (default {replicates})")
        p.add_argument("--seed", type=int, default=20061, help="root seed (default 20061)")
    p.add_argument("--years", type=int, help="horizon in years (default: the scenario's, 5)")
    p.add_argument("--scale", type=float, help="population scale, e.g. 0.1 (default 1)")


def add_batch_options(p, out_help: str) -> None:
    p.add_argument("--out", help=out_help)
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted experiment in --out (redoes failed runs)")
    p.add_argument("--executor", choices=("processes", "inprocess", "dask"), default="processes",
                   help="local processes (default), one process, or Dask")
    p.add_argument("--workers", type=positive_int, help="processes or Dask workers (default: "
                   "all cores)")
    p.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler, e.g. "
                   "tcp://10.0.0.5:8786 (implies --executor dask)")
    p.add_argument("--dry-run", action="store_true", help="print the number of runs and an "
                   "estimate of the time, run nothing")


def build_parser() -> Parser:
    top = Parser(prog="juwei", description="Simulate the 'government hot, cadres tired, residents "
                 "cold' syndrome of a county's community governance and its remedies.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("run", help="run a scenario and write its results folder")
    p.add_argument("scenario", help="scenario file or name (see `juwei scenarios`)")
    add_model_options(p, replicates=10)
    p.add_argument("--set", action="append", default=[], metavar="LEVER=VALUE",
                   help="override a parameter (repeatable)")
    add_batch_options(p, "results folder (default results/<scenario>-<time>)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")

    p = sub.add_parser("compare", help="compare scenarios with a base on common random numbers")
    p.add_argument("base", help="the base scenario (file or name)")
    p.add_argument("alternatives", nargs="+", help="scenarios to compare with the base")
    add_model_options(p, replicates=10)
    add_batch_options(p, "results folder (default results/compare-<time>)")

    p = sub.add_parser("sweep", help="run a parameter sweep from a design file")
    p.add_argument("design", help="design file, or a ready-made design's name")
    add_batch_options(p, "results folder (default results/sweep-<design>-<time>)")

    p = sub.add_parser("sensitivity", help="rank the levers by global sensitivity analysis")
    p.add_argument("design", help="design file, or a ready-made design's name (morris_quick, "
                   "sobol_cluster)")
    p.add_argument("--method", choices=("morris", "sobol", "pawn"), help="override the design's")
    p.add_argument("--samples", type=positive_int, help="override the design's sample size")
    p.add_argument("--replicates", type=positive_int, help="override the design's replicates")
    add_model_options(p, replicates=None)
    add_batch_options(p, "results folder (default results/sensitivity-<design>-<time>)")

    p = sub.add_parser("levers", help="list the policy levers")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="also structure and calibration")

    p = sub.add_parser("app", help="start the workshop dashboard in the browser")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: "
                   "this machine only; 0.0.0.0 opens it to the network)")

    sub.add_parser("scenarios", help="list the scenario files")
    sub.add_parser("designs", help="list the ready-made experiment designs")

    p = sub.add_parser("validate", help="check the baseline against the patterns of spec §7")
    p.add_argument("scenario", nargs="?", default="baseline")
    add_model_options(p, replicates=5)
    p.add_argument("--workers", type=positive_int)
    p.add_argument("--executor", choices=("processes", "inprocess", "dask"), default="processes")
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UserError as e:
        print(f"juwei: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"juwei: {e}", file=sys.stderr)
        return 130
    except AnalysisRefused as e:
        print(f"juwei: analysis refused: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("juwei: interrupted", file=sys.stderr)
        return 130


# --- helpers --------------------------------------------------------------------------------------
def _scenario(name: str, args) -> scen.Scenario:
    s = scen.load(name)
    sets = scen.parse_set(getattr(args, "set", []))
    if sets:
        s = s.with_overrides(sets, "--set")
    for flag in ("years", "scale"):
        if getattr(args, flag, None) is not None:
            s = s.with_overrides({flag: getattr(args, flag)}, f"--{flag}")
    return s


def _options(args, default_out: str):
    from .batch import Options
    if args.resume and not args.out:
        raise UserError("--resume needs --out DIR: the folder of the experiment to finish")
    return Options(out=Path(args.out or default_out), resume=args.resume,
                   executor=args.executor, workers=args.workers, scheduler=args.scheduler)


def _stamp() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}"


def _dry_run(runs, workers) -> int:
    from .batch import estimate
    print(estimate(runs, run_model, workers))
    return 0


# --- commands -------------------------------------------------------------------------------------
def cmd_run(args) -> int:
    from . import plots
    from .batch import run_batch
    from .runner import replicate_seeds, scenario_runs
    from .stats import summary_table
    from .store import write_json

    s = _scenario(args.scenario, args)
    seeds = replicate_seeds(args.seed, args.replicates)
    runs = scenario_runs([s], args.replicates, args.seed)
    if args.dry_run:
        return _dry_run(runs, args.workers)
    opts = _options(args, f"results/{s.name}-{_stamp()}")
    design = {"scenario": s.name, "scenario_file": s.path, "description": s.description,
              "changes_from_baseline": s.changes, "parameters": s.params.__dict__,
              "replicates": args.replicates, "root_seed": args.seed, "replicate_seeds": seeds}
    store, tables = run_batch(runs, opts, "run", design, desc=s.name)
    ok = tables["runs"][tables["runs"].status == "ok"]
    summary = summary_table(ok, INDICATORS) if len(ok) else {}
    if not args.no_plots and "series" in tables:
        plots.plot_run(tables["series"], opts.out, s.name)
    store.manifest["summary"] = summary
    write_json(store.manifest_path, store.manifest)
    failed = store.manifest["failed"]
    if args.json:
        print(json.dumps({"scenario": s.name, "replicates": int(len(ok)), "failed": failed,
                          "out": str(opts.out), "indicators": summary}, indent=2))
    else:
        print_summary(s, summary, len(ok), failed, opts.out, store.manifest["wall_seconds"])
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


def cmd_compare(args) -> int:
    from . import compare
    from .runner import scenario_runs

    names = [args.base] + [a for a in args.alternatives]
    scenarios = [_scenario(n, args) for n in names]
    labels = [s.name for s in scenarios]
    if len(set(labels)) < len(labels):
        raise UserError(f"compare: a scenario is named twice: {' '.join(labels)}")
    if args.replicates < 2:
        raise UserError("--replicates: a comparison needs at least 2 replicates for intervals")
    if args.dry_run:
        return _dry_run(scenario_runs(scenarios, args.replicates, args.seed), args.workers)
    opts = _options(args, f"results/compare-{_stamp()}")
    result = compare.run(scenarios, args.replicates, args.seed, opts)
    print_comparison(result.table, labels, result.dropped, opts.out, result.wall_seconds)
    return 0


def print_comparison(table, labels, dropped, out: Path, wall: float) -> None:
    from .compare import HEADLINE
    base, alts = labels[0], labels[1:]
    print(f"\nChanges from '{base}' (paired; * = bootstrap 95% interval excludes zero), "
          f"{wall:.0f} s\n")
    width = max(len(a) for a in alts) + 2
    print(f"  {'scenario':{width}s}" + "".join(f"{h[:13]:>14s}" for h in HEADLINE))
    for a in alts:
        cells = []
        for h in HEADLINE:
            r = table[(table.indicator == h) & (table.scenario == a)].iloc[0]
            cells.append(f"{r['diff']:+13.3f}{'*' if r.flagged else ' '}")
        print(f"  {a:{width}s}" + "".join(cells))
    if dropped:
        print(f"\n  replicates {dropped} failed somewhere and were left out (manifest.json)")
    print(f"\n  report: {out / 'report.html'}\n  tables: {out / 'comparison.csv'}, "
          f"{out / 'runs.parquet'}, {out / 'series.parquet'}")


def cmd_sweep(args) -> int:
    from . import sweep
    from .batch import run_batch
    from .store import atomic_write, write_parquet

    design = sweep.load(args.design)
    frame = sweep.points(design)
    runs = sweep.runs(design, frame)
    if args.dry_run:
        print(f"{len(frame)} design points x {design.replicates} replicates")
        return _dry_run(runs, args.workers)
    opts = _options(args, f"results/sweep-{Path(design.path).stem}-{_stamp()}")
    keep = ("series",) if design.series else ()
    store, tables = run_batch(runs, opts, "sweep", design.as_dict(), keep=keep,
                              desc=Path(design.path).stem)
    ok = tables["runs"][tables["runs"].status == "ok"]
    levers_ = list(design.levers)
    means = sweep.point_means(ok, levers_, design.outputs)
    write_parquet(opts.out / "points.parquet", means)
    atomic_write(opts.out / "points.csv", lambda tmp: means.to_csv(tmp, index=False))
    sweep.plot(ok, levers_, design.outputs, opts.out)
    m = store.manifest
    print(f"\n{Path(design.path).stem}: {len(frame)} points x {design.replicates} replicates = "
          f"{m['total']} runs, {m['done']} done, {m['failed']} failed, {m['wall_seconds']:.0f} s")
    print(f"  results: {opts.out}/ (runs.parquet, points.csv, sweep-<output>.png, manifest.json)")
    return 0 if m["failed"] == 0 else 1


def cmd_sensitivity(args) -> int:
    from . import report
    from . import sensitivity as sa
    from .store import atomic_write, write_json, write_parquet

    d = sa.load(args.design, {"method": args.method, "samples": args.samples,
                              "replicates": args.replicates, "years": args.years,
                              "scale": args.scale})
    if args.dry_run:
        X = sa.sample(d)
        print(f"{d.method}: {len(X)} design points x {d.replicates} replicates "
              f"({len(d.factors.labels) - 1} {'groups' if d.factors.groups else 'levers'} + dummy)")
        return _dry_run(sa.build_runs(d, X, sa.county_params(d)), args.workers)
    opts = _options(args, f"results/sensitivity-{Path(d.path).stem}-{_stamp()}")
    store, _, result = sa.run(d, opts)
    tables = sa.tables(d, result)
    for name, frame in tables.items():
        write_parquet(opts.out / f"{name}.parquet", frame)
        atomic_write(opts.out / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    images = {"indices": opts.out / "sa-indices.png", "heatmap": opts.out / "sa-heatmap.png",
              "ranks": opts.out / "sa-ranks.png", "convergence": opts.out / "sa-convergence.png"}
    sa.plot_indices(d, result, images["indices"])
    sa.plot_heatmap(d, result, images["heatmap"])
    sa.plot_ranks(result, images["ranks"])
    sa.plot_convergence(d, result, images["convergence"])
    paragraphs = {o: sa.summary_sentence(d, o, r) for o, r in result.items()}
    store.manifest["summary"] = paragraphs
    write_json(store.manifest_path, store.manifest)
    html = report.sensitivity(d, tables, paragraphs, images, store.manifest)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    print_sensitivity(d, result, paragraphs, opts.out, store.manifest["wall_seconds"])
    return 0


def print_sensitivity(d, result, paragraphs, out: Path, wall: float) -> None:
    from .sensitivity import DUMMY, MAIN_INDEX
    main = MAIN_INDEX[d.method]
    outputs = list(result)
    labels = [l for l in d.factors.labels if l != DUMMY]
    print(f"\n{d.method} ranks ({main}; rank 1 = most influential; . = not above the dummy), "
          f"{wall:.0f} s\n")
    width = max(map(len, labels)) + 2
    print(f"  {'':{width}s}" + "".join(f"{o[:12]:>13s}" for o in outputs))
    for l in sorted(labels, key=lambda l: result[outputs[-1]]["table"].loc[l, "rank"]):
        cells = []
        for o in outputs:
            t = result[o]["table"].loc[l]
            cells.append(f"{int(t['rank']):>12d}{' ' if t.above_dummy else '.'}")
        print(f"  {l:{width}s}" + "".join(cells))
    print()
    for o, text in paragraphs.items():
        print(f"  {text}\n")
    print(f"  report: {out / 'report.html'}\n  tables: {out / 'indices.csv'}, "
          f"{out / 'rank_probabilities.csv'}, {out / 'convergence.csv'}")


def cmd_app(args) -> int:
    import importlib.util
    import os
    if importlib.util.find_spec("solara") is None:
        raise UserError("app: the dashboard needs the app extra: pip install -e '.[app]' "
                        "(`make setup` installs it)")
    if not 0 < args.port < 65536:
        raise UserError(f"--port: expected 1-65535, got {args.port}")
    print(f"juwei dashboard: http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    cmd = [sys.executable, "-m", "solara", "run", "experiments.app", "--host", args.host, "--port",
           str(args.port), "--production", "--no-open"]
    # become the server (no parent left behind): stopping `juwei app` stops the server
    os.execve(sys.executable, cmd, env)


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


def cmd_designs(args) -> int:
    from . import sweep
    for path in sorted(sweep.DESIGN_DIR.glob("*.toml")):
        d = sweep.read_toml(path)
        command = "sensitivity" if "method" in d else "sweep"
        print(f"{path.stem:20s} juwei {command:12s} {d.get('description', '')}")
    return 0


def cmd_validate(args) -> int:
    from . import patterns

    s = _scenario(args.scenario, args)
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


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "sweep": cmd_sweep,
            "sensitivity": cmd_sensitivity, "app": cmd_app, "levers": cmd_levers,
            "scenarios": cmd_scenarios, "designs": cmd_designs, "validate": cmd_validate}

if __name__ == "__main__":
    sys.exit(main())
