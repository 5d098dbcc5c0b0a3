"""Clean shutdown: SIGTERM and SIGHUP stop a batch like Ctrl-C, no worker survives its parent,
and a lost Dask scheduler interrupts (never fails) a batch, which then resumes."""

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from juwei.engine import Interrupted, Options, Run, run_batch

from . import engine_helpers as h
from .conftest import juwei, same_tables, wait_for

DESIGN = ('scenario = "baseline"\nsampling = "grid"\nlevels = 8\nreplicates = 2\nyears = 1\n'
          'scale = 0.01\nseed = 3\noutputs = ["trust", "admin_share"]\n'
          '[levers]\ntask_admission = [0.0, 0.9]\n')          # 16 short runs



def alive(pids) -> list[int]:
    """The processes still running (a zombie awaiting its reaper has ended)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def start_sweep(tmp_path, out):
    design = tmp_path / "d.toml"
    design.write_text(DESIGN)
    proc = subprocess.Popen([sys.executable, "-m", "juwei", "sweep", str(design), "--workers",
                             "2", "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            # Ctrl-C handled as at a terminal, even when the tests run as a
                            # background job (which starts with SIGINT ignored)
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    parts = out / "parts"
    started = wait_for(lambda: len(list(parts.glob("*.npz"))) >= 2 or proc.poll() is not None)
    assert started and proc.poll() is None, "the batch should still be running"
    children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert children, "a process pool has workers"
    return design, proc, children


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                         (signal.SIGINT, 130)])
def test_a_signal_stops_the_batch_cleanly(tmp_path, sig, status):
    out = tmp_path / "o"
    design, proc, children = start_sweep(tmp_path, out)
    proc.send_signal(sig)                           # the main process only, as a supervisor does
    _, err = proc.communicate(timeout=60)
    try:
        assert proc.returncode == status, err
        lines = err.strip().splitlines()
        assert len(lines) <= 3 and "Traceback" not in err, err
        assert f"interrupted by {sig.name}" in lines[-1] and "--resume" in lines[-1]
        assert wait_for(lambda: not alive(children), timeout=10), alive(children)
        m = json.loads((out / "manifest.json").read_text())
        assert m["status"] == "interrupted" and sig.name in m["interrupted_by"]
        stored = len(list((out / "parts").glob("*.npz")))
        assert 2 <= stored < 16
    finally:
        for pid in alive(children):
            os.kill(pid, signal.SIGKILL)
    if sig == signal.SIGTERM:                       # and the rest resumes to the same tables
        r = juwei("sweep", str(design), "--workers", "2", "--out", str(out), "--resume")
        assert r.returncode == 0, r.stderr
        assert f"{stored} of 16 runs already stored" in r.stderr
        clean = tmp_path / "clean"
        assert juwei("sweep", str(design), "--workers", "2", "--out", str(clean)).returncode == 0
        same_tables(out, clean, ("runs", "points"))


def test_workers_exit_when_the_parent_is_killed(tmp_path):
    out = tmp_path / "o"
    _, proc, children = start_sweep(tmp_path, out)
    os.kill(proc.pid, signal.SIGKILL)               # the main process alone, no clean-up at all
    proc.communicate(timeout=30)
    try:
        assert wait_for(lambda: not alive(children), timeout=15), alive(children)
    finally:
        for pid in alive(children):
            os.kill(pid, signal.SIGKILL)


def test_a_worker_ended_mid_result_does_not_leave_the_exit_hanging():
    """A worker ended while it sent its result leaves half a message that the pool's manager
    thread waits on for ever; interpreter exit joins that thread, so the command hung after
    saying it was interrupted (1 stop in 30 on 2 cores). Ending the pool must end the thread."""
    from juwei.engine.executors import _spawn_pool, end_pool
    pool = _spawn_pool(1)
    pool.submit(int).result()                       # the worker and the manager thread are up
    results, manager = pool._result_queue, pool._executor_manager_thread
    os.write(results._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)   # half a message

    def reading():
        frame = sys._current_frames().get(manager.ident)
        while frame is not None:
            if frame.f_code.co_name == "_recv":
                return True
            frame = frame.f_back
        return False
    try:
        assert wait_for(reading, timeout=30), "the manager thread should wait on the rest"
        end_pool(pool)
        assert not manager.is_alive()
    finally:
        if manager.is_alive():                      # or this test process would never exit
            results._writer.close()


SCHEDULER_SCRIPT = textwrap.dedent("""
    import sys
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()
""")


@pytest.mark.slow
def test_a_lost_scheduler_interrupts_and_the_batch_resumes(tmp_path):
    """The cluster (scheduler and worker) lives in another process, killed mid-batch: the runs
    left are not failed, the manifest says interrupted, and a resume finishes them."""
    runs = [Run({"i": i}, {"a": 1.0, "b": 0.5, "sleep": 0.4}, i) for i in range(12)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    cluster = subprocess.Popen([sys.executable, "-c", SCHEDULER_SCRIPT], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, start_new_session=True,
                               env=env)
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://"), address
        out = tmp_path / "d"

        def kill_after_two(i, o):
            if len(list((out / "parts").glob("*.npz"))) >= 2 and cluster.poll() is None:
                os.killpg(cluster.pid, signal.SIGKILL)
        t0 = time.perf_counter()
        with pytest.raises(Interrupted) as e:
            run_batch(runs, Options(out, scheduler=address, progress=False), "t", {},
                      fn=h.slow, keep=("series",), on_outcome=kill_after_two)
        assert time.perf_counter() - t0 < 120
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    assert e.value.status == 75 and "scheduler was lost" in str(e.value)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted"
    parts = list((out / "parts").glob("*.npz"))
    from juwei.engine.store import read_meta
    assert all(read_meta(p)["error"] is None for p in parts)      # nothing stored as failed
    assert 2 <= len(parts) < 12
    _, tables = run_batch(runs, Options(out, resume=True, executor="inprocess", progress=False),
                          "t", {}, fn=h.slow, keep=("series",))
    assert len(tables["runs"]) == 12 and len(tables["failed"]) == 0
    clean = tmp_path / "clean"
    run_batch(runs, Options(clean, executor="inprocess", progress=False), "t", {}, fn=h.slow,
              keep=("series",))
    same_tables(out, clean, ("runs", "series"))
    shutil.rmtree(clean)


def test_a_cleanup_stuck_after_ctrl_c_still_ends_with_130_and_its_stacks(tmp_path):
    # In the command, Ctrl-C, then cleanup blocks for ever on a lock: the process leaves after
    # the grace period with the interruption's status and every thread's stack on stderr,
    # and what on_stop recorded in the handler itself (before the cleanup) is there.
    record = tmp_path / "stopped.txt"
    code = textwrap.dedent(f"""
        import os, signal, threading
        from pathlib import Path
        from juwei.engine import batch, errors
        batch.STOP_GRACE_SECONDS = 1.0
        def clean_up():
            lock = threading.Lock()
            lock.acquire()
            lock.acquire()                      # stuck for ever
        def on_stop(signum):
            Path({str(record)!r}).write_text(signal.Signals(signum).name)
        with errors.as_command(), batch.stopping_on_signals(on_stop):
            try:
                os.kill(os.getpid(), signal.SIGINT)
                threading.Event().wait(30)
            except KeyboardInterrupt:
                clean_up()
    """)
    t0 = time.time()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert r.returncode == 130, r.stderr
    assert "stopping took over 1 s" in r.stderr and "in clean_up" in r.stderr
    assert record.read_text() == "SIGINT"
    assert time.time() - t0 < 30
