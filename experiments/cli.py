"""`juwei`: the command line. It parses, calls a study and prints; bad input exits with status 2
and one line, never a traceback.

Exit status: 0 done; 1 some runs failed, or the analysis was refused (failed or missing runs);
2 bad input (nothing written); 130, 143, 129 stopped by Ctrl-C, SIGTERM, SIGHUP; 75 the Dask
scheduler was lost. An interrupted experiment is finished with --resume --out DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from . import __version__
from .engine import (DEFAULT_SEED, EXECUTORS, AnalysisRefused, Interrupted, Options, UserError,
                     check_seed, check_size)
from .engine.errors import SIGNAL_STATUS, WRITE_STATUS, as_command, named, option
from .engine.store import short
from .inputs import scenario as scen
from .inputs.files import suggest
from .inputs.search import MIN_PACKAGES
from .model import (BETTER, CANONICAL, HEADLINE, INDICATORS, LEVER_GROUPS, OTHER_GROUPS,
                    OUTCOMES, SYNDROME_THRESHOLD, describe, levers, switched_on, syndrome)
from .model.params import TAGS, needed, read_by
from .present.schema import schema_tables


DEFAULT_DRAWS = 20          # posterior draws of --ensemble


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):   # no abbreviations: `--replicate` is not `--replicates`
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an option the command does not know is refused by the command
        (`juwei run: unrecognized arguments: --scael; did you mean '--scale'?`), not by juwei."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            command = self._commands.get(getattr(parsed, "command", None)) if hasattr(
                self, "_commands") else None
            where = command or self
            known = [o for a in where._actions for o in a.option_strings]
            first = extra[0].split("=")[0]
            where.error(f"unrecognized arguments: {' '.join(extra)}"
                        f"{suggest(first, known) if first.startswith('-') else ''}")
        return parsed

    def error(self, message):  # one line, status 2 (argparse prints usage lines by default)
        where = "" if self.prog == "juwei" else f"{self.prog}: "    # "juwei: error:" leads
        raise UserError(f"{where}{message} (see `{self.prog} --help`)")


def whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {short(repr(text), 40)}"
                                         ) from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    return whole_number(text, 1)


def non_negative_int(text: str) -> int:
    return whole_number(text, 0)


def seed(text: str) -> int:
    try:
        return check_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got "
                                         f"{short(repr(text), 40)}") from None


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {short(repr(text), 40)}"
                                         ) from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share above 0 and at most 1, got {value}")
    return value


def add_model_options(p, replicates: int | None, years: str = "the scenario's, 5",
                      scale: str = "1") -> None:
    """--years and --scale (`years` and `scale` say their defaults), with --replicates, --seed
    and --county when the command runs scenarios itself (`replicates` is then its default)."""
    if replicates is not None:
        p.add_argument("--replicates", type=positive_int, default=replicates,
                       help=f"replicate runs per scenario (default {replicates})")
        p.add_argument("--seed", type=seed, default=DEFAULT_SEED,
                       help=f"root seed, a whole number >= 0 (default {DEFAULT_SEED})")
    p.add_argument("--years", type=int, help=f"horizon in years (default {years})")
    p.add_argument("--scale", type=float, help=f"population scale, e.g. 0.1 (default {scale})")
    p.add_argument("--burn-in", dest="burn_in_years", type=non_negative_int, metavar="YEARS",
                   help="years the county settles under the base scenario before the "
                   "scenario's levers switch on (default: a design's burn_in_years, else 6, "
                   "the measured settling time, ODD §7.1; 0: from week 0 on an unsettled "
                   "county)")
    if replicates is not None:
        p.add_argument("--county", metavar="FILE", help="a county file, or a shipped county's "
                       "name (default: the scenario's, else the essay's; see `juwei counties`)")
        p.add_argument("--set", action="append", default=[], metavar="PARAMETER=VALUE",
                       help="set a parameter in every scenario, over its own value "
                       "(repeatable), e.g. cadres_choose=1")


def add_batch_options(p, out_help: str) -> None:
    p.add_argument("--out", help=out_help)
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted experiment in --out (redoes failed runs)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes",
                   help="local processes (default), one process, or Dask")
    p.add_argument("--workers", type=positive_int, help="processes or Dask workers (default: "
                   "all cores)")
    p.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler, e.g. "
                   "tcp://10.0.0.5:8786 (implies --executor dask)")
    p.add_argument("--dry-run", action="store_true", help="print the number of runs (with "
                   "--resume: those left) and an estimate of the time, run nothing")
    p.add_argument("--allow-code-change", action="store_true", help="with --resume: accept "
                   "parts written by other code (the manifest records it)")
    p.add_argument("--overwrite", action="store_true", help="start the experiment in --out "
                   "again, emptying the folder first (only if it holds an experiment)")


def add_lang_option(p, what: str) -> None:
    p.add_argument("--lang", choices=("zh", "en"), default="en",
                   help=f"language of {what} (default en)")


def add_ensemble_options(p) -> None:
    p.add_argument("--ensemble", metavar="DIR", help="a calibration's folder (juwei calibrate): "
                   "run on posterior draws of its constants, the same draws in every scenario")
    p.add_argument("--draws", type=positive_int,
                   help=f"posterior draws with --ensemble (default {DEFAULT_DRAWS}); each runs "
                   "--replicates")


def _ensemble(args):
    """The posterior draws of --ensemble, or None; --draws alone is an error."""
    if args.ensemble is None:
        if args.draws is not None:
            raise UserError("--draws goes with --ensemble DIR (a calibration's folder)")
        return None
    from .inputs.ensemble import load_ensemble
    return load_ensemble(args.ensemble, args.draws or DEFAULT_DRAWS, args.seed)


def build_parser() -> Parser:
    top = Parser(prog="juwei", description="Simulate the 'government hot, cadres tired, residents "
                 "cold' syndrome of a county's community governance and its remedies.")
    top.add_argument("--version", action="version", version=f"juwei {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    top._commands = sub.choices          # name -> its parser, for its own refusals

    p = sub.add_parser("run", help="run a scenario and write its results folder")
    p.add_argument("scenario", help="scenario file or name (see `juwei scenarios`)")
    add_model_options(p, replicates=10)
    add_batch_options(p, "results folder (default results/<scenario>-<time>)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    add_lang_option(p, "the figures and the summary in the terminal")

    p = sub.add_parser("compare", help="compare scenarios with a base on common random numbers")
    p.add_argument("base", help="the base scenario (file or name)")
    p.add_argument("alternatives", nargs="+", help="scenarios to compare with the base")
    add_model_options(p, replicates=10)
    add_ensemble_options(p)
    add_batch_options(p, "results folder (default results/compare-<time>)")
    add_lang_option(p, "report.html, the figures and the terminal (handout.html is always "
                    "both)")
    p.add_argument("--dose-response", action="store_true", help="instead, run each remedy "
                   "over its levers' whole range (from the base's values to the end of the "
                   "documented range) and compare the remedies that cost money at equal cost")
    p.add_argument("--doses", type=positive_int, default=4, metavar="N", help="with "
                   "--dose-response: dose levels between the base and the range's end "
                   "(default 4: 1/4, 1/2, 3/4, 1), besides each scenario's own")
    p.add_argument("--budget", type=float, metavar="YUAN", help="with --dose-response: the "
                   "extra public money a year at which costly remedies are compared (default: "
                   "the median of their costs at their scenario files' doses)")

    p = sub.add_parser("audit", help="the assumption audit: which assumed constants decide the "
                       "remedies' effects and their ranking")
    p.add_argument("scenarios", nargs="*", help="the base, then the remedies (default: baseline "
                   "and the essay's remedies but the combined reform)")
    p.add_argument("--samples", type=positive_int, default=64, help="samples of the assumed "
                   "constants (default 64)")
    p.add_argument("--noise-samples", type=positive_int, default=16, help="reference samples "
                   "that vary only the seed (default 16)")
    p.add_argument("--spread", type=float, default=0.5, help="each assumed constant varies "
                   "over its value x (1 +- SPREAD), within its range (default 0.5)")
    add_model_options(p, replicates=None, years="5", scale="0.05")
    p.add_argument("--seed", type=seed, default=DEFAULT_SEED,
                   help=f"root seed (default {DEFAULT_SEED})")
    add_ensemble_options(p)
    add_batch_options(p, "results folder (default results/audit-<time>)")

    p = sub.add_parser("discover", help="scenario discovery: where, among an ensemble study's "
                       "unknowns, a remedy fails to end the syndrome or does harm (PRIM, CART)")
    p.add_argument("study", help="an ensemble study's folder (juwei compare --ensemble, juwei "
                   "audit, or any study whose runs pair a base and remedies over varied "
                   "parameters)")
    p.add_argument("--scenario", action="append", metavar="NAME", help="a remedy of the "
                   "study (repeatable; default: every remedy)")
    p.add_argument("--fail", default="syndrome", metavar="syndrome|harm", help="what failing "
                   "means: the syndrome still present after the remedy (default), or harm: a "
                   "headline outcome worse than the base's by more than --margin")
    p.add_argument("--margin", type=float, default=0.05, help="with --fail harm: the share of "
                   "the base's value an outcome must worsen by (default 0.05)")
    p.add_argument("--min-density", type=float, default=0.5, help="a region is reported when at "
                   "least this share of its units fail (default 0.5)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the "
                   "sentences and report.html (default en)")
    p.add_argument("--out", help="results folder (default beside the study: <study>-discover)")

    p = sub.add_parser("sweep", help="run a parameter sweep from a design file")
    p.add_argument("design", help="design file, or a ready-made design's name")
    add_ensemble_options(p)
    add_batch_options(p, "results folder (default results/sweep-<design>-<time>)")
    add_lang_option(p, "the figures and the terminal")

    p = sub.add_parser("sensitivity", help="rank the levers by global sensitivity analysis")
    p.add_argument("design", help="design file, or a ready-made design's name (morris_quick, "
                   "sobol_cluster)")
    p.add_argument("--method", choices=("morris", "sobol", "pawn"), help="override the design's")
    p.add_argument("--samples", type=positive_int, help="override the design's sample size")
    p.add_argument("--replicates", type=positive_int, help="override the design's replicates")
    p.add_argument("--ensemble", metavar="DIR", help="also vary a calibration's constants over "
                   "their posterior 5-95%% ranges (the design's `ensemble`)")
    p.add_argument("--draws", type=positive_int, metavar="K", help="with --ensemble: rank the "
                   "levers on K posterior draws instead (every design point runs on the same "
                   "draws; the constants are then not factors)")
    p.add_argument("--difference", metavar="SCENARIO", help="analyse this remedy's paired "
                   "effect instead of the level (the design's `difference`)")
    add_model_options(p, replicates=None, years="the design's",
                      scale="the design's")
    add_batch_options(p, "results folder (default results/sensitivity-<design>-<time>)")

    p = sub.add_parser("search", help="search reform packages on many objectives at once, "
                       "robust over posterior draws and seeds (NSGA-II/III, pymoo)")
    p.add_argument("design", help="search design file, or a ready-made one's name "
                   "(search_packages)")
    p.add_argument("--population", type=lambda text: whole_number(text, MIN_PACKAGES),
                   help=f"override the design's packages per generation (at least "
                   f"{MIN_PACKAGES})")
    p.add_argument("--generations", type=positive_int, help="override the design's generations")
    p.add_argument("--replicates", type=positive_int, help="override the design's replicate "
                   "seeds per package")
    p.add_argument("--assumptions", type=positive_int, metavar="N", help="judge every package "
                   "on N samples of the assumed constants, as juwei audit draws them (with "
                   "--ensemble, each also on a posterior draw)")
    p.add_argument("--lang", choices=("zh", "en"), default="en",
                   help="language of report.html and its figures (default en)")
    add_model_options(p, replicates=None, years="the design's", scale="the design's")
    add_ensemble_options(p)
    add_batch_options(p, "results folder (default results/search-<design>-<time>)")

    p = sub.add_parser("calibrate", help="calibrate the model's constants to the patterns "
                       "and measurements (emulated likelihood or ABC-SMC) and write a posterior "
                       "ensemble")
    p.add_argument("design", nargs="?", help="calibration design file, or a ready-made one's "
                   "name (calibrate_measured)")
    p.add_argument("--figures", action="store_true",
                   help="list the figures a design's targets can name, and stop")
    p.add_argument("--screen", action="store_true",
                   help="the prior-predictive screen instead of the fit: which targets the "
                   "constants can move, and which constants no target moves")
    p.add_argument("--draws", type=positive_int, help="with --screen: particles drawn from the "
                   "priors (default 64)")
    p.add_argument("--check", action="store_true",
                   help="simulation-based calibration instead of the fit: calibrate to figures "
                   "simulated from known truths, and report how often the posterior's 50%% and "
                   "90%% intervals hold them")
    p.add_argument("--truths", type=positive_int, help="with --check: truths drawn from the "
                   "priors (default 20)")
    p.add_argument("--population", type=positive_int, help="override the design's particles "
                   "per generation (an emulator's runs per wave)")
    p.add_argument("--generations", type=positive_int, help="override the design's generations")
    p.add_argument("--replicates", type=positive_int, help="override the design's runs per "
                   "particle")
    add_model_options(p, replicates=None, years="the design's",
                      scale="the design's")
    add_batch_options(p, "results folder (default results/calibrate-<design>-<time>)")

    p = sub.add_parser("dock", help="dock the vectorised model against the per-agent reference "
                       "(model/reference): equivalence of levels and remedy effects")
    p.add_argument("scenarios", nargs="*", help="the base, then the remedies (default: "
                   "baseline separation unit_sharing combined_reform)")
    p.add_argument("--against", default="reference", metavar="{reference,vectorised,commit:REV}",
                   help="the second arm: the per-agent reference (default); vectorised, the "
                   "model against itself on other seeds (the false-alarm check); or commit:REV, "
                   "the model of another commit of this checkout (a change that alters the "
                   "random numbers docks against the commit before it)")
    p.add_argument("--perturb", metavar="PARAMETER=FACTOR", help="multiply one constant in "
                   "the second arm only, e.g. trust_rate=1.5: the suite should then fail")
    p.add_argument("--margin", type=share, help="a level docks within this share of the "
                   "vectorised mean (default 0.05)")
    p.add_argument("--effect-margin", type=share, help="a remedy's effect docks within this "
                   "share of the vectorised effect (default 0.2)")
    add_model_options(p, replicates=30, scale="0.02: the per-agent reference is slow")
    add_batch_options(p, "results folder (default results/dock-<time>)")

    p = sub.add_parser("levers", help="list the policy levers (--all: every parameter)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true",
                   help="also the structure and the uncertain constants of each submodel")
    p.add_argument("--markdown", action="store_true",
                   help="the parameter tables of docs/ODD.md §8 (every parameter)")
    add_lang_option(p, "the names, meanings and units (and of --json's label, meaning_shown "
                    "and unit_shown; --markdown is the ODD's English)")

    p = sub.add_parser("app", help="start the workshop dashboard in the browser")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: "
                   "this machine only; 0.0.0.0 opens it to the network)")
    p.add_argument("--county", metavar="FILE", help="run every scenario on this county file "
                   "(default: each scenario's, else the essay's)")
    p.add_argument("--lang", choices=("zh", "en"), help="the page's language (default: what "
                   "the browser asks for, else Chinese); a switch on the page changes it")
    p.add_argument("--session", metavar="FILE", help="open with a saved workshop session "
                   "(scenario, levers, seed, scale, language)")
    p.add_argument("--results", metavar="DIR", default="results", help="where prepared "
                   "comparisons are found and new ones written (default results/)")
    p.add_argument("--read-only", action="store_true", help="the room's mode: visitors "
                   "explore the county in memory, but no session is saved, listed, loaded or "
                   "uploaded and no comparison run on this machine (prepared ones are shown)")

    p = sub.add_parser("indicators", help="list the indicators: definition and unit")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language (default en)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("scenarios", help="list the scenario files")
    add_lang_option(p, "the list (zh: each file's Chinese title and description)")
    p = sub.add_parser("counties", help="list the shipped county files, or check and describe "
                       "one")
    p.add_argument("file", nargs="?", help="a county file to check (see counties/template.toml)")
    sub.add_parser("designs", help="list the ready-made experiment designs")

    p = sub.add_parser("validate", help="check the baseline against the patterns of spec §7")
    p.add_argument("scenario", nargs="?", default="baseline")
    add_model_options(p, replicates=5)
    p.add_argument("--breakers", action="store_true", help="also run each pattern's breaker (a "
                   "setting in range under which it must fail) on the same seeds")
    p.add_argument("--csv", metavar="FILE", help="write the table of patterns (label, what each "
                   "rests on, figures, breaker) to FILE")
    p.add_argument("--workers", type=positive_int, help="processes or Dask workers "
                   "(default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes",
                   help="local processes (default), one process, or Dask")
    p.add_argument("--out", help="store every run and the table of patterns (patterns.csv) in "
                   "this results folder, to read back with juwei.load (default: nothing is "
                   "written)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted validation in "
                   "--out")
    p.add_argument("--overwrite", action="store_true", help="start the validation in --out "
                   "again, emptying the folder first (only if it holds an experiment)")
    add_lang_option(p, "the terminal")
    p.set_defaults(scheduler=None, allow_code_change=False)
    return top


def say(text: str) -> None:
    """One line on stderr, however long or multi-line the message."""
    print(short(text, 1000), file=sys.stderr)


def say_notes(ensemble, params) -> None:
    """What a study on posterior draws should know first (inputs/ensemble.Ensemble.notes)."""
    for note in ensemble.notes(params) if ensemble else ():
        say(f"juwei: {note}")


def asked_lang(argv: list[str] | None) -> str:
    """The --lang the command line asks for, read before parsing (an argument refused by the
    parser is said in it too); "en" if none."""
    argv = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.partition("=")[2]
    return "en"


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        args = build_parser().parse_args(argv)
        with as_command():
            return COMMANDS[args.command](args)
    except UserError as e:
        from .engine.batch import abandon_guarded
        from .present import i18n
        kept = abandon_guarded(e)               # a manifest not written: a full disk
        if kept:
            say(f"juwei: {kept}")
            return WRITE_STATUS
        lang = getattr(args, "lang", None) or asked_lang(argv)
        say(f"juwei: {i18n.error_line(str(e), lang)}")
        return 2
    except (RecursionError, MemoryError) as e:
        say(f"juwei: error: the input is too large or too deeply nested ({type(e).__name__})")
        return 2
    except Interrupted as e:
        say(f"juwei: {e}")
        return e.status
    except AnalysisRefused as e:
        say(f"juwei: analysis refused: {e}")
        return 1
    except OSError as e:           # a folder that cannot be written, a full disk
        if isinstance(e, BrokenPipeError):      # `juwei scenarios | head`: not an error
            sys.stdout = None
            return 0
        from .engine.batch import abandon_guarded
        kept = abandon_guarded(e)               # while a study wrote its outputs
        if kept:
            say(f"juwei: {kept}")
            return WRITE_STATUS
        say(f"juwei: error: {e.filename or ''}: {e.strerror or e}")
        return 2
    except KeyboardInterrupt as e:     # a Stop (SIGTERM, SIGHUP) knows its own status
        print("juwei: interrupted", file=sys.stderr)
        return SIGNAL_STATUS.get(getattr(e, "signum", None), 130)
    except BrokenPipeError:        # `juwei scenarios | head`: the reader left; not an error
        sys.stdout = None
        return 0


# --- helpers --------------------------------------------------------------------------------------
RUN_SIZE = {field: "--burn-in" if field == "burn_in_years" else f"--{field}"   # their flags
            for field in scen.RUN_SIZE}


def _scenario(name: str, args) -> scen.Scenario:
    s = scen.with_sets(scen.load(name), scen.parse_set(getattr(args, "set", [])), "--set",
                       RUN_SIZE.get)
    for field, flag in RUN_SIZE.items():
        if getattr(args, field, None) is not None:
            s = s.with_overrides({field: getattr(args, field)}, flag)
    if getattr(args, "county", None) is not None:
        s = s.with_county(args.county)
    from .inputs.county import check_population
    given = getattr(args, "scale", None) is not None
    check_population(s.county, s.params.scale, "--scale" if given else s.path)
    return s


def _options(args, default_out: str) -> Options:
    if args.resume and not args.out:
        raise UserError("--resume needs --out DIR: the folder of the experiment to finish")
    if args.out is not None and (not args.out.strip() or "\0" in args.out):
        raise UserError(f"--out {short(repr(args.out), 60)}: not a folder name")
    if args.overwrite and not args.out:
        raise UserError("--overwrite needs --out DIR: the folder of the experiment to redo")
    return Options(out=Path(args.out or default_out), resume=args.resume,
                   executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                   allow_code_change=args.allow_code_change, overwrite=args.overwrite)


def _stamp() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}"


def _dry_run(args, build, total: int, base, seed: int, fn=None,
             burn_ins: int | None = None) -> int:
    """Print how many runs (with --resume, how many are left) and about how long. The design
    is built only to count what a resume has left (`fn`: the run function, if not the county
    model's); otherwise one run of the `base` scenario (its first replicate seed of `seed`) is
    timed."""
    from .engine import remaining
    from .model import run_on
    from .studies.common import dry_run, scenario_runs
    _options(args, "")
    county, lang = base.county, getattr(args, "lang", None) or "en"
    if args.resume:
        runs = build()
        left = remaining(runs, fn or run_on(county, base.params), Path(args.out))
        print(f"{left} of {len(runs)} runs left to do in {args.out}")
        print(dry_run(runs[:1], args.workers, total=left, county=county, lang=lang))
    else:                  # settlings already in the machine's cache are counted too
        print(dry_run(scenario_runs([base], 1, seed), args.workers, total=total, county=county,
                      lang=lang, burn_ins=burn_ins))
    return 0


# --- commands -------------------------------------------------------------------------------------
def cmd_run(args) -> int:
    from .studies import run
    from .studies.common import scenario_runs

    s = _scenario(args.scenario, args)
    check_size(args.replicates, "--replicates")
    if args.dry_run:
        from .model import run_on
        return _dry_run(args, lambda: scenario_runs([s], args.replicates, args.seed),
                        args.replicates, s, args.seed, run_on(s.county))
    opts = _options(args, f"results/{s.name}-{_stamp()}")
    r = run.run(s, args.replicates, args.seed, opts, plots=not args.no_plots, lang=args.lang)
    if args.json:
        print(json.dumps({"scenario": s.name, "replicates": r.replicates_ok, "failed": r.failed,
                          "out": str(r.out), "window": r.window, "indicators": r.summary},
                         indent=2))
    else:
        print_summary(r, args.lang)
    return 0 if r.replicates_ok else 1


def print_changes(s: scen.Scenario, lang: str) -> None:
    """The levers and constants the scenario file or --set changed, by name (in Chinese by
    their Chinese labels); the run's size is said elsewhere."""
    from .present import i18n
    zh = lang != "en"
    moved = {k: v for k, v in s.changes.items() if k not in RUN_SIZE}
    if moved:
        print(i18n.t("terminal.run_changes", lang, changes=("、" if zh else ", ").join(
            f"{i18n.lever(describe(k), lang)['label'] if zh else k}={v}"
            for k, v in moved.items())))


def print_summary(r, lang: str = "en") -> None:
    """A run's summary in the terminal, in `lang` (words from the catalogues' [terminal])."""
    from .model import STEPS_PER_YEAR
    from .present import i18n
    from .present.stats import MIN_REPLICATES

    def tr(key, **fields):
        return i18n.t(f"terminal.{key}", lang, **fields)
    s, zh = r.scenario, lang != "en"
    title = i18n.scenario_title(s, lang) if zh else s.name
    about = i18n.scenario_description(s, lang) if zh else s.description
    # a description that opens with the title (政事分离：...) names it once
    print("\n" + short(about if about.startswith(title) else
                       f"{title}{'：' if zh else ': '}{about}", 200 + len(title) + 2))
    if s.county:
        print(tr("run_county", county=s.county.name, file=s.county_file))
    print_changes(s, lang)
    p = s.params
    window = tr("run_window", years=p.years, first=(p.years - 1) * STEPS_PER_YEAR + 1,
                last=p.years * STEPS_PER_YEAR, when=tr("run_burn_in", burn=p.burn_in_years)
                if p.burn_in_years else tr("run_no_burn_in")) if zh else r.window
    print(tr("run_head", n=r.replicates_ok, failed=tr("run_failed", n=r.failed) if r.failed
             else "", seconds=f"{r.wall_seconds:.1f}", window=window)
          + (tr("too_few_interval", min=MIN_REPLICATES) if r.replicates_ok < MIN_REPLICATES
             else "") + "\n")
    heads = tr("run_columns")
    name_width = 26 if not zh else 22
    print(f"  {ljust(heads[0], name_width)} {rjust(heads[1], 10)}  {rjust(heads[2], 21)}  "
          + (heads[3] if zh else f"{heads[3]:20s} 指标"))
    for name in [*CANONICAL, *switched_on(s.params)]:      # and the switched mechanisms
        if name not in r.summary:
            continue
        row = r.summary[name]
        # the how-sure rule: below MIN_REPLICATES, no interval (a t interval at 2 runs runs
        # past what is possible: exhaustion above 1, turnover below 0)
        ci = (f"[{row['ci95_low']:9.3f}, {row['ci95_high']:9.3f}]"
              if row["ci95_low"] is not None and r.replicates_ok >= MIN_REPLICATES
              else rjust(i18n.t("sure.too_few", lang) if r.replicates_ok < MIN_REPLICATES
                         else "", 21))
        shown, _, unit = i18n.indicator(name, lang)
        print(f"  {ljust(shown if zh else name, name_width)} {row['mean']:10.3f}  {ci}  "
              + (unit if zh else f"{unit:20s} {INDICATORS[name].zh}"))
    if r.summary:
        v = syndrome({k: row["mean"] for k, row in r.summary.items()})
        print("\n" + tr("run_syndrome", verdict=i18n.syndrome_word(v, lang)[1] + tr(
            "run_syndrome_parts", H=f"{v.H:.2f}", T=f"{v.T:.2f}", C=f"{v.C:.2f}",
            threshold=f"{SYNDROME_THRESHOLD:g}")))
    if r.townships is not None:         # each township government's stance (ODD §7.1a)
        print("\n" + tr("run_townships") + township_stances(r.townships, lang))
    files = ["manifest.json", "runs.parquet", "series.parquet", "committees.parquet"]
    files += ["townships.csv"] if r.townships is not None else []
    files += [p.name for p in r.figures]
    print("\n" + tr("run_results", out=r.out, files=("、" if zh else ", ").join(files)))


def cmd_compare(args) -> int:
    from .studies import compare
    from .studies.common import scenario_runs

    scenarios = [_scenario(n, args) for n in [args.base, *args.alternatives]]
    compare.check(scenarios, args.replicates)
    from .present.compare_page import mechanism_notes
    for note in mechanism_notes(scenarios, args.lang):
        say(f"juwei: note: {note}")
    if args.dose_response:
        return dose_response(scenarios, args)
    if args.budget is not None:
        raise UserError("--budget: only with --dose-response")
    ensemble = _ensemble(args)
    say_notes(ensemble, scenarios[0].params)
    per = args.replicates * (len(ensemble.draws) if ensemble else 1)
    check_size(len(scenarios) * per, "--replicates")
    if args.dry_run:
        return _dry_run(args, lambda: scenario_runs(scenarios, args.replicates, args.seed,
                                                    ensemble),
                        len(scenarios) * per, scenarios[0], args.seed, burn_ins=per)
    opts = _options(args, f"results/compare-{_stamp()}")
    print_comparison(compare.run(scenarios, args.replicates, args.seed, opts,
                                 ensemble=ensemble, lang=args.lang), args.lang)
    return 0


def dose_response(scenarios, args) -> int:
    from .studies import doses

    if args.ensemble:
        raise UserError("--dose-response: not on an --ensemble yet; run it on the hand-tuned "
                        "constants")
    runs, _ = doses.plan(scenarios, args.doses, args.replicates, args.seed)
    check_size(len(runs), "--doses and --replicates")
    if args.dry_run:
        return _dry_run(args, lambda: doses.plan(scenarios, args.doses, args.replicates,
                                                 args.seed)[0], len(runs), scenarios[0],
                        args.seed, burn_ins=args.replicates)
    opts = _options(args, f"results/doses-{_stamp()}")
    r = doses.run(scenarios, args.replicates, args.seed, opts, args.doses, args.budget,
                  lang=args.lang)
    from .present import i18n
    from .present.stats import MIN_REPLICATES

    def tr(key, **fields):
        return i18n.t(f"terminal.{key}", args.lang, **fields)
    names = scenario_names([r.base, *r.remedies], args.lang,
                           {s.name: i18n.scenario_title(s, args.lang) for s in scenarios})
    print("\n" + tr("doses_head", base=names[r.base], seconds=f"{r.wall_seconds:.0f}",
                     remedies=len(r.remedies), doses=args.doses, replicates=args.replicates))
    if len(r.equal_cost):
        print("\n" + tr("doses_equal_cost",
                         budget=f"{r.equal_cost.budget_yuan.iloc[0]:,.0f}"))
        for row in r.equal_cost.to_dict("records"):
            print(tr("doses_row", remedy=ljust(names[row["remedy"]], 32),
                     dose=f"{row['dose']:.2f}",
                     whole="" if row["reaches_budget"] else tr("doses_whole"),
                     unmet=f"{row['unmet_need']:+.3f}", exhaustion=f"{row['exhaustion']:+.3f}",
                     trust=f"{row['trust']:+.3f}"))
    if args.replicates < MIN_REPLICATES:     # the how-sure rule: no orderings from so few
        print("\n" + i18n.t("doses.too_few", args.lang, n=args.replicates, min=MIN_REPLICATES))
    print("\n" + tr("doses_reversals" if r.reversals else "doses_no_reversals"))
    from .present.dose_page import reversal
    for pair in r.pairs[:20]:
        print(f"  {reversal(pair, args.lang, names)}")
    if len(r.reversals) > 20:
        print(tr("doses_more", n=len(r.reversals) - 20))
    print("\n" + tr("doses_results", out=r.out))
    return 0


def column_name(name: str, lang: str = "en") -> str:
    """An indicator's name cut for a terminal column (in Chinese, its Chinese name)."""
    if lang != "en":
        from .present import i18n
        return i18n.indicator(name, lang)[0]
    return name.removesuffix("_rate").removesuffix("_per_1000").removesuffix("_per_week")


def _cols(text: str) -> int:
    """Terminal columns a text takes (a Chinese character takes two)."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def rjust(text: str, width: int) -> str:
    return " " * max(0, width - _cols(text)) + text


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _cols(text))


def scenario_names(names, lang: str, titles: dict | None = None) -> dict:
    """Scenario names as the terminal shows them: in Chinese their titles where the file has
    one (`titles`, else the shipped file's), else the name given."""
    if lang == "en":
        return {n: n for n in names}
    if titles:
        return {n: titles.get(n, n) for n in names}
    from .inputs import scenario as sc
    from .present import i18n
    out = {}
    for n in names:
        try:
            out[n] = i18n.scenario_title(sc.load(n), lang)
        except UserError:
            out[n] = n
    return out


def township_stances(townships, lang: str) -> str:
    """Each township government's directing share, with its lowest and highest over the
    replicates, on one line (studies/run.township_table's rows)."""
    from .present import i18n
    return ("、" if lang == "zh" else ", ").join(
        f"{i18n.place_name(row.township, lang)} {row.directing:.2f} "
        f"[{row.lowest:.2f}-{row.highest:.2f}]" for row in townships.itertuples())


def print_comparison(c, lang: str = "en") -> None:
    """The comparison's summary in the terminal, in `lang` (words from the [terminal], [sure]
    and [report] catalogues)."""
    from .present import i18n
    from .present.stats import MIN_REPLICATES, definition_marks, shown_indicators

    alts = c.scenarios[1:]
    table = c.table
    names = scenario_names(c.scenarios, lang, c.titles)
    marks = definition_marks({*HEADLINE, *OUTCOMES}, c.changed or {})
    print("\n" + i18n.t("terminal.changes_h", lang, base=names[c.base],
                        seconds=f"{c.wall_seconds:.0f}"))
    shown = shown_indicators(table, c.switched)
    print(comparison_cells(table, alts, marks, lang, names, shown))
    print_marks(alts, shown, marks, lang, names)
    width = max(_cols(names[a]) for a in alts) + 2
    print("\n  " + i18n.t("sure.rule", lang, min=MIN_REPLICATES))
    if c.ranking is not None and len(alts) > 1:      # a ranking of one says nothing
        print_ranking(c.ranking, marks, width, lang, names, names[c.base])
    if c.costs is not None:
        base_total = c.costs.public_yuan.iloc[0]
        print("\n" + i18n.t("terminal.costs_h", lang, total=f"{base_total:,.0f}",
                            base=names[c.base]) + "\n")
        heads = [i18n.t(f"terminal.{k}", lang) for k in ("extra", "hours_freed", "per_10k")]
        print(f"  {ljust(i18n.t('terminal.scenario', lang), width)}{rjust(heads[0], 16)}"
              f"{rjust(heads[1], 24)}{rjust(heads[2], 27)}")
        for r in c.costs.iloc[1:].itertuples():
            per = "-" if r.per_10k_htc_index != r.per_10k_htc_index else f"{r.per_10k_htc_index:+.5f}"
            print(f"  {ljust(names.get(r.scenario, r.scenario), width)}{r.extra_yuan:+16,.0f}"
                  f"{r.admin_hours_freed_per_cadre_week:+24.1f}{per:>27s}")
    if c.ensemble:
        print_ensemble(c, lang)
    if c.townships is not None:         # each township government's stance (ODD §7.1a)
        print("\n" + i18n.t("terminal.run_townships", lang).rstrip())
        for scenario, rows in c.townships.groupby("scenario", sort=False):
            print(f"    {names[scenario]}: {township_stances(rows, lang)}")
    if c.dropped:
        print("\n  " + i18n.t("terminal.dropped", lang, replicates=c.dropped))
    print("\n  " + i18n.t("terminal.files", lang, report=c.out / "report.html",
                          handout=c.out / "handout.html", tables=", ".join(
                              str(c.out / f) for f in ("comparison.csv", "costs.csv",
                                                        "ranking.csv", "runs.parquet",
                                                        "series.parquet")
                              + (("committees.parquet", "townships.csv")
                                 if c.townships is not None else ()))))


def comparison_cells(table, alts: list[str], marks: dict | None = None, lang: str = "en",
                     names: dict | None = None, shown: list | None = None) -> str:
    """The terminal's table of changes: per alternative and headline indicator, the paired
    change and its sureness word (present/stats.how_sure; in `lang`); with too few runs one
    line says so and the cells carry no word."""
    from .present import i18n
    from .present.stats import how_sure, shown_indicators

    marks = marks or {}
    names = names or {a: a for a in alts}
    width = max(_cols(names[a]) for a in alts) + 2
    column = 18 if lang == "en" else 22        # a change (9), its mark (1) and its word
    lines = []
    rows = {(r["scenario"], r["indicator"]): r for r in table.to_dict("records")}
    shown = shown or shown_indicators(table)
    verdicts = {(a, h): how_sure(rows[(a, h)]) for a in alts for h in shown}
    if any(s.key == "too_few" for s in verdicts.values()):
        lines.append("  " + i18n.too_few_note(table, lang))
    lines.append(f"  {ljust(i18n.t('terminal.scenario', lang), width)}" + "".join(
        " " + rjust(column_name(h, lang), column - 1) for h in shown))
    for a in alts:
        cells = []
        for h in shown:
            s = verdicts[(a, h)]
            word = "" if s.key == "too_few" else i18n.t(f"sure.{s.key}", lang)
            change = f"{rows[(a, h)]['diff']:+9.3f}{'†' if (a, h) in marks else ' '}"
            # without a word the change stands under its heading, at the column's right
            cells.append(change + rjust(word, column - 10) if word else rjust(change, column))
        lines.append(f"  {ljust(names[a], width)}" + "".join(cells))
    return "\n".join(lines)


def print_marks(scenarios, indicators, marks: dict, lang: str = "en",
                names: dict | None = None) -> None:
    """Under a table: per scenario, the indicators marked † and the levers in their definitions."""
    from .present import i18n
    names = names or {}
    for a in scenarios:
        if lang == "en":
            notes = "; ".join(f"{h} ({', '.join(marks[(a, h)])})" for h in indicators
                              if (a, h) in marks)
        else:
            notes = "；".join(
                f"{i18n.indicator(h, lang)[0]}（"
                + "、".join(i18n.lever(describe(v), lang)["label"] for v in marks[(a, h)]) + "）"
                for h in indicators if (a, h) in marks)
        if notes:
            print(f"  † {names.get(a, a)}{': ' if lang == 'en' else '：'}{notes}")


def print_ranking(ranking, marks: dict, width: int, lang: str = "en", names: dict | None = None,
                  base: str = "") -> None:
    """The headline ranking on the outcomes (present/stats.outcome_ranking)."""
    from .present import i18n
    names = names or {}
    if lang == "en":
        print(f"\nRanking on the {len(OUTCOMES)} outcomes (ODD §4.10): each ranks the "
              "alternatives by its paired change in the better direction (1 = the largest "
              "improvement); the order is by the mean rank, the outcomes weighted equally "
              "(another weighting may reorder it); the extra public money a year beside it "
              "(costs.csv). H, T, the index and admin_share are process measures, not ranked.\n")
    else:
        print(f"\n{i18n.t('report.ranking_h', lang)}：{i18n.t('report.ranking_note', lang, base=base, k=len(OUTCOMES))}\n")
    column = 16 if lang == "en" else 20
    print(f"  {'#':>3s} {ljust(i18n.t('terminal.scenario', lang), width)}"
          + "".join(rjust(column_name(o, lang), column) for o in OUTCOMES)
          + rjust(i18n.t("terminal.mean_rank", lang), 11)
          + rjust(i18n.t("terminal.extra", lang), 17))
    for r in ranking.to_dict("records"):
        s = r["scenario"]
        extra = "-" if r["extra_yuan"] != r["extra_yuan"] else f"{r['extra_yuan']:+,.0f}"
        print(f"  {r['position']:3d} {ljust(names.get(s, s), width)}" + "".join(
            f"{r['rank_' + o]:{column - 1}g}{'†' if (s, o) in marks else ' '}"
            for o in OUTCOMES) + f"{r['mean_rank']:11.2f}{extra:>17s}")
    print_marks(ranking.scenario, OUTCOMES, marks, lang, names)


def print_ensemble(c, lang: str = "en") -> None:
    """A comparison on posterior draws, in `lang`: each remedy's effect on the index across
    draws and how often it improves, ends the syndrome and ranks first."""
    from .present import i18n
    e = c.ensemble
    effects = e["effects"].set_index(["indicator", "scenario"])
    absent = e["syndrome"].set_index("scenario").p_syndrome_absent
    ranks = e["ranks"]
    first = ranks[ranks.indicator == "htc_index"].set_index("scenario")[1]
    draws = int(e["syndrome"].draws.iloc[0])
    names = scenario_names(c.scenarios, lang, c.titles)
    print("\n" + i18n.t("terminal.ensemble_head", lang, draws=draws) + "\n")
    width = max(_cols(n) for n in names.values()) + 2
    heads = i18n.t("terminal.ensemble_columns", lang)
    print(f"  {ljust(heads[0], width)}" + "".join(
        rjust(h, w) for h, w in zip(heads[1:], (11, 19, 11, 13, 16, 14))))
    print(f"  {ljust(names[c.base], width)}{'':>11s} {'':>18s} {'':>10s} {'':>12s} "
          f"{absent[c.base]:15.0%}")
    for a in sorted(c.scenarios[1:], key=lambda a: (-first.get(a, 0),
                                                     effects.loc[("htc_index", a)].effect)):
        r = effects.loc[("htc_index", a)]
        share = "" if r.parametric_share is None or r.parametric_share != r.parametric_share \
            else f"{r.parametric_share:.0%}"
        print(f"  {ljust(names[a], width)}{r.effect:+11.3f} [{r.draws_low:+7.3f}, "
              f"{r.draws_high:+7.3f}] {share:>10s} {r.p_improves:12.0%} {absent[a]:15.0%} "
              f"{first.get(a, 0):13.0%}")
    print("\n" + i18n.t("terminal.ensemble_tables", lang, files=("、" if lang != "en" else ", ")
                        .join(str(c.out / f) for f in ("ensemble.csv", "syndrome.csv",
                                                       "ranks.csv"))))


def cmd_sweep(args) -> int:
    from .inputs.design import load_sweep
    from .studies import sweep

    design = load_sweep(args.design)
    args.seed = design.seed
    ensemble = _ensemble(args)
    say_notes(ensemble, design.base.params)
    draws = len(ensemble.draws) if ensemble else 1
    from .present import i18n

    def tr(key, **fields):
        return i18n.t(f"terminal.{key}", args.lang, **fields)
    on = tr("sweep_draws", draws=draws) if ensemble else ""
    if args.dry_run:
        n = design.point_count()
        print(tr("sweep_dry", up_to="" if design.sampling == "grid" else tr("sweep_up_to"), n=n,
                 replicates=design.replicates, draws=on))
        # the points share a settling per seed unless a varied lever is a constant
        from .model.run import LEVERS
        shared = all(k in LEVERS for k in design.levers)
        return _dry_run(args, lambda: sweep.runs(design, sweep.points(design), ensemble),
                        n * design.replicates * draws, design.base, design.seed,
                        burn_ins=design.replicates * draws if shared else None)
    opts = _options(args, f"results/sweep-{design.name}-{_stamp()}")
    r = sweep.run(design, opts, ensemble, args.lang)
    m = r.manifest
    if m["failed"]:
        first = m["errors"][0]
        print(tr("sweep_failed", failed=m["failed"], total=m["total"], run=first["run"],
                 error=short(first["error"], 200)), file=sys.stderr)
    print("\n" + tr("sweep_done", name=design.name, points=r.points,
                     replicates=design.replicates, draws=on, total=m["total"], done=m["done"],
                     failed=m["failed"], seconds=f"{m['wall_seconds']:.0f}"))
    print(tr("sweep_results", out=r.out))
    return 0 if m["failed"] == 0 else 1


def cmd_sensitivity(args) -> int:
    from .inputs.design import load_sensitivity
    from .studies import sensitivity

    d = load_sensitivity(args.design, {"method": args.method, "samples": args.samples,
                                       "replicates": args.replicates, "years": args.years,
                                       "scale": args.scale, "burn_in_years": args.burn_in_years, "ensemble": args.ensemble,
                                       "draws": args.draws, "difference": args.difference})
    ensemble = sensitivity.ensemble_of(d)
    say_notes(ensemble, d.base.params)
    if args.dry_run:
        n = d.point_count()
        on = f" x {d.draws} posterior draws" if d.draws else ""
        kind = "groups" if d.factors.groups else "factors" if d.varies_constants else "levers"
        print(f"{d.method}: {n} design points x {d.replicates} replicates{on} "
              f"({len(d.factors.labels) - 1} {kind} + dummy)")
        return _dry_run(args, lambda: sensitivity.runs_of(d, ensemble=ensemble)[1],
                        n * d.runs_per_point, d.base, d.seed, sensitivity.run_function(d))
    opts = _options(args, f"results/sensitivity-{d.name}-{_stamp()}")
    print_sensitivity(sensitivity.run(d, opts))
    return 0


def cmd_search(args) -> int:
    from .inputs.search import load_search
    from .studies import search

    d = load_search(args.design, {k: getattr(args, k) for k in
                                  ("population", "generations", "replicates", "assumptions",
                                   "years", "scale", "burn_in_years")})
    args.seed = d.seed
    ensemble = _ensemble(args)
    say_notes(ensemble, d.base.params)
    draws = len(ensemble.draws) if ensemble else 1
    if ensemble is not None:
        from .studies.common import check_ensemble_county
        check_ensemble_county(ensemble, [d.base])
    from .present import i18n
    if args.dry_run:
        _options(args, "")
        on = i18n.t("terminal.sweep_draws", args.lang, draws=draws) if ensemble else ""
        print(i18n.t("terminal.search_dry", args.lang, name=d.name, levers=len(d.levers),
                     objectives=len(d.objectives), population=d.population,
                     generations=d.generations, replicates=d.replicates, draws=on))
        from .studies.common import dry_run, scenario_runs
        # the packages share one settling per unit, unless the units vary the constants
        print(dry_run(scenario_runs([d.base], 1, d.seed), args.workers, total=d.run_count(draws),
                      county=d.base.county, lang=args.lang,
                      burn_ins=None if d.assumptions else d.replicates * draws))
        return 0
    opts = _options(args, f"results/search-{d.name}-{_stamp()}")
    r = search.run(d, opts, ensemble, lang=args.lang)
    print_search(r, args.lang)
    return 0 if r.manifest["failed_packages"] == 0 else 1


def print_search(r, lang: str = "en") -> None:
    """A search's summary in the terminal, in `lang` (words from the catalogues' [terminal])."""
    from .present import i18n
    from .present.search_page import target_sentence
    d, m = r.design, r.manifest
    print("\n" + i18n.t("terminal.search_done", lang, name=d.name,
                        packages=m["evaluated_packages"], generations=d.generations,
                        pareto=len(r.pareto), seconds=f"{m['wall_seconds']:.0f}"))
    for level, row in r.targets.items():
        print(f"  {target_sentence(level, row, d, lang)}")
    print(i18n.t("terminal.search_files", lang, report=r.out / "report.html", tables=(
        "、" if lang == "zh" else ", ").join(str(r.out / f) for f in (
            "pareto.csv", "evaluations.parquet", "hypervolume.csv"))))


def print_sensitivity(study) -> None:
    from .inputs.design import DUMMY
    d, result = study.design, study.indices.outputs
    outputs = list(result)
    labels = [l for l in d.factors.labels if l != DUMMY]
    print(f"\n{d.method} ranks ({d.main_index}; rank 1 = most influential; . = not above the "
          f"dummy), {study.manifest['wall_seconds']:.0f} s\n")
    width = max(map(len, labels)) + 2
    print(f"  {'':{width}s}" + "".join(f"{o[:12]:>13s}" for o in outputs))
    for l in sorted(labels, key=lambda l: result[outputs[-1]].table.loc[l, "rank"]):
        cells = []
        for o in outputs:
            t = result[o].table.loc[l]
            cells.append(f"{int(t['rank']):>12d}{' ' if t.above_dummy else '.'}")
        print(f"  {l:{width}s}" + "".join(cells))
    print()
    for text in study.paragraphs.values():
        print(f"  {text}\n")
    out = study.out
    print(f"  report: {out / 'report.html'}\n  tables: {out / 'indices.csv'}, "
          f"{out / 'rank_probabilities.csv'}, {out / 'convergence.csv'}")


def cmd_calibrate(args) -> int:
    from .inputs import calibration
    from .studies import calibrate, validate

    if args.figures:
        for name, meaning in calibration.FIGURES.items():
            print(f"{name:32s} {meaning}")
        return 0
    if not args.design:
        raise UserError("calibrate: name a design file (ready-made: calibrate_measured), or "
                        "--figures")
    if args.screen and args.check:
        raise UserError("calibrate: --screen or --check, not both")
    for flag, mode in (("truths", "check"), ("draws", "screen")):
        if getattr(args, flag) is not None and not getattr(args, mode):
            raise UserError(f"calibrate: {option('--' + flag)} goes with {option('--' + mode)}")
    args.truths, args.draws = args.truths or 20, args.draws or 64
    d = calibration.load(args.design, {k: getattr(args, k) for k in
                                       ("population", "generations", "replicates", "years",
                                        "scale", "burn_in_years")})
    if args.dry_run and args.screen:
        from .studies.common import dry_run, scenario_runs
        arms = validate.arm_count(calibration.PAIRED in calibrate.figures_of(d))
        total = args.draws * arms * (args.replicates or max(2, d.replicates))
        print(f"{d.name} --screen: {args.draws} prior draws x {total // args.draws} runs:")
        print(dry_run(scenario_runs([d.base], 1, d.seed), args.workers, total=total,
                      county=d.base.county))
        return 0
    if args.dry_run:
        _options(args, "")
        emulated = d.inference == "emulator"
        steps = "waves" if emulated else "generations"
        if args.resume:
            from .engine.store import Store
            from .studies import emulate
            old = Store(Path(args.out))._old_manifest() or {}
            if old.get("design_hash") not in (None, d.digest()):
                raise UserError(f"{option('--resume')} {args.out}: the design differs from the "
                                f"one started there; use another folder ({named('--out')})")
            stored = (emulate.stored_waves(Path(args.out)) if emulated
                      else calibrate.stored_generations(Path(args.out), d))
            print(f"{stored} of {d.generations} {steps} are stored in {args.out}; a "
                  "--resume continues from there")
        check = (f"--check: {args.truths} fits like this one, each to figures simulated from "
                 "its own truth (the total below counts them all). " if args.check else "")
        arms = validate.arm_count(calibration.PAIRED in calibrate.figures_of(d, candidates=True))
        per = arms * d.replicates
        from .studies.common import dry_run, scenario_runs
        if emulated:
            print(f"{check}{d.name}: {len(d.priors)} constants, {len(d.fitted)} targets, "
                  f"{len(d.held_out)} held out; up to {d.generations} waves of {d.population} "
                  f"runs{f' ({per} runs each)' if per > 1 else ''} for the emulator, then "
                  f"{d.predictive} predictive checks. All the waves and the checks:")
            print(dry_run(scenario_runs([d.base], 1, d.seed), args.workers,
                          total=(d.population * per * d.generations + d.predictive
                                 * validate.arm_count(calibration.PAIRED
                                                      in calibrate.figures_of(d)))
                          * (args.truths if args.check else 1), county=d.base.county))
            print("(the waves stop early once the posterior settles; fitting the Gaussian "
                  "processes, in the main process, comes on top: about a minute a wave at 500 "
                  "runs and 16 constants, growing with the cube of the runs)")
            return 0
        print(f"{check}{d.name}: {len(d.priors)} constants, {len(d.fitted)} targets, "
              f"{len(d.held_out)} held out; population {d.population}, up to {d.generations} "
              f"generations; each candidate is {per} run(s) ({d.replicates} replicate(s) of the "
              f"scenario{' and the campaign pair' if arms > 1 else ''}). One generation at "
              f"full acceptance{' of each fit' if args.check else ''}:")
        print(dry_run(scenario_runs([d.base], 1, d.seed), args.workers,
                      total=d.population * per * (args.truths if args.check else 1),
                      county=d.base.county))
        print("(later generations accept fewer candidates and take longer: the default design "
              "took 30-40 min on 2 cores for 4 generations)")
        return 0
    if args.screen:
        return screen_calibration(d, args)
    if args.check:
        return check_calibration(d, args)
    opts = _options(args, f"results/calibrate-{d.name}-{_stamp()}")
    from .studies import fit
    c = fit.run(d, opts)
    print_calibration(c)
    return 0


def screen_calibration(d, args) -> int:
    """`juwei calibrate DESIGN --screen`: the prior-predictive screen (studies/screen.py)."""
    from .studies import screen
    replicates = args.replicates or max(2, d.replicates)
    opts = _options(args, f"results/screen-{d.name}-{_stamp()}")
    s = screen.run(d, opts, args.draws, replicates)
    t = s.targets
    print(f"\nprior-predictive screen of {d.name}: {args.draws} draws x {replicates} "
          "replicates (flat: its 5-95% range over the prior is under its scale; noisy: the "
          "seeds make most of its variance)")
    print(f"  {'figure':28s} {'5%':>9s} {'95%':>9s} {'range/scale':>11s} {'seeds':>6s} "
          f"{'inside':>6s}")
    for r in t.itertuples():
        flag = " and ".join(w for w, on in (("flat", r.flat), ("noisy", r.noisy)) if on)
        flag = f"held out{': ' + flag if flag else ''}" if r.held_out else flag
        print(f"  {r.figure:28s} {r.prior_5:9.3g} {r.prior_95:9.3g} {r.range_in_scales:11.2f} "
              f"{r.seeds_share:6.0%} {r.inside_share:6.0%}  {flag}")
    print("\n  constant                     strongest target            rho   moved by")
    for r in s.constants.itertuples():
        print(f"  {r.constant:28s} {r.strongest_target:26s} {r.rho:+5.2f}   "
              f"{r.moved_by or 'NO TARGET: unidentified'}")
    print(f"\n  fitted targets the constants cannot move: {', '.join(s.dropped) or 'none'}")
    print(f"  constants no target moves: {', '.join(s.unmoved) or 'none'}")
    print(f"  tables: {s.out / 'screen_targets.csv'}, {s.out / 'screen_constants.csv'}")
    return 0


def check_calibration(d, args) -> int:
    """`juwei calibrate DESIGN --check`: simulation-based calibration (studies/coverage.py)."""
    from .studies import coverage
    opts = _options(args, f"results/check-{d.name}-{_stamp()}")
    c = coverage.run(d, opts, args.truths)
    how = "emulated likelihood" if d.inference == "emulator" else "likelihood kernel"
    print(f"\nsimulation-based calibration of {d.name}: {args.truths} truths from the priors, "
          f"each calibrated by the {how} to its figures on fresh seeds; the share of truths "
          "inside the posterior's central intervals (calibrated: 50% and 90%)")
    print(f"  {'constant':28s} {'50%':>6s} {'90%':>6s}")
    for r in c.coverage.itertuples():
        print(f"  {r.constant:28s} {r[2]:6.0%} {r[3]:6.0%}")
    print(f"  tables: {c.out / 'coverage.csv'}, {c.out / 'ranks.csv'}")
    return 0


def print_calibration(c) -> None:
    import pandas as pd

    from .present.calibration_page import (checks_table, constants_table,
                                           predictive_failures, target_text, verdict)
    from .present.html import percent
    constants = constants_table(c.design, c.posterior)
    checks = checks_table(c.design, c.posterior, c.predictive)
    g = c.generations
    steps = (f"{len(g)} waves, {int(g.candidates.sum())} runs, an effective sample of "
             f"{g.ess.iloc[-1]:.0f} of {len(c.posterior)}" if c.design.inference == "emulator"
             else f"{len(g)} generations, {int(g.candidates.sum())} candidates, last epsilon "
             f"{g.epsilon.iloc[-1]:.3g}")
    print(f"\n{c.design.name}: {steps}, {c.manifest['wall_seconds']:.0f} s"
          + (f" in all ({c.manifest['session_seconds']:.0f} s since the resume)"
             if c.manifest['session_seconds'] < c.manifest['wall_seconds'] else "") + "\n")
    print(f"  {'constant':30s} {'posterior median [90%]':>34s}  {'unit':16s} verdict")
    for _, r in constants.iterrows():
        print(f"  {r.constant:30s} {r.posterior_median:12.4g} [{r.posterior_low:9.4g}, "
              f"{r.posterior_high:9.4g}]  {r.unit:16s} {r.verdict}")
    print(f"\n  {'figure':36s} {'target':>18s} {'posterior median':>17s}        fresh draws: "
          "median, inside")
    for _, r in checks.iterrows():
        inside = percent(r.predictive_inside, "")
        if inside:
            inside = f"{r.fresh_median:.3g}, {inside}"
        role = " (held out)" if r.role == "held out" else ""
        median = "—" if pd.isna(r["median"]) else f"{r['median']:.3g}"   # fresh draws only
        print(f"  {r.figure + role:36s} {target_text(r, short=True):>18s} {median:>17s} "
              f"{verdict(r):>6s} {inside}")
        if verdict(r) == "FAILS" and r.moves_with:
            print(f"  {'':36s} varies with {r.moves_with} over the fresh draws")
    failed = c.manifest.get("failed_candidates", [])
    if failed:
        print(f"\n  {len(failed)} candidate(s) failed and were rejected (manifest.json)")
    lost = predictive_failures(c.predictive)
    if lost:
        print(f"\n  {lost}")
    print(f"\n  report: {c.out / 'report.html'}\n  posterior: {c.out / 'posterior.parquet'} "
          f"(the ensemble for `juwei compare --ensemble {c.out}`)")


def cmd_app(args) -> int:
    import importlib.util
    import os
    if importlib.util.find_spec("solara") is None:
        raise UserError("app: the dashboard needs the app extra: pip install 'juwei[app]' "
                        "(in a checkout: `make setup`, or pip install -e '.[app]')")
    if not 0 < args.port < 65536:
        raise UserError(f"--port: expected 1-65535, got {args.port}")
    # no telemetry, no "runs on Solara" banner, a plain loader and the page's own title
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "SOLARA_THEME_SHOW_BANNER": "False", "SOLARA_THEME_LOADER": "plain",
           "SOLARA_THEME_TITLE": "居委 juwei", "JUWEI_RESULTS": str(Path(args.results).resolve()),
           # served on plain http at 127.0.0.1, Solara's session cookie is rightly SameSite=Lax;
           # its warning that an https site would use None does not apply
           "PYTHONWARNINGS": "ignore:Cookies with samesite:UserWarning"}
    if args.lang:
        env["JUWEI_LANG"] = args.lang
    if args.session is not None:
        from .inputs import session
        session.load(args.session)                       # a bad file stops here, exit 2
        env["JUWEI_SESSION"] = str(Path(args.session).resolve())
    if args.county is not None:
        from .inputs import county as counties
        county, path = counties.load(args.county)        # a bad file stops here, exit 2
        env["JUWEI_COUNTY"] = str(path.resolve())
        print(f"county: {county.name} ({path})")
    if args.read_only:
        env["JUWEI_READ_ONLY"] = "1"
    notes = listening(args.host, args.port, args.read_only)  # a busy port stops here, exit 2
    address = f"http://{args.host}:{args.port}/"
    if notes:                                                # open to the network: a token
        import secrets
        env["JUWEI_TOKEN"] = secrets.token_urlsafe(16)
        address += f"?token={env['JUWEI_TOKEN']}"
    for line in notes:
        print(line)
    if args.read_only:
        print("read-only mode: the page saves, lists, loads and takes no session and runs no "
              "comparison here; exploring the county stays")
    print(f"juwei dashboard: {address}  (Ctrl-C to stop)", flush=True)
    # --no-check-version: solara would ask pypi.org for a newer release at every start
    cmd = [sys.executable, "-m", "solara", "run", "juwei.app", "--host", args.host, "--port",
           str(args.port), "--production", "--no-open", "--no-check-version"]
    # become the server (no parent left behind): stopping `juwei app` stops the server
    os.execve(sys.executable, cmd, env)


def listening(host: str, port: int, read_only: bool = False) -> list[str]:
    """Check that the app can listen on host:port (UserError naming a busy port before any
    address is printed) and say, when the host is not loopback, who can reach the page and
    what they can do there (--read-only: less)."""
    import ipaddress
    import socket
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UserError(f"--host {short(host, 60)}: not an address of this machine") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # as the server does
        try:
            s.bind(address)
        except OSError as e:
            raise UserError(f"--port {port}: cannot listen on {host} ({e.strerror}); another "
                            "program (another juwei app?) uses it: choose another --port, or "
                            "stop that one") from None
    if all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos):
        return []
    can = ("explore the county (read-only mode: no session is saved or loaded and no "
           "comparison run here)" if read_only else
           "change the levers, load the saved sessions and run comparisons here (add "
           "--read-only to let the room explore without saving, loading or running anything "
           "on this machine)")
    return [f"note: --host {host} opens the page to every machine that can reach this one on "
            f"port {port}: whoever has the address below, with its access token, can {can}. "
            "The token travels in plain http: use it in the room's own network only; the "
            "default 127.0.0.1 is this machine alone"]


