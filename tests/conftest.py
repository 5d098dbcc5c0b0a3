import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# one cache of settled counties for the whole session, its subprocesses included, never the
# user's own (~/.cache/juwei)
os.environ.setdefault("JUWEI_CACHE_DIR", tempfile.mkdtemp(prefix="juwei-settled-"))

from juwei.model import Parameters  # noqa: E402
from juwei.studies.common import county_function  # noqa: E402

SMALL = Parameters(scale=0.03, years=2)
run = county_function(None)        # the county model, with burn-ins shared between arms

# Browser tests need Playwright and Debian's Chromium. Outside CI they skip with this reason
# when either is missing; in CI (CI=true) .ci/run installs Chromium and a missing one fails.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
try:
    import playwright.sync_api  # noqa: F401
    BROWSER_MISSING = (None if Path(CHROMIUM).exists() else
                       f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
except ImportError:  # pragma: no cover
    BROWSER_MISSING = "Playwright is not installed"
if BROWSER_MISSING and os.environ.get("CI"):
    raise RuntimeError(f"browser tests cannot run in CI: {BROWSER_MISSING}")


def small(**levers) -> Parameters:
    return dataclasses.replace(SMALL, **levers)


SEEDS = (1, 2, 3)


def summaries(params: Parameters, seeds=SEEDS) -> list[dict[str, float]]:
    """One summary per seed (the same seeds for every arm: paired comparisons)."""
    return [run(params, s).summary for s in seeds]


def mean_summary(params: Parameters, seeds=SEEDS) -> dict[str, float]:
    """Mean summary over a few seeds."""
    results = summaries(params, seeds)
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}


LEVER_SEEDS = tuple(range(1, 7))     # lever effects are judged against replicate noise


@pytest.fixture(scope="session")
def baseline_small_runs():
    return summaries(SMALL, LEVER_SEEDS)


def wait_for(condition, timeout=120.0, every=0.05) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def juwei(*args, timeout=900, **kw) -> subprocess.CompletedProcess:
    """The command line as a user runs it: a subprocess with real exit codes."""
    return subprocess.run([sys.executable, "-m", "juwei", *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def same_tables(a: Path, b: Path, names) -> None:
    """The named Parquet tables of two results folders are equal."""
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"),
                                      pd.read_parquet(b / f"{name}.parquet"))


# A fast test whose every check a slow one in the same session repeats, and more: when both are
# collected, the fast one is deselected (`make test-fast` keeps it; `make test` saves its time).
COVERED_BY = {"test_the_reference_docks_with_the_vectorised_model": "test_the_full_docking_suite"}


@pytest.hookimpl(trylast=True)          # after -m and -k have deselected theirs
def pytest_collection_modifyitems(config, items):
    names = {item.name for item in items}
    covered = [i for i in items if COVERED_BY.get(i.name) in names]
    if covered:
        config.hook.pytest_deselected(items=covered)
        items[:] = [i for i in items if i not in covered]
