"""Scenario discovery (issue 26, item 2): where, among the unknowns an ensemble study varied
(posterior draws of the calibrated constants, samples of the assumed ones, a design's
factors), a remedy fails to end the syndrome or does harm.

The study's runs table is read back as it is: a `scenario` column, the base's and each
remedy's run on the same unit (draw, sample, replicate and seed: every label column), the
varied parameters and the outputs. The unknowns are the parameters that vary among the
base's runs (a remedy's own levers are constant there); their values are the base arm's.
A unit fails when the remedy's run still has the syndrome (model.syndrome: H, T and C all
above the threshold) or, with fail="harm", when a headline outcome (OUTCOMES) is worse than
the base's by more than `margin` of the base's value. PRIM (EMA Workbench) then peels the
unknowns' space down to boxes where failures are dense; CART (scikit-learn) is the check.
The constants that bound a box are what to measure next (README, "Which unknown matters").
"""

from __future__ import annotations

import difflib
import io
import json
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import UserError
from ..engine.batch import invocation
from ..engine.errors import given, in_command, named
from ..engine.reading import read_bytes
from ..engine.show import Brief
from ..engine.store import MAX_MANIFEST, atomic_write, code_version, short, write_json
from ..model import BETTER, OUTCOMES, syndrome

FAILS = ("syndrome", "harm")   # what failing means: the syndrome stands, or an outcome worsens
HARM_MARGIN = 0.05             # harm: an outcome worse than the base's by 5% of its value
MIN_DENSITY = 0.5              # a region is reported when at least half its units fail
MASS_MIN = 0.05                # PRIM peels no box below 5% of the units
PEEL_ALPHA = 0.05              # PRIM's peeling and pasting steps (EMA Workbench's defaults)
MAX_BOXES = 3                  # regions per remedy (PRIM's covering: each on what is left)
SIGNIFICANT = 0.05             # a bound is named when its quasi-p (Bryant & Lempert) is below
MIN_UNITS = 20                 # fewer paired units cannot carry a box of 5%
SCREEN_ABOVE = 20              # more unknowns than this are screened before PRIM (screen)
MAX_RUNS_FILE = 2_000_000_000  # bytes of runs.parquet read at most (the engine's run cap)
NOT_LABELS = {"run", "scenario", "status", "error"}
DISCOVERY = "discovery.json"   # marks a folder this study wrote (and may write again)


@dataclass
class Region:
    """One box PRIM found: `bounds` (constant -> (low, high), only the restricted constants
    whose bound is significant, most significant first), its `coverage` (the share of all
    failures inside it), `density` (the share of its units that fail) and `mass` (the share
    of units inside it), and `qp` (constant -> quasi-p of its bound)."""
    box: int
    coverage: float
    density: float
    mass: float
    bounds: dict
    qp: dict
    units: int


@dataclass
class Found:
    """What discovery found for one remedy: the failure's `fail` kind, how many units
    (`units`) and failures (`failures`), the `regions`, PRIM's peeling `trajectory` of each
    box (coverage, density, mass, restricted dimensions per step), the CART check (`cart_rules`
    as text, `agreement`: the share of units where the tree and the boxes say the same) and,
    when there is no region, `why` in words (no failure, every unit fails, ...)."""
    scenario: str
    fail: str
    units: int
    failures: int
    regions: list[Region] = field(default_factory=list)
    trajectory: pd.DataFrame | None = None
    cart_rules: str = ""
    cart_constants: list[str] = field(default_factory=list)
    agreement: float | None = None
    why: str = ""
    ranges: dict = field(default_factory=dict)     # constant -> (min, max) over the units
    harmed: dict = field(default_factory=dict)     # outcome -> failing units (fail="harm"),
                                                   # or base_without_syndrome -> units left out
    screened: list[str] = field(default_factory=list)   # the unknowns PRIM peeled (screen)


@dataclass(repr=False)
class Discovery(Brief):
    """What `juwei.discover` returns: the results folder `out`, the `study` folder read, its
    `base`, and per remedy a `Found` (`found`), with `sentences` (remedy -> one plain
    sentence per region, in the report's language) and `measure` (the constants that bound
    the failure regions, most significant first: what to measure next). The folder holds
    boxes.csv, trajectory.csv, cart.csv, the figures and report.html."""
    out: Path
    study: Path
    base: str
    fail: str
    found: dict
    sentences: dict
    measure: list[str]
    ensemble: str | None = None     # the calibration the study drew from, if any


