"""Fit a calibration design by its inference: ABC-SMC, with an interval filter or a likelihood
kernel (studies/calibrate.py), or the emulated likelihood (studies/emulate.py). The one entry
the command, the API and the coverage check call, so neither fitter imports the other."""

from __future__ import annotations


def run(design, opts, model=None, report: bool = True):
    """Calibrate `design` into opts.out and return a calibrate.Calibration (the arguments as in
    calibrate.run)."""
    if design.inference == "emulator":
        from . import emulate
        return emulate.run(design, opts, model, report)
    from . import calibrate
    return calibrate.run(design, opts, model, report)
