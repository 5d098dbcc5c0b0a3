"""Policy comparisons: scenarios on common random numbers, paired differences from a base.

For every indicator: each scenario's mean with a t interval across replicates; its paired
difference from the base (replicate r of each scenario shares seed r) with a percentile bootstrap
95% interval, Cohen's d (difference over the pooled replicate sd) and a flag when the interval
excludes zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model import INDICATORS, SYNDROME_THRESHOLD

from .plots import band, panels, plt, save
from .runner import replicate_seeds, scenario_runs
from .scenario import UserError
from .stats import mean_ci

HEADLINE = ["participation_rate", "trust", "admin_share", "exhaustion", "cadre_turnover",
            "service_hours_per_1000", "unmet_need", "htc_index"]
# weekly turnover is a yearly rate sampled weekly (noise in a line plot): hours instead
SERIES = [h if h != "cadre_turnover" else "cadre_hours_per_week" for h in HEADLINE]
BOOTSTRAP = 4000
BOOTSTRAP_SEED = 20061      # fixed: the same runs always give the same report


def paired(runs: pd.DataFrame, base: str, scenarios: list[str]) -> tuple[pd.DataFrame, list]:
    """Successful runs with a replicate in every scenario, and the replicates dropped."""
    have = runs.groupby("replicate")["scenario"].nunique()
    complete = sorted(have[have == len(scenarios)].index)
    dropped = sorted(set(runs.replicate) - set(complete))
    return runs[runs.replicate.isin(complete)], dropped


def differences(runs: pd.DataFrame, base: str, scenarios: list[str],
                indicators=tuple(INDICATORS)) -> pd.DataFrame:
    """One row per indicator and scenario (the base included, with no difference)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    wide = {s: runs[runs.scenario == s].sort_values("replicate") for s in scenarios}
    n = len(wide[base])
    resample = rng.integers(0, n, size=(BOOTSTRAP, n)) if n > 1 else None
    for name in indicators:
        b = wide[base][name].to_numpy(float)
        for s in scenarios:
            x = wide[s][name].to_numpy(float)
            mean, lo, hi = mean_ci(x)
            row = dict(indicator=name, scenario=s, mean=mean, ci95_low=lo, ci95_high=hi,
                       sd=float(x.std(ddof=1)) if n > 1 else None, n=n)
            if s != base:
                d = x - b
                diff = float(d.mean())
                pooled = float(np.sqrt((x.var(ddof=1) + b.var(ddof=1)) / 2)) if n > 1 else 0.0
                if resample is not None:
                    boot = d[resample].mean(axis=1)
                    dlo, dhi = (float(v) for v in np.percentile(boot, [2.5, 97.5]))
                else:
                    dlo = dhi = None
                row.update(diff=diff, diff_low=dlo, diff_high=dhi,
                           relative=diff / abs(b.mean()) if b.mean() else None,
                           cohens_d=diff / pooled if pooled > 0 else (0.0 if diff == 0 else None),
                           flagged=bool(dlo is not None and (dlo > 0 or dhi < 0)))
            rows.append(row)
    return pd.DataFrame(rows)


