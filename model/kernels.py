"""The residents' week's per-row passes, fused into compiled loops (numba).

Each kernel does, row by row and in the same float32 or float64 operations and order, what the
numpy expressions it replaces did pass by pass, so a run is bit for bit the same
(tests/test_kernels.py compares each kernel with the numpy it replaced; tests/test_county.py
holds a run's digest). The random draws and the exponential stay in numpy: numba's exp rounds
differently from numpy's vectorised one.

Why loops at all: numpy makes a temporary array and a memory pass per operation, about 25
passes over 220,000 residents a week. A loop that updates one array reads each input once, and
LLVM vectorises it as numpy would; rows whose update differs (the needy, those who took part)
are few and are fixed after, from their values before. Rows are sorted by committee, so a
committee's value is read once per committee, not gathered per row.

Scalars named `*32` are float32: numpy (NEP 50) casts a Python float to a float32 array's type
before it multiplies, and so must the loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def compiled(f):
    """`f` compiled, its machine code cached on disk (in __pycache__, else numba's user-wide
    cache) where numba can write; where it cannot (a read-only install without a writable
    home), compiled anew in each process instead of failing at import."""
    try:
        return njit(cache=True, nogil=True)(f)
    except RuntimeError:              # numba: "cannot cache function ...: no locator available"
        return njit(nogil=True)(f)


# One committee's rows, as slices: LLVM vectorises a loop over a slice, not one over a range
# of a larger array inside another loop (measured: 10x).
@njit(nogil=True)
def _utility(x, static, trust, awareness, contact_share, efficacy, pull, trust_weight32,
             awareness_weight32, influence32):
    for i in range(x.size):
        x[i] = (static[i] + trust_weight32 * trust[i] * efficacy + awareness_weight32
                * awareness[i] + pull + influence32 * contact_share[i])


@compiled
def utility(static, trust, awareness, contact_share, starts, efficacy, pull, trust_weight32,
            awareness_weight32, influence32):
    """Each row's utility of taking part before the volunteers' terms (ODD §7.5): static +
    trust x efficacy + awareness + the committee's pull + contacts' influence."""
    n = static.size
    x = np.empty(n, np.float32)
    for k in range(starts.size):
        lo, hi = starts[k], (starts[k + 1] if k + 1 < starts.size else n)
        _utility(x[lo:hi], static[lo:hi], trust[lo:hi], awareness[lo:hi], contact_share[lo:hi],
                 efficacy[k], pull[k], trust_weight32, awareness_weight32, influence32)
    return x


@compiled
def takers(draw, odds_against):
    """The rows whose uniform `draw` x `odds_against` (1 + exp(-utility)) is below 1, that is
    draw < their chance to take part, in row order (as numpy's flatnonzero of the product)."""
    out = np.empty(draw.size, np.int64)
    k = 0
    one = np.float32(1.0)
    for i in range(draw.size):
        if draw[i] * odds_against[i] < one:
            out[k] = i
            k += 1
    return out[:k]


@compiled
def heard_from_recent(week, window, last_part, contacts, per_reacher, contact_share):
    """Who took part in the month (returned, in row order), and what each resident hears: the
    share of those who count them as a contact that did (contact_share, written)."""
    n = last_part.size
    heard = np.zeros(n, np.int32)
    recent = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if last_part[i] > week - window:
            recent[k] = i
            k += 1
    for j in range(k):
        i = recent[j]
        for m in range(contacts.shape[1]):
            heard[contacts[i, m]] += 1
    _share_heard(contact_share, heard, per_reacher)
    return recent[:k]


@njit(nogil=True)
def _share_heard(contact_share, heard, per_reacher):
    for i in range(heard.size):
        contact_share[i] = np.float32(heard[i]) * per_reacher[i]


@njit(nogil=True)
def _clip01(t):
    if np.isnan(t):                                          # as np.clip: NaN stays NaN
        return t
    t = t if t > np.float32(0.0) else np.float32(0.0)        # np.clip's order: max, then min
    return t if t < np.float32(1.0) else np.float32(1.0)


@njit(nogil=True)
def _trust_toward(trust, adult_f, target, rate32):
    for i in range(trust.size):
        trust[i] = _clip01(trust[i] + rate32 * (target - trust[i]) * adult_f[i])


@njit(nogil=True)
def _awareness_toward(awareness, decay, gain):
    one = np.float32(1.0)
    for i in range(awareness.size):
        a = awareness[i]
        awareness[i] = a + (gain * (one - a) - decay[i] * a)


@njit(nogil=True)
def _satisfaction_toward(satisfaction, quality, rate32):
    for i in range(satisfaction.size):
        satisfaction[i] = satisfaction[i] + rate32 * (quality - satisfaction[i])


@compiled
def slow_state(week, starts, needy, is_needy, needy_committee, needy_draw, took, took_committee,
               last_part, trust_target, efficacy, activity, coverage, trust, awareness,
               satisfaction, adult_f, awareness_decay, served_shift, neutral, neutral32,
               part_shift32, trust_rate32, activity_gain32, publicity_gain32, part_gain32,
               satisfaction_rate32):
    """Step 4 of the week (ODD §7.8): trust, awareness and satisfaction move toward what the
    committee's conduct, this week's service and taking part warrant (in place). A needy row
    is served if its draw is below the committee's coverage; `took` took part this week, and
    so did every row whose `last_part` is `week` (it was set this week, and weeks only
    increase). `needy` is sorted; `is_needy` marks its rows."""
    n = trust.size
    one = np.float32(1.0)
    trust_needy, satisfaction_needy = trust[needy], satisfaction[needy]
    trust_took = trust[took]
    for k in range(starts.size):           # every row as if neither needy nor taking part
        lo, hi = starts[k], (starts[k + 1] if k + 1 < starts.size else n)
        _trust_toward(trust[lo:hi], adult_f[lo:hi], trust_target[k], trust_rate32)
        _awareness_toward(awareness[lo:hi], awareness_decay[lo:hi],
                          activity_gain32 * activity[k] + publicity_gain32)
        _satisfaction_toward(satisfaction[lo:hi], coverage[k], satisfaction_rate32)
    for j in range(needy.size):            # the needy: served or not, and perhaps took part
        i, k = needy[j], needy_committee[j]
        served = 1.0 if needy_draw[j] < np.float64(coverage[k]) else 0.0
        target = np.float32(np.float64(trust_target[k]) + served_shift * (served - neutral))
        if last_part[i] == week:
            target = target + part_shift32 * (efficacy[k] - neutral32)
        old = trust_needy[j]
        trust[i] = _clip01(old + trust_rate32 * (target - old) * adult_f[i])
        old = satisfaction_needy[j]
        satisfaction[i] = old + satisfaction_rate32 * (np.float32(served) - old)
    for j in range(took.size):             # those who took part: trust (unless needy), awareness
        i, k = took[j], took_committee[j]
        if not is_needy[i]:                          # the needy are done above
            target = trust_target[k] + part_shift32 * (efficacy[k] - neutral32)
            old = trust_took[j]
            trust[i] = _clip01(old + trust_rate32 * (target - old) * adult_f[i])
        awareness[i] = awareness[i] + part_gain32 * (one - awareness[i])