@dataclass
class Ensemble:
    """An ensemble study's runs read back for discovery: the `base`, the remedies, the
    paired units (`keys`: the label columns and the seed), the `unknowns` and the runs."""
    folder: Path
    manifest: dict
    base: str
    remedies: list[str]
    keys: list[str]
    unknowns: list[str]
    runs: pd.DataFrame


def read(folder) -> Ensemble:
    """An ensemble study's folder read for discovery, or UserError in one line: no results
    folder, a study not finished, no scenarios to pair, or nothing that varies."""
    path = Path(folder)
    try:
        manifest = json.loads(read_bytes(path / "manifest.json", MAX_MANIFEST))
        if not isinstance(manifest, dict):
            raise ValueError
    except UserError:
        raise UserError(f"{folder}: not a juwei results folder (no readable manifest.json)"
                        ) from None
    except ValueError:
        raise UserError(f"{folder}/manifest.json: not a juwei manifest") from None
    if manifest.get("status") != "complete":
        raise UserError(f"{folder}: the study is {short(str(manifest.get('status')), 40)}; "
                        "finish it with --resume first")
    if not (path / "runs.parquet").is_file():
        raise UserError(f"{folder}: a {short(str(manifest.get('kind')), 40)} folder has no "
                        "runs table; give an ensemble study's folder (juwei compare --ensemble, "
                        "juwei audit)")
    try:
        runs = pd.read_parquet(io.BytesIO(read_bytes(path / "runs.parquet", MAX_RUNS_FILE)))
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable Parquet
        raise UserError(f"{folder}/runs.parquet: not readable ({type(e).__name__})") from None
    if "scenario" not in runs.columns or "status" not in runs.columns:
        raise UserError(f"{folder}: its runs have no scenarios to compare (a "
                        f"{short(str(manifest.get('kind')), 40)} study); give an ensemble "
                        "study with a base and remedies")
    runs = runs[runs.status == "ok"]
    if "kind" in runs.columns:           # an audit's reference samples vary only the seed
        runs = runs[runs.kind != "noise"]
    cols = list(runs.columns)
    keys = [c for c in cols[:cols.index("status")] if c not in NOT_LABELS]
    design = manifest.get("design") or {}
    order = list(dict.fromkeys(runs.scenario))
    base = design.get("base") if design.get("base") in order else (order[0] if order else "")
    remedies = [s for s in order if s != base]
    if not remedies:
        raise UserError(f"{folder}: no remedy beside the base {base!r} to discover on")
    params = parameter_columns(cols, manifest)
    mine = runs[runs.scenario == base]
    unknowns = [c for c in params if pd.api.types.is_numeric_dtype(runs[c])
                and mine[c].nunique() > 1]
    if not unknowns:
        raise UserError(f"{folder}: nothing unknown varies between its runs of {base!r}: not an "
                        "ensemble study (run juwei compare with --ensemble, or juwei audit)")
    return Ensemble(path, manifest, base, remedies, keys, unknowns, runs)


def parameter_columns(cols: list[str], manifest: dict) -> list[str]:
    """The runs table's parameter columns: as its manifest names them (`parameters`), else,
    in an older folder, the columns between `error` and the first declared output."""
    if isinstance(manifest.get("parameters"), list):
        return [c for c in manifest["parameters"] if c in cols]
    outputs = set(manifest.get("outputs") or ())
    after = cols[cols.index("error") + 1:] if "error" in cols else []
    first = next((i for i, c in enumerate(after) if c in outputs), len(after))
    return after[:first]