def cmd_levers(args) -> int:
    groups = LEVER_GROUPS + (OTHER_GROUPS if args.all or args.markdown else ())
    rows = levers(groups)
    if args.markdown:
        print(schema_tables(rows), end="")
        return 0
    if args.json:
        if args.lang != "en":          # label, meaning_shown and unit_shown in the language
            from .present import i18n
            rows = [i18n.lever(r, args.lang) for r in rows]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if args.lang != "en":
        return print_levers_zh(rows, groups, args.lang, args.all)
    for group in groups:
        print(f"\n{group}")
        for r in (r for r in rows if r["group"] == group):
            zh = f" ({r['zh']})" if r["zh"] else ""
            source = f" {r['source']}" if r["source"] else ""
            only = f" (read only with {needed(r['name'])})" if r["needs"] else ""
            print(f"  {r['name']:30s} {r['baseline']:>7.6g} in [{r['low']}, {r['high']}] "
                  f"{r['unit']}: {r['meaning']}{zh}{only}  [{r['tag']}]{source}")
    if args.all:
        print("\nsources: " + "; ".join(f"[{k}] {v}" for k, v in TAGS.items()))
    return 0


def print_levers_zh(rows, groups, lang: str, every: bool) -> int:
    """`juwei levers --lang zh`: each lever's name as set in files, its value, range and unit,
    and its Chinese name and meaning (the workshop's catalogue)."""
    from .present import i18n
    for group in groups:
        key = f"app.group.{group}" if group in LEVER_GROUPS else f"terminal.levers.group.{group}"
        print(f"\n{i18n.t(key, lang)}")
        for r in (r for r in rows if r["group"] == group):
            s = i18n.lever(r, lang)
            only = i18n.t("terminal.levers.only", lang, setting=needed(r["name"])) \
                if r["needs"] else ""
            name = f"{s['label']}：" if r["zh"] else ""
            print(f"  {r['name']:30s} {r['baseline']:>7.6g}，[{r['low']}, {r['high']}] "
                  f"{s['unit_shown']}：{name}{s['meaning_shown']}{only}  [{r['tag']}]")
    if every:
        print("\n" + i18n.t("terminal.levers.sources", lang) + "：" + "；".join(
            f"[{k}] {i18n.t(f'terminal.levers.tag.{k}', lang)}" for k in TAGS))
    return 0


