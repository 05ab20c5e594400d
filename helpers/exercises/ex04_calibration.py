"""Notebook 04: confidence and calibration. Four exercises.

The cases use hand-worked vectors (values worked out on paper in the notebook), every bin
edge m/M for many M together with the floats just below and just above it (so a binning
that misplaces an edge value only for some M cannot pass), and seeded synthetic logits
whose right temperature is known. The mistakes are the ones learners really make:
left-closed bins, edges rounded by np.linspace or by ceil(c * M), a bin index one off, an
ECE not weighted by bin size or summing the NaN of empty bins, a class-wise instead of a
top-label ECE, a temperature chosen by accuracy or multiplied instead of divided, an NLL
that overflows (warned or silenced) or scores every row against every label, and a
threshold on the wrong side. An answer is read as at most two mistakes at once (more
explain almost any number); when nothing explains it, the plain comparison is shown.
"""
import itertools

import numpy as np

from ..calibration import (expected_calibration_error, fit_temperature, log_softmax, reliability_bins,
                           selective_prediction, synthetic_logits)
from ..probabilities import softmax
from .core import Case, Exercise, KindProblem, Mistake, Run, compare_arrays, describe, passed_before, register


NOTEBOOK = "04_confidence_and_calibration"

# The hand-worked example of the notebook: ECE 0.3283 with 5 right-closed bins.
WORKED_CONFIDENCES = np.array([0.2, 0.25, 0.6, 0.61, 0.99, 1.0])
WORKED_CORRECT = np.array([False, True, True, False, True, True])

# The bin counts whose every edge m/M the cases hold: the usual 15, 10, 20 and 100 first (there each
# wrong binning misplaces a pattern of its own, so the first failing case names it without doubt),
# then every other M up to 40, and a few larger ones.
_USUAL_BIN_COUNTS = (15, 10, 20, 100)
EDGE_BIN_COUNTS = _USUAL_BIN_COUNTS + tuple(m for m in range(1, 41) if m not in _USUAL_BIN_COUNTS) + (50, 64, 1000)
ECE_EDGE_BIN_COUNTS = _USUAL_BIN_COUNTS + tuple(m for m in range(1, 41) if m not in _USUAL_BIN_COUNTS) + (50,)


# --------------------------------------------------------------------------- #
# Inputs with a known answer
# --------------------------------------------------------------------------- #
def probs_with_confidences(confidences, correct, n_classes=10):
    """(N, C) probabilities whose top class (3) has the given confidences, and labels.

    The other classes share the rest equally, so row n's maximum is exactly
    confidences[n] (as long as it is above 1 / n_classes); the label is 3 where
    ``correct`` and 0 elsewhere.
    """
    confidences = np.asarray(confidences, dtype=np.float64)
    probs = np.repeat(((1 - confidences) / (n_classes - 1))[:, None], n_classes, axis=1)
    probs[:, 3] = confidences
    return probs, np.where(correct, 3, 0).astype(np.int64)


def edge_values(n_bins, dtype=np.float64):
    """Every edge m/M (m = 1..M) of ``n_bins`` bins, the float just below each, and the float
    just above each but the last, shuffled (seeded): (3M - 1,) array of ``dtype``.

    Right-closed, an edge and the float below it belong to the bin the edge closes; the
    float above it to the next bin.
    """
    edges = (np.arange(1, n_bins + 1) / n_bins).astype(dtype)
    values = np.concatenate([edges, np.nextafter(edges, dtype(0)), np.nextafter(edges[:-1], dtype(1))])
    return np.random.default_rng(n_bins).permutation(values)


def _alternating_correct(confidences, n_bins):
    """(N,) bool: right in the even bins and wrong in the odd ones (right-closed bins), so that the
    gaps of neighbouring bins have opposite signs and moving any confidence into another bin
    changes the ECE (gaps of one sign would simply add up, wherever the confidence went)."""
    return np.searchsorted(_upper_edges(n_bins), confidences, side="left") % 2 == 0


def _seeded_correct(n, seed):
    """(n,) bool: right or wrong, drawn at random (seeded) about half of the time."""
    return np.random.default_rng(seed).random(n) < 0.5


def _synthetic_probs(n, n_classes, overconfidence, seed):
    logits, labels = synthetic_logits(n, n_classes, overconfidence, seed)
    return softmax(logits.astype(np.float64), axis=1), labels


def _logits_in_unit_range(n, n_classes, seed):
    """Seeded (N, C) float32 logits that all lie in [0, 1] (rows do not sum to 1), and labels
    drawn from softmax(3 * logits): the right temperature is near 1/3."""
    rng = np.random.default_rng(seed)
    logits = rng.uniform(0.0, 1.0, (n, n_classes))
    cumulative = np.cumsum(softmax(3.0 * logits, axis=1), axis=1)
    labels = np.minimum((cumulative < rng.random((n, 1))).sum(axis=1), n_classes - 1)
    return logits.astype(np.float32), labels.astype(np.int64)


# --------------------------------------------------------------------------- #
# Binning rules: how learners' code assigns a confidence to a bin
# --------------------------------------------------------------------------- #
def _upper_edges(n_bins):
    """1/M, 2/M, ..., 1, each correctly rounded (the reference's edges)."""
    return np.arange(1, n_bins + 1) / n_bins


def _linspace_upper_edges(n_bins):
    """np.linspace's upper edges: m * (1/M), rounded (0.6000000000000001 for 3/5), last one 1."""
    return np.linspace(0, 1, n_bins + 1)[1:]


def _as_index(values):
    return np.asarray(values).astype(np.int64)


# Each rule maps (N,) float64 confidences and M to (N,) bin indices as some learner's code
# computes them. An index outside [0, M) means that the confidence falls in no bin (it is lost).
BINNINGS = {
    # right-closed ((m-1)/M, m/M], the reference (0 goes to the first bin)
    "right_closed": lambda c, m: np.searchsorted(_upper_edges(m), c, side="left"),
    # left-closed [(m-1)/M, m/M), 1.0 pushed into the last bin (np.histogram, np.digitize, floor)
    "floor": lambda c, m: np.minimum(_as_index(np.floor(c * m)), m - 1),
    "floor_of_division": lambda c, m: np.minimum(_as_index(np.floor(c / (1 / m))), m - 1),
    "left_closed_exact": lambda c, m: np.searchsorted(_upper_edges(m)[:-1], c, side="right"),
    "left_closed_linspace": lambda c, m: np.searchsorted(_linspace_upper_edges(m)[:-1], c, side="right"),
    # left-closed, and 1.0 (index M) in no bin
    "floor_unclipped": lambda c, m: _as_index(np.floor(c * m)),
    "left_closed_exact_unclipped": lambda c, m: np.searchsorted(_upper_edges(m), c, side="right"),
    "left_closed_linspace_unclipped": lambda c, m: np.searchsorted(_linspace_upper_edges(m), c, side="right"),
    # right-closed on rounded edges
    "linspace": lambda c, m: np.searchsorted(_linspace_upper_edges(m), c, side="left"),
    "multiplied_edges": lambda c, m: np.searchsorted(np.arange(1, m + 1) * (1 / m), c, side="left"),
    # right-closed by a rounded index: ceil(c * M) - 1 (or floor(c * M) less one on "whole" products)
    "ceil": lambda c, m: np.maximum(_as_index(np.ceil(c * m)) - 1, 0),
    "ceil_of_division": lambda c, m: np.maximum(_as_index(np.ceil(c / (1 / m))) - 1, 0),
    # right-closed with a tolerance: values within 1e-9 above an edge treated as the edge
    "tolerance": lambda c, m: np.maximum(np.searchsorted(_upper_edges(m), c - 1e-9, side="left"), 0),
    # the first bin made open at 0: a confidence of 0 falls in no bin, or at index -1 (the last)
    "zero_lost": lambda c, m: np.where(c == 0, -1, np.searchsorted(_upper_edges(m), c, side="left")),
    "zero_last": lambda c, m: np.where(c == 0, m - 1, np.searchsorted(_upper_edges(m), c, side="left")),
    # the index one bin off: the LOWER edges searched with side='left' (0 stays in the first bin), the
    # right index plus 1, or less 1, clipped into [0, M)
    "lower_edges": lambda c, m: np.minimum(np.searchsorted(np.arange(m) / m, c, side="left"), m - 1),
    "plus_one": lambda c, m: np.minimum(np.searchsorted(_upper_edges(m), c, side="left") + 1, m - 1),
    "minus_one": lambda c, m: np.maximum(np.searchsorted(_upper_edges(m), c, side="left") - 1, 0),
    # np.histogram(c, bins=M) without range=(0, 1): M bins between the smallest and largest value
    "histogram_without_range": lambda c, m: np.minimum(
        np.searchsorted(np.histogram_bin_edges(c, bins=m), c, side="right") - 1, m - 1),
}


LEFT_CLOSED_RULES = ("floor", "floor_of_division", "left_closed_exact", "left_closed_linspace")
ONE_LOST_RULES = ("floor_unclipped", "left_closed_exact_unclipped", "left_closed_linspace_unclipped")
LINSPACE_RULES = ("linspace", "multiplied_edges")
CEIL_RULES = ("ceil", "ceil_of_division")
ONE_TOO_HIGH_RULES = ("lower_edges", "plus_one")
ONE_TOO_LOW_RULES = ("minus_one",)


def _bins_from_index(index, confidences, correct, n_bins):
    """(conf, acc, count) of the bins an index gives; indices outside [0, M) are dropped."""
    index = np.asarray(index, dtype=np.int64)
    inside = (index >= 0) & (index < n_bins)
    index, confidences, correct = index[inside], confidences[inside], correct[inside]
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(index, weights=confidences, minlength=n_bins) / count
        acc = np.bincount(index, weights=correct, minlength=n_bins) / count
    return conf, acc, count


def _ece_of_bins(conf, acc, count, n):
    filled = count > 0
    return float(np.sum(count[filled] / n * np.abs(acc[filled] - conf[filled])))


def _bins_input(case):
    """(confidences, correct) as float64 and M, from a reliability_bins case."""
    confidences, correct = case.args[:2]
    n_bins = case.kwargs.get("n_bins", case.args[2] if len(case.args) > 2 else 15)
    return np.asarray(confidences, dtype=np.float64), np.asarray(correct, dtype=np.float64), n_bins


def _top_label_input(case):
    """(top confidence, correctness as 0/1, M) from a case with (probs, labels[, n_bins])."""
    probs, labels = np.asarray(case.args[0], dtype=np.float64), np.asarray(case.args[1])
    n_bins = case.kwargs.get("n_bins", case.args[2] if len(case.args) > 2 else 15)
    return probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(np.float64), n_bins


def _memo(run, key, compute):
    if key not in run.memo:
        run.memo[key] = compute()
    return run.memo[key]


def _rule_counts(run, rule):
    c, k, m = _bins_input(run.case)
    return _memo(run, ("counts", rule), lambda: _bins_from_index(BINNINGS[rule](c, m), c, k, m)[2])


def _earlier_runs(run, name):
    """Runs (with the reference's output, without the learner's) of the cases of exercise ``name``
    before ``run.case`` that do not raise: the learner's answer agreed with the reference on each
    of them, which rules explanations out (:func:`core.passed_before`)."""
    return _memo(run, "earlier runs", lambda: [Run(case, expected, None, [])
                                               for case, expected in passed_before(run, name)])


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _close(got, want):
    """True when the number ``got`` equals ``want`` as compare_values would accept it."""
    return (_is_number(got) and np.isfinite(got) and np.isfinite(want)
            and bool(np.isclose(got, want, atol=1e-6, rtol=1e-5)))


# --------------------------------------------------------------------------- #
# Comparators
# --------------------------------------------------------------------------- #
BIN_NAMES = ("bin_confidence", "bin_accuracy", "bin_count")


def _compare_bins(expected, got):
    """Three arrays: float64 means (NaN where empty) and integer counts of any width.

    Problems of type (not a sequence of three arrays, float counts, float32 means) are
    KindProblems; a wrong length or wrong values are plain messages.
    """
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return KindProblem(f"the result should be a tuple (bin_confidence, bin_accuracy, bin_count), "
                           f"not {describe(got)}")
    for name, have in zip(BIN_NAMES, got):
        if not isinstance(have, np.ndarray):
            return KindProblem(f"{name} should be a NumPy array, not {describe(have)}")
    for name, want, have in zip(BIN_NAMES, expected, got):
        if have.shape != want.shape:
            return f"{name} has shape {have.shape}; expected {want.shape} (one value per bin)"
    for name, have in zip(BIN_NAMES, got):
        if name == "bin_count" and not np.issubdtype(have.dtype, np.integer):
            return KindProblem(f"bin_count has dtype {have.dtype}; counts are whole numbers, so use an "
                               f"integer dtype")
        if name != "bin_count" and have.dtype != np.float64:
            return KindProblem(f"{name} has dtype {have.dtype}; expected float64")
    for name, want, have in zip(BIN_NAMES, expected, got):
        problem = compare_arrays(want, have.astype(want.dtype), what=name)
        if problem:
            return problem
    return None


