"""Seeds: one root per experiment, everything else spawned from it with `SeedSequence`."""

from __future__ import annotations

import numpy as np

DEFAULT_SEED = 20061        # the root seed when none is given (command line, design files, app)


def check_seed(seed) -> int:
    """A root seed must be a whole number >= 0 (SeedSequence's entropy); else ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"expected a whole number >= 0, got {seed!r}")
    return int(seed)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Replicate seeds spawned from one root; replicate r gets the same seed in every scenario
    and at every design point (common random numbers)."""
    children = np.random.SeedSequence(check_seed(root_seed)).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def derived_seed(*entropy: int) -> int:
    """A seed drawn from several whole numbers, e.g. (replicate seed, block, dummy level)."""
    state = np.random.SeedSequence(list(entropy)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))