def choose(study: Ensemble, scenarios) -> list[str]:
    """The remedies asked for (all of the study's when none), each checked by name."""
    if not scenarios:
        return study.remedies
    for s in scenarios:
        if s not in study.remedies:
            close = difflib.get_close_matches(str(s), study.remedies, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            asked = given("--scenario", short(str(s), 60)) if in_command() else \
                f"scenarios={short(repr(s), 60)}"
            raise UserError(f"{asked}: not a remedy of "
                            f"{study.folder} (it has {', '.join(study.remedies)}){hint}")
    return list(dict.fromkeys(scenarios))


def label(study: Ensemble, remedy: str, fail: str, margin: float
          ) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """The unknowns of every unit that ran both the base and `remedy` (the base's values),
    whether the unit fails, and how many units each outcome harms (harm) or how many units
    were left out because the base had no syndrome there to end (syndrome)."""
    needs = ("htc_H", "htc_T", "htc_C", "htc_index") if fail == "syndrome" else OUTCOMES
    if not set(needs) & set(study.runs.columns) or (fail == "syndrome" and
                                                    not set(needs) <= set(study.runs.columns)):
        raise UserError(f"{study.folder}: its runs have no {', '.join(needs)} to judge "
                        f"{given('--fail', fail)} by")
    base = study.runs[study.runs.scenario == study.base].set_index(study.keys)
    alt = study.runs[study.runs.scenario == remedy].set_index(study.keys)
    if base.index.has_duplicates or alt.index.has_duplicates:
        raise UserError(f"{study.folder}: its runs of one scenario share labels and seed "
                        f"({', '.join(study.keys)}), so they cannot be paired with the base's")
    both = base.index.intersection(alt.index)
    base, alt = base.loc[both], alt.loc[both]
    harmed = {}
    if fail == "syndrome":       # only where the base has the syndrome is there one to end
        had = np.array([syndrome(r).present for r in base.to_dict("records")], bool)
        base, alt = base[had], alt[had]
        harmed["base_without_syndrome"] = int((~had).sum())
        y = np.array([syndrome(r).present for r in alt.to_dict("records")], bool)
    else:
        y = np.zeros(len(both), bool)
        for o in OUTCOMES:
            if o in base.columns and o in alt.columns:
                worse = (BETTER[o] * (base[o] - alt[o]) > margin * base[o].abs()).to_numpy()
                harmed[o] = int(worse.sum())
                y |= worse
    return base[study.unknowns].astype(float).reset_index(drop=True), y, harmed


def prim_regions(X: pd.DataFrame, y: np.ndarray, min_density: float = MIN_DENSITY,
                 max_boxes: int = MAX_BOXES) -> tuple[list[Region], pd.DataFrame]:
    """PRIM's boxes (EMA Workbench), each chosen on its peeling trajectory where coverage and
    density are best balanced (their harmonic mean) and reported by its significant bounds
    alone (quasi-p below SIGNIFICANT; its coverage, density and mass recomputed on them),
    kept when that density reaches `min_density`; and every box's trajectory."""
    with warnings.catch_warnings():          # EMA Workbench's own deprecation warnings
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.ERROR)
        from ema_workbench.analysis import prim
        total = int(y.sum())
        p = prim.Prim(X, y, threshold=min_density, peel_alpha=PEEL_ALPHA,
                      paste_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        return _boxes(p, X, y, total, min_density, max_boxes)


def _boxes(p, X, y, total, min_density, max_boxes):
    """PRIM's covering loop: a box, chosen on its trajectory, then the next on what is left."""
    regions, steps = [], []
    for b in range(1, max_boxes + 1):
        box = p.find_box()
        t = box.peeling_trajectory if box is not None else None
        if t is None or len(t) < 2:
            break
        # each step as it would be reported (its significant bounds alone), scored by the
        # harmonic mean of coverage (over every failure) and density
        best, chosen = -1.0, None
        for i in range(1, len(t)):
            bounds, qp = significant(box, i)
            hit = in_box(X, bounds)
            if not bounds or not hit.any():
                continue
            cov, dens = y[hit].sum() / max(total, 1), y[hit].mean()
            score = 2 * cov * dens / (cov + dens) if cov + dens else 0.0
            if dens >= min_density and score > best:
                best, chosen = score, (i, bounds, qp, hit)
        k = t["k"].to_numpy(float)
        steps.append(pd.DataFrame({"box": b, "step": np.arange(len(t)),
                                   "coverage": k / max(total, 1),
                                   "density": t["density"].to_numpy(float),
                                   "mass": t["n"].to_numpy(float) / len(y),
                                   "restricted": t["res_dim"].to_numpy(int),
                                   "chosen": np.arange(len(t)) == (chosen[0] if chosen else -1)}))
        if chosen is None:
            break
        i, bounds, qp, hit = chosen
        box.select(i)
        regions.append(Region(b, float(y[hit].sum() / max(total, 1)), float(y[hit].mean()),
                              float(hit.mean()), bounds, qp, int(hit.sum())))
    traj = pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(
        columns=["box", "step", "coverage", "density", "mass", "restricted", "chosen"])
    return regions, traj


def significant(box, i: int) -> tuple[dict, dict]:
    """Step i's bounds whose quasi-p (Bryant and Lempert's one-sided binomial test, EMA
    Workbench's) is below SIGNIFICANT, most significant first, and their quasi-p values."""
    lims = box.box_lims[i]
    restricted = _restricted(lims, box.box_lims[0])
    if not restricted:
        return {}, {}
    qp = box._calculate_quasi_p(i, restricted)
    qp = {c: min((v for v in qp[c] if v >= 0), default=1.0) for c in qp}   # -1: side open
    named_ = sorted((c for c in qp if qp[c] < SIGNIFICANT), key=lambda c: qp[c])
    return ({c: (float(lims[c][0]), float(lims[c][1])) for c in named_},
            {c: float(qp[c]) for c in named_})


def _restricted(lims: pd.DataFrame, first: pd.DataFrame) -> list[str]:
    """The constants whose limits a box moved from the first (whole) box's."""
    return [c for c in lims.columns if (lims[c] != first[c]).any()]


def in_box(X: pd.DataFrame, bounds: dict) -> np.ndarray:
    """Which units lie within every bound (constant -> (low, high))."""
    hit = np.ones(len(X), bool)
    for c, (lo, hi) in bounds.items():
        hit &= (X[c] >= lo).to_numpy() & (X[c] <= hi).to_numpy()
    return hit


def inside(X: pd.DataFrame, regions: list[Region]) -> np.ndarray:
    """Which units lie in any of the regions."""
    hit = np.zeros(len(X), bool)
    for r in regions:
        hit |= in_box(X, r.bounds)
    return hit


def cart_check(X: pd.DataFrame, y: np.ndarray, regions: list[Region]
               ) -> tuple[str, list[str], float | None]:
    """A shallow classification tree (scikit-learn CART) on the same units: its rules, the
    constants it splits on, and the share of units where it and PRIM's boxes agree."""
    from sklearn.tree import DecisionTreeClassifier, export_text
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(5, int(MASS_MIN * len(y))),
                                  random_state=0).fit(X, y)
    rules = export_text(tree, feature_names=list(X.columns), decimals=3)
    used = [X.columns[i] for i in dict.fromkeys(tree.tree_.feature) if i >= 0]
    agreement = float((tree.predict(X).astype(bool) == inside(X, regions)).mean()) \
        if regions else None
    return rules, used, agreement


