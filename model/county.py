"""The baseline county's composition (essay facts; ODD §5 Initialisation cites each number).

Only fixed facts and the draws that turn them into a concrete county live here; the rules that
change state week by week live in residents.py, workload.py, cadres.py, finance.py and agents.py.
"""

from __future__ import annotations

import numpy as np

# --- the essay's county -----------------------------------------------------------------------
N_COMMITTEES = 63
N_JIANGKOU = 11                      # committees in Jiangkou town (the county seat)
RESIDENTS_JIANGKOU = 100_000
RESIDENTS_REST = 120_000
GROUPS_JIANGKOU = 80                 # resident groups (居民小组) in Jiangkou
RESIDENTS_PER_GROUP = 1_250          # Jiangkou's ratio, assumed for the rest of the county
SEATS_JIANGKOU, SEATS_TOWNSHIP = 5, 3    # 11*5 + 52*3 = 211 cadres, "three to five" each
CADRES_HIGH_SCHOOL = 18              # 8.5% of 211
CADRES_OVER_45 = 146                 # 69.2% of 211
RENTING_SHARE = 0.2                  # committees renting their office
SHOP_RENT_COMMITTEES = 2             # 文化街, 政法街 in the county seat
SHOP_RENT_YUAN = 9_000.0             # yuan/year each (assumed; makes them non-empty shells)
NEW_TOWNSHIP_SHARE = 0.5             # township communities "just starting" (才开始起步)

DEPARTMENTS = (
    "civil affairs", "public security", "health", "labour and social security", "culture",
    "family planning", "urban management", "education", "justice", "statistics",
    "federation of trade unions", "women's federation",
)
# relative push weights (civil affairs, security, health, labour and family planning push most)
DEPARTMENT_WEIGHTS = np.array([1.6, 1.3, 1.2, 1.3, 0.6, 1.3, 1.0, 0.5, 0.5, 0.6, 0.4, 0.5])

# --- residents: national figures of the period (ODD §5) --------------------------------------
AGE_BANDS = ("0-17", "18-35", "36-59", "60+")
AGE_SHARES = np.array([0.20, 0.28, 0.385, 0.135])          # 2010 census, 60+ = 13.3%
UNIT, SOCIAL, LAID_OFF, RETIRED = 0, 1, 2, 3                 # employment codes (adults)
CHILD = 4
# employment shares by adult age band (rows 18-35, 36-59, 60+) in the county seat
EMPLOYMENT_SEAT = np.array([[0.42, 0.50, 0.08, 0.00],
                            [0.40, 0.33, 0.12, 0.15],
                            [0.02, 0.06, 0.02, 0.90]])
TOWNSHIP_UNIT_FACTOR = 0.6           # fewer unit-attached residents outside the seat
LOW_INCOME_BASE = 0.02               # 低保: about 3-4% of urban residents in 2010
LOW_INCOME_LAID_OFF = 0.15
PARTY_BY_AGE = np.array([0.0, 0.04, 0.08, 0.14])           # about 6% of the population
DISABLED_BY_AGE = np.array([0.02, 0.03, 0.05, 0.24])       # 6.34% overall (2006 survey)
# Fischbacher, Gächter & Fehr 2001: ~50% conditional cooperators, ~1/3 free riders
PREFERENCE_SHARES = np.array([0.33, 0.50, 0.17])           # free rider, conditional, unconditional


def committee_sizes(rng: np.random.Generator) -> np.ndarray:
    """Residents per committee: the essay's totals split with a mild lognormal spread."""
    sizes = np.empty(N_COMMITTEES)
    for lo, hi, total in ((0, N_JIANGKOU, RESIDENTS_JIANGKOU),
                          (N_JIANGKOU, N_COMMITTEES, RESIDENTS_REST)):
        w = rng.lognormal(0.0, 0.25, hi - lo)
        sizes[lo:hi] = total * w / w.sum()
    return sizes


def resident_groups(sizes: np.ndarray) -> np.ndarray:
    """Resident groups per committee: 80 in Jiangkou spread by size, ~1,250 residents elsewhere."""
    groups = np.maximum(1, np.round(sizes / RESIDENTS_PER_GROUP)).astype(int)
    jk = sizes[:N_JIANGKOU]
    base = np.floor(GROUPS_JIANGKOU * jk / jk.sum()).astype(int)
    short = GROUPS_JIANGKOU - base.sum()
    base[np.argsort(-(GROUPS_JIANGKOU * jk / jk.sum() - base))[:short]] += 1
    groups[:N_JIANGKOU] = base
    return groups