def cmd_indicators(args) -> int:
    from .present.i18n import indicator
    rows = []
    for name in INDICATORS:
        label, meaning, unit = indicator(name, args.lang)
        rows.append({"name": name, "label": label, "unit": unit, "meaning": meaning,
                     "better": {1: "higher", -1: "lower"}.get(BETTER.get(name))})
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(map(len, INDICATORS)) + 2
    words = {"en": {"higher": "; higher is better", "lower": "; lower is better"},
             "zh": {"higher": "；越高越好", "lower": "；越低越好"}}[args.lang]
    for r in rows:
        print(f"  {r['name']:{width}s}{r['unit']}: {r['meaning']} ({INDICATORS[r['name']].zh})"
              f"{words.get(r['better'], '')}")
    return 0


def cmd_scenarios(args) -> int:
    from .present import i18n
    zh = args.lang == "zh"
    for s in scen.available():
        about = s.description
        if zh:                 # a description that opens with the title names it once
            title, about = i18n.scenario_title(s, "zh"), i18n.scenario_description(s, "zh")
            about = about if about.startswith(title) else f"{title}：{about}"
        print(f"{s.name:28s} {short(about, 200)}")
        if s.changes:
            print(f"{'':28s}   " + ("、" if zh else ", ").join(
                f"{k}={v}" for k, v in s.changes.items()))
    return 0


