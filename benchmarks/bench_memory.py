"""Memory a batch takes per run: the figure behind the engine's run cap (batch.MAX_RUNS).

    python benchmarks/bench_memory.py [--small 5000] [--large 20000] [--budget-gb 4]

A sweep grid of two county levers (a lazy design, as `juwei sweep` makes it) runs
through `run_batch` in one process with a trivial run function that returns a summary as wide
as the county model's (every indicator), so what is measured is the engine, not the model.
Each size runs in a fresh process; its peak resident memory (ru_maxrss) is read when the batch
has made its tables. The memory per run is the slope between the two sizes (the start-up,
imports included, cancels out); the cap is the budget over it, rounded down.

What grows with the design is the runs table (one row a run, kept in memory for the study's
analysis), the run times and, on resume, the stored parts' index: the design itself is a
recipe, and the series and breakdown tables are streamed to disk a chunk at a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from juwei.engine import Options, run_batch
from juwei.inputs.design import load_sweep
from juwei.model import INDICATORS
from juwei.studies import sweep

def trivial(params, seed):
    return {"summary": {name: 0.5 for name in INDICATORS}}

n, folder = int(sys.argv[1]), Path(sys.argv[2])
path = folder / "grid.toml"
path.write_text('sampling = "grid"\\nlevels = %d\\nreplicates = 1\\n[levers]\\n'
                'task_admission = [0.0, 0.9]\\nfunding_follows_tasks = [0.0, 1.0]\\n'
                % round(n ** 0.5))
design = load_sweep(str(path))
runs = sweep.runs(design, sweep.points(design))
t0 = time.perf_counter()
store, tables = run_batch(runs, Options(folder / "out", executor="inprocess", progress=False),
                          "sweep", design.as_dict(), fn=trivial, keep=(), outputs=None)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"runs": len(tables["runs"]), "peak_bytes": peak, "seconds": seconds,
                  "columns": len(tables["runs"].columns)}))
"""


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="juwei-mem-") as folder:
        r = subprocess.run([sys.executable, "-c", CHILD, str(n), folder], capture_output=True,
                           text=True)
    if r.returncode:
        sys.exit(f"the batch of {n} runs failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=5000)
    ap.add_argument("--large", type=int, default=20000)
    ap.add_argument("--budget-gb", type=float, default=4.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    small, large = measure(args.small), measure(args.large)
    per_run = (large["peak_bytes"] - small["peak_bytes"]) / (large["runs"] - small["runs"])
    budget = args.budget_gb * 2**30
    print(f"{small['runs']:,} runs: peak {small['peak_bytes'] / 2**20:.0f} MB "
          f"({small['seconds']:.0f} s); {large['runs']:,} runs: peak "
          f"{large['peak_bytes'] / 2**20:.0f} MB ({large['seconds']:.0f} s); "
          f"{large['columns']} columns in the runs table")
    print(f"memory per run: {per_run:,.0f} bytes; a {args.budget_gb:g} GB budget holds "
          f"{budget / max(per_run, 1):,.0f} runs (measured in {time.perf_counter() - t0:.0f} s)")
    print(f"python {sys.version.split()[0]}, ru_maxrss of the child process, "
          f"{Path(__file__).name}")


if __name__ == "__main__":
    main()