def draw_residents(rng: np.random.Generator, sizes: np.ndarray, groups_per_committee: np.ndarray,
                   scale: float) -> dict[str, np.ndarray]:
    """Per-resident initial state (struct of arrays). Each row stands for 1/scale residents."""
    counts = np.maximum(1, np.round(sizes * scale)).astype(np.int64)
    n = int(counts.sum())
    committee = np.repeat(np.arange(N_COMMITTEES), counts).astype(np.int16)
    seat = committee < N_JIANGKOU
    # resident groups: consecutive ids, residents spread evenly over their committee's groups
    first_group = np.concatenate([[0], np.cumsum(groups_per_committee)[:-1]])
    within = np.concatenate([np.arange(c) * g // c for c, g in zip(counts, groups_per_committee)])
    group = (first_group[committee] + within).astype(np.int32)

    age = rng.choice(4, size=n, p=AGE_SHARES).astype(np.int8)
    employment = np.full(n, CHILD, dtype=np.int8)
    u = rng.random(n)
    for band in (1, 2, 3):
        for in_seat in (True, False):
            shares = EMPLOYMENT_SEAT[band - 1].copy()
            if not in_seat:
                moved = shares[UNIT] * (1 - TOWNSHIP_UNIT_FACTOR)
                shares[UNIT] -= moved
                shares[SOCIAL] += moved
            rows = (age == band) & (seat == in_seat)
            employment[rows] = np.searchsorted(np.cumsum(shares), u[rows] * shares.sum())
    adult = age > 0
    low_income = adult & (rng.random(n) < LOW_INCOME_BASE + LOW_INCOME_LAID_OFF
                          * (employment == LAID_OFF))
    party = rng.random(n) < PARTY_BY_AGE[age]
    disabled = rng.random(n) < DISABLED_BY_AGE[age]
    preference = rng.choice(3, size=n, p=PREFERENCE_SHARES)
    # thresholds (Granovetter): free riders never follow, conditional cooperators follow a share
    threshold = np.where(preference == 0, 1.0,
                         np.where(preference == 1, rng.uniform(0.0, 0.4, n), 0.0))
    intrinsic = np.where(preference == 0, rng.uniform(0.0, 0.2, n),
                         np.where(preference == 1, rng.uniform(0.2, 0.7, n),
                                  rng.uniform(0.6, 1.0, n)))
    trust = rng.beta(3.0, 5.0, n)                                   # mean 0.375
    awareness = rng.beta(2.0, 5.0, n) * np.where(employment == UNIT, 0.7, 1.0)
    f32 = np.float32
    return dict(
        committee=committee, group=group, age=age, employment=employment, adult=adult,
        low_income=low_income, party=party, disabled=disabled,
        threshold=threshold.astype(f32), intrinsic=intrinsic.astype(f32),
        trust=trust.astype(f32), awareness=awareness.astype(f32),
        represented=(sizes / counts).astype(f32),     # residents one row stands for, per committee
    )


def draw_cadre(rng: np.random.Generator, graduate: bool) -> tuple[float, bool]:
    """Age and education of a new hire: a young graduate from an open competition (聘转选),
    or a local candidate of the usual kind."""
    if graduate:
        return float(rng.uniform(24, 36)), bool(rng.random() < 0.9)
    return float(rng.uniform(38, 56)), bool(rng.random() < 0.1)


def initial_cadres(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seats' committee, cadre ages and education, with the essay's exact counts."""
    committee = np.repeat(np.arange(N_COMMITTEES),
                          [SEATS_JIANGKOU] * N_JIANGKOU + [SEATS_TOWNSHIP] * (N_COMMITTEES - N_JIANGKOU))
    n = committee.size
    over_45 = np.zeros(n, bool)
    over_45[rng.choice(n, CADRES_OVER_45, replace=False)] = True
    age = np.where(over_45, rng.uniform(45.01, 59.9, n), rng.uniform(26, 45, n))
    educated = np.zeros(n, bool)
    educated[rng.choice(n, CADRES_HIGH_SCHOOL, replace=False)] = True
    return committee, age, educated