def cmd_counties(args) -> int:
    from .inputs import county as counties
    if args.file:
        county, path = counties.load(args.file, "counties")
        print(f"{path}: a valid county file\n{counties.describe(county)}")
        return 0
    for county, path in counties.available():
        print(f"{path.stem:16s} {counties.describe(county)}\n")
    print(f"A new county: copy {counties.COUNTY_DIR / 'template.toml'} and check it with "
          "`juwei counties FILE`")
    return 0


def cmd_designs(args) -> int:
    from .inputs.design import ready_made
    for name, command, description in ready_made():
        print(f"{name:20s} juwei {command:12s} {description}")
    return 0


def cmd_audit(args) -> int:
    from .studies import audit

    names = args.scenarios or ["baseline", *audit.REMEDIES]
    if args.scale is None:
        args.scale = audit.SCALE
    scenarios = [_scenario(n, args) for n in names]
    if len(set(names)) < len(names):
        raise UserError(f"audit: a scenario is named twice: {' '.join(names)}")
    ensemble = _ensemble(args)
    say_notes(ensemble, scenarios[0].params)
    total = len(scenarios) * (args.samples + args.noise_samples)
    check_size(total, "--samples")
    if args.dry_run:
        return _dry_run(args, lambda: audit.plan(scenarios, args.samples, args.spread,
                                                 args.seed, ensemble, args.noise_samples)[0],
                        total, scenarios[0], args.seed)
    opts = _options(args, f"results/audit-{_stamp()}")
    a = audit.run(scenarios, args.samples, args.seed, opts, args.spread, ensemble,
                  args.noise_samples)
    med = a.tau.groupby("kind").tau.median()
    print(f"\nAssumption audit ({a.wall_seconds:.0f} s): ranking on the outcomes, Kendall tau "
          f"against the reference: median {med.get('assumptions', float('nan')):.2f} when the "
          f"assumed constants move, {med.get('noise', float('nan')):.2f} from noise alone\n")
    for r in a.reference.sort_values().index:
        print(f"  {int(a.reference[r]):2d}. {r:32s} P(this rank) "
              f"{a.ranks.loc[r, int(a.reference[r])]:4.0%}  P(first) {a.ranks.loc[r, 1]:4.0%}")
    print("\nWhat decides each adjacent pair (the constant most correlated with their gap):")
    for row in a.pairs.to_dict("records"):
        named = [f"{row[f'constant_{j}']} ({row[f'submodel_{j}']}, rho "
                 f"{row[f'rho_{j}']:+.2f})" for j in (1, 2, 3) if row.get(f"clear_{j}") is True]
        print(f"  {row['ahead']} > {row['behind']}: flipped in {row['flipped_share']:.0%}; "
              + ("; ".join(named) if named else "no constant stands out of noise"))
    print(f"\nResults: {a.out}/report.html")
    return 0


