"""What can stop an experiment, each with its own exit status in the command line."""


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C or a signal stopped a batch: printed as one line, exit status 130."""


class AnalysisRefused(Exception):
    """The runs cannot be analysed as they are (failed or missing runs): exit status 1."""
