"""What can stop an experiment, each with its own exit status in the command line; and who
asked (the `juwei` command, or Python), which decides how messages name the options."""

import contextlib
import signal

# exit status of an interrupted batch, by what stopped it (128 + the signal's number)
SIGNAL_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
LOST_STATUS = 75          # the Dask scheduler was lost (EX_TEMPFAIL: resume later)
WRITE_STATUS = 74         # a result could not be written, e.g. a full disk (EX_IOERR)


_IN_COMMAND = [False]     # True while this process runs the `juwei` command (as_command)


@contextlib.contextmanager
def as_command():
    """Within: this process is the `juwei` command, so a stop whose cleanup gets stuck ends the
    process (batch.exit_if_stuck), and messages name the command's flags. Outside, as when
    juwei is called from Python or a notebook kernel, a stop never ends the process (the
    caller's state survives, and a second interrupt breaks a stuck cleanup), and messages
    name the Python arguments."""
    old, _IN_COMMAND[0] = _IN_COMMAND[0], True
    try:
        yield
    finally:
        _IN_COMMAND[0] = old


def in_command() -> bool:
    return _IN_COMMAND[0]


def named(flag: str) -> str:
    """An option's name, for messages: `--out` in the command, `out` from Python."""
    return flag if in_command() else flag.lstrip("-").replace("-", "_")


def option(flag: str, value=None) -> str:
    """An option as the user gave it, for messages: `--out DIR` or `--resume` in the `juwei`
    command; `out='DIR'` or `resume=True` (the `Options` field) from Python."""
    if in_command():
        return flag if value is None else f"{flag} {value}"
    return f"{named(flag)}=True" if value is None else f"{named(flag)}={str(value)!r}"


def given(flag: str, shown) -> str:
    """An option with the value given, for messages: `--replicates 5` in the `juwei` command,
    `replicates=5` from Python (`shown`: the value as text, or a value shown as it is)."""
    shown = shown if isinstance(shown, str) else repr(shown)
    return f"{flag} {shown}" if in_command() else f"{named(flag)}={shown}"


def same_again(out) -> str:
    """How to finish an interrupted experiment in `out`, in the caller's terms."""
    if in_command():
        return f"the same command with --resume --out {out}"
    return f"the same call with Options(out={str(out)!r}, resume=True)"


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