def cmd_discover(args) -> int:
    from .present.discover_page import terminal
    from .studies import discover

    if args.out is not None and (not args.out.strip() or "\0" in args.out):
        raise UserError(f"--out {short(repr(args.out), 60)}: not a folder name")
    d = discover.run(args.study, args.scenario or (), args.fail, args.margin,
                     args.min_density, args.out, args.lang)
    print(terminal(d, args.lang))
    return 0


def cmd_validate(args) -> int:
    import pandas as pd

    from .present.stats import MIN_REPLICATES
    from .studies import validate

    s = _scenario(args.scenario, args)
    check_size(validate.run_count(args.replicates, args.breakers), "--replicates")
    opts = _options(args, "") if args.out is not None or args.resume or args.overwrite else None
    v = validate.run(s, args.replicates, args.seed, args.executor, args.workers, args.breakers,
                     opts=opts)
    from .present import i18n

    def tr(key, **fields):
        return i18n.t(f"terminal.{key}", args.lang, **fields)
    zh = args.lang != "en"
    print("\n" + tr("validate_head", scenario=i18n.scenario_title(s, args.lang) if zh else
                     s.name, county=s.county.name if zh and s.county else i18n.t(
                         "handout.essay_county", "zh") if zh else s.county_name,
                     scale=s.params.scale, years=s.params.years,
                     replicates=args.replicates, seed=args.seed, seconds=f"{v.seconds:.0f}"))
    print_changes(s, args.lang)
    if s.county:
        print(tr("validate_other_county"))
    under = {p.number: p for p in v.broken or ()}
    for r in v.patterns:
        d = r.definition
        word = tr("validate_holds" if r.holds else "validate_fails")
        print(tr("validate_row", number=f"{r.number:2d}", word=word if zh else ljust(word, 5),
                 share=f"{r.share:4.0%}", title=r.title, condition=r.condition)
              + f"\n{'':6s}{tr(f'validate_label.{d.label}')}{'：' if zh else ': '}{d.rests_on}"
              f"\n{'':6s}{r.figure}")
        if d.breaker:
            b = under.get(r.number)
            result = tr("validate_still" if b.holds else "validate_breaks",
                        share=f"{b.share:.0%}", figure=b.figure) if b else ""
            print(f"{'':6s}" + tr("validate_breaker", setting=validate.setting(d.breaker),
                                  because=d.breaks_because, result=result))
    verdict = tr("validate_verdict", holding=v.holding, counted=len(v.counted),
                 inputs=len(v.patterns) - len(v.counted)) if zh else v.verdict
    print("\n" + tr("validate_rule", verdict=verdict, share=f"{validate.HOLDS_SHARE:.0%}",
                     replicates=args.replicates))
    if v.broken is not None:
        print(tr("validate_broken", n=len(v.broken) - len(v.unbroken), total=len(v.broken),
                 still="".join(tr("validate_unbroken", number=p.number) for p in v.unbroken)))
    else:
        print(tr("validate_no_breakers"))
    drawn = [k for k in validate.EXOGENOUS_SPREADS if read_by(k, v.params)]   # read by the run
    print("\n" + tr("validate_spread_head", spreads=", ".join(drawn)))
    def num(x):
        return "—" if x is None or pd.isna(x) else f"{x:.3f}"

    def ci(low, high):           # none from fewer than MIN_REPLICATES (the how-sure rule)
        return ("" if v.replicates < MIN_REPLICATES or low is None or pd.isna(low)
                else f" [{num(low)}, {num(high)}]")
    for row in v.spread.itertuples():
        print(tr("validate_spread_row", indicator=i18n.t(f"app.county.{row.indicator}",
                                                         args.lang),
                 sd=num(row.sd), ci=ci(row.sd_low, row.sd_high),
                 zero=num(row.sd_without_spreads),
                 zero_ci=ci(row.sd_without_spreads_low, row.sd_without_spreads_high),
                 remains=f"{row.remains:.0%}"))
    print("\n" + tr("validate_bounds_head"))
    print(tr("validate_bounds_columns"))
    for row in v.bounds.itertuples():
        print(tr("validate_bounds_row", kind=tr(f"validate_kind_{row.kind}"),
                 n=f"{row.committees:.0f}" if row.committees.is_integer()
                 else f"{row.committees:.1f}", wish=f"{row.bound_wish:.0%}",
                 rooms=f"{row.bound_rooms:.0%}", organisers=f"{row.bound_organisers:.0%}"))
    if args.csv:
        v.table().to_csv(args.csv, index=False)
        say(f"juwei: the table of patterns is in {args.csv}")
    if v.out is not None:
        print(tr("validate_results", out=v.out))
    return 0 if v.ok else 1