def discover_one(study: Ensemble, remedy: str, fail: str, margin: float,
                 min_density: float) -> Found:
    """Label the units, then PRIM and the CART check; `why` when there is nothing to find."""
    X, y, harmed = label(study, remedy, fail, margin)
    found = Found(remedy, fail, len(y), int(y.sum()), harmed=harmed,
                  ranges={c: (float(X[c].min()), float(X[c].max())) for c in X.columns})
    if len(y) < MIN_UNITS:
        found.why = "too_few"
    elif not y.any():
        found.why = "none"
    elif y.all():
        found.why = "all"
    else:
        found.screened = screen(X, y)
        if found.screened:
            found.regions, found.trajectory = prim_regions(X[found.screened], y, min_density)
        found.cart_rules, found.cart_constants, found.agreement = cart_check(X, y,
                                                                            found.regions)
        if not found.regions:       # failing nearly everywhere is no scatter
            found.why = "mostly" if y.mean() >= min_density else "scattered"
    return found


def screen(X: pd.DataFrame, y: np.ndarray) -> list[str]:
    """The unknowns PRIM peels. Up to SCREEN_ABOVE, all of them; beyond, PRIM on a few units
    peels along noise (in 166 dimensions some constant always has a slice without a failure),
    so only the unknowns whose values differ between failing and other units (Mann-Whitney U,
    p below 0.05 over the number of unknowns: Bonferroni) are kept. A region that shows in no
    single unknown is then missed: more units, not more peeling, would find it."""
    if X.shape[1] <= SCREEN_ABOVE:
        return list(X.columns)
    from scipy.stats import mannwhitneyu
    keep = []
    for c in X.columns:
        a, b = X[c].to_numpy()[y], X[c].to_numpy()[~y]
        if np.ptp(X[c].to_numpy()) > 0 and \
                mannwhitneyu(a, b).pvalue < SIGNIFICANT / X.shape[1]:
            keep.append(c)
    return keep


def check_options(fail: str, margin: float, min_density: float) -> None:
    if fail not in FAILS:
        close = difflib.get_close_matches(str(fail), FAILS, n=1)
        raise UserError(f"{given('--fail', short(str(fail), 40))}: expected "
                        f"{' or '.join(FAILS)}" + (f"; did you mean {close[0]!r}?" if close
                                                    else ""))
    if not (isinstance(margin, (int, float)) and 0 <= margin < 10):
        raise UserError(f"{given('--margin', repr(margin))}: expected a share of the base's "
                        "value, 0 or more (0.05: 5%)")
    if not (isinstance(min_density, (int, float)) and 0 < min_density <= 1):
        raise UserError(f"{given('--min-density', repr(min_density))}: expected a share above "
                        "0 and at most 1")