def _compare_temperature(expected, got):
    """T within 2% of the NLL minimum (a fine grid or any 1-D minimiser gets there)."""
    if not _is_number(got):
        return KindProblem(f"fit_temperature should return one number T, not {describe(got)}")
    if not np.isfinite(got) or got <= 0:
        return f"your T is {got!r}; a temperature must be a finite number > 0"
    if abs(np.log(got / expected)) > 0.02:
        return (f"your T is {float(got):.4g}; the NLL minimum is at T = {expected:.4g} "
                f"(a T within 2% is accepted)")
    return None


# =========================================================================== #
# Exercise 1: reliability_bins
# =========================================================================== #
def _bins_cases():
    rng = np.random.default_rng(4)
    uniform = rng.uniform(1 / 6, 1.0, 200)
    ints = rng.uniform(0.0, 1.0, 120)
    many = rng.uniform(0.0, 1.0, 1000)
    few = rng.uniform(0.3, 1.0, 50)
    off_edges = rng.uniform(0.0, 1.0, 100).astype(np.float32)
    off_edges = off_edges[np.abs(off_edges * 20 - np.round(off_edges * 20)) > 1e-3]
    quarter = np.array([0.25, 0.5, 0.75, 1.0], dtype=np.float32)
    mixed32 = np.concatenate([quarter, np.nextafter(quarter, np.float32(0)),
                              np.nextafter(quarter[:-1], np.float32(1)), off_edges])
    cases = [
        Case("the hand-worked confidences [0.2, 0.25, 0.6, 0.61, 0.99, 1.0] with n_bins=5 "
             "(0.2 and 0.6 are edges, 1.0 is the top)", (WORKED_CONFIDENCES, WORKED_CORRECT),
             {"n_bins": 5}, rule="right_closed"),
        Case("two predictions, 0.95 correct and 1.0 wrong, with the default 15 bins (14 bins stay empty)",
             (np.array([0.95, 1.0]), np.array([True, False])), rule="nan_empty"),
        Case("three confidences of exactly 1.0 and one of 0.5, with n_bins=7",
             (np.array([1.0, 0.5, 1.0, 1.0]), np.array([True, False, False, True])), {"n_bins": 7},
             rule="one_in_last"),
        Case("confidences [0.0, 0.05, 0.3, 0.5, 1.0] with n_bins=4 (0.0 belongs to the first bin)",
             (np.array([0.0, 0.05, 0.3, 0.5, 1.0]), np.array([False, True, True, False, True])),
             {"n_bins": 4}, rule="zero_in_first"),
    ]
    for n_bins in EDGE_BIN_COUNTS:
        values = edge_values(n_bins)
        cases.append(Case(f"every edge m/{n_bins} of n_bins={n_bins} ({_edge_list(n_bins)}), each with the "
                          f"float just below it (same bin) and just above it (the next bin)",
                          (values, _seeded_correct(len(values), n_bins)), {"n_bins": n_bins},
                          rule="edge_below"))
    values16 = edge_values(16, np.float32)
    cases += [
        Case("float32 confidences: every edge m/16 of n_bins=16 (exact in float32), each with the "
             "float32 just below and just above it", (values16, _seeded_correct(len(values16), 16)),
             {"n_bins": 16}, rule="float32_input"),
        Case(f"{len(mixed32)} float32 confidences (0.25, 0.5, 0.75 and 1.0, which are edges of 20 bins, "
             f"their float32 neighbours, and random values) with n_bins=20",
             (mixed32, _seeded_correct(len(mixed32), 20)), {"n_bins": 20}, rule="float64"),
        Case("120 seeded random confidences with correct given as 0/1 integers (int64), n_bins=10",
             (ints, (rng.random(120) < ints).astype(np.int64)), {"n_bins": 10}, rule="bool_or_int"),
        Case("50 seeded random confidences in [0.3, 1] with n_bins=3", (few, rng.random(50) < few),
             {"n_bins": 3}, rule="length"),
        Case("1000 seeded random confidences in [0, 1] with n_bins=20", (many, rng.random(1000) < many),
             {"n_bins": 20}, rule="counts"),
        Case("200 seeded random confidences in [1/6, 1], with the default n_bins",
             (uniform, rng.random(200) < uniform),
             rule="default"),
        Case("200 seeded random confidences in [1/6, 1] with n_bins=8", (uniform, rng.random(200) < uniform ** 2),
             {"n_bins": 8}, rule="means"),
    ]
    return cases


def _edge_list(n_bins):
    if n_bins <= 3:
        return ", ".join(f"{m}/{n_bins}" for m in range(1, n_bins + 1))
    return f"1/{n_bins}, 2/{n_bins}, ..., {n_bins}/{n_bins}"


def _counts_follow(*rules):
    """Detect: the learner's counts are those of one of ``rules`` (and not the reference's)."""
    def detect(run):
        got = run.got[2]
        if got.shape != run.expected[2].shape or np.array_equal(got, run.expected[2]):
            return False
        return any(np.array_equal(got, _rule_counts(run, rule)) for rule in rules)
    return detect


def _right_counts(run):
    return np.array_equal(run.got[2], run.expected[2])


def _filled(run):
    return run.expected[2] > 0


def _all_close(got, want):
    return got.shape == want.shape and bool(np.allclose(got, want, atol=1e-6, rtol=1e-5, equal_nan=True))


def _mean_pairs(run):
    """(expected mean, learner's array) in both orders, so that a swapped answer is still read."""
    return [(want, have) for want in run.expected[:2] for have in run.got[:2]]


def _means_follow(relation):
    """Detect: right counts, and one of the two means is ``relation(mean, count, N, run)`` of the
    expected one on the non-empty bins (while the expected means are not)."""
    def detect(run):
        if not _right_counts(run):
            return False
        filled, count, n = _filled(run), run.expected[2], run.expected[2].sum()
        for want, have in _mean_pairs(run):   # either order: a swap may come on top
            wrong = relation(want[filled], count[filled], n, run)
            if not _all_close(want[filled], wrong) and _all_close(have[filled], wrong):
                return True
        return False
    return detect


def _overall_accuracy(mean, count, n, run):
    """The accuracy of ALL the predictions, in every non-empty bin."""
    return np.full(len(mean), _bins_input(run.case)[1].mean())


def _bins_ignore_n_bins(run):
    m = _bins_input(run.case)[2]
    lengths = {len(a) for a in run.got}
    return "n_bins" in run.case.kwargs and m not in (10, 15) and lengths <= {10, 15} and len(lengths) == 1


def _bins_wrong_default(run):
    """No n_bins given, and the learner's counts are the reference's for another number of bins."""
    lengths = {len(a) for a in run.got}
    if "n_bins" in run.case.kwargs or len(lengths) != 1 or lengths == {15} or min(lengths) < 2:
        return False
    c, k, _ = _bins_input(run.case)
    other = lengths.pop()
    return np.array_equal(run.got[2], _bins_from_index(BINNINGS["right_closed"](c, other), c, k, other)[2])


def _bins_extra_bin(run):
    m = _bins_input(run.case)[2]
    return all(len(a) == m + 1 for a in run.got)


def _bins_one_short(run):
    m = _bins_input(run.case)[2]
    return m > 1 and all(len(a) == m - 1 for a in run.got)


def _bins_empty_dropped(run):
    filled = int(np.sum(run.expected[2] > 0))
    return filled < len(run.expected[2]) and all(len(a) == filled for a in run.got)


def _bins_swapped(run):
    return (_right_counts(run) and _all_close(run.got[0], run.expected[1])
            and _all_close(run.got[1], run.expected[0]))


def _bins_empty_zero(run):
    empty = ~_filled(run)
    return (_right_counts(run) and empty.any()
            and any(np.all(have[empty] == 0) and _all_close(have[~empty], want[~empty])
                    for want, have in _mean_pairs(run)))


def _bins_centres(run):
    if not _right_counts(run):
        return False
    m = len(run.expected[2])
    filled = _filled(run)
    index = np.flatnonzero(filled)
    return any(_all_close(have[filled], spot) for have in run.got[:2]
               for spot in ((index + 0.5) / m, (index + 1) / m, index / m))


def _three_arrays(got):
    return isinstance(got, (tuple, list)) and len(got) == 3 and all(isinstance(a, np.ndarray) for a in got)


def _counts_are_fractions(run):
    """Float counts that add up to 1 (or to the share of N that the learner's bins hold)."""
    if not _three_arrays(run.got) or not np.issubdtype(run.got[2].dtype, np.floating):
        return False
    got = run.got[2]
    return (run.expected[2].sum() > 1 and np.all((got >= 0) & (got <= 1)) and 0 < got.sum() <= 1 + 1e-9
            and not np.all(got == np.round(got)))


def _counts_are_float(run):
    """Whole numbers in a float array."""
    if not _three_arrays(run.got) or not np.issubdtype(run.got[2].dtype, np.floating):
        return False
    got = run.got[2]
    return bool(np.all(np.isfinite(got)) and np.all(got >= 0) and np.all(got == np.round(got)))


def _means_are_float32(run):
    return _three_arrays(run.got) and all(have.dtype == np.float32 for have in run.got[:2])


# Wrong answers written as learners write them (the examples of the detect-only mistakes).
def _per_bin(index, confidences, correct, n_bins):
    """A learner's loop: mean confidence, accuracy and count of the confidences given each index."""
    conf, acc, count = np.full(n_bins, np.nan), np.full(n_bins, np.nan), np.zeros(n_bins, dtype=np.int64)
    for m in range(n_bins):
        inside = index == m
        count[m] = inside.sum()
        if count[m]:
            conf[m] = np.mean(confidences[inside])
            acc[m] = np.mean(correct[inside])
    return conf, acc, count


def _bins_example_histogram(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(confidences, edges) - 1, 0, n_bins - 1)   # left-closed, like np.histogram
    return _per_bin(index, np.asarray(confidences, float), np.asarray(correct, float), n_bins)


def _bins_example_floor(confidences, correct, n_bins=15):
    index = (np.asarray(confidences) * n_bins).astype(int)   # 1.0 * M = M: past the last bin
    return _per_bin(index, np.asarray(confidences, float), np.asarray(correct, float), n_bins)


def _bins_example_loop_open_at_zero(confidences, correct, n_bins=15):
    c, k = np.asarray(confidences, float), np.asarray(correct, float)
    index = np.full(len(c), -1)
    for m in range(n_bins):
        index[(c > m / n_bins) & (c <= (m + 1) / n_bins)] = m
    return _per_bin(index, c, k, n_bins)


def _bins_example_ceil_to_minus_one(confidences, correct, n_bins=15):
    c, k = np.asarray(confidences, float), np.asarray(correct, float)
    index = np.ceil(c * n_bins).astype(int) - 1   # 0 gets index -1
    sums, hits, count = np.zeros(n_bins), np.zeros(n_bins), np.zeros(n_bins, dtype=int)
    for i, ci, ki in zip(index, c, k):
        sums[i] += ci
        hits[i] += ki
        count[i] += 1
    with np.errstate(invalid="ignore"):
        return sums / count, hits / count, count


def _bins_example_linspace(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(confidences, edges, right=True) - 1, 0, n_bins - 1)
    return _per_bin(index, np.asarray(confidences, float), np.asarray(correct, float), n_bins)


def _bins_example_ceil(confidences, correct, n_bins=15):
    index = np.clip(np.ceil(np.asarray(confidences) * n_bins).astype(int) - 1, 0, n_bins - 1)
    return _per_bin(index, np.asarray(confidences, float), np.asarray(correct, float), n_bins)