def cmd_dock(args) -> int:
    from .studies import dock

    names = args.scenarios or list(dock.SCENARIOS)
    if args.scale is None:
        args.scale = dock.SCALE          # the reference is slow: see its docstring
    if args.burn_in_years is None and dock.BURN_IN is not None:
        args.burn_in_years = dock.BURN_IN
    scenarios = [_scenario(n, args) for n in names]
    if len(set(names)) < len(names):
        raise UserError(f"dock: a scenario is named twice: {' '.join(names)}")
    perturb = dock.parse_perturb(args.perturb)
    check_size(2 * len(scenarios) * args.replicates, "--replicates")
    dock.check(scenarios, args.replicates, args.against, perturb)
    if args.dry_run:
        from .engine.batch import duration
        from .engine.executors import default_workers
        _options(args, "")
        per = len(scenarios) * args.replicates
        total = sum(dock.seconds_per_run(scenarios[0].params, kind, sharing=len(scenarios))
                    * per for kind in ("vectorised", args.against))
        workers = args.workers or default_workers()
        p = scenarios[0].params
        print(f"{2 * per} runs ({per} of each arm) of {p.years} year(s) after a "
              f"{p.burn_in_years}-year burn-in; about {duration(total / workers / 0.9)} "
              f"on {workers} worker(s), timed from two weeks of each model here")
        return 0
    opts = _options(args, f"results/dock-{_stamp()}")
    d = dock.run(scenarios, args.replicates, args.seed, opts, args.against, perturb,
                 args.margin if args.margin is not None else dock.MARGIN,
                 args.effect_margin if args.effect_margin is not None else dock.EFFECT_MARGIN)
    print_docking(d)
    return 0 if d.docks else 1