# --- figures --------------------------------------------------------------------------------------
def plot_series(series: pd.DataFrame, scenarios: list[str], path: Path,
                indicators=SERIES) -> None:
    fig, axes, _ = panels(len(indicators), 4, 4.2, 3.2)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes, indicators):
        for k, s in enumerate(scenarios):
            band(ax, series[series.scenario == s], name, s, color=colors[k % len(colors)])
        ax.set_title(f"{name}\n{INDICATORS[name][1]}", fontsize=8)
        ax.set_xlabel("years", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(scenarios)), fontsize=8,
               frameon=False)
    save(fig, path, "Indicators over time (mean and 95% band across replicates)", fontsize=11,
         rect=(0, 0.05 + 0.02 * (len(scenarios) // 4), 1, 0.96))


def plot_htc(table: pd.DataFrame, scenarios: list[str], path: Path) -> None:
    parts = ["htc_H", "htc_T", "htc_C", "htc_index"]
    labels = ["H: government hot", "T: cadres tired", "C: residents cold", "index"]
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(scenarios) + 3), 4.4))
    width = 0.8 / len(parts)
    x = np.arange(len(scenarios))
    for k, (part, label) in enumerate(zip(parts, labels)):
        rows = table[table.indicator == part].set_index("scenario").loc[scenarios]
        err = np.vstack([rows["mean"] - rows.ci95_low.fillna(rows["mean"]),
                         rows.ci95_high.fillna(rows["mean"]) - rows["mean"]])
        ax.bar(x + (k - 1.5) * width, rows["mean"], width, yerr=err, capsize=2, label=label)
    ax.axhline(SYNDROME_THRESHOLD, color="grey", ls="--", lw=1)
    ax.text(len(scenarios) - 0.5, SYNDROME_THRESHOLD + 0.01, "syndrome threshold 0.6",
            ha="right", fontsize=8, color="grey")
    ax.set_xticks(x, scenarios, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("0-1")
    ax.set_title("Hot-tired-cold components by scenario (bars: mean; whiskers: 95% interval)",
                 fontsize=10)
    ax.legend(fontsize=8, ncol=4, loc="upper right")
    save(fig, path)


def plot_differences(table: pd.DataFrame, base: str, scenarios: list[str], path: Path,
                     indicators=HEADLINE) -> None:
    alts = [s for s in scenarios if s != base]
    fig, axes, cols = panels(len(indicators), 4, 4.2, 0.32 * len(alts) + 2.2)
    y = np.arange(len(alts))[::-1]
    for k, (ax, name) in enumerate(zip(axes, indicators)):
        rows_ = table[table.indicator == name].set_index("scenario").loc[alts]
        diff = rows_["diff"].to_numpy(float)
        lo = diff - rows_.diff_low.fillna(rows_["diff"]).to_numpy(float)
        hi = rows_.diff_high.fillna(rows_["diff"]).to_numpy(float) - diff
        flagged = rows_.flagged.to_numpy(bool)
        for mask, color in ((flagged, "tab:red"), (~flagged, "tab:grey")):
            ax.errorbar(diff[mask], y[mask], xerr=[lo[mask], hi[mask]], fmt="o", ms=4,
                        color=color, capsize=2)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, alts if k % cols == 0 else [""] * len(alts), fontsize=7)
        ax.set_title(f"{name} ({INDICATORS[name][0]})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(alpha=0.3, axis="x")
    save(fig, path, f"Difference from '{base}' with bootstrap 95% intervals "
                 "(red: interval excludes zero)")


# --- the whole comparison ----------------------------------------------------------------------
@dataclass
class Comparison:
    out: Path
    table: pd.DataFrame
    dropped: list
    wall_seconds: float


def run(scenarios, replicates: int, seed: int, opts, on_outcome=None) -> Comparison:
    """Run the scenarios (first = base) and write tables, figures and report.html to opts.out."""
    from . import report
    from .batch import run_batch
    from .store import atomic_write, write_parquet

    labels = [s.name for s in scenarios]
    p = scenarios[0].params
    design = {"base": labels[0], "scenarios": [
        {"name": s.name, "file": s.path, "description": s.description, "changes": s.changes}
        for s in scenarios], "replicates": replicates, "seed": seed,
        "replicate_seeds": replicate_seeds(seed, replicates), "years": p.years, "scale": p.scale}
    store, tables = run_batch(scenario_runs(scenarios, replicates, seed), opts, "compare", design,
                              keep=("series",), desc="compare", on_outcome=on_outcome)
    ok = tables["runs"][tables["runs"].status == "ok"]
    data, dropped = paired(ok, labels[0], labels)
    if data.replicate.nunique() < 2:
        raise UserError(f"{opts.out}: fewer than 2 replicates finished in every scenario; see "
                        f"manifest.json, then rerun with --resume --out {opts.out}")
    table = differences(data, labels[0], labels)
    write_parquet(opts.out / "comparison.parquet", table)
    atomic_write(opts.out / "comparison.csv", lambda tmp: table.to_csv(tmp, index=False))
    series = tables["series"]
    series = series[series.replicate.isin(data.replicate.unique())]
    images = {"series": opts.out / "compare-series.png", "htc": opts.out / "compare-htc.png",
              "differences": opts.out / "compare-differences.png"}
    plot_series(series, labels, images["series"])
    plot_htc(table, labels, images["htc"])
    plot_differences(table, labels[0], labels, images["differences"])
    html = report.comparison(scenarios, labels[0], table, images, store.manifest, dropped)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    return Comparison(opts.out, table, dropped, store.manifest["wall_seconds"])