def default_out(folder: Path) -> Path:
    """Beside the study: <study>/discover-<fail>/ would write into a finished study, so the
    folder is the study's name with -discover."""
    return folder.parent / f"{folder.name}-discover"


def prepare_out(out: Path) -> None:
    """Refuse an --out that holds anything but an earlier discovery (nothing is written)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / DISCOVERY).is_file())):
        raise UserError(f"{named('--out')} {out}: holds other files; give a new folder or an "
                        "earlier discovery's")


def run(folder, scenarios=(), fail: str = "syndrome", margin: float = HARM_MARGIN,
        min_density: float = MIN_DENSITY, out=None, lang: str = "en") -> Discovery:
    """Discover the failure regions of each remedy (all the study's when `scenarios` is
    empty) and write boxes.csv, trajectory.csv, cart.csv, the figures, report.html and
    discovery.json into `out` (default beside the study: <study>-discover), all at once."""
    from ..present import discover_page
    check_options(fail, margin, min_density)
    study = read(folder)
    remedies = choose(study, scenarios)
    out = Path(out) if out is not None else default_out(study.folder)
    prepare_out(out)
    found = {r: discover_one(study, r, fail, margin, min_density) for r in remedies}
    sentences = {r: discover_page.sentences(f, study.base, lang) for r, f in found.items()}
    measure = list(dict.fromkeys(c for f in found.values() for g in f.regions for c in g.bounds))
    ensemble = (study.manifest.get("design") or {}).get("ensemble")   # for what to run next
    manifest = {"kind": "discover", "study": str(study.folder.resolve()),
                "study_kind": study.manifest.get("kind"), "base": study.base,
                "remedies": remedies, "fail": fail, "margin": margin,
                "min_density": min_density, "unknowns": study.unknowns, "lang": lang,
                "design_hash": study.manifest.get("design_hash", "?"),
                "run_function": study.manifest.get("run_function"),
                "code": code_version(), **invocation(), "sentences": sentences,
                "measure": measure, "ensemble": ensemble}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        write(tmp, study, found, manifest, lang)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Discovery(out, study.folder, study.base, fail, found, sentences, measure, ensemble)


def tables(found: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """boxes (one row per region and bounding constant), trajectory and the CART check."""
    boxes, steps, cart = [], [], []
    for r, f in found.items():
        for g in f.regions:
            for rank, (c, (lo, hi)) in enumerate(g.bounds.items(), 1):
                boxes.append({"scenario": r, "fail": f.fail, "box": g.box, "coverage":
                              g.coverage, "density": g.density, "mass": g.mass, "units":
                              g.units, "constant": c, "low": lo, "high": hi,
                              "range_low": f.ranges[c][0], "range_high": f.ranges[c][1],
                              "qp": g.qp[c], "measure_rank": rank})
        if f.trajectory is not None and len(f.trajectory):
            steps.append(f.trajectory.assign(scenario=r, fail=f.fail))
        cart.append({"scenario": r, "fail": f.fail, "units": f.units, "failures": f.failures,
                     "regions": len(f.regions), "agreement": f.agreement,
                     "cart_constants": " ".join(f.cart_constants), "why": f.why,
                     "rules": f.cart_rules})
    cols = ["scenario", "fail", "box", "coverage", "density", "mass", "units", "constant", "low",
            "high", "range_low", "range_high", "qp", "measure_rank"]
    trajectory = pd.concat(steps, ignore_index=True) if steps else pd.DataFrame()
    if len(trajectory):
        trajectory = trajectory[["scenario", "fail", *[c for c in trajectory.columns
                                                       if c not in ("scenario", "fail")]]]
    return pd.DataFrame(boxes, columns=cols), trajectory, pd.DataFrame(cart)


def write(folder: Path, study: Ensemble, found: dict, manifest: dict, lang: str) -> None:
    """Every output into `folder` (a fresh temporary folder, renamed into place after)."""
    from ..present import discover_page
    boxes, trajectory, cart = tables(found)
    for name, frame in (("boxes", boxes), ("trajectory", trajectory), ("cart", cart)):
        atomic_write(folder / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    images = discover_page.figures(found, folder, lang)
    html = discover_page.page(study, found, manifest, images, lang)
    atomic_write(folder / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    write_json(folder / DISCOVERY, manifest)