def print_docking(d) -> None:
    a, b = d.arms
    lv, ef = d.levels, d.effects
    print(f"\nDocking {a} against {b}: {int(lv.docks.sum())} of {len(lv)} levels and "
          f"{int(ef.docks.sum())} of {len(ef)} remedy effects dock; KS finds "
          f"{int(lv.ks_differs.sum())} distributions different (/KS) "
          f"({d.manifest['wall_seconds']:.0f} s)\n")
    scen = list(dict.fromkeys(lv.scenario))
    width = max(len(f) for f in lv.feature) + 2
    print(f"  {'feature':{width}s}" + "".join(f"{s[:22]:>24s}" for s in scen))
    for feature, t in lv.groupby("feature", sort=False):
        cells = [f"{r.mean_a:9.4g} {r.mean_b:9.4g} {'ok' if r.docks else 'NO':>2s}"
                 f"{'/KS' if r.ks_differs else '':3s}"
                 for _, r in t.set_index("scenario").loc[scen].iterrows()]
        print(f"  {feature:{width}s}" + "".join(f"{c:>24s}" for c in cells))
    bad = ef[~ef.docks]
    if len(bad):
        print(f"\n  remedy effects that do not dock ({a} / {b}, margin):")
        for _, r in bad.iterrows():
            print(f"    {r.remedy:24s} {r.indicator:24s} {r.effect_a:+.4f} / {r.effect_b:+.4f} "
                  f"(±{r.margin:.4f})")
    print(f"\n  report: {d.out / 'report.html'}\n  tables: {d.out / 'docking.csv'}, "
          f"{d.out / 'effects.csv'}, {d.out / 'runs.parquet'}")


COMMANDS = {"run": cmd_run, "search": cmd_search, "compare": cmd_compare, "audit": cmd_audit,
            "sweep": cmd_sweep, "calibrate": cmd_calibrate, "dock": cmd_dock,
            "discover": cmd_discover,
            "sensitivity": cmd_sensitivity, "app": cmd_app, "levers": cmd_levers,
            "indicators": cmd_indicators, "scenarios": cmd_scenarios, "counties": cmd_counties,
            "designs": cmd_designs,
            "validate": cmd_validate}

if __name__ == "__main__":
    sys.exit(main())
