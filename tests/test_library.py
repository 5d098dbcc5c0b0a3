"""juwei as a research library: called from Python or a notebook kernel, not only as a command."""

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest


def wait_for(condition, timeout=120.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


# --- an interrupt in a notebook kernel never ends the kernel -------------------------------------
SETUP = """
from pathlib import Path
from juwei.engine import Options, batch
from juwei.inputs import scenario
from juwei.studies import compare
batch.STOP_GRACE_SECONDS = 1      # the command line's watchdog would fire within the test
scenarios = [scenario.load(n).with_overrides({"scale": 0.01, "years": 1}, "test")
             for n in ("baseline", "separation")]
"""


def test_an_interrupted_study_leaves_the_calling_process_alive(tmp_path):
    # A Python caller (not the command): Ctrl-C during a study raises Interrupted, the
    # manifest says so, and nothing ends the process afterwards (the command's stop watchdog
    # used to, a grace period after the signal, whatever the caller was doing).
    out = tmp_path / "c"
    code = SETUP + textwrap.dedent(f"""
        import os, signal, sys, threading, time
        from juwei.engine import Interrupted
        def interrupt_after_two(i, o):
            if len(list(Path({str(out)!r}, "parts").glob("*.npz"))) >= 2:
                os.kill(os.getpid(), signal.SIGINT)
        try:
            compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), workers=2,
                        progress=False), on_outcome=interrupt_after_two)
        except Interrupted as e:
            print("interrupted", e.status, flush=True)
        time.sleep(2.5)                # well past the (shortened) grace period
        print("still alive", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                     signal.SIG_DFL))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["interrupted", "130", "still", "alive"], r.stdout
    assert "stopping took over" not in r.stderr
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and "SIGINT" in m["interrupted_by"]


def test_an_interrupted_study_leaves_the_kernel_alive(tmp_path):
    manager = pytest.importorskip("jupyter_client.manager")
    out = tmp_path / "c"
    km, kc = manager.start_new_kernel(kernel_name="python3")
    try:
        def execute(code, timeout=120):
            kc.execute(code)
            return kc.get_shell_msg(timeout=timeout)["content"]

        assert execute(SETUP)["status"] == "ok"
        kc.execute(f"compare.run(scenarios, 10, 1, Options(Path({str(out)!r}), workers=2, "
                   "progress=False))")
        assert wait_for(lambda: len(list((out / "parts").glob("*.npz"))) >= 2)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=60)["content"]
        assert reply["status"] == "error" and reply["ename"] == "Interrupted", reply
        assert "stored" in reply["evalue"]
        time.sleep(2.5)                        # well past the (shortened) grace period
        assert km.is_alive()
        assert execute("x = 6 * 7")["status"] == "ok"
        m = json.loads((out / "manifest.json").read_text())
        assert m["status"] == "interrupted" and "SIGINT" in m["interrupted_by"]
    finally:
        km.shutdown_kernel(now=True)