def _bins_example_tolerance(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    index = np.clip(np.ceil(c * n_bins - 1e-9).astype(int) - 1, 0, n_bins - 1)
    return _per_bin(index, c, np.asarray(correct, float), n_bins)


def _bins_example_histogram_without_range(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    count, edges = np.histogram(c, bins=n_bins)
    index = np.clip(np.digitize(c, edges) - 1, 0, n_bins - 1)
    conf, acc, _ = _per_bin(index, c, np.asarray(correct, float), n_bins)
    return conf, acc, count


def _bins_reference_index(confidences, n_bins):
    return np.searchsorted(np.arange(1, n_bins + 1) / n_bins, np.asarray(confidences, float), side="left")


def _bins_example_fixed_15(confidences, correct, n_bins=15):
    return _per_bin(_bins_reference_index(confidences, 15), np.asarray(confidences, float),
                    np.asarray(correct, float), 15)


def _bins_example_default_10(confidences, correct, n_bins=10):
    return _per_bin(_bins_reference_index(confidences, n_bins), np.asarray(confidences, float),
                    np.asarray(correct, float), n_bins)


def _bins_example_extra_bin(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    index = np.searchsorted(np.arange(1, n_bins + 1) / n_bins, c, side="right")  # [m/M, (m+1)/M), 1.0 alone
    return _per_bin(index, c, np.asarray(correct, float), n_bins + 1)


def _bins_example_one_short(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    edges = np.linspace(0, 1, n_bins)   # n_bins edges: n_bins - 1 bins
    index = np.clip(np.searchsorted(edges[1:], c, side="left"), 0, n_bins - 2)
    return _per_bin(index, c, np.asarray(correct, float), n_bins - 1)


def _bins_example_bincount_of_minus_one(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    index = np.ceil(c * n_bins).astype(int) - 1   # 0 gets index -1
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore"):
        return (np.bincount(index, c, n_bins) / count,
                np.bincount(index, np.asarray(correct, float), n_bins) / count, count)


def _negative_index_error(exc, case):
    """np.bincount refusing the index -1 that ceil(0 * M) - 1 gives a confidence of 0."""
    confidences = np.asarray(case.args[0])
    return (isinstance(exc, ValueError) and "negative" in str(exc) and confidences.size > 0
            and bool(np.any(confidences == 0)))


def _bins_example_empty_dropped(confidences, correct, n_bins=15):
    conf, acc, count = _per_bin(_bins_reference_index(confidences, n_bins), np.asarray(confidences, float),
                                np.asarray(correct, float), n_bins)
    keep = count > 0
    return conf[keep], acc[keep], count[keep]


def _bins_example_empty_zero(confidences, correct, n_bins=15):
    index = _bins_reference_index(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    safe = np.maximum(count, 1)
    return (np.bincount(index, np.asarray(confidences, float), n_bins) / safe,
            np.bincount(index, np.asarray(correct, float), n_bins) / safe, count)


def _bins_example_sums(confidences, correct, n_bins=15):
    index = _bins_reference_index(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    conf = np.bincount(index, np.asarray(confidences, float), n_bins) / count
    acc = np.bincount(index, np.asarray(correct, float), n_bins)   # forgot / count
    acc[count == 0] = np.nan
    return conf, acc, count


def _bins_example_over_n(confidences, correct, n_bins=15):
    index = _bins_reference_index(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    conf = np.where(count > 0, np.bincount(index, np.asarray(confidences, float), n_bins) / len(index), np.nan)
    acc = np.where(count > 0, np.bincount(index, np.asarray(correct, float), n_bins) / len(index), np.nan)
    return conf, acc, count


def _bins_example_centres(confidences, correct, n_bins=15):
    c, k = np.asarray(confidences, float), np.asarray(correct, float)
    conf, acc, count = _per_bin(_bins_reference_index(c, n_bins), c, k, n_bins)
    centres = (np.arange(n_bins) + 0.5) / n_bins
    return np.where(count > 0, centres, np.nan), acc, count


def _bins_example_fractions(confidences, correct, n_bins=15):
    conf, acc, count = _per_bin(_bins_reference_index(confidences, n_bins), np.asarray(confidences, float),
                                np.asarray(correct, float), n_bins)
    return conf, acc, count / count.sum()


def _bins_example_float_counts(confidences, correct, n_bins=15):
    conf, acc, count = _per_bin(_bins_reference_index(confidences, n_bins), np.asarray(confidences, float),
                                np.asarray(correct, float), n_bins)
    return conf, acc, count.astype(float)


def _bins_example_float32(confidences, correct, n_bins=15):
    c = np.asarray(confidences)
    index = _bins_reference_index(c, n_bins)
    conf = np.full(n_bins, np.nan, dtype=c.dtype)   # float32 when the confidences are
    acc = np.full(n_bins, np.nan, dtype=c.dtype)
    count = np.bincount(index, minlength=n_bins)
    for m in np.flatnonzero(count):
        conf[m] = c[index == m].mean()
        acc[m] = np.mean(np.asarray(correct)[index == m])
    return conf, acc, count


def _bins_example_lower_edges(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    lower = np.arange(n_bins) / n_bins   # 0, 1/M, ..., (M-1)/M
    index = np.minimum(np.searchsorted(lower, c, side="left"), n_bins - 1)
    return _per_bin(index, c, np.asarray(correct, float), n_bins)


def _bins_example_minus_one(confidences, correct, n_bins=15):
    c = np.asarray(confidences, float)
    index = np.clip(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, c) - 1, 0, n_bins - 1)
    return _per_bin(index, c, np.asarray(correct, float), n_bins)


def _bins_example_overall_accuracy(confidences, correct, n_bins=15):
    c, k = np.asarray(confidences, float), np.asarray(correct, float)
    conf, _, count = _per_bin(_bins_reference_index(c, n_bins), c, k, n_bins)
    return conf, np.where(count > 0, k.mean(), np.nan), count


def _swapped_bins(confidences, correct, n_bins=15):
    conf, acc, count = reliability_bins(confidences, correct, n_bins)
    return acc, conf, count


LEFT_CLOSED = ("your bins are left-closed, [(m-1)/M, m/M): a confidence equal to an edge (0.2, 0.6) "
               "goes to the bin above it (np.histogram, np.digitize and floor(c * M) all do that). Guo "
               "et al.'s bins are right-closed, ((m-1)/M, m/M]: find the first upper edge >= the "
               "confidence (np.searchsorted(edges, c, side='left') with edges = np.arange(1, M + 1) / M).")
LINSPACE_EDGES = ("a confidence on or next to an edge m/M went to the wrong bin for this M: edges from "
                  "np.linspace(0, 1, M + 1) (or m * (1 / M)) are rounded. np.linspace(0, 1, 8)[5] is "
                  "0.7142857142857142, below 5/7 = 0.7142857142857143, so 5/7 lands in the bin above; "
                  "np.linspace(0, 1, 6)[3] is 0.6000000000000001, so the float just above 0.6 lands in the "
                  "bin below. Use exact edges, np.arange(1, M + 1) / M, which equal the confidences m/M.")
CEIL_ROUNDING = ("a confidence on or next to an edge went to the wrong bin for this M: ceil(c * M) - 1 "
                 "is right-closed on paper, but c * M is rounded (7/25 * 25 gives 7.000000000000001, and "
                 "the float just above 1/3 times 3 gives exactly 1.0). Compare each confidence with "
                 "exact edges instead: np.searchsorted(np.arange(1, M + 1) / M, c, side='left').")
EDGE_TOLERANCE = ("the float just above an edge m/M went to the bin below it: a tolerance (c - 1e-9, or "
                  "rounding c * M) moves confidences that are above the edge, however little, into the "
                  "bin the edge closes. Compare exactly with exact edges: np.searchsorted(np.arange(1, "
                  "M + 1) / M, c, side='left').")
INDEX_ONE_TOO_HIGH = ("every confidence went one bin too high: np.searchsorted on the LOWER edges (0, 1/M, ...) "
                      "with side='left', or the right index plus 1, puts ((m-1)/M, m/M] at index m. "
                      "np.searchsorted(np.arange(1, M + 1) / M, c, side='left') on the UPPER edges is already "
                      "the 0-based bin index.")
INDEX_ONE_TOO_LOW = ("every confidence went one bin too low: np.searchsorted(np.arange(1, M + 1) / M, c, "
                     "side='left') is already the 0-based bin index (0 for the first bin), so do not subtract 1.")
ONE_LOST = ("a confidence of exactly 1.0 got lost: your bins are left-closed, and floor(1.0 * M) = M "
            "is past the last bin. With right-closed bins 1.0 belongs to the last bin, ((M-1)/M, 1], and "
            "an edge such as 0.6 to the bin below it.")


register(Exercise(
    name="reliability_bins",
    notebook=NOTEBOOK,
    reference=reliability_bins,
    cases=_bins_cases,
    compare=_compare_bins,
    summary="mean confidence, accuracy and count of right-closed confidence bins",
    rules={
        "right_closed": "Guo et al. use right-closed bins",
        "one_in_last": "a confidence of exactly 1.0 falls in the last bin",
        "edge_below": "a confidence equal to an edge, such as 0.6 with M = 5, falls in the bin below it",
        "zero_in_first": "a confidence of exactly 0 falls in the first bin",
        "float32_input": "confidences is an (N,) array of floats in [0, 1], float64 or float32",
        "bool_or_int": "correct an (N,) array of booleans or 0/1 integers",
        "length": "It returns three arrays of length n_bins",
        "means": "the mean confidence and the accuracy of each bin",
        "float64": "as float64",
        "nan_empty": "NaN for an empty bin",
        "counts": "the number of predictions in each bin (integers)",
        "default": "reliability_bins(confidences, correct, n_bins=15)",
    },
    hint=(
        """
        Give each confidence the index of its bin (0 to n_bins - 1, bins closed on the right),
        then count and average per bin. Look up np.searchsorted (its `side`) and np.bincount (its
        `weights` and `minlength`).
        """,
        """
        1. Make the n_bins upper edges 1/M, 2/M, ..., 1 exactly: `np.arange(1, M + 1) / M`.
           np.linspace's edges are rounded (0.6000000000000001), and ceil(c * M) puts some
           confidences just above an edge in the bin below.
        2. Each confidence's bin is that of the first edge >= it: right-closed, so 1.0 lands in
           the last bin and 0 in the first.
        3. Count per bin; sum the confidences and the correctness per bin, and divide by the
           counts: 0 / 0 gives NaN for an empty bin.
        """,
        """
        `index = np.searchsorted(edges, confidences, side="left")`;
        `np.bincount(index, minlength=n_bins)` counts, and with `weights=confidences` (then
        `weights=correct`) it sums, as float64 whatever the input. Silence the 0 / 0 warning
        with `with np.errstate(invalid="ignore"):`.
        """,
    ),
    mistakes=[
        # the answer's type
        Mistake("reliability_bins.counts_as_fractions", "bin_count should be the number of confidences in "
                "each bin (whole numbers, an integer dtype), not a fraction of N.",
                detect=_counts_are_fractions, example=_bins_example_fractions, on_type=True),
        Mistake("reliability_bins.float_counts", "bin_count holds whole numbers but as floats: counts "
                "are whole numbers, so return an integer array (np.bincount gives int64; or "
                "count.astype(np.int64)).", detect=_counts_are_float, example=_bins_example_float_counts,
                on_type=True),
        Mistake("reliability_bins.float32_means", "your bin means are float32 (they follow the float32 "
                "confidences); return float64 means, e.g. np.bincount(index, weights=confidences) / count, "
                "or np.asarray(confidences, dtype=np.float64) first.", detect=_means_are_float32,
                example=_bins_example_float32, on_type=True),
        # the number of bins
        Mistake("reliability_bins.ignores_n_bins", "your function ignores n_bins: it always makes the same "
                "number of bins. Make n_bins bins, the argument's value.", detect=_bins_ignore_n_bins,
                example=_bins_example_fixed_15),
        Mistake("reliability_bins.empty_bins_dropped", "you left the empty bins out. Return one value per "
                "bin, all n_bins of them: count 0 and NaN means for an empty bin.",
                detect=_bins_empty_dropped, example=_bins_example_empty_dropped),
        Mistake("reliability_bins.wrong_default", "with no n_bins given your function makes another number of "
                "bins than 15: keep the signature reliability_bins(confidences, correct, n_bins=15).",
                detect=_bins_wrong_default, example=_bins_example_default_10),
        Mistake("reliability_bins.extra_bin", "you returned n_bins + 1 bins: 1.0 got a bin of its own "
                "(np.searchsorted(..., side='right') and floor(1.0 * M) give it index M). Make exactly n_bins "
                "right-closed bins: 1.0 belongs to the last one, ((M-1)/M, 1], where side='left' puts it.",
                detect=_bins_extra_bin, example=_bins_example_extra_bin),
        Mistake("reliability_bins.one_bin_short", "you returned n_bins - 1 bins: n_bins bins need n_bins + 1 "
                "edges (np.linspace(0, 1, n_bins) gives one edge too few).", detect=_bins_one_short,
                example=_bins_example_one_short),
        # which bin a confidence falls in
        Mistake("reliability_bins.left_closed", LEFT_CLOSED, detect=_counts_follow(*LEFT_CLOSED_RULES),
                example=_bins_example_histogram),
        Mistake("reliability_bins.one_lost", ONE_LOST, detect=_counts_follow(*ONE_LOST_RULES),
                example=_bins_example_floor),
        Mistake("reliability_bins.zero_lost", "a confidence of exactly 0 is in no bin: (0, 1/M] leaves it "
                "out. It belongs to the first bin (np.searchsorted(edges, c, side='left') puts it there).",
                detect=_counts_follow("zero_lost"), example=_bins_example_loop_open_at_zero),
        Mistake("reliability_bins.zero_in_last_bin", "a confidence of exactly 0 landed in the LAST bin: "
                "ceil(0 * M) - 1 is -1, and NumPy reads index -1 as the last element. Clip the index at 0 "
                "(0 belongs to the first bin).", detect=_counts_follow("zero_last"),
                example=_bins_example_ceil_to_minus_one),
        Mistake("reliability_bins.zero_index_minus_one", "a confidence of exactly 0 gets the index "
                "ceil(0 * M) - 1 = -1, which np.bincount refuses. Clip the index at 0: 0 belongs to the first "
                "bin.", on_error=_negative_index_error, example=_bins_example_bincount_of_minus_one),
        Mistake("reliability_bins.linspace_edges", LINSPACE_EDGES, detect=_counts_follow(*LINSPACE_RULES),
                example=_bins_example_linspace),
        Mistake("reliability_bins.ceil_rounding", CEIL_ROUNDING, detect=_counts_follow(*CEIL_RULES),
                example=_bins_example_ceil),
        Mistake("reliability_bins.edge_tolerance", EDGE_TOLERANCE, detect=_counts_follow("tolerance"),
                example=_bins_example_tolerance),
        Mistake("reliability_bins.index_one_too_high", INDEX_ONE_TOO_HIGH,
                detect=_counts_follow(*ONE_TOO_HIGH_RULES), example=_bins_example_lower_edges),
        Mistake("reliability_bins.index_one_too_low", INDEX_ONE_TOO_LOW,
                detect=_counts_follow(*ONE_TOO_LOW_RULES), example=_bins_example_minus_one),
        Mistake("reliability_bins.histogram_without_range", "np.histogram(c, bins=M) spreads its M bins "
                "between the smallest and the largest confidence, not over [0, 1] (and its bins are "
                "left-closed). Make the edges yourself, np.arange(1, M + 1) / M, and use right-closed bins.",
                detect=_counts_follow("histogram_without_range"), example=_bins_example_histogram_without_range),
        # what each bin holds
        Mistake("reliability_bins.swapped", "you returned (accuracy, confidence, count); the order is "
                "(bin_confidence, bin_accuracy, bin_count).", detect=_bins_swapped, example=_swapped_bins),
        Mistake("reliability_bins.empty_bins_zero", "an empty bin has no mean: its confidence and accuracy "
                "should be NaN, not 0 (its count is 0).", detect=_bins_empty_zero,
                example=_bins_example_empty_zero),
        Mistake("reliability_bins.sums_not_means", "you returned per-bin sums: divide each bin's sum of "
                "confidences (or of correct predictions) by the bin's count to get its mean.",
                detect=_means_follow(lambda mean, count, n, run: mean * count), example=_bins_example_sums),
        Mistake("reliability_bins.divided_by_n", "you divided each bin's sum by N, the number of all "
                "predictions; a bin's mean divides by that bin's own count.",
                detect=_means_follow(lambda mean, count, n, run: mean * count / n), example=_bins_example_over_n),
        Mistake("reliability_bins.overall_accuracy", "every bin got the accuracy of ALL the predictions; a "
                "bin's accuracy is the fraction right among the predictions IN that bin (correct[inside].mean()).",
                detect=_means_follow(_overall_accuracy), example=_bins_example_overall_accuracy),
        Mistake("reliability_bins.bin_centres", "bin_confidence should be the mean of the confidences that "
                "fall in the bin, not the bin's centre or edge.", detect=_bins_centres,
                example=_bins_example_centres),
    ],
))


# =========================================================================== #
# Exercise 2: expected_calibration_error
# =========================================================================== #
def _ece_cases():
    worked = probs_with_confidences(WORKED_CONFIDENCES, WORKED_CORRECT)
    two = probs_with_confidences([0.95, 1.0], [True, False])
    logits, labels = synthetic_logits(8, 5, 2.0, seed=9)
    scores = 1 / (1 + np.exp(-logits.astype(np.float64)))
    sums_to_one = np.array([[0.7, 0.6, -0.3], [0.2, 0.9, -0.1], [0.5, 0.25, 0.25], [0.9, 0.3, -0.2]])
    float32 = _synthetic_probs(400, 6, 2.0, seed=8)
    ones = probs_with_confidences([1.0, 0.55, 1.0, 1.0, 0.3, 0.9, 0.95],
                                  [True, True, False, True, False, True, True])
    cases = [
        Case("seven predictions with top confidences [1.0, 0.55, 1.0, 1.0, 0.3, 0.9, 0.95], correct "
             "[1, 1, 0, 1, 0, 1, 1], n_bins=7 (1.0 belongs to the last bin, with 0.9 and 0.95)", ones,
             {"n_bins": 7}, rule="bins"),
        Case("two predictions, 0.95 correct and 1.0 wrong, 15 bins (ECE 0.475)", two, rule="two"),
        Case("six predictions with top confidences [0.3, 0.35, 0.62, 0.68, 0.95, 1.0], correct "
             "[1, 0, 1, 0, 1, 0], with the default n_bins (0.62 and 0.68 share a bin of 10, not of 15)",
             probs_with_confidences([0.3, 0.35, 0.62, 0.68, 0.95, 1.0], [True, False, True, False, True, False]),
             rule="default"),
        Case("five predictions with top confidences [0.15, 0.3, 0.5, 0.7, 0.9] (none on an edge), correct "
             "[1, 0, 1, 0, 1], n_bins=5 (one per bin)",
             probs_with_confidences([0.15, 0.3, 0.5, 0.7, 0.9], [True, False, True, False, True]), {"n_bins": 5},
             rule="bins"),
        Case("the hand-worked example (top confidences [0.2, 0.25, 0.6, 0.61, 0.99, 1.0], "
             "correct [0, 1, 1, 0, 1, 1], n_bins=5; ECE 0.3283)", worked, {"n_bins": 5}, rule="weighted"),
    ]
    for n_bins in ECE_EDGE_BIN_COUNTS:
        values = edge_values(n_bins)
        values = np.concatenate([values, np.arange(1, n_bins + 1) / n_bins])  # every edge twice
        probs, labels_m = probs_with_confidences(values, _alternating_correct(values, n_bins),
                                                 n_classes=3 * n_bins + 1)
        cases.append(Case(f"top confidences at every edge m/{n_bins} of n_bins={n_bins} "
                          f"({_edge_list(n_bins)}), twice each, with the float just below and just above it",
                          (probs, labels_m), {"n_bins": n_bins}, rule="bins"))
    cases += [
        Case("500 seeded over-confident predictions over 6 classes, 15 bins",
             _synthetic_probs(500, 6, 2.5, seed=5),
             rule="top_label"),
        Case("300 seeded predictions over 4 classes, n_bins=10", _synthetic_probs(300, 4, 1.5, seed=6),
             {"n_bins": 10}, rule="weighted"),
        Case("400 seeded float32 probabilities over 6 classes (a model's softmax: rows sum to 1 only up to "
             "float32 rounding), 15 bins", (float32[0].astype(np.float32), float32[1]), rule="float32"),
        Case("logits (values far outside [0, 1]) passed instead of probabilities", (logits, labels),
             raises=ValueError, raises_mentions=("probabilit",), rule="outside"),
        Case("log-probabilities (log_softmax output, every value <= 0) passed instead of probabilities",
             (log_softmax(logits), labels), raises=ValueError, raises_mentions=("probabilit",), rule="outside"),
        Case("rows that sum to 1 but hold negative values, such as [0.7, 0.6, -0.3]",
             (sums_to_one, np.array([0, 1, 2, 0])), raises=ValueError, raises_mentions=("probabilit",),
             rule="outside"),
        Case("sigmoid scores (every value in [0, 1], but the rows sum to about 2.5, not 1)", (scores, labels),
             raises=ValueError, raises_mentions=("probabilit",), rule="sums"),
    ]
    return cases


def _ece_with(binner):
    def ece(probs, labels, n_bins=15):
        probs = np.asarray(probs, dtype=np.float64)
        c, k = probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(np.float64)
        conf, acc, count = binner(c, k, n_bins)
        return _ece_of_bins(conf, acc, count, len(c))
    return ece


def _reference_bins(c, k, n_bins):
    return _bins_from_index(BINNINGS["right_closed"](c, n_bins), c, k, n_bins)


def _ece_parts(probs, labels, n_bins):
    probs = np.asarray(probs, dtype=np.float64)
    c, k = probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(np.float64)
    conf, acc, count = _reference_bins(c, k, n_bins)
    filled = count > 0
    return conf[filled], acc[filled], count[filled], len(c)


def _ece_unweighted(probs, labels, n_bins=15):
    conf, acc, _, _ = _ece_parts(probs, labels, n_bins)
    return float(np.mean(np.abs(acc - conf)))


def _ece_over_all_bins(probs, labels, n_bins=15):
    conf, acc, _, _ = _ece_parts(probs, labels, n_bins)
    return float(np.sum(np.abs(acc - conf)) / n_bins)


def _ece_signed(probs, labels, n_bins=15):
    conf, acc, count, n = _ece_parts(probs, labels, n_bins)
    return float(abs(np.sum(count / n * (acc - conf))))


def _ece_max_gap(probs, labels, n_bins=15):
    conf, acc, _, _ = _ece_parts(probs, labels, n_bins)
    return float(np.max(np.abs(acc - conf)))


def _ece_squared(probs, labels, n_bins=15):
    conf, acc, count, n = _ece_parts(probs, labels, n_bins)
    return float(np.sum(count / n * (acc - conf) ** 2))


def _ece_without_bins(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    return float(np.mean(np.abs((probs.argmax(axis=1) == labels) - probs.max(axis=1))))


def _ece_classwise(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    total = 0.0
    for k in range(probs.shape[1]):
        total += _ece_of_bins(*_reference_bins(probs[:, k], (labels == k).astype(np.float64), n_bins), len(labels))
    return float(total / probs.shape[1])


def _ece_pooled_classes(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    c = probs.ravel()
    k = (np.arange(probs.shape[1])[None, :] == np.asarray(labels)[:, None]).ravel().astype(np.float64)
    return _ece_of_bins(*_reference_bins(c, k, n_bins), len(c))


def _ece_true_class_probability(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    c = probs[np.arange(len(labels)), labels]
    k = (probs.argmax(axis=1) == labels).astype(np.float64)
    return _ece_of_bins(*_reference_bins(c, k, n_bins), len(c))


def _ece_overall_accuracy(probs, labels, n_bins=15):
    conf, _, count, n = _ece_parts(probs, labels, n_bins)
    probs = np.asarray(probs, dtype=np.float64)
    overall = np.mean(probs.argmax(axis=1) == labels)
    return float(np.sum(count / n * np.abs(overall - conf)))


def _ece_softmax_again(probs, labels, n_bins=15):
    return _ece_with(_reference_bins)(softmax(np.asarray(probs, dtype=np.float64), axis=1), labels, n_bins)


# A learner's ECE is one way of binning, one confidence and one way of adding up the gaps; a
# mistake in one of them is named even when another one is wrong too (the first found is named).
ECE_BINNINGS = (("right_closed",) + LEFT_CLOSED_RULES + ONE_LOST_RULES + LINSPACE_RULES + CEIL_RULES
                + ("tolerance",) + ONE_TOO_HIGH_RULES + ONE_TOO_LOW_RULES)
ECE_CONFIDENCES = ("top", "true_class", "global_max", "softmax_again")
ECE_AGGREGATIONS = {
    "weighted": lambda gap, count, n, m: np.sum(count / n * np.abs(gap)),
    "weighted_over_binned": lambda gap, count, n, m: np.sum(count / count.sum() * np.abs(gap)),
    "unweighted": lambda gap, count, n, m: np.mean(np.abs(gap)),
    "over_n_bins": lambda gap, count, n, m: np.sum(np.abs(gap)) / m,
    "counts": lambda gap, count, n, m: np.sum(count * np.abs(gap)),
    "counts_over_n_bins": lambda gap, count, n, m: np.sum(count * np.abs(gap)) / m,
    "max": lambda gap, count, n, m: np.max(np.abs(gap)),
    "signed": lambda gap, count, n, m: abs(np.sum(count / n * gap)),
    "squared": lambda gap, count, n, m: np.sum(count / n * gap ** 2),
    "root_mean_square": lambda gap, count, n, m: np.sqrt(np.sum(count / n * gap ** 2)),
}
WEIGHTED = ("weighted", "weighted_over_binned")


def _learner_confidences(probs, labels, how):
    """(confidence, correctness) of each prediction as a learner computes them."""
    probs = np.asarray(probs, dtype=np.float64)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    if how == "true_class":
        return probs[np.arange(len(labels)), labels], correct
    if how == "global_max":
        return np.full(len(labels), probs.max()), correct
    if how == "softmax_again":
        return softmax(probs, axis=1).max(axis=1), correct
    return probs.max(axis=1), correct


def _ece_variant(run, binning, confidence, aggregation):
    """The ECE a learner gets with this binning, confidence and aggregation (memoised per run)."""
    def bins():
        probs, labels = run.case.args[:2]
        m = _top_label_input(run.case)[2]
        c, k = _learner_confidences(probs, labels, confidence)
        conf, acc, count = _bins_from_index(BINNINGS[binning](c, m), c, k, m)
        filled = count > 0
        return acc[filled] - conf[filled], count[filled], len(c), m
    gap, count, n, m = _memo(run, ("ece bins", binning, confidence), bins)
    return _memo(run, ("ece", binning, confidence, aggregation),
                 lambda: float(ECE_AGGREGATIONS[aggregation](gap, count, n, m)) if len(gap) else float("nan"))


def _same(got, want):
    """A tight match (a learner's formula in float64 agrees to rounding): many variants are tried."""
    return (_is_number(got) and np.isfinite(got) and np.isfinite(want)
            and bool(np.isclose(got, want, rtol=1e-8, atol=1e-12)))


ECE_PARTS = {"binning": ECE_BINNINGS, "confidence": ECE_CONFIDENCES, "aggregation": tuple(ECE_AGGREGATIONS),
             "scale": (1, 100)}


# An answer is read as at most this many mistakes at once: more would explain almost any number (a
# degenerate answer such as 0.0 or 1.0 is matched by some combination of three), so it names nothing.
MAX_WRONG_PARTS = 2


def _ece_explanations(run):
    """Every combination of parts (binning, confidence, aggregation, scale) whose ECE is the learner's
    on this case and the reference's on every earlier case (which the learner's answer passed)."""
    def consistent(combo):
        for earlier in _earlier_runs(run, "expected_calibration_error"):
            want = earlier.expected
            if not _close(combo[3] * _ece_variant(earlier, *combo[:3]), want):
                return False
        return True

    def compute():
        if not (_is_number(run.got) and np.isfinite(run.got)):
            return []
        names = list(ECE_PARTS)
        combos = [combo for combo in itertools.product(*ECE_PARTS.values())
                  if _ece_wrong_parts(dict(zip(names, combo))) <= MAX_WRONG_PARTS]
        return [dict(zip(names, combo)) for combo in combos
                if _same(run.got / combo[3], _ece_variant(run, *combo[:3])) and consistent(combo)]
    return _memo(run, "ece explanations", compute)


def _ece_wrong_parts(parts):
    return ((parts["binning"] != "right_closed") + (parts["confidence"] != "top")
            + (parts["aggregation"] not in WEIGHTED) + (parts["scale"] != 1))


def _simplest(explanations, wrong_parts):
    """The explanations with the fewest wrong parts (two mistakes that undo each other are not read
    into an answer that one mistake explains)."""
    if not explanations:
        return []
    fewest = min(wrong_parts(parts) for parts in explanations)
    return [parts for parts in explanations if wrong_parts(parts) == fewest]


def _ece_part(part, *wrong_options):
    """Detect: every simplest combination of parts that explains the learner's ECE has ``part`` wrong
    in one of these ways (when the cases cannot tell, the mistake is not named)."""
    def detect(run):
        explanations = _simplest(_ece_explanations(run), _ece_wrong_parts)
        return bool(explanations) and all(parts[part] in wrong_options for parts in explanations)
    return detect


def _ece_ignores_n_bins(run):
    m = _top_label_input(run.case)[2]
    probs, labels = run.case.args[:2]
    return "n_bins" in run.case.kwargs and any(
        _close(run.got, expected_calibration_error(probs, labels, fixed)) for fixed in (10, 15) if fixed != m)


def _ece_wrong_default(run):
    """No n_bins given, and the learner's ECE is the 10-bin one (and not the signed-gap one, which
    equals it whenever all ten bins are over-confident)."""
    probs, labels = run.case.args[:2]
    return ("n_bins" not in run.case.kwargs and _close(run.got, expected_calibration_error(probs, labels, 10))
            and not _close(run.got, _ece_signed(probs, labels)))


def _ece_example_default_10(probs, labels, n_bins=10):
    return _ece_learner(_exact_index, probs, labels, n_bins)


_ece_not_divided_by_n = _ece_part("aggregation", "counts", "counts_over_n_bins")


def _ece_nan_from_empty_bins(run):
    c, k, m = _top_label_input(run.case)
    empty = _bins_from_index(BINNINGS["right_closed"](c, m), c, k, m)[2] == 0
    return _is_number(run.got) and np.isnan(run.got) and empty.any()


_ece_in_percent = _ece_part("scale", 100)


def _wrong_axis_error(exc, case):
    """A broadcasting error between (C,) and (N,): the top label taken along axis 0."""
    n, c = np.shape(case.args[0])
    text = str(exc)
    return (isinstance(exc, ValueError) and "broadcast" in text and n != c
            and f"({c},)" in text and f"({n},)" in text)


def _refused_valid_probabilities(exc, case):
    """The learner's own probability check raised on valid probabilities."""
    text = str(exc).lower()
    return (isinstance(exc, ValueError) and case.raises is None
            and any(word in text for word in ("probabilit", "softmax", "logit", "sum")))


def _ece_check(probs):
    """A learner's check that probs are probabilities."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1, atol=1e-4):
        raise ValueError("expected probabilities: apply softmax to the logits first")
    return probs


def _ece_learner(index_of, probs, labels, n_bins, weights_over=None):
    """A learner's ECE loop over bins, given how they index the bins."""
    probs = _ece_check(probs)
    conf, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    index = index_of(conf, n_bins)
    ece = 0.0
    for m in range(n_bins):
        inside = index == m
        if inside.any():
            ece += inside.sum() / (weights_over or len(conf)) * abs(correct[inside].mean() - conf[inside].mean())
    return float(ece)


def _ece_example_left_closed(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.minimum((c * m).astype(int), m - 1), probs, labels, n_bins)


def _ece_example_one_lost(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.floor(c * m).astype(int), probs, labels, n_bins)


def _ece_example_linspace(probs, labels, n_bins=15):
    def index_of(c, m):
        edges = np.linspace(0, 1, m + 1)
        return np.clip(np.digitize(c, edges, right=True) - 1, 0, m - 1)
    return _ece_learner(index_of, probs, labels, n_bins)


def _ece_example_ceil(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.clip(np.ceil(c * m).astype(int) - 1, 0, m - 1), probs, labels, n_bins)


def _ece_example_tolerance(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.searchsorted(np.arange(1, m + 1) / m, c - 1e-9), probs, labels, n_bins)


def _exact_index(c, m):
    return np.searchsorted(np.arange(1, m + 1) / m, c, side="left")


def _ece_example_fixed_bins(probs, labels, n_bins=15):
    return _ece_learner(_exact_index, probs, labels, 15)


def _ece_example_percent(probs, labels, n_bins=15):
    return 100 * _ece_learner(_exact_index, probs, labels, n_bins)


def _ece_example_not_divided(probs, labels, n_bins=15):
    return _ece_learner(_exact_index, probs, labels, n_bins, weights_over=1)


def _ece_example_nan(probs, labels, n_bins=15):
    probs = _ece_check(probs)
    conf, acc, count = reliability_bins(probs.max(axis=1), probs.argmax(axis=1) == labels, n_bins)
    with np.errstate(invalid="ignore"):
        return float(np.sum(count / len(probs) * np.abs(acc - conf)))


def _ece_example_lower_edges(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.minimum(np.searchsorted(np.arange(m) / m, c), m - 1), probs, labels, n_bins)


def _ece_example_minus_one(probs, labels, n_bins=15):
    return _ece_learner(lambda c, m: np.maximum(_exact_index(c, m) - 1, 0), probs, labels, n_bins)


def _message_without_probabilities(run):
    """The ValueError was raised, but its message does not say that probabilities are meant."""
    return isinstance(run.got, ValueError) and "probabilit" not in str(run.got).lower()


def _ece_example_vague_message(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise ValueError("invalid input")
    return _ece_learner(_exact_index, probs, labels, n_bins)


def _ece_example_wrong_axis(probs, labels, n_bins=15):
    probs = _ece_check(probs)
    conf, correct = probs.max(axis=0), probs.argmax(axis=0) == labels
    index = _exact_index(conf, n_bins)
    return float(sum(np.mean(index == m) * abs(correct[index == m].mean() - conf[index == m].mean())
                     for m in np.unique(index)))


def _ece_example_exact_sums(probs, labels, n_bins=15):
    if np.any(probs < 0) or np.any(probs > 1) or np.any(probs.sum(axis=1) != 1):
        raise ValueError("probs must be probabilities")
    probs = np.asarray(probs, dtype=np.float64)
    return _ece_learner(_exact_index, probs, labels, n_bins)


def _ece_example_global_max(probs, labels, n_bins=15):
    probs = _ece_check(probs)
    conf = np.full(len(labels), probs.max())   # probs.max() without axis=1
    correct = probs.argmax(axis=1) == labels
    index = _exact_index(conf, n_bins)
    return float(sum(np.mean(index == m) * abs(correct[index == m].mean() - conf[index == m].mean())
                     for m in np.unique(index)))


LEFT_CLOSED_ECE = LEFT_CLOSED.replace("(np.searchsorted", "(your reliability_bins, or np.searchsorted")


register(Exercise(
    name="expected_calibration_error",
    notebook=NOTEBOOK,
    reference=expected_calibration_error,
    cases=_ece_cases,
    summary="top-label ECE of (N, C) probabilities (Guo et al. 2017)",
    rules={
        "weighted": "weighted by how many predictions each bin holds",
        "two": "two predictions, 0.95 right and 1.0 wrong, share the last of 15 bins",
        "default": "expected_calibration_error(probs, labels, n_bins=15)",
        "bins": "the right-closed bins of Exercise 1",
        "top_label": "the confidence is the probability of the predicted class",
        "float32": "Probabilities in float32, as a model gives them, sum to 1 only up to rounding: accept them",
        "outside": "values outside [0, 1]",
        "sums": "rows not summing to 1",
    },
    hint=(
        """
        Reuse Exercise 1: turn each row into a top-label confidence and a right-or-wrong flag,
        bin them with reliability_bins, and average the bins' gaps, weighted by their sizes.
        Refuse input that is not probabilities first.
        """,
        """
        1. Unless every value is in [0, 1] and every row sums to 1 (up to rounding: float32 rows
           sum to 1 only approximately, so use np.allclose), raise ValueError saying
           probabilities are needed.
        2. Each row is a prediction: its confidence is its largest probability, and it is correct
           when its argmax equals the label.
        3. reliability_bins(confidence, correct, n_bins); keep the bins whose count is > 0 (an
           empty bin's NaN would make the sum NaN).
        4. Add up (bin count / N) * |bin accuracy - bin confidence|.
        """,
        """
        `confidence = probs.max(axis=1)` and `correct = probs.argmax(axis=1) == labels`; with
        `conf, acc, count = reliability_bins(confidence, correct, n_bins)` and
        `filled = count > 0`, the ECE is the sum of
        `count[filled] / N * np.abs(acc[filled] - conf[filled])`, as a Python float.
        """,
    ),
    mistakes=[
        Mistake("expected_calibration_error.message_without_probabilities", "the message should say what is "
                "wrong in words a learner can act on: that the input must be probabilities (every value in "
                "[0, 1], each row summing to 1), e.g. 'expected probabilities: apply softmax to the logits "
                "first'.", detect=_message_without_probabilities, on_no_raise=True,
                example=_ece_example_vague_message),
        Mistake("expected_calibration_error.wrong_axis", "you took the top label along axis 0 (one value "
                "per class); each ROW is a prediction: probs.max(axis=1), probs.argmax(axis=1).",
                on_error=_wrong_axis_error, example=_ece_example_wrong_axis),
        Mistake("expected_calibration_error.refuses_probabilities", "your check refused valid "
                "probabilities. A row of probabilities may hold 0 and 1 (both ends included), and its sum "
                "is 1 only up to rounding (0.99999994 in float32): check probs.min() >= 0, probs.max() <= 1 "
                "and np.allclose(probs.sum(axis=1), 1).", on_error=_refused_valid_probabilities,
                example=_ece_example_exact_sums),
        Mistake("expected_calibration_error.wrong_default", "with no n_bins given your ECE uses another number "
                "of bins than 15: keep the signature expected_calibration_error(probs, labels, n_bins=15).",
                detect=_ece_wrong_default, example=_ece_example_default_10),
        Mistake("expected_calibration_error.percent", "your ECE looks like a percentage: return a fraction "
                "in [0, 1].", detect=_ece_in_percent, example=_ece_example_percent),
        Mistake("expected_calibration_error.nan_from_empty_bins", "your ECE is NaN: an empty bin's mean "
                "confidence and accuracy are NaN, and NaN times a weight of 0 is still NaN. Add up the "
                "non-empty bins only (count > 0).", detect=_ece_nan_from_empty_bins, example=_ece_example_nan),
        Mistake("expected_calibration_error.left_closed", LEFT_CLOSED_ECE,
                detect=_ece_part("binning", *LEFT_CLOSED_RULES),
                example=_ece_example_left_closed),
        Mistake("expected_calibration_error.one_lost", ONE_LOST, detect=_ece_part("binning", *ONE_LOST_RULES),
                example=_ece_example_one_lost),
        Mistake("expected_calibration_error.linspace_edges", LINSPACE_EDGES,
                detect=_ece_part("binning", *LINSPACE_RULES),
                example=_ece_example_linspace),
        Mistake("expected_calibration_error.ceil_rounding", CEIL_ROUNDING,
                detect=_ece_part("binning", *CEIL_RULES),
                example=_ece_example_ceil),
        Mistake("expected_calibration_error.index_one_too_high", INDEX_ONE_TOO_HIGH,
                detect=_ece_part("binning", *ONE_TOO_HIGH_RULES), example=_ece_example_lower_edges),
        Mistake("expected_calibration_error.index_one_too_low", INDEX_ONE_TOO_LOW,
                detect=_ece_part("binning", *ONE_TOO_LOW_RULES), example=_ece_example_minus_one),
        Mistake("expected_calibration_error.edge_tolerance", EDGE_TOLERANCE,
                detect=_ece_part("binning", "tolerance"),
                example=_ece_example_tolerance),
        Mistake("expected_calibration_error.ignores_n_bins", "your ECE ignores n_bins (it always uses the "
                "same number of bins); bin with the n_bins you are given.", detect=_ece_ignores_n_bins,
                example=_ece_example_fixed_bins),
        Mistake("expected_calibration_error.unweighted", "your ECE is not weighted by bin size: you averaged "
                "the gaps of the bins. Weight each bin's |accuracy - confidence| by (its count / N), so a "
                "bin of 1 sample counts little.", example=_ece_unweighted,
                detect=_ece_part("aggregation", "unweighted")),
        Mistake("expected_calibration_error.divided_by_n_bins", "your ECE is not weighted by bin size: you "
                "divided the sum of gaps by the number of bins. Weight each bin's |accuracy - confidence| "
                "by (its count / N).", example=_ece_over_all_bins,
                detect=_ece_part("aggregation", "over_n_bins")),
        Mistake("expected_calibration_error.not_divided_by_n", "each bin's weight is its count divided by N "
                "(the number of predictions): you used the count alone (or divided by n_bins).",
                detect=_ece_not_divided_by_n, example=_ece_example_not_divided),
        Mistake("expected_calibration_error.classwise", "you measured the calibration of every class's "
                "probability (each column against labels == k, averaged or pooled over classes); Guo et "
                "al.'s ECE is top-label: only the top class's probability and whether the argmax is right.",
                impl=_ece_classwise, detect=lambda run: _close(run.got, _ece_pooled_classes(*run.case.args[:2],
                                                                                          **run.case.kwargs))),
        Mistake("expected_calibration_error.true_class_probability", "you used the probability of the TRUE "
                "class as the confidence; the confidence is the probability of the PREDICTED (top) class, "
                "probs.max(axis=1).", example=_ece_true_class_probability,
                detect=_ece_part("confidence", "true_class")),
        Mistake("expected_calibration_error.global_max", "probs.max() without an axis is ONE number, the "
                "largest probability in the whole array; each prediction's confidence is its row's "
                "maximum, probs.max(axis=1).", example=_ece_example_global_max,
                detect=_ece_part("confidence", "global_max")),
        Mistake("expected_calibration_error.overall_accuracy", "you compared each bin's confidence with the "
                "accuracy of ALL the predictions; compare it with the accuracy of the predictions in that "
                "bin.", impl=_ece_overall_accuracy),
        Mistake("expected_calibration_error.softmax_again", "you applied softmax to probs, which are "
                "probabilities already: the second softmax flattens them. Take probs.max(axis=1) as they "
                "are.", example=_ece_softmax_again,
                detect=_ece_part("confidence", "softmax_again")),
        Mistake("expected_calibration_error.max_gap", "you returned the largest gap (that is the MCE); the "
                "ECE is the weighted average of the gaps.", example=_ece_max_gap,
                detect=_ece_part("aggregation", "max")),
        Mistake("expected_calibration_error.signed_gaps", "the gaps must be absolute, |accuracy - "
                "confidence|, per bin: signed gaps of over- and under-confident bins cancel out.",
                example=_ece_signed,
                detect=_ece_part("aggregation", "signed")),
        Mistake("expected_calibration_error.squared_gaps", "you squared the gaps (that is an L2 or RMS "
                "calibration error); the ECE weights the absolute gaps |accuracy - confidence|.",
                example=_ece_squared,
                detect=_ece_part("aggregation", "squared", "root_mean_square")),
        Mistake("expected_calibration_error.no_bins", "you averaged |correct - confidence| over the "
                "predictions one by one; the ECE first groups them into bins and compares each bin's "
                "accuracy with its mean confidence.", impl=_ece_without_bins),
    ],
))


# =========================================================================== #
# Exercise 3: fit_temperature
# =========================================================================== #
def _temperature_cases():
    nan_logits, nan_labels = synthetic_logits(20, 4, 2.0, seed=13)
    nan_logits[3, 1] = np.nan
    probs, prob_labels = _synthetic_probs(50, 4, 2.0, seed=14)
    shifted, shifted_labels = synthetic_logits(500, 6, 2.0, seed=5)
    summing, summing_labels = synthetic_logits(300, 4, 2.0, seed=16)
    summing = summing.astype(np.float64)
    summing = summing - summing.mean(axis=1, keepdims=True) + 1 / summing.shape[1]   # every row sums to 1
    return [
        Case("1000 seeded over-confident logits over 6 classes (right answer near T = 2.5)",
             synthetic_logits(1000, 6, 2.5, seed=1), rule="nll"),
        Case("1000 seeded under-confident logits over 6 classes (right answer near T = 0.5)",
             synthetic_logits(1000, 6, 0.5, seed=2), rule="divide"),
        Case("400 seeded logits over 50 classes (right answer near T = 1.5)",
             synthetic_logits(400, 50, 1.5, seed=3), rule="nll"),
        Case("600 seeded logits over 10 classes of a very over-confident model (values up to about 45; "
             "right answer near T = 9)", synthetic_logits(600, 10, 8.0, seed=4), rule="nll"),
        Case("500 seeded logits over 6 classes, every one shifted up by 20 so that all are positive "
             "(the softmax does not change)", (shifted + np.float32(20), shifted_labels), rule="logits"),
        Case("2000 seeded logits that all lie in [0, 1] (rows do not sum to 1: logits, not "
             "probabilities; right answer near T = 1/3)", _logits_in_unit_range(2000, 5, seed=15), rule="logits"),
        Case("300 seeded logits over 4 classes shifted so that every row sums to 1 (values outside [0, 1]: "
             "logits, not probabilities)", (summing, summing_labels), rule="and"),
        Case("probabilities (every row in [0, 1], summing to 1) passed instead of logits",
             (probs, prob_labels), raises=ValueError, raises_mentions=("probabilit",), rule="probabilities"),
        Case("float32 probabilities (a model's softmax output: rows sum to 1 up to float32 rounding) passed "
             "instead of logits", (probs.astype(np.float32), prob_labels), raises=ValueError,
             raises_mentions=("probabilit",), rule="probabilities"),
        Case("logits with a NaN in row 3", (nan_logits, nan_labels), raises=ValueError, rule="nan"),
    ]


def _nll(logits, labels, temperature):
    """Mean NLL without the input checks (so it also works on probabilities)."""
    log_probs = log_softmax(np.asarray(logits, dtype=np.float64) / temperature)
    return float(-np.mean(log_probs[np.arange(len(labels)), labels]))


LOG_GRID = np.exp(np.linspace(np.log(1e-3), np.log(1e3), 1201))


def _best_on_grid(loss):
    return LOG_GRID[int(np.argmin([loss(t) for t in LOG_GRID]))]


def _positive_number(run):
    return _is_number(run.got) and np.isfinite(run.got) and run.got > 0


def _fitted_on_probabilities(run):
    def best():
        logits, labels = run.case.args
        probs = softmax(np.asarray(logits, dtype=np.float64), axis=1)
        return _best_on_grid(lambda t: _nll(probs, labels, t))
    return _near_another_optimum(run, _memo(run, "on_probs", best), within=0.03)


def _smallest_t(run):
    """T at the bottom of any range (0.1 or less) where the right T is 0.3 or more: a flat loss
    (accuracy) or one that falls as T -> 0 (the predicted class's NLL) gives the grid's first point."""
    return _positive_number(run) and run.got <= 0.1 and run.expected >= 0.3


def _nll_normalised_over(logits, labels, t, axis):
    """The NLL of a softmax normalised over ``axis`` (None: the whole array) instead of each row."""
    z = np.asarray(logits, dtype=np.float64) / t
    z = z - z.max()
    with np.errstate(divide="ignore"):
        log_p = z - np.log(np.exp(z).sum(axis=axis, keepdims=axis is not None))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def _softmax_wrong_axis(run):
    if not _positive_number(run):
        return False
    logits, labels = run.case.args
    for axis in (None, 0):
        best = _memo(run, ("axis", axis),
                     lambda: _best_on_grid(lambda t: _nll_normalised_over(logits, labels, t, axis)))
        if _near_another_optimum(run, best):
            return True
    return False


def _far(a, b, ratio=0.15):
    return abs(np.log(a / b)) > ratio


def _near_another_optimum(run, optimum, within=0.02):
    """T within 2% of ``optimum`` (the minimum of a wrong loss), which lies well away (15%) from the
    NLL minimum, as does T: a coarse grid of the right NLL does not land there by chance."""
    return (_positive_number(run) and abs(np.log(run.got / optimum)) < within
            and _far(optimum, run.expected) and _far(run.got, run.expected))


def _unstable_nll(run):
    """NumPy warned of an overflow or 0 / 0 (inf / inf is NaN, which breaks an argmin); a log(0) alone
    gives an NLL of inf, which an argmin simply avoids. Or, warnings silenced: the learner's T is one
    where np.exp(logits / T) overflows (or not a number at all), on a case whose logits overflow inside
    the search range. (Answers that pick the smallest T for other reasons fail an earlier case.)"""
    if any(("overflow" in text or "invalid value" in text) for text in run.warning_texts):
        return True
    largest = float(np.nanmax(np.abs(np.asarray(run.case.args[0], dtype=np.float64))))
    if largest / 0.05 <= 709:
        return False
    return _is_number(run.got) and (not np.isfinite(run.got) or (run.got > 0 and largest / run.got > 709))


def _worse_nll(run):
    logits, labels = run.case.args
    return _positive_number(run) and _nll(logits, labels, run.got) > _nll(logits, labels, run.expected) + 1e-6


def _fit_check(logits):
    """A learner's input checks."""
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("the logits contain NaN")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("these look like probabilities; pass logits")
    return logits


def _learner_nll(logits, labels, t):
    z = logits / t
    z = z - z.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels])


def _on_grid(loss, low=0.05, high=20.0, points=601):
    grid = np.exp(np.linspace(np.log(low), np.log(high), points))
    return float(grid[np.argmin([loss(t) for t in grid])])


def _fit_example_negative(logits, labels):
    return -_on_grid(lambda t: _learner_nll(_fit_check(logits), labels, t))


def _fit_example_multiplied(logits, labels):
    logits = _fit_check(logits)
    return _on_grid(lambda t: _learner_nll(logits * t, labels, 1.0))


def _fit_example_log_t(logits, labels):
    logits = _fit_check(logits)
    grid = np.linspace(np.log(0.05), np.log(20), 601)
    return float(grid[np.argmin([_learner_nll(logits, labels, np.exp(s)) for s in grid])])


def _fit_example_on_probabilities(logits, labels):
    logits = _fit_check(logits)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    return _on_grid(lambda t: _learner_nll(probs, labels, t), low=0.001)


def _fit_example_by_accuracy(logits, labels):
    logits = _fit_check(logits)
    best_t, best_accuracy = 1.0, np.mean(logits.argmax(axis=1) == labels)
    for t in (0.5, 2.0, 4.0):
        accuracy = np.mean((logits / t).argmax(axis=1) == labels)
        if accuracy > best_accuracy:
            best_t, best_accuracy = t, accuracy
    return best_t


def _fit_example_predicted_class(logits, labels):
    logits = _fit_check(logits)
    return _on_grid(lambda t: _learner_nll(logits, logits.argmax(axis=1), t))


def _fit_example_softmax_whole_array(logits, labels):
    logits = _fit_check(logits)

    def nll(t):
        z = logits / t
        e = np.exp(z - z.max())
        p = e / e.sum()   # the whole array, not each row
        return -np.mean(np.log(p[np.arange(len(labels)), labels]))
    return _on_grid(nll)


def _fit_example_overflow(logits, labels):
    logits = _fit_check(logits)

    def nll(t):
        e = np.exp(logits / t)
        p = e / e.sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(labels)), labels]))
    return _on_grid(nll)


def _fit_example_absurd(logits, labels):
    logits = _fit_check(logits)
    t = 1.0
    for _ in range(20):   # gradient descent on T itself, with a step far too big and no bounds
        slope = (_learner_nll(logits, labels, t + 1e-4) - _learner_nll(logits, labels, t - 1e-4)) / 2e-4
        t -= 1000 * slope
    return float(t)


def _fit_example_coarse(logits, labels):
    logits = _fit_check(logits)
    grid = np.arange(0.5, 5.01, 0.5)
    return float(grid[np.argmin([_learner_nll(logits, labels, t) for t in grid])])


def _fit_example_refuses_positive_logits(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("the logits contain NaN")
    if logits.min() >= 0:
        raise ValueError("these look like probabilities, not logits")
    return _on_grid(lambda t: _learner_nll(logits, labels, t))


def _fit_example_array(logits, labels):
    logits = _fit_check(logits)
    return np.array([_on_grid(lambda t: _learner_nll(logits, labels, t))])


def _nan_not_refused(run):
    """The NaN case gave a result instead of a ValueError."""
    return run.case.rule == "nan" and not isinstance(run.got, BaseException)


def _fit_example_nan_equality(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if np.any(logits == np.nan):   # always False: NaN equals nothing
        raise ValueError("the logits contain NaN")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("these look like probabilities; pass logits")
    return _on_grid(lambda t: _learner_nll(logits, labels, t))


def _fit_example_vague_message(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("the logits contain NaN")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("pass logits, not the softmax output")
    return _on_grid(lambda t: _learner_nll(logits, labels, t))


def _nll_against_every_label(logits, labels, t):
    """-log_probs[:, labels].mean(): the (N, N) block of every row against every label, which is each
    row's NLL against the labels' overall frequencies."""
    log_p = log_softmax(np.asarray(logits, dtype=np.float64) / t)
    frequency = np.bincount(labels, minlength=log_p.shape[1]) / len(labels)
    return float(-np.mean(log_p @ frequency))


def _largest_t(run):
    """T at the top of a search range (10 to 100) where the right T is 3 or less, where the NLL scored
    against every label is lower than at the right T: a loss that keeps falling as T grows."""
    if not (_positive_number(run) and 10 <= run.got <= 100 and run.expected <= 3):
        return False
    logits, labels = run.case.args
    return _nll_against_every_label(logits, labels, run.got) < _nll_against_every_label(logits, labels,
                                                                                          run.expected)


def _fit_example_block(logits, labels):
    logits = _fit_check(logits)

    def nll(t):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[:, labels].mean()   # (N, N): every row against every label
    return _on_grid(nll, points=301)


def _returns_array(run):
    return isinstance(run.got, np.ndarray) and run.got.size == 1 and np.isfinite(run.got).all() and (
        abs(np.log(abs(float(run.got.ravel()[0])) / run.expected)) <= 0.02)


register(Exercise(
    name="fit_temperature",
    notebook=NOTEBOOK,
    reference=fit_temperature,
    cases=_temperature_cases,
    compare=_compare_temperature,
    summary="the temperature T > 0 minimising the NLL of softmax(logits / T)",
    rules={
        "divide": "Temperature scaling divides every logit by one number $T > 0$ before the softmax",
        "nll": "T is chosen to minimise the NLL",
        "logits": "Logits may all be positive, or all lie in [0, 1]",
        "and": "only rows that lie in [0, 1] and sum to 1 are probabilities",
        "probabilities": "raise a ValueError that mentions probabilities",
        "nan": "also raise one for NaN logits",
    },
    hint=(
        """
        This is a one-dimensional minimisation: write the NLL of softmax(logits / T) as a function
        of T, and search for its minimum over log T (the NLL has one minimum there, and
        T = exp(log T) is always positive). Accuracy cannot pick T: dividing by T > 0 never
        changes the argmax.
        """,
        """
        1. Refuse bad input with ValueError: NaN logits, and rows that are already probabilities
           (all in [0, 1] AND summing to 1; logits may well all be positive, or all lie in [0, 1]).
        2. nll(T): divide the logits by T (never multiply), subtract each row's maximum so that a
           small T cannot overflow, then average log(sum of exp) minus the true label's value.
        3. Evaluate nll on a grid of about 60 values of log T from log 0.05 to log 20, then refine
           around the best one (a finer grid, or golden-section search): the check accepts a T
           within 2% of the minimum. Return T as a Python float.
        """,
        """
        With `z = logits / T` and `z = z - z.max(axis=1, keepdims=True)`, the NLL is
        `np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), labels])`. The grid:
        `np.linspace(np.log(0.05), np.log(20), 61)`, with T = np.exp of each point. NaN test:
        np.isnan(logits).any() (`logits == np.nan` is always False).
        """,
    ),
    mistakes=[
        Mistake("fit_temperature.nan_not_refused", "NaN logits must raise ValueError: test "
                "np.isnan(logits).any() (logits == np.nan is always False: NaN equals nothing, not even NaN).",
                detect=_nan_not_refused, on_no_raise=True, example=_fit_example_nan_equality),
        Mistake("fit_temperature.message_without_probabilities", "the message should say what is wrong in "
                "words a learner can act on: that these look like probabilities (rows in [0, 1] summing "
                "to 1) and that the function needs logits.", detect=_message_without_probabilities,
                on_no_raise=True, example=_fit_example_vague_message),
        Mistake("fit_temperature.returns_array", "you returned an array holding T; return the number itself "
                "(float(t[0]), or float(result.x[0]) from an optimiser).", detect=_returns_array,
                example=_fit_example_array, on_type=True),
        Mistake("fit_temperature.refuses_logits", "your probability check refused real logits. Logits may "
                "all be positive, or all lie in [0, 1]: refuse only rows that lie in [0, 1] AND sum to 1.",
                on_error=_refused_valid_probabilities, example=_fit_example_refuses_positive_logits),
        Mistake("fit_temperature.not_positive", "your T is not positive. A temperature must be > 0: search "
                "over log T (T = exp(log T) is always positive).",
                detect=lambda run: _is_number(run.got) and run.got <= 0, example=_fit_example_negative),
        Mistake("fit_temperature.unstable_nll", "your NLL is not computed stably: for a small T, "
                "np.exp(logits / T) is inf once logits / T passes 709, and inf / inf is NaN, which breaks "
                "the search (np.argmin picks a NaN). Compute log-softmax stably: subtract each row's maximum "
                "of logits / T before np.exp (the log-sum-exp trick).", detect=_unstable_nll, example=_fit_example_overflow),
        Mistake("fit_temperature.inverse", "your T is the inverse of the right one (1 / T): you multiplied "
                "the logits by T instead of dividing (softmax(logits / T)), or fitted 1 / T and returned it.",
                detect=lambda run: _positive_number(run) and abs(np.log(run.got * run.expected)) < 0.03,
                example=_fit_example_multiplied),
        Mistake("fit_temperature.returned_log_t", "you returned log T: if you searched over log T, return "
                "T = exp(log T).",
                detect=lambda run: _is_number(run.got) and abs(run.got - np.log(run.expected)) < 0.03,
                example=_fit_example_log_t),
        Mistake("fit_temperature.fitted_on_probabilities", "you fitted T on probabilities (softmax(probs / T)), "
                "not on the logits: apply the temperature to the raw logits, softmax(logits / T).",
                detect=_fitted_on_probabilities, example=_fit_example_on_probabilities),
        Mistake("fit_temperature.chosen_by_accuracy", "your T is exactly 1, which changes nothing. Accuracy "
                "cannot choose T (it is the same for every T > 0: the argmax never changes), and the search "
                "must reach well below and above 1: minimise the NLL over a range such as [0.05, 20].",
                detect=lambda run: _is_number(run.got) and run.got == 1.0,
                example=_fit_example_by_accuracy),
        Mistake("fit_temperature.smallest_t", "your T is the bottom of any sensible range, the first point "
                "of your search: the loss you minimised stays flat or keeps falling as T shrinks, or you "
                "took its largest value instead of its smallest. Accuracy is the same for every T (dividing by T > 0 never changes "
                "the argmax), a loss that never divides the logits by T is flat too, -log of the PREDICTED "
                "class's probability only falls as T shrinks, and np.argmax of the NLL picks the worst T. "
                "Minimise (np.argmin) the NLL of the TRUE labels, -log softmax(logits / T)[label].",
                detect=_smallest_t, example=_fit_example_predicted_class),
        Mistake("fit_temperature.softmax_wrong_axis", "your softmax normalises over the wrong axis (the whole "
                "array, or axis 0): each row is one prediction, so normalise over axis=1 (sum with axis=1, "
                "keepdims=True).", detect=_softmax_wrong_axis, example=_fit_example_softmax_whole_array),
        Mistake("fit_temperature.largest_t", "your T is the top of the range you searched: what you "
                "minimised keeps falling as T grows. It does when each row is scored against every label "
                "(log_probs[:, labels] is an (N, N) block) or every class (log_probs.mean()): a flatter "
                "softmax always wins. Take each row's own label, log_probs[np.arange(N), labels].",
                detect=_largest_t, example=_fit_example_block),
        Mistake("fit_temperature.absurd", "your T is absurd (outside [0.01, 100]): search a bounded range "
                "of log T such as [log 0.05, log 20].",
                detect=lambda run: _positive_number(run) and not 0.01 <= run.got <= 100,
                example=_fit_example_absurd),
        Mistake("fit_temperature.not_the_minimum", "your T does not minimise the negative log-likelihood "
                "(another T gives a lower NLL): T is chosen by the NLL, not by accuracy (which dividing by T "
                "never changes) or by the ECE. If you searched a grid, make it fine enough (or refine around "
                "its best point) and wide enough, such as [0.05, 20].", detect=_worse_nll,
                example=_fit_example_coarse),
    ],
))


# =========================================================================== #
# Exercise 4: selective_prediction
# =========================================================================== #
THRESHOLD_VALUES = tuple(k / 20 for k in range(1, 21)) + (1 / 3, 2 / 3)


def _selective_cases():
    confidences = [0.95, 0.9, 0.7, 0.7, 0.65, 0.5, 0.3, 0.2]
    correct = [True, True, True, False, False, True, False, False]
    hand = probs_with_confidences(confidences, correct)
    around = np.array(THRESHOLD_VALUES)
    values = np.random.default_rng(20).permutation(
        np.concatenate([around, np.nextafter(around, 0), np.nextafter(around[around < 1], 1)]))
    edges = probs_with_confidences(values, _seeded_correct(len(values), 21), n_classes=25)
    varied, varied_labels = _synthetic_probs(80, 5, 1.5, seed=22)
    clear = np.abs(varied.max(axis=1) - 0.6) > 0.01   # no confidence within 0.01 of the threshold
    cases = [
        Case(f"{int(clear.sum())} seeded predictions over 5 classes with threshold 0.6 (none within 0.01 of it)",
             (varied[clear], varied_labels[clear], 0.6), rule="confidence"),
        Case("8 predictions with confidences [0.95, 0.9, 0.7, 0.7, 0.65, 0.5, 0.3, 0.2] and threshold 0.6",
             hand + (0.6,), rule="returns"),
        Case("the same 8 predictions with threshold 0.7 (two confidences equal the threshold)", hand + (0.7,),
             rule="equal_kept"),
        Case("the same 8 predictions with threshold 0.0 (everything kept)", hand + (0.0,), rule="coverage"),
        Case("the same 8 predictions with threshold 0.99: nothing is kept, so the accuracy is NaN",
             hand + (0.99,), rule="nan"),
    ]
    for threshold in THRESHOLD_VALUES:
        shown = f"{threshold:.4g}" if threshold * 20 == round(threshold * 20) else f"{round(threshold * 3):d}/3"
        cases.append(Case(f"{len(values)} predictions whose confidences are every k/20, 1/3 and 2/3, each with "
                          f"the float just below and just above it, and threshold {shown} (the confidence "
                          f"equal to it is kept, the float just below it is refused)", edges + (threshold,),
                          rule="equal_kept"))
    return cases + [
        Case("300 seeded predictions over 6 classes with threshold 0.8",
             _synthetic_probs(300, 6, 2.0, seed=7) + (0.8,), rule="coverage"),
        Case("400 seeded predictions over 5 classes with threshold 0.5",
             _synthetic_probs(400, 5, 1.0, seed=8) + (0.5,), rule="accuracy"),
    ]


def _kept_and_correct(probs, labels, threshold, confidence=None):
    probs = np.asarray(probs, dtype=np.float64)
    c = probs.max(axis=1) if confidence is None else confidence
    return c >= threshold, probs.argmax(axis=1) == labels


def _coverage_accuracy(kept, correct):
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


def _selective_inverted(probs, labels, threshold):
    kept, correct = _kept_and_correct(probs, labels, threshold)
    return _coverage_accuracy(~kept, correct)


def _selective_strict(probs, labels, threshold):
    probs = np.asarray(probs, dtype=np.float64)
    kept, correct = probs.max(axis=1) > threshold, probs.argmax(axis=1) == labels
    return _coverage_accuracy(kept, correct)


def _selective_tolerance(probs, labels, threshold):
    probs = np.asarray(probs, dtype=np.float64)
    kept, correct = probs.max(axis=1) >= threshold - 1e-9, probs.argmax(axis=1) == labels
    return _coverage_accuracy(kept, correct)


def _selective_correct_and_kept_over_all(probs, labels, threshold):
    kept, correct = _kept_and_correct(probs, labels, threshold)
    return float(kept.mean()), float((correct & kept).mean())


def _selective_accuracy_of_all(probs, labels, threshold):
    kept, correct = _kept_and_correct(probs, labels, threshold)
    return float(kept.mean()), float(correct.mean())


def _selective_accuracy_of_refused(probs, labels, threshold):
    kept, correct = _kept_and_correct(probs, labels, threshold)
    return float(kept.mean()), float(correct[~kept].mean()) if (~kept).any() else float("nan")


def _selective_count(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return float(round(coverage * len(labels))), accuracy


def _selective_correct_count(probs, labels, threshold):
    kept, correct = _kept_and_correct(probs, labels, threshold)
    return float(kept.mean()), float(np.sum(correct & kept)) if kept.any() else float("nan")


def _selective_refused_fraction(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return 1.0 - coverage, accuracy


def _selective_percent(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return 100 * coverage, 100 * accuracy


def _selective_swapped(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return accuracy, coverage


def _selective_true_class(probs, labels, threshold):
    probs = np.asarray(probs, dtype=np.float64)
    kept, correct = _kept_and_correct(probs, labels, threshold, probs[np.arange(len(labels)), labels])
    return _coverage_accuracy(kept, correct)


def _selective_softmax_again(probs, labels, threshold):
    return selective_prediction(softmax(np.asarray(probs, dtype=np.float64), axis=1), labels, threshold)


# A learner's answer is one rule for keeping, one confidence, one coverage, one accuracy, what to do
# when nothing is kept, a scale and an order: a mistake in one part is named even when another part
# is wrong too.
SELECTIVE_PARTS = {
    "keep": (">=", ">", "<", "tolerance"),
    "confidence": ("top", "true_class", "softmax_again"),
    "coverage": ("fraction", "count", "refused"),
    "accuracy": ("kept", "all", "hits_over_n", "refused", "hits"),
    "empty": ("nan", "zero"),
    "scale": (1, 100),
    "order": ("coverage first", "accuracy first"),
}
RIGHT_PARTS = {part: options[0] for part, options in SELECTIVE_PARTS.items()}


def _selective_variant(run, **parts):
    """(coverage, accuracy) of a learner's answer made of these parts (the others right)."""
    parts = {**RIGHT_PARTS, **parts}
    key = ("selective",) + tuple(sorted(parts.items(), key=lambda kv: kv[0]))

    def compute():
        probs, labels, threshold = run.case.args
        probs = np.asarray(probs, dtype=np.float64)
        correct = probs.argmax(axis=1) == labels
        c = {"top": lambda: probs.max(axis=1), "true_class": lambda: probs[np.arange(len(labels)), labels],
             "softmax_again": lambda: softmax(probs, axis=1).max(axis=1)}[parts["confidence"]]()
        kept = {">=": c >= threshold, ">": c > threshold, "<": c < threshold,
                "tolerance": c >= threshold - 1e-9}[parts["keep"]]
        n, k = len(kept), int(kept.sum())
        coverage = {"fraction": k / n, "count": float(k), "refused": 1 - k / n}[parts["coverage"]]
        if parts["accuracy"] in ("kept", "hits") and k == 0:
            accuracy = 0.0 if parts["empty"] == "zero" else float("nan")
        else:
            accuracy = {"kept": lambda: correct[kept].mean(), "all": lambda: correct.mean(),
                        "hits_over_n": lambda: (correct & kept).mean(),
                        "refused": lambda: correct[~kept].mean() if (~kept).any() else float("nan"),
                        "hits": lambda: float(correct[kept].sum())}[parts["accuracy"]]()
        pair = (parts["scale"] * coverage, parts["scale"] * float(accuracy))
        return pair if parts["order"] == "coverage first" else pair[::-1]
    return _memo(run, key, compute)


def _pair_equal(got, want):
    return (isinstance(got, (tuple, list)) and len(got) == 2 and all(_is_number(g) for g in got)
            and all((np.isnan(g) and np.isnan(w)) or (not np.isnan(g) and not np.isnan(w)
                                                      and np.isclose(g, w, rtol=1e-9, atol=1e-12))
                    for g, w in zip(got, want)))


def _pair_close(got, want):
    """The check's own tolerance (compare_values) for a (coverage, accuracy) pair, NaN equal to NaN."""
    return all((np.isnan(g) and np.isnan(w)) or (not np.isnan(g) and not np.isnan(w)
                                                 and np.isclose(g, w, atol=1e-6, rtol=1e-5))
               for g, w in zip(got, want))


def _selective_explanations(run):
    """Every combination of parts whose answer is the learner's on this case and the reference's on
    every earlier case (which the learner's answer passed)."""
    def consistent(parts):
        for earlier in _earlier_runs(run, "selective_prediction"):
            want = earlier.expected
            if not _pair_close(_selective_variant(earlier, **parts), want):
                return False
        return True

    def compute():
        names = list(SELECTIVE_PARTS)
        found = []
        for combo in itertools.product(*SELECTIVE_PARTS.values()):
            parts = dict(zip(names, combo))
            if _selective_wrong_parts(parts) > MAX_WRONG_PARTS:
                continue
            if _pair_equal(run.got, _selective_variant(run, **parts)) and consistent(parts):
                found.append(parts)
        return found
    return _memo(run, "selective explanations", compute)


def _selective_wrong_parts(parts):
    return sum(parts[name] != RIGHT_PARTS[name] for name in SELECTIVE_PARTS)


def _selective_parts(part, *wrong_options):
    """Detect: every simplest combination of parts that explains the learner's answer has ``part``
    wrong in one of these ways (when the cases cannot tell, the mistake is not named)."""
    def detect(run):
        explanations = _simplest(_selective_explanations(run), _selective_wrong_parts)
        return bool(explanations) and all(parts[part] in wrong_options for parts in explanations)
    return detect


def _nothing_kept(case):
    probs, _, threshold = case.args
    return not np.any(np.asarray(probs).max(axis=1) >= threshold)


def _nan_coverage(run):
    """Nothing kept, and the coverage is NaN too (it is 0: none of N kept)."""
    return (isinstance(run.got, (tuple, list)) and len(run.got) == 2 and _is_number(run.got[0])
            and np.isnan(run.got[0]) and run.expected[0] == 0)


def _selective_example_nan_coverage(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    if not kept.any():
        return float("nan"), float("nan")
    return float(kept.mean()), float((probs.argmax(axis=1) == labels)[kept].mean())


def _selective_example_zero(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    correct = probs.argmax(axis=1) == labels
    return kept.mean(), correct[kept].mean() if kept.any() else 0.0


def _selective_example_crash(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    correct = probs.argmax(axis=1) == labels
    return int(kept.sum()) / len(kept), int((correct & kept).sum()) / int(kept.sum())


def _selective_example_none(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    correct = probs.argmax(axis=1) == labels
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else None


def _selective_example_wrong_axis(probs, labels, threshold):
    kept = probs.max(axis=0) >= threshold
    correct = probs.argmax(axis=0) == labels
    return float(kept.mean()), float(correct[kept].mean())


register(Exercise(
    name="selective_prediction",
    notebook=NOTEBOOK,
    reference=selective_prediction,
    cases=_selective_cases,
    summary="coverage and accuracy when confidences below a threshold are refused",
    rules={
        "confidence": "its confidence is its top-class probability",
        "coverage": "coverage: the fraction of predictions kept (confidence ≥ threshold)",
        "accuracy": "accuracy: the fraction of the kept predictions that are right",
        "equal_kept": "A confidence equal to the threshold is kept",
        "nan": "When nothing is kept (coverage 0) the accuracy is undefined",
        "returns": "returning (coverage, accuracy)",
    },
    hint=(
        """
        Both numbers come from one boolean mask, the predictions kept (confidence at or above the
        threshold): coverage is about all N predictions, accuracy only about the kept ones.
        """,
        """
        1. Each row is a prediction: its confidence is its largest probability, and it is
           correct when its argmax equals the label.
        2. Kept: confidence >= threshold, compared exactly (no tolerance, no rounding).
        3. coverage = the fraction kept; accuracy = the fraction right among the kept only.
        4. When nothing is kept, the accuracy is float("nan") (it is undefined), not 0, not None
           and not a ZeroDivisionError.
        """,
        """
        `kept = probs.max(axis=1) >= threshold`; the mean of a boolean array is the fraction of
        True; `correct[kept]` keeps only the kept predictions. Return (coverage, accuracy) as two
        Python floats.
        """,
    ),
    mistakes=[
        Mistake("selective_prediction.wrong_axis", "you took the top label along axis 0 (one value per "
                "class); each ROW is a prediction: probs.max(axis=1), probs.argmax(axis=1).",
                on_error=_wrong_axis_error, example=_selective_example_wrong_axis),
        Mistake("selective_prediction.nan_coverage", "when nothing is kept the coverage is 0 (none of the N "
                "predictions kept); only the accuracy is undefined (NaN).", detect=_nan_coverage,
                example=_selective_example_nan_coverage),
        Mistake("selective_prediction.crash_when_none_kept", "when nothing is kept there is nothing to divide "
                "by: return float('nan') as the accuracy (it is undefined) instead of dividing by 0.",
                on_error=lambda exc, case: isinstance(exc, ZeroDivisionError) and _nothing_kept(case),
                example=_selective_example_crash),
        Mistake("selective_prediction.none_when_none_kept", "when nothing is kept, return float('nan') as the "
                "accuracy, not None (a number keeps the result a pair of floats).",
                detect=lambda run: isinstance(run.got, tuple) and len(run.got) == 2 and run.got[1] is None
                and np.isnan(run.expected[1]), example=_selective_example_none, on_type=True),
        Mistake("selective_prediction.swapped", "you returned (accuracy, coverage); the order is "
                "(coverage, accuracy).", example=_selective_swapped,
                detect=_selective_parts("order", "accuracy first")),
        Mistake("selective_prediction.zero_when_none_kept", "when nothing is kept, the accuracy is undefined: "
                "return NaN, not 0.", detect=_selective_parts("empty", "zero"),
                example=_selective_example_zero),
        Mistake("selective_prediction.wrong_side", "the threshold is on the wrong side: your coverage and "
                "accuracy are those of the predictions BELOW the threshold. Keep confidence >= threshold, "
                "refuse the rest.",
                example=_selective_inverted, detect=_selective_parts("keep", "<")),
        Mistake("selective_prediction.strict_threshold", "a confidence exactly equal to the threshold must be "
                "kept (only confidences below it are refused): use >=, not >.", example=_selective_strict,
                detect=_selective_parts("keep", ">")),
        Mistake("selective_prediction.threshold_tolerance", "the float just below the threshold was kept: "
                "compare exactly, confidence >= threshold, without a tolerance (threshold - 1e-9, "
                "np.isclose), rounding, or a cast to float32 (which rounds the confidences).", example=_selective_tolerance,
                detect=_selective_parts("keep", "tolerance")),
        Mistake("selective_prediction.accuracy_of_all", "your accuracy is that of ALL the predictions; it is "
                "measured among the kept predictions only (correct[kept].mean()).",
                example=_selective_accuracy_of_all, detect=_selective_parts("accuracy", "all")),
        Mistake("selective_prediction.refused_count_as_wrong", "your accuracy counts the refused predictions "
                "as wrong (correct and kept, over all N). Accuracy is measured among the kept predictions "
                "only.", example=_selective_correct_and_kept_over_all,
                detect=_selective_parts("accuracy", "hits_over_n")),
        Mistake("selective_prediction.accuracy_of_refused", "your accuracy is that of the REFUSED "
                "predictions; it is measured among the kept ones (confidence >= threshold).",
                example=_selective_accuracy_of_refused, detect=_selective_parts("accuracy", "refused")),
        Mistake("selective_prediction.coverage_count", "coverage is a fraction of N (kept / N), not the "
                "number kept.", example=_selective_count, detect=_selective_parts("coverage", "count")),
        Mistake("selective_prediction.percent", "your coverage and accuracy look like percentages: return "
                "fractions in [0, 1].", example=_selective_percent, detect=_selective_parts("scale", 100)),
        Mistake("selective_prediction.accuracy_count", "accuracy is a fraction (right among the kept / "
                "number kept), not the number of right predictions.", example=_selective_correct_count,
                detect=_selective_parts("accuracy", "hits")),
        Mistake("selective_prediction.refused_fraction", "your coverage is the fraction REFUSED; coverage is "
                "the fraction kept (confidence >= threshold).", example=_selective_refused_fraction,
                detect=_selective_parts("coverage", "refused")),
        Mistake("selective_prediction.true_class_confidence", "you thresholded the probability of the TRUE "
                "class; a prediction's confidence is its top-class probability, probs.max(axis=1) (the "
                "labels are unknown when you decide to answer).", example=_selective_true_class,
                detect=_selective_parts("confidence", "true_class")),
        Mistake("selective_prediction.softmax_again", "you applied softmax to probs, which are probabilities "
                "already: the second softmax flattens them. Threshold probs.max(axis=1) as it is.",
                example=_selective_softmax_again, detect=_selective_parts("confidence", "softmax_again")),
    ],
))
