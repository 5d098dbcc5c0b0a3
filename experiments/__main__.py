"""`python -m juwei` is the `juwei` command."""

import sys

from .cli import main

sys.exit(main())
