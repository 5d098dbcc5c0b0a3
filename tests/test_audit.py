"""The assumption audit (issue 22, item 5) and the dose-response study (item 4)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from juwei.model.params import FIELDS
from juwei.studies import audit

from .conftest import juwei


def test_the_audit_names_a_planted_deciding_constant():
    """A pair whose order follows one constant: the audit names that constant and no other."""
    rng = np.random.default_rng(3)
    names = audit.assumptions()[:40]
    n = 64
    X = pd.DataFrame({k: rng.random(n) for k in names})
    kinds = pd.Series(["assumptions"] * n, index=range(n))
    decider = names[7]
    gap = X[decider] - 0.5 + 0.05 * rng.standard_normal(n)        # > 0: "a" ahead
    rank = pd.DataFrame({"a": np.where(gap > 0, 1, 2), "b": np.where(gap > 0, 2, 1),
                         "c": 3})
    reference = pd.Series({"a": 1, "b": 2, "c": 3})
    pairs = audit.deciding({}, reference, X, kinds, rank)
    first = pairs.iloc[0]
    assert first.ahead == "a" and first.behind == "b" and 0.3 < first.flipped_share < 0.7
    assert first.constant_1 == decider and first.clear_1 and first.rho_1 > 0.5
    assert not first.clear_2                                 # the rest is noise
    assert first.submodel_1 == FIELDS[decider].metadata["group"]


def test_assumption_samples_stay_in_their_bounds():
    names = audit.assumptions()
    assert len(names) > 100 and not any(n.endswith(("_min", "_max")) for n in names)
    X = audit.sample(names, 16, 0.5, seed=1)
    for k in names:
        lo, hi = audit.bounds(k, 0.5)
        assert X[k].between(lo, hi).all(), k


def test_audit_command(tmp_path):
    out = tmp_path / "a"
    r = juwei("audit", "baseline", "separation", "unit_sharing", "--samples", "8",
              "--noise-samples", "4", "--scale", "0.01", "--years", "1", "--burn-in", "1",
              "--executor", "inprocess", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "Kendall tau" in r.stdout and "adjacent pair" in r.stdout
    ranks = pd.read_csv(out / "ranks.csv").set_index("remedy")
    assert np.allclose(ranks.sum(axis=1), 1.0)
    tau = pd.read_csv(out / "tau.csv")
    assert set(tau.kind) == {"assumptions", "noise"} and tau.tau.between(-1, 1).all()
    runs = pd.read_parquet(out / "runs.parquet")
    noise = runs[runs.kind == "noise"]
    assert noise.groupby("sample").seed.nunique().eq(1).all()      # arms paired on a seed
    m = json.loads((out / "manifest.json").read_text())
    assert m["design"]["spread"] == 0.5 and m["status"] == "complete"
    assert (out / "report.html").stat().st_size > 10_000


def test_dose_response_command(tmp_path):
    out = tmp_path / "d"
    r = juwei("compare", "baseline", "separation", "cadre_pay_recruitment", "--dose-response",
              "--doses", "2", "--replicates", "2", "--scale", "0.01", "--years", "1",
              "--burn-in", "1", "--executor", "inprocess", "--out", out)
    assert r.returncode == 0, r.stderr
    doses = pd.read_csv(out / "doses.csv")
    sep = doses[(doses.remedy == "separation") & (doses.indicator == "unmet_need")]
    assert set(sep.dose) >= {0.5, 1.0} and len(sep) == 3      # and the scenario's own dose
    assert abs(sep.scenario_dose.iloc[0] - 0.5 / 0.9) < 1e-9
    pay = doses[(doses.remedy == "cadre_pay_recruitment") & (doses.indicator == "public_yuan")]
    assert pay.sort_values("dose")["diff"].is_monotonic_increasing    # dearer with the dose
    equal = pd.read_csv(out / "equal-cost.csv")
    assert list(equal.remedy) == ["cadre_pay_recruitment"]            # separation costs nothing
    assert "Where each scenario's dose comes from" in (out / "report.html").read_text()
    bad = juwei("compare", "baseline", "separation", "--budget", "5", "--out", tmp_path / "b")
    assert bad.returncode == 2 and "--budget" in bad.stderr


def test_dose_response_speaks_chinese_under_lang_zh(tmp_path):
    """The terminal of `--dose-response --lang zh`: the scenarios' titles, the equal-cost line
    and the outcomes in Chinese, no English word besides file names."""
    import re

    from juwei.present import i18n
    r = juwei("compare", "baseline", "separation", "cadre_pay_recruitment", "--dose-response",
              "--doses", "2", "--replicates", "2", "--scale", "0.01", "--years", "1",
              "--burn-in", "1", "--executor", "inprocess", "--lang", "zh",
              "--out", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    for words in ("与「现状（基线）」相比的剂量—效应", "同等成本", "提高待遇", "未满足需求",
                  "结果："):
        assert words in r.stdout, words
    assert i18n.words(re.sub(r"\S*[/_.\-]\S*", " ", r.stdout)) == set(), r.stdout
    # the report too (it was English): its headings and the remedies' titles, and no ordering
    # read from 2 replicates
    page = (tmp_path / "d" / "report.html").read_text("utf-8")
    for key in ("doses_h", "reversals_h", "equal_h", "every_h"):
        assert i18n.t(f"doses.{key}", "zh") in page, key
    assert "提高待遇、竞聘上岗" in page and i18n.t("doses.too_few", "zh", n=2, min=4) in page
    assert "每组只有2次重复" in r.stdout
    body = page.split("</style>")[1].rsplit("<p", 1)[0]      # not the footer's command
    text = re.sub(r"<[^>]+>", " ", body)
    dose_sources = {w for s in ("separation", "cadre_pay_recruitment")
                    for w in i18n.words(__import__("juwei").inputs.scenario.load(s).dose)}
    english = i18n.words(re.sub(r"\S*[/_.\-]\S*", " ", text)) - dose_sources
    assert english <= {"ODD", "juwei", "git", "Python", "mesa", "numpy", "SALib"}, english


def test_a_whole_dose_reaches_the_end_of_every_range():
    """0.3 + 1.0 x (0.9 - 0.3) is 0.9000000000000001 in floating point: the top of a range is
    reached exactly, never just past it."""
    from juwei.inputs import scenario as sc
    from juwei.studies import doses
    base, remedy = sc.load("baseline"), sc.load("burden_campaigns")
    path = doses.lever_path(base, remedy)
    full = doses.at_dose(base, path, 1.0)
    assert full.campaign_cut_share == FIELDS["campaign_cut_share"].metadata["high"]
    assert full.reduction_campaigns_per_year == 2
