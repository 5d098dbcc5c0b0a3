"""What can stop an experiment, each with its own exit status in the command line."""

import signal

# exit status of an interrupted batch, by what stopped it (128 + the signal's number)
SIGNAL_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
LOST_STATUS = 75          # the Dask scheduler was lost (EX_TEMPFAIL: resume later)
WRITE_STATUS = 74         # a result could not be written, e.g. a full disk (EX_IOERR)


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C, SIGTERM, SIGHUP or a lost Dask scheduler stopped a batch: one line, exit status
    130, 143, 129 or 75 (`status`)."""

    def __init__(self, message: str, status: int = 130):
        super().__init__(message)
        self.status = status


class Stop(KeyboardInterrupt):
    """Raised by the SIGTERM and SIGHUP handlers: stops a batch as Ctrl-C does."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SchedulerLost(Exception):
    """The Dask scheduler went away during a batch: the rest is interrupted, not failed."""


class AnalysisRefused(Exception):
    """The runs cannot be analysed as they are (failed or missing runs): exit status 1."""
