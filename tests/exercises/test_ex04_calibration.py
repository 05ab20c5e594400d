"""Notebook 04's checks reject what learners really write, name the mistake, and accept correct
variants.

Every wrong implementation here is written the way a learner would write it; each test asserts
both a phrase of the message and the mistake's id. The binning answers are tried on every edge
m/M of many M (with the floats just below and above it), so a binning that misplaces an edge
value only for some M fails too.
"""

import numpy as np
import pytest

from helpers import check
from helpers.exercises.core import get_exercise

from .conftest import assert_accepted, assert_rejected

BINS, ECE, FIT, SELECT = ("reliability_bins", "expected_calibration_error", "fit_temperature",
                          "selective_prediction")

# Pairs of mistakes that give the same output on every case (none in notebook 04).
SAME_ANSWER = {}


def wrong(name, phrase, mistake, status="incorrect"):
    """Mark a wrong answer: the check must say ``phrase`` and report ``mistake``."""
    def mark(fn):
        fn.expected = (name, phrase, mistake, status)
        return fn
    return mark


def _run_wrong(fn):
    name, phrase, mistake, status = fn.expected
    phrases = (phrase,) if phrase else ()
    return assert_rejected(name, fn, *phrases, status=status, mistake=mistake)


# =========================================================================== #
# reliability_bins
# =========================================================================== #
def _means(index, confidences, correct, n_bins):
    """The loop a learner writes once the bin indices are known."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    conf = np.full(n_bins, np.nan)
    acc = np.full(n_bins, np.nan)
    count = np.zeros(n_bins, dtype=np.int64)
    for m in range(n_bins):
        inside = index == m
        count[m] = inside.sum()
        if count[m]:
            conf[m] = confidences[inside].mean()
            acc[m] = np.mean(correct[inside])
    return conf, acc, count


def _exact(confidences, n_bins):
    return np.searchsorted(np.arange(1, n_bins + 1) / n_bins, confidences, side="left")


@wrong(BINS, "left-closed", "reliability_bins.left_closed")
def bins_digitize_linspace(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.digitize(confidences, edges[1:-1])
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "left-closed", "reliability_bins.left_closed")
def bins_floor_clipped(confidences, correct, n_bins=15):
    index = np.clip((confidences * n_bins).astype(int), 0, n_bins - 1)
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "np.histogram", "reliability_bins.left_closed")
def bins_histogram_with_range(confidences, correct, n_bins=15):
    count, edges = np.histogram(confidences, bins=n_bins, range=(0, 1))
    index = np.clip(np.digitize(confidences, edges) - 1, 0, n_bins - 1)
    conf, acc, _ = _means(index, confidences, correct, n_bins)
    return conf, acc, count


@wrong(BINS, "1.0 got lost", "reliability_bins.one_lost")
def bins_loop_that_loses_one(confidences, correct, n_bins=15):
    index = np.full(len(confidences), -1)
    for m in range(n_bins):
        index[(confidences >= m / n_bins) & (confidences < (m + 1) / n_bins)] = m
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "n_bins + 1 bins", "reliability_bins.extra_bin")
def bins_searchsorted_right(confidences, correct, n_bins=15):
    index = np.searchsorted(np.arange(1, n_bins + 1) / n_bins, confidences, side="right")
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore"):
        return (np.bincount(index, confidences, len(count)) / count,
                np.bincount(index, np.asarray(correct, float), len(count)) / count, count)


@wrong(BINS, "smallest and the largest", "reliability_bins.histogram_without_range")
def bins_histogram_without_range(confidences, correct, n_bins=15):
    count, edges = np.histogram(confidences, bins=n_bins)
    index = np.clip(np.digitize(confidences, edges[1:-1], right=True), 0, n_bins - 1)
    conf, acc, _ = _means(index, confidences, correct, n_bins)
    return conf, acc, count


@wrong(BINS, "np.linspace", "reliability_bins.linspace_edges")
def bins_digitize_right_on_linspace(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(confidences, edges, right=True) - 1, 0, n_bins - 1)
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "np.linspace", "reliability_bins.linspace_edges")
def bins_loop_over_linspace_pairs(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins + 1)
    conf, acc, count = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidences > lo) & (confidences <= hi)
        if lo == 0:
            inside |= confidences == 0
        count.append(int(inside.sum()))
        conf.append(confidences[inside].mean() if inside.any() else np.nan)
        acc.append(np.mean(correct[inside]) if inside.any() else np.nan)
    return np.array(conf, dtype=np.float64), np.array(acc, dtype=np.float64), np.array(count)


@wrong(BINS, "np.linspace", "reliability_bins.linspace_edges")
def bins_edges_by_width(confidences, correct, n_bins=15):
    width = 1 / n_bins
    upper = np.array([(m + 1) * width for m in range(n_bins)])
    upper[-1] = 1.0
    return _means(np.searchsorted(upper, confidences), confidences, correct, n_bins)


@wrong(BINS, "exactly 0 is in no bin", "reliability_bins.zero_lost")
def bins_loop_open_at_zero(confidences, correct, n_bins=15):
    index = np.full(len(confidences), -1)
    for m in range(n_bins):
        index[(confidences > m / n_bins) & (confidences <= (m + 1) / n_bins)] = m
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "ceil(c * M) - 1", "reliability_bins.ceil_rounding")
def bins_ceil_clipped(confidences, correct, n_bins=15):
    index = np.clip(np.ceil(confidences * n_bins).astype(int) - 1, 0, n_bins - 1)
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "c * M is rounded", "reliability_bins.ceil_rounding")
def bins_floor_less_one_on_whole_products(confidences, correct, n_bins=15):
    scaled = confidences * n_bins
    index = np.floor(scaled).astype(int)
    index[scaled == np.floor(scaled)] -= 1          # an edge belongs to the bin below
    return _means(np.clip(index, 0, n_bins - 1), confidences, correct, n_bins)


@wrong(BINS, "np.bincount refuses", "reliability_bins.zero_index_minus_one", status="error")
def bins_ceil_unclipped_bincount(confidences, correct, n_bins=15):
    index = np.ceil(np.round(confidences * n_bins, 12)).astype(int) - 1
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore"):
        return (np.bincount(index, confidences, n_bins) / count,
                np.bincount(index, np.asarray(correct, float), n_bins) / count, count)


@wrong(BINS, "LAST bin", "reliability_bins.zero_in_last_bin")
def bins_ceil_unclipped_loop(confidences, correct, n_bins=15):
    sums, hits, count = np.zeros(n_bins), np.zeros(n_bins), np.zeros(n_bins, dtype=int)
    for c, k in zip(confidences, correct):
        m = int(np.ceil(c * n_bins)) - 1
        sums[m] += c
        hits[m] += k
        count[m] += 1
    with np.errstate(invalid="ignore"):
        return sums / count, hits / count, count


@wrong(BINS, "tolerance", "reliability_bins.edge_tolerance")
def bins_with_a_tolerance(confidences, correct, n_bins=15):
    edges = np.arange(1, n_bins + 1) / n_bins
    index = np.searchsorted(edges, confidences - 1e-9, side="left")
    return _means(np.clip(index, 0, n_bins - 1), confidences, correct, n_bins)


@wrong(BINS, "tolerance", "reliability_bins.edge_tolerance")
def bins_ceil_of_rounded_product(confidences, correct, n_bins=15):
    index = np.ceil(np.round(confidences * n_bins, 8)).astype(int) - 1
    return _means(np.clip(index, 0, n_bins - 1), confidences, correct, n_bins)


@wrong(BINS, "NaN, not 0", "reliability_bins.empty_bins_zero")
def bins_empty_bins_are_zero(confidences, correct, n_bins=15):
    index = _exact(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    safe = np.maximum(count, 1)
    return (np.bincount(index, confidences, n_bins) / safe,
            np.bincount(index, np.asarray(correct, float), n_bins) / safe, count)


@wrong(BINS, "not a fraction", "reliability_bins.counts_as_fractions")
def bins_counts_as_fractions(confidences, correct, n_bins=15):
    conf, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    return conf, acc, count / count.sum()


@wrong(BINS, "integer array", "reliability_bins.float_counts")
def bins_counts_as_floats(confidences, correct, n_bins=15):
    conf, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    return conf, acc, count.astype(float)


@wrong(BINS, "the order is", "reliability_bins.swapped")
def bins_in_the_wrong_order(confidences, correct, n_bins=15):
    conf, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    return acc, conf, count


@wrong(BINS, "left the empty bins out", "reliability_bins.empty_bins_dropped")
def bins_only_the_filled_ones(confidences, correct, n_bins=15):
    conf, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    keep = count > 0
    return conf[keep], acc[keep], count[keep]


@wrong(BINS, "ignores n_bins", "reliability_bins.ignores_n_bins")
def bins_always_ten(confidences, correct, n_bins=15):
    return _means(_exact(confidences, 10), confidences, correct, 10)


@wrong(BINS, "n_bins - 1 bins", "reliability_bins.one_bin_short")
def bins_one_edge_too_few(confidences, correct, n_bins=15):
    edges = np.linspace(0, 1, n_bins)
    index = np.clip(np.digitize(confidences, edges, right=True) - 1, 0, n_bins - 2)
    return _means(index, confidences, correct, n_bins - 1)


@wrong(BINS, "per-bin sums", "reliability_bins.sums_not_means")
def bins_sums(confidences, correct, n_bins=15):
    index = _exact(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    conf = np.bincount(index, confidences, n_bins)
    acc = np.bincount(index, np.asarray(correct, float), n_bins)
    conf[count == 0] = acc[count == 0] = np.nan
    return conf, acc, count


@wrong(BINS, "divided each bin's sum by N", "reliability_bins.divided_by_n")
def bins_divided_by_n(confidences, correct, n_bins=15):
    index = _exact(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    n = len(confidences)
    conf = np.where(count > 0, np.bincount(index, confidences, n_bins) / n, np.nan)
    acc = np.where(count > 0, np.bincount(index, np.asarray(correct, float), n_bins) / n, np.nan)
    return conf, acc, count


@wrong(BINS, "not the bin's centre", "reliability_bins.bin_centres")
def bins_centres_as_confidence(confidences, correct, n_bins=15):
    _, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    centres = (np.arange(n_bins) + 0.5) / n_bins
    return np.where(count > 0, centres, np.nan), acc, count


@wrong(BINS, "float32", "reliability_bins.float32_means")
def bins_means_in_the_input_dtype(confidences, correct, n_bins=15):
    index = _exact(confidences, n_bins)
    conf = np.full(n_bins, np.nan, dtype=confidences.dtype)
    acc = np.full(n_bins, np.nan, dtype=confidences.dtype)
    count = np.zeros(n_bins, dtype=int)
    for m in range(n_bins):
        inside = index == m
        count[m] = inside.sum()
        if count[m]:
            conf[m], acc[m] = confidences[inside].mean(), np.mean(correct[inside])
    return conf, acc, count


@wrong(BINS, "should be a NumPy array", "generic.wrong_type")
def bins_as_lists(confidences, correct, n_bins=15):
    conf, acc, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    return conf.tolist(), acc.tolist(), count.tolist()


@wrong(BINS, "should be a tuple", "generic.wrong_type")
def bins_stacked_in_one_array(confidences, correct, n_bins=15):
    return np.stack(_means(_exact(confidences, n_bins), confidences, correct, n_bins))


BINS_WRONG = [bins_digitize_linspace, bins_floor_clipped, bins_histogram_with_range, bins_loop_that_loses_one,
              bins_searchsorted_right, bins_histogram_without_range, bins_digitize_right_on_linspace,
              bins_loop_over_linspace_pairs, bins_edges_by_width, bins_loop_open_at_zero, bins_ceil_clipped,
              bins_floor_less_one_on_whole_products, bins_ceil_unclipped_bincount, bins_ceil_unclipped_loop,
              bins_with_a_tolerance, bins_ceil_of_rounded_product, bins_empty_bins_are_zero,
              bins_counts_as_fractions, bins_counts_as_floats, bins_in_the_wrong_order, bins_only_the_filled_ones,
              bins_always_ten, bins_one_edge_too_few, bins_sums, bins_divided_by_n, bins_centres_as_confidence,
              bins_means_in_the_input_dtype, bins_as_lists, bins_stacked_in_one_array]


@pytest.mark.parametrize("fn", BINS_WRONG, ids=lambda fn: fn.__name__)
def test_bins_wrong_answers_are_named(fn):
    _run_wrong(fn)


def test_bins_accuracy_from_inverted_integers_gets_the_plain_comparison():
    # `~correct` on 0/1 integers gives -1 and -2, not booleans: no known mistake, so the check
    # shows the plain comparison rather than guess one.
    def reliability_bins(confidences, correct, n_bins=15):
        wrong_ones = ~np.asarray(correct)
        conf, _, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
        acc = np.array([1 - wrong_ones[_exact(confidences, n_bins) == m].mean() if count[m] else np.nan
                        for m in range(n_bins)])
        return conf, acc, count
    result = assert_rejected(BINS, reliability_bins, "0/1 integers", "bin_accuracy differs")
    assert result.mistake is None


def bins_with_digitize_on_exact_edges(confidences, correct, n_bins=15):
    edges = np.arange(n_bins + 1) / n_bins
    index = np.clip(np.digitize(confidences, edges, right=True) - 1, 0, n_bins - 1)
    return _means(index, confidences, correct, n_bins)


def bins_with_a_loop_over_exact_edges(confidences, correct, n_bins=15):
    conf, acc, count = [], [], []
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
        inside = (confidences > lo) & (confidences <= hi)
        if m == 0:
            inside |= confidences == 0
        count.append(inside.sum())
        conf.append(np.mean(confidences[inside]) if inside.any() else np.nan)
        acc.append(np.mean(correct[inside]) if inside.any() else np.nan)
    return np.array(conf, dtype=np.float64), np.array(acc, dtype=np.float64), np.array(count, dtype=np.int64)


def bins_with_ceil_then_corrected(confidences, correct, n_bins=15):
    # ceil(c * M) - 1 is off by one only when c * M is rounded: fix it with exact edge comparisons.
    c = np.asarray(confidences, dtype=np.float64)
    index = np.clip(np.ceil(c * n_bins).astype(int) - 1, 0, n_bins - 1)
    index = np.where(c > (index + 1) / n_bins, index + 1, index)
    index = np.where((index > 0) & (c <= index / n_bins), index - 1, index)
    return _means(index, c, correct, n_bins)


def bins_with_a_mirrored_histogram(confidences, correct, n_bins=15):
    # np.histogram is left-closed (and its last bin closed): on -c with edges -1..0 it is right-closed on c.
    c = np.asarray(confidences, dtype=np.float64)
    edges = -(np.arange(n_bins, -1, -1) / n_bins)
    count = np.histogram(-c, bins=edges)[0][::-1]
    index = n_bins - 1 - np.clip(np.searchsorted(edges, -c, side="right") - 1, 0, n_bins - 1)
    conf, acc, _ = _means(index, c, correct, n_bins)
    return conf, acc, count


def bins_with_bincount(confidences, correct, n_bins=15):
    confidences = np.asarray(confidences, dtype=np.float64)
    index = np.searchsorted(np.arange(1, n_bins + 1) / n_bins, confidences)
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore"):
        return (np.bincount(index, weights=confidences, minlength=n_bins) / count,
                np.bincount(index, weights=correct, minlength=n_bins) / count, count)


@pytest.mark.parametrize("fn", [bins_with_digitize_on_exact_edges, bins_with_a_loop_over_exact_edges,
                                bins_with_ceil_then_corrected, bins_with_a_mirrored_histogram,
                                bins_with_bincount], ids=lambda fn: fn.__name__)
def test_bins_correct_variants(fn):
    assert_accepted(BINS, fn)


def test_bins_cases_hold_every_edge_of_many_bin_counts():
    labels = [case.label for case in get_exercise(BINS).cases()]
    for n_bins in list(range(1, 41)) + [50, 64, 100, 1000]:
        assert any(label.startswith(f"every edge m/{n_bins} of n_bins={n_bins} ") for label in labels), n_bins
    assert any("float32" in label for label in labels)


# =========================================================================== #
# expected_calibration_error
# =========================================================================== #
def _check_probs(probs):
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise ValueError("expected probabilities: apply softmax to the logits first")


def _ece_from_index(index, confidences, correct, n_bins):
    ece = 0.0
    for m in range(n_bins):
        inside = index == m
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidences[inside].mean())
    return ece


def _top_label_in_bins(probs, labels, n_bins):
    _check_probs(probs)
    conf, correct = probs.max(1), probs.argmax(1) == labels
    return conf, correct, np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf)


def _ece_with_index(index_of):
    def expected_calibration_error(probs, labels, n_bins=15):
        _check_probs(probs)
        conf, correct = probs.max(1), probs.argmax(1) == labels
        return _ece_from_index(index_of(conf, n_bins), conf, correct, n_bins)
    return expected_calibration_error


@wrong(ECE, "not weighted by bin size", "expected_calibration_error.unweighted")
def ece_mean_of_gaps(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    gaps = [abs(correct[index == m].mean() - conf[index == m].mean()) for m in range(n_bins) if np.any(index == m)]
    return float(np.mean(gaps))


@wrong(ECE, "averaged the gaps", "expected_calibration_error.unweighted")
def ece_nanmean_of_the_bins(probs, labels, n_bins=15):
    from helpers.calibration import reliability_bins
    _check_probs(probs)
    conf, acc, count = reliability_bins(probs.max(1), probs.argmax(1) == labels, n_bins)
    return float(np.nanmean(np.abs(acc - conf)))


@wrong(ECE, "number of bins", "expected_calibration_error.divided_by_n_bins")
def ece_sum_over_n_bins(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    gaps = [abs(correct[index == m].mean() - conf[index == m].mean()) for m in range(n_bins) if np.any(index == m)]
    return float(np.sum(gaps) / n_bins)


@wrong(ECE, "left-closed", "expected_calibration_error.left_closed")
def ece_left_closed(probs, labels, n_bins=15):
    return _ece_with_index(lambda c, m: np.minimum((c * m).astype(int), m - 1))(probs, labels, n_bins)


@wrong(ECE, "left-closed", "expected_calibration_error.left_closed")
def ece_with_np_histogram(probs, labels, n_bins=15):
    _check_probs(probs)
    conf, correct = probs.max(1), probs.argmax(1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    count, _ = np.histogram(conf, bins=edges)
    sum_conf, _ = np.histogram(conf, bins=edges, weights=conf)
    sum_hit, _ = np.histogram(conf, bins=edges, weights=correct.astype(float))
    filled = count > 0
    return float(np.sum(np.abs(sum_hit[filled] - sum_conf[filled])) / len(conf))


@wrong(ECE, "1.0 got lost", "expected_calibration_error.one_lost")
def ece_loses_one(probs, labels, n_bins=15):
    _check_probs(probs)
    conf, correct = probs.max(1), probs.argmax(1) == labels
    ece = 0.0
    for m in range(n_bins):
        inside = (conf >= m / n_bins) & (conf < (m + 1) / n_bins)
        if inside.any():
            ece += inside.sum() / len(conf) * abs(correct[inside].mean() - conf[inside].mean())
    return ece


@wrong(ECE, "np.linspace", "expected_calibration_error.linspace_edges")
def ece_loop_over_linspace(probs, labels, n_bins=15):
    _check_probs(probs)
    conf, correct = probs.max(1), probs.argmax(1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - conf[inside].mean())
    return ece


@wrong(ECE, "ceil(c * M) - 1", "expected_calibration_error.ceil_rounding")
def ece_ceil(probs, labels, n_bins=15):
    return _ece_with_index(lambda c, m: np.clip(np.ceil(c * m).astype(int) - 1, 0, m - 1))(probs, labels, n_bins)


@wrong(ECE, "tolerance", "expected_calibration_error.edge_tolerance")
def ece_with_a_tolerance(probs, labels, n_bins=15):
    return _ece_with_index(lambda c, m: np.searchsorted(np.arange(1, m + 1) / m, c - 1e-10))(probs, labels, n_bins)


@wrong(ECE, "over classes", "expected_calibration_error.classwise")
def ece_averaged_over_classes(probs, labels, n_bins=15):
    _check_probs(probs)
    edges = np.arange(1, n_bins + 1) / n_bins
    per_class = []
    for k in range(probs.shape[1]):
        conf = probs[:, k]
        per_class.append(_ece_from_index(np.searchsorted(edges, conf), conf, labels == k, n_bins))
    return float(np.mean(per_class))


@wrong(ECE, "top-label", "expected_calibration_error.classwise")
def ece_of_every_probability(probs, labels, n_bins=15):
    _check_probs(probs)
    conf = probs.ravel()
    hit = (np.arange(probs.shape[1])[None, :] == labels[:, None]).ravel()
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, hit, n_bins)


@wrong(ECE, "TRUE class", "expected_calibration_error.true_class_probability")
def ece_true_class_probability(probs, labels, n_bins=15):
    _check_probs(probs)
    conf = probs[np.arange(len(labels)), labels]
    correct = probs.argmax(1) == labels
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, correct, n_bins)


@wrong(ECE, "MCE", "expected_calibration_error.max_gap")
def ece_is_really_the_mce(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return max(abs(correct[index == m].mean() - conf[index == m].mean()) for m in np.unique(index))


@wrong(ECE, "percentage", "expected_calibration_error.percent")
def ece_in_percent(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return 100 * _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "is NaN", "expected_calibration_error.nan_from_empty_bins")
def ece_sums_the_nan_of_empty_bins(probs, labels, n_bins=15):
    from helpers.calibration import reliability_bins
    _check_probs(probs)
    conf, acc, count = reliability_bins(probs.max(1), probs.argmax(1) == labels, n_bins)
    return float(np.sum(count / len(labels) * np.abs(acc - conf)))


@wrong(ECE, "softmax", "expected_calibration_error.softmax_again")
def ece_softmax_to_be_safe(probs, labels, n_bins=15):
    _check_probs(probs)
    e = np.exp(probs - probs.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    conf, correct = p.max(1), p.argmax(1) == labels
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, correct, n_bins)


@wrong(ECE, "squared the gaps", "expected_calibration_error.squared_gaps")
def ece_squared(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return sum(np.mean(index == m) * (correct[index == m].mean() - conf[index == m].mean()) ** 2
               for m in np.unique(index))


@wrong(ECE, "RMS", "expected_calibration_error.squared_gaps")
def ece_root_mean_square(probs, labels, n_bins=15):
    return float(np.sqrt(ece_squared(probs, labels, n_bins)))


@wrong(ECE, "one by one", "expected_calibration_error.no_bins")
def ece_without_bins(probs, labels, n_bins=15):
    _check_probs(probs)
    return float(np.mean(np.abs((probs.argmax(1) == labels) - probs.max(1))))


@wrong(ECE, "probs.max() without an axis", "expected_calibration_error.global_max")
def ece_max_without_axis(probs, labels, n_bins=15):
    _check_probs(probs)
    conf = np.full(len(labels), probs.max())
    correct = probs.argmax(1) == labels
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, correct, n_bins)


@wrong(ECE, "axis 0", "expected_calibration_error.wrong_axis", status="error")
def ece_along_axis_0(probs, labels, n_bins=15):
    _check_probs(probs)
    conf, correct = probs.max(0), probs.argmax(0) == labels
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, correct, n_bins)


@wrong(ECE, "divided by N", "expected_calibration_error.not_divided_by_n")
def ece_weights_are_counts(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return float(sum(np.sum(index == m) * abs(correct[index == m].mean() - conf[index == m].mean())
                     for m in np.unique(index)))


@wrong(ECE, "ignores n_bins", "expected_calibration_error.ignores_n_bins")
def ece_always_ten_bins(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, 10)
    return _ece_from_index(index, conf, correct, 10)


@wrong(ECE, "accuracy of ALL", "expected_calibration_error.overall_accuracy")
def ece_against_the_overall_accuracy(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return float(sum(np.mean(index == m) * abs(correct.mean() - conf[index == m].mean()) for m in np.unique(index)))


@wrong(ECE, "signed gaps", "expected_calibration_error.signed_gaps")
def ece_signed(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return abs(sum(np.mean(index == m) * (correct[index == m].mean() - conf[index == m].mean())
                   for m in np.unique(index)))


@wrong(ECE, "only up to rounding", "expected_calibration_error.refuses_probabilities", status="error")
def ece_exact_sum_check(probs, labels, n_bins=15):
    if np.any(probs.sum(axis=1) != 1):
        raise ValueError("probs must be probabilities that sum to 1")
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "both ends included", "expected_calibration_error.refuses_probabilities", status="error")
def ece_open_range_check(probs, labels, n_bins=15):
    if probs.min() <= 0 or probs.max() >= 1:
        raise ValueError("probabilities must lie strictly between 0 and 1")
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "instead of raising ValueError", "generic.no_raise")
def ece_accepts_logits_silently(probs, labels, n_bins=15):
    conf, correct = probs.max(1), probs.argmax(1) == labels
    index = np.clip(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), 0, n_bins - 1)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "sigmoid scores", "generic.no_raise")
def ece_checks_the_range_only(probs, labels, n_bins=15):
    if probs.min() < 0 or probs.max() > 1:
        raise ValueError("expected probabilities in [0, 1]")
    conf, correct = probs.max(1), probs.argmax(1) == labels
    return _ece_from_index(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), conf, correct, n_bins)


@wrong(ECE, "negative values", "generic.no_raise")
def ece_checks_the_sums_only(probs, labels, n_bins=15):
    if not np.allclose(probs.sum(axis=1), 1):
        raise ValueError("expected probabilities: rows must sum to 1")
    conf, correct = probs.max(1), probs.argmax(1) == labels
    index = np.clip(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), 0, n_bins - 1)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "should raise ValueError", "generic.wrong_exception")
def ece_raises_type_error(probs, labels, n_bins=15):
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1):
        raise TypeError("expected probabilities")
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "must be probabilities", "expected_calibration_error.message_without_probabilities")
def ece_raises_without_saying_why(probs, labels, n_bins=15):
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1):
        raise ValueError("bad input")
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return _ece_from_index(index, conf, correct, n_bins)


ECE_WRONG = [ece_mean_of_gaps, ece_nanmean_of_the_bins, ece_sum_over_n_bins, ece_left_closed, ece_with_np_histogram,
             ece_loses_one, ece_loop_over_linspace, ece_ceil, ece_with_a_tolerance, ece_averaged_over_classes,
             ece_of_every_probability, ece_true_class_probability, ece_is_really_the_mce, ece_in_percent,
             ece_sums_the_nan_of_empty_bins, ece_softmax_to_be_safe, ece_squared, ece_root_mean_square,
             ece_without_bins, ece_max_without_axis, ece_along_axis_0, ece_weights_are_counts, ece_always_ten_bins,
             ece_against_the_overall_accuracy, ece_signed, ece_exact_sum_check, ece_open_range_check,
             ece_accepts_logits_silently, ece_checks_the_range_only, ece_checks_the_sums_only,
             ece_raises_type_error, ece_raises_without_saying_why]


@pytest.mark.parametrize("fn", ECE_WRONG, ids=lambda fn: fn.__name__)
def test_ece_wrong_answers_are_named(fn):
    _run_wrong(fn)


def ece_with_a_loop(probs, labels, n_bins=15):
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return _ece_from_index(index, conf, correct, n_bins)


def ece_with_bincount(probs, labels, n_bins=15):
    if not (np.all((probs >= 0) & (probs <= 1)) and np.allclose(probs.sum(-1), 1, atol=1e-4)):
        raise ValueError(f"rows must be probabilities summing to 1, got sums {probs.sum(-1)[:3]}")
    conf = probs.max(axis=-1).astype(np.float64)
    hit = (probs.argmax(axis=-1) == labels).astype(float)
    index = np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf)
    signed = np.bincount(index, hit - conf, n_bins)  # per bin: sum(acc - conf)
    return float(np.abs(signed).sum() / len(conf))


def ece_with_the_reference_bins_and_nansum(probs, labels, n_bins=15):
    from helpers.calibration import reliability_bins
    probs = np.asarray(probs, dtype=np.float64)
    if not (np.all(probs >= 0) and np.all(probs <= 1) and np.all(np.isclose(probs.sum(axis=1), 1))):
        raise ValueError("Expected probabilities (rows in [0, 1] that sum to 1); got something else")
    conf, acc, count = reliability_bins(probs.max(axis=1), probs.argmax(axis=1) == labels, n_bins)
    return float(np.nansum(count / count.sum() * np.abs(acc - conf)))


def ece_with_sorted_rows(probs, labels, n_bins=15):
    _check_probs(probs)
    conf = np.sort(probs, axis=1)[:, -1]
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    edges = np.arange(n_bins + 1) / n_bins
    index = np.clip(np.digitize(conf, edges, right=True) - 1, 0, n_bins - 1)
    return sum(np.sum(index == m) / len(conf) * abs(np.mean(correct[index == m]) - np.mean(conf[index == m]))
               for m in set(index.tolist()))


@pytest.mark.parametrize("fn", [ece_with_a_loop, ece_with_bincount, ece_with_the_reference_bins_and_nansum,
                                ece_with_sorted_rows], ids=lambda fn: fn.__name__)
def test_ece_correct_variants(fn):
    assert_accepted(ECE, fn)


def test_ece_refuses_logits_and_other_non_probabilities():
    raising = [case for case in get_exercise(ECE).cases() if case.raises is ValueError]
    assert {case.rule for case in raising} == {"outside", "sums"} and len(raising) == 4


# =========================================================================== #
# fit_temperature
# =========================================================================== #
def _check_logits(logits):
    if np.isnan(logits).any():
        raise ValueError("the logits contain NaN")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(1), 1):
        raise ValueError("these are probabilities, not logits")


def _nll(scaled, labels):
    scaled = scaled - scaled.max(1, keepdims=True)
    log_p = scaled - np.log(np.exp(scaled).sum(1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels].mean()


def _best_on(grid, loss):
    """The grid point with the smallest loss(t), as a learner's argmin over a grid."""
    return float(grid[np.argmin([loss(t) for t in grid])])


def _softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


LOG_GRID = np.exp(np.linspace(np.log(0.05), np.log(20), 601))


@wrong(FIT, "accuracy", "fit_temperature.smallest_t")
def fit_by_accuracy_on_a_grid(logits, labels):
    _check_logits(logits)
    grid = np.linspace(0.1, 10, 100)
    accuracy = [np.mean((logits / t).argmax(1) == labels) for t in grid]
    return float(grid[np.argmax(accuracy)])


@wrong(FIT, "PREDICTED class", "fit_temperature.smallest_t")
def fit_nll_of_the_predicted_class(logits, labels):
    _check_logits(logits)
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, logits.argmax(1)))


@wrong(FIT, "exactly 1", "fit_temperature.chosen_by_accuracy")
def fit_left_at_one(logits, labels):
    _check_logits(logits)
    best_t, best_acc = 1.0, np.mean(logits.argmax(1) == labels)
    for t in (0.5, 2.0, 4.0):
        acc = np.mean((logits / t).argmax(1) == labels)
        if acc > best_acc:
            best_t, best_acc = t, acc
    return best_t


@wrong(FIT, "multiplied", "fit_temperature.inverse")
def fit_multiplied(logits, labels):
    _check_logits(logits)
    return _best_on(LOG_GRID, lambda t: _nll(logits * t, labels))


@wrong(FIT, "fitted 1 / T", "fit_temperature.inverse")
def fit_returns_the_inverse_temperature(logits, labels):
    _check_logits(logits)
    betas = np.exp(np.linspace(np.log(0.05), np.log(20), 601))
    return _best_on(betas, lambda beta: _nll(logits * beta, labels))


@wrong(FIT, "on probabilities", "fit_temperature.fitted_on_probabilities")
def fit_on_probabilities(logits, labels):
    _check_logits(logits)
    probs = _softmax(logits)
    grid = np.exp(np.linspace(np.log(0.01), np.log(20), 601))
    return _best_on(grid, lambda t: _nll(probs / t, labels))


@wrong(FIT, "log T", "fit_temperature.returned_log_t")
def fit_returned_as_log(logits, labels):
    _check_logits(logits)
    log_grid = np.linspace(np.log(0.05), np.log(20), 601)
    return _best_on(log_grid, lambda s: _nll(logits / np.exp(s), labels))


@wrong(FIT, "refine", "fit_temperature.not_the_minimum")
def fit_on_a_coarse_grid(logits, labels):
    _check_logits(logits)
    return _best_on(np.arange(0.5, 5.01, 0.5), lambda t: _nll(logits / t, labels))


@wrong(FIT, "wide enough", "fit_temperature.not_the_minimum")
def fit_on_a_narrow_range(logits, labels):
    _check_logits(logits)
    return _best_on(np.linspace(0.5, 2.0, 301), lambda t: _nll(logits / t, labels))


@wrong(FIT, "does not minimise", "fit_temperature.not_the_minimum")
def fit_by_too_few_gradient_steps(logits, labels):
    _check_logits(logits)
    log_t = 0.0
    for _ in range(5):
        slope = (_nll(logits / np.exp(log_t + 1e-5), labels) - _nll(logits / np.exp(log_t), labels)) / 1e-5
        log_t -= 0.1 * slope
    return float(np.exp(log_t))


@wrong(FIT, "not positive", "fit_temperature.not_positive")
def fit_negative(logits, labels):
    _check_logits(logits)
    grid = np.linspace(-5, 5, 401)
    grid = grid[grid != 0]
    return _best_on(grid, lambda t: -_nll(logits / t, labels))


@wrong(FIT, "not computed stably", "fit_temperature.unstable_nll")
def fit_with_a_naive_softmax(logits, labels):
    _check_logits(logits)

    def nll(t):
        e = np.exp(logits / t)
        p = e / e.sum(1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(labels)), labels]))
    return _best_on(LOG_GRID, nll)


@wrong(FIT, "wrong axis", "fit_temperature.softmax_wrong_axis")
def fit_softmax_over_the_whole_array(logits, labels):
    _check_logits(logits)

    def nll(t):
        z = logits / t
        e = np.exp(z - z.max())
        return -np.mean(np.log((e / e.sum())[np.arange(len(labels)), labels]))
    return _best_on(LOG_GRID, nll)


@wrong(FIT, "axis=1", "fit_temperature.softmax_wrong_axis")
def fit_softmax_over_axis_0(logits, labels):
    _check_logits(logits)

    def nll(t):
        z = logits / t
        z = z - z.max(axis=0)
        log_p = z - np.log(np.exp(z).sum(axis=0))
        return -np.mean(log_p[np.arange(len(labels)), labels])
    return _best_on(LOG_GRID, nll)


@wrong(FIT, "or by the ECE", "fit_temperature.not_the_minimum")
def fit_by_minimising_the_ece(logits, labels):
    from helpers.calibration import expected_calibration_error
    _check_logits(logits)
    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 201))
    return _best_on(grid, lambda t: expected_calibration_error(_softmax(logits / t), labels))


@wrong(FIT, "return the number itself", "fit_temperature.returns_array")
def fit_returns_an_array(logits, labels):
    _check_logits(logits)
    return np.array([_best_on(LOG_GRID, lambda t: _nll(logits / t, labels))])


@wrong(FIT, "one number T", "generic.wrong_type")
def fit_returns_t_and_its_nll(logits, labels):
    _check_logits(logits)
    t = _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))
    return t, _nll(logits / t, labels)


@wrong(FIT, "instead of raising ValueError", "generic.no_raise")
def fit_does_not_refuse_probabilities(logits, labels):
    if np.isnan(logits).any():
        raise ValueError("NaN logits")
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))


@wrong(FIT, "passed instead of logits", "generic.no_raise")
def fit_refuses_only_exact_sums(logits, labels):
    if np.isnan(logits).any():
        raise ValueError("NaN logits")
    if logits.min() >= 0 and logits.max() <= 1 and np.all(logits.sum(1) == 1):
        raise ValueError("probabilities given, expected logits")
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))


@wrong(FIT, "np.isnan(logits).any()", "fit_temperature.nan_not_refused")
def fit_without_a_nan_check(logits, labels):
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(1), 1):
        raise ValueError("these are probabilities, not logits")
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))


@wrong(FIT, "refused real logits", "fit_temperature.refuses_logits", status="error")
def fit_refuses_positive_logits(logits, labels):
    if np.isnan(logits).any():
        raise ValueError("NaN logits")
    if np.all(logits >= 0):
        raise ValueError("logits are never all positive: these look like probabilities")
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))


@wrong(FIT, "AND sum to 1", "fit_temperature.refuses_logits", status="error")
def fit_checks_the_range_only(logits, labels):
    if np.isnan(logits).any():
        raise ValueError("NaN logits")
    if logits.min() >= 0 and logits.max() <= 1:
        raise ValueError("values in [0, 1]: probabilities, not logits")
    return _best_on(LOG_GRID, lambda t: _nll(logits / t, labels))


FIT_WRONG = [fit_by_accuracy_on_a_grid, fit_nll_of_the_predicted_class, fit_left_at_one, fit_multiplied,
             fit_returns_the_inverse_temperature, fit_on_probabilities, fit_returned_as_log, fit_on_a_coarse_grid,
             fit_on_a_narrow_range, fit_by_too_few_gradient_steps, fit_negative, fit_with_a_naive_softmax,
             fit_softmax_over_the_whole_array, fit_softmax_over_axis_0, fit_by_minimising_the_ece,
             fit_returns_an_array, fit_returns_t_and_its_nll, fit_does_not_refuse_probabilities,
             fit_refuses_only_exact_sums, fit_without_a_nan_check, fit_refuses_positive_logits,
             fit_checks_the_range_only]


@pytest.mark.parametrize("fn", FIT_WRONG, ids=lambda fn: fn.__name__)
def test_temperature_wrong_answers_are_named(fn):
    _run_wrong(fn)


def fit_on_a_fine_grid(logits, labels):
    _check_logits(logits)
    grid = np.exp(np.linspace(-3, 3, 601))
    return _best_on(grid, lambda t: _nll(logits / t, labels))


def fit_by_newton_on_inverse_temperature(logits, labels):
    # The NLL is convex in beta = 1 / T: Newton's method from beta = 1.
    _check_logits(logits)
    z, beta = logits.astype(np.float64), 1.0
    z_true = z[np.arange(len(labels)), labels]
    for _ in range(100):
        p = _softmax(beta * z)
        mean_z = (p * z).sum(1)
        gradient = np.mean(mean_z - z_true)
        curvature = np.mean((p * z ** 2).sum(1) - mean_z ** 2)
        beta = min(max(beta - gradient / curvature, 0.05), 20.0)
    return 1.0 / beta


def fit_by_golden_section(logits, labels):
    _check_logits(logits)
    logits = logits.astype(np.float64)
    low, high, ratio = np.log(0.05), np.log(20), (np.sqrt(5) - 1) / 2
    while high - low > 1e-7:
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if _nll(logits / np.exp(a), labels) < _nll(logits / np.exp(b), labels):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def fit_by_a_coarse_then_a_fine_linear_grid(logits, labels):
    _check_logits(logits)
    coarse = np.linspace(0.05, 20, 400)
    best = _best_on(coarse, lambda t: _nll(logits / t, labels))
    fine = np.linspace(max(best - 0.05, 0.01), best + 0.05, 201)
    return _best_on(fine, lambda t: _nll(logits / t, labels))


def fit_with_logsumexp_and_float32(logits, labels):
    # Works in the logits' own dtype (float32) with a stable log-sum-exp; T within 2% is enough.
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")
    if np.all((logits >= 0) & (logits <= 1)) and np.allclose(logits.sum(axis=1), 1, atol=1e-5):
        raise ValueError("rows sum to 1: probabilities, not logits")
    rows = np.arange(len(labels))

    def nll(t):
        z = logits / np.float32(t)
        top = z.max(axis=1)
        return float(np.mean(top + np.log(np.exp(z - top[:, None]).sum(axis=1)) - z[rows, labels]))
    return _best_on(np.exp(np.linspace(np.log(0.05), np.log(20), 801)), nll)


@pytest.mark.parametrize("fn", [fit_on_a_fine_grid, fit_by_newton_on_inverse_temperature, fit_by_golden_section,
                                fit_by_a_coarse_then_a_fine_linear_grid, fit_with_logsumexp_and_float32],
                         ids=lambda fn: fn.__name__)
def test_temperature_correct_variants(fn):
    assert_accepted(FIT, fn)


# =========================================================================== #
# selective_prediction
# =========================================================================== #
def _top(probs, labels):
    return probs.max(1), probs.argmax(1) == labels


@wrong(SELECT, ">=, not >", "selective_prediction.strict_threshold")
def select_strict_threshold(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf > threshold
    return kept.mean(), correct[kept].mean() if kept.any() else np.nan


@wrong(SELECT, "wrong side", "selective_prediction.wrong_side")
def select_on_the_wrong_side(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    refused = conf >= threshold
    kept = ~refused
    return kept.mean(), correct[kept].mean() if kept.any() else np.nan


@wrong(SELECT, "refused predictions as wrong", "selective_prediction.refused_count_as_wrong")
def select_accuracy_over_everything(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return kept.sum() / len(conf), (correct & kept).sum() / len(conf)


@wrong(SELECT, "ALL the predictions", "selective_prediction.accuracy_of_all")
def select_accuracy_of_all_predictions(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.mean()), float(correct.mean())


@wrong(SELECT, "REFUSED", "selective_prediction.accuracy_of_refused")
def select_accuracy_of_the_refused(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.mean()), float(correct[~kept].mean()) if (~kept).any() else float("nan")


@wrong(SELECT, "fraction of N", "selective_prediction.coverage_count")
def select_coverage_as_a_count(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.sum()), correct[kept].mean() if kept.any() else np.nan


@wrong(SELECT, "not the number of right", "selective_prediction.accuracy_count")
def select_accuracy_as_a_count(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.mean()), float(correct[kept].sum()) if kept.any() else float("nan")


@wrong(SELECT, "fraction REFUSED", "selective_prediction.refused_fraction")
def select_coverage_of_the_refused(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(np.mean(conf < threshold)), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "percentages", "selective_prediction.percent")
def select_in_percent(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return 100 * kept.mean(), 100 * correct[kept].mean() if kept.any() else float("nan")


@wrong(SELECT, "NaN, not 0", "selective_prediction.zero_when_none_kept")
def select_zero_accuracy_when_nothing_is_kept(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return kept.mean(), correct[kept].mean() if kept.any() else 0.0


@wrong(SELECT, "not None", "selective_prediction.none_when_none_kept")
def select_none_when_nothing_is_kept(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else None


@wrong(SELECT, "ZeroDivisionError", "selective_prediction.crash_when_none_kept", status="error")
def select_crashes_when_nothing_is_kept(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return int(kept.sum()) / len(conf), int((correct & kept).sum()) / int(kept.sum())


@wrong(SELECT, "instead of dividing by 0", "selective_prediction.crash_when_none_kept", status="error")
def select_with_np_average(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return float(kept.mean()), float(np.average(correct, weights=kept))


@wrong(SELECT, "(coverage, accuracy)", "selective_prediction.swapped")
def select_in_the_wrong_order(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return correct[kept].mean() if kept.any() else np.nan, kept.mean()


@wrong(SELECT, "without a tolerance", "selective_prediction.threshold_tolerance")
def select_with_isclose(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = (conf > threshold) | np.isclose(conf, threshold)
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "rounding", "selective_prediction.threshold_tolerance")
def select_on_rounded_confidences(probs, labels, threshold):
    conf = np.round(probs.max(1), 6)
    correct = probs.argmax(1) == labels
    kept = conf >= threshold
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "just below the threshold", "selective_prediction.threshold_tolerance")
def select_in_float32(probs, labels, threshold):
    conf = probs.astype(np.float32).max(1)
    correct = probs.argmax(1) == labels
    kept = conf >= np.float32(threshold)
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "TRUE class", "selective_prediction.true_class_confidence")
def select_by_the_true_class(probs, labels, threshold):
    conf = probs[np.arange(len(labels)), labels]
    correct = probs.argmax(1) == labels
    kept = conf >= threshold
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "second softmax", "selective_prediction.softmax_again")
def select_after_a_softmax(probs, labels, threshold):
    e = np.exp(probs)
    p = e / e.sum(1, keepdims=True)
    conf, correct = p.max(1), p.argmax(1) == labels
    kept = conf >= threshold
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@wrong(SELECT, "axis 0", "selective_prediction.wrong_axis", status="error")
def select_along_axis_0(probs, labels, threshold):
    kept = probs.max(0) >= threshold
    correct = probs.argmax(0) == labels
    return float(kept.mean()), float(correct[kept].mean())


@wrong(SELECT, "should be a tuple", "generic.wrong_type")
def select_as_a_list(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    return [float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")]


SELECT_WRONG = [select_strict_threshold, select_on_the_wrong_side, select_accuracy_over_everything,
                select_accuracy_of_all_predictions, select_accuracy_of_the_refused, select_coverage_as_a_count,
                select_accuracy_as_a_count, select_coverage_of_the_refused, select_in_percent,
                select_zero_accuracy_when_nothing_is_kept, select_none_when_nothing_is_kept,
                select_crashes_when_nothing_is_kept, select_with_np_average, select_in_the_wrong_order,
                select_with_isclose, select_on_rounded_confidences, select_in_float32, select_by_the_true_class,
                select_after_a_softmax, select_along_axis_0, select_as_a_list]


@pytest.mark.parametrize("fn", SELECT_WRONG, ids=lambda fn: fn.__name__)
def test_selective_wrong_answers_are_named(fn):
    _run_wrong(fn)


def select_with_sorting(probs, labels, threshold):
    order = np.argsort(-probs.max(1))
    conf = probs.max(1)[order]
    correct = (probs.argmax(1) == labels)[order]
    k = int(np.sum(conf >= threshold))
    return k / len(conf), float(correct[:k].mean()) if k else float("nan")


def select_with_np_mean(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    with np.errstate(invalid="ignore"):
        hits = (probs.argmax(axis=1) == labels)[kept]
        accuracy = hits.sum() / hits.size if hits.size else np.float64("nan")
    return np.mean(kept), accuracy


def select_with_any_class_over_the_threshold(probs, labels, threshold):
    kept = (probs >= threshold).any(axis=1)
    hits = probs.argmax(axis=1) == labels
    return float(kept.mean()), float(np.mean(hits[kept])) if kept.any() else float("nan")


def select_with_a_python_loop(probs, labels, threshold):
    kept = right = 0
    for row, label in zip(probs, labels):
        if max(row) >= threshold:
            kept += 1
            right += int(np.argmax(row) == label)
    return kept / len(labels), right / kept if kept else float("nan")


@pytest.mark.parametrize("fn", [select_with_sorting, select_with_np_mean, select_with_any_class_over_the_threshold,
                                select_with_a_python_loop], ids=lambda fn: fn.__name__)
def test_selective_correct_variants(fn):
    assert_accepted(SELECT, fn)


# =========================================================================== #
# The cases themselves
# =========================================================================== #
def test_every_case_of_notebook_04_runs_on_the_reference():
    for name in (BINS, ECE, FIT, SELECT):
        assert check(name, get_exercise(name).reference).passed, name


def test_edge_values_are_the_edges_and_their_neighbours():
    from helpers.exercises.ex04_calibration import edge_values
    for n_bins in (1, 3, 7, 15):
        values = set(edge_values(n_bins).tolist())
        edges = np.arange(1, n_bins + 1) / n_bins
        assert len(values) == 3 * n_bins - 1
        assert values == set(edges) | set(np.nextafter(edges, 0)) | set(np.nextafter(edges[:-1], 1))


def _naive_bins(confidences, correct, n_bins):
    """Guo et al.'s bins one at a time in plain Python: ((m-1)/M, m/M] with the edges as Python floats
    (correctly rounded), 0 in the first bin."""
    conf, acc, count = [], [], []
    for m in range(1, n_bins + 1):
        lo, hi = (m - 1) / n_bins, m / n_bins
        inside = [i for i, c in enumerate(map(float, confidences)) if lo < c <= hi or (m == 1 and c == 0)]
        count.append(len(inside))
        conf.append(sum(float(confidences[i]) for i in inside) / len(inside) if inside else float("nan"))
        acc.append(sum(float(correct[i]) for i in inside) / len(inside) if inside else float("nan"))
    return np.array(conf), np.array(acc), np.array(count)


def test_the_reference_bins_every_case_as_the_naive_formula_does():
    for case in get_exercise(BINS).cases():
        confidences, correct = case.args
        n_bins = case.kwargs.get("n_bins", 15)
        got = get_exercise(BINS).reference(confidences, correct, n_bins)
        want = _naive_bins(confidences, correct, n_bins)
        np.testing.assert_array_equal(got[2], want[2], err_msg=case.label)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12, err_msg=case.label)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-12, err_msg=case.label)


# =========================================================================== #
# Two mistakes at once: the check names one of them, never a third
# =========================================================================== #
def _one_or_two(parts):
    """Every answer made of the right parts with one or two of them wrong (from different parts)."""
    names = list(parts)
    right = {name: next(iter(parts[name])) for name in names}
    answers = []
    for i, first in enumerate(names):
        for wrong_first in list(parts[first])[1:]:
            answers.append({**right, first: wrong_first})
            for second in names[i + 1:]:
                for wrong_second in list(parts[second])[1:]:
                    answers.append({**right, first: wrong_first, second: wrong_second})
    return answers


def _assert_named_among_its_own(name, answers, make, equivalent=()):
    named = 0
    for choice in answers:
        own = {mistake for mistake in choice.values() if mistake}
        allowed = own | (set(equivalent) if own <= set(equivalent) else set())
        result = check(name, make(choice))
        assert not result.passed, f"{sorted(own)} passes"
        found = result.mistake
        assert found is None or found.startswith("generic.") or found in allowed, (
            f"{sorted(own)} is reported as {found}: {result.message}")
        named += found in allowed
    assert named >= 0.95 * len(answers), f"only {named} of {len(answers)} answers are named"


def _bins_answer(choice):
    def reliability_bins(confidences, correct, n_bins=15):
        c, k = np.asarray(confidences, float), np.asarray(correct, float)
        index = BIN_INDEX[choice["index"]](c, n_bins)
        fill = 0.0 if choice["empty"] else np.nan
        conf, acc, count = np.full(n_bins, fill), np.full(n_bins, fill), np.zeros(n_bins, dtype=int)
        for m in range(n_bins):
            inside = index == m
            count[m] = inside.sum()
            if count[m]:
                conf[m], acc[m] = c[inside].mean(), k[inside].mean()
                if choice["means"] == "reliability_bins.sums_not_means":
                    acc[m] = k[inside].sum()
                elif choice["means"] == "reliability_bins.divided_by_n":
                    conf[m], acc[m] = c[inside].sum() / len(c), k[inside].sum() / len(c)
                elif choice["means"] == "reliability_bins.bin_centres":
                    conf[m] = (m + 0.5) / n_bins
        counts = {None: count, "reliability_bins.counts_as_fractions": count / count.sum(),
                  "reliability_bins.float_counts": count.astype(float)}[choice["counts"]]
        return (acc, conf, counts) if choice["order"] else (conf, acc, counts)
    return reliability_bins


BIN_INDEX = {
    None: _exact,
    "reliability_bins.left_closed": lambda c, m: np.minimum((c * m).astype(int), m - 1),
    "reliability_bins.one_lost": lambda c, m: np.floor(c * m).astype(int),
    "reliability_bins.linspace_edges": lambda c, m: np.clip(
        np.digitize(c, np.linspace(0, 1, m + 1), right=True) - 1, 0, m - 1),
    "reliability_bins.ceil_rounding": lambda c, m: np.clip(np.ceil(c * m).astype(int) - 1, 0, m - 1),
    "reliability_bins.edge_tolerance": lambda c, m: np.clip(_exact(c - 1e-9, m), 0, m - 1),
    "reliability_bins.zero_lost": lambda c, m: np.where(c == 0, -1, _exact(c, m)),
}
BIN_PARTS = {
    "index": list(BIN_INDEX),
    "empty": [None, "reliability_bins.empty_bins_zero"],
    "means": [None, "reliability_bins.sums_not_means", "reliability_bins.divided_by_n",
              "reliability_bins.bin_centres"],
    "order": [None, "reliability_bins.swapped"],
    "counts": [None, "reliability_bins.counts_as_fractions", "reliability_bins.float_counts"],
}


def test_bins_two_mistakes_at_once_are_named_as_one_of_them():
    _assert_named_among_its_own(BINS, _one_or_two(BIN_PARTS), _bins_answer)


E = "expected_calibration_error."
ECE_INDEX = {
    None: _exact,
    E + "left_closed": BIN_INDEX["reliability_bins.left_closed"],
    E + "one_lost": BIN_INDEX["reliability_bins.one_lost"],
    E + "linspace_edges": BIN_INDEX["reliability_bins.linspace_edges"],
    E + "ceil_rounding": BIN_INDEX["reliability_bins.ceil_rounding"],
    E + "edge_tolerance": lambda c, m: _exact(c - 1e-9, m),
}
ECE_SUMS = {
    None: lambda gap, size, n, m: np.sum(size / n * np.abs(gap)),
    E + "unweighted": lambda gap, size, n, m: np.mean(np.abs(gap)),
    E + "divided_by_n_bins": lambda gap, size, n, m: np.sum(np.abs(gap)) / m,
    E + "not_divided_by_n": lambda gap, size, n, m: np.sum(size * np.abs(gap)),
    E + "max_gap": lambda gap, size, n, m: np.max(np.abs(gap)),
    E + "signed_gaps": lambda gap, size, n, m: abs(np.sum(size / n * gap)),
    E + "squared_gaps": lambda gap, size, n, m: np.sum(size / n * gap ** 2),
    E + "percent": lambda gap, size, n, m: 100 * np.sum(size / n * np.abs(gap)),
}
ECE_CONFIDENCE = {None: lambda p, y: p.max(1), E + "true_class_probability": lambda p, y: p[np.arange(len(y)), y],
                  E + "global_max": lambda p, y: np.full(len(y), p.max())}


def _ece_answer(choice):
    def expected_calibration_error(probs, labels, n_bins=15):
        _check_probs(probs)
        probs = np.asarray(probs, dtype=np.float64)
        conf, correct = ECE_CONFIDENCE[choice["confidence"]](probs, labels), probs.argmax(1) == labels
        index = ECE_INDEX[choice["index"]](conf, n_bins)
        gaps, sizes = [], []
        for m in range(n_bins):
            if np.any(index == m):
                gaps.append(correct[index == m].mean() - conf[index == m].mean())
                sizes.append(np.sum(index == m))
        return float(ECE_SUMS[choice["sum"]](np.array(gaps), np.array(sizes), len(conf), n_bins))
    return expected_calibration_error


def test_ece_two_mistakes_at_once_are_named_as_one_of_them():
    parts = {"index": list(ECE_INDEX), "sum": list(ECE_SUMS), "confidence": list(ECE_CONFIDENCE)}
    _assert_named_among_its_own(ECE, _one_or_two(parts), _ece_answer)


S = "selective_prediction."
SELECT_PARTS = {
    "keep": [None, S + "strict_threshold", S + "wrong_side", S + "threshold_tolerance"],
    "confidence": [None, S + "true_class_confidence", S + "softmax_again"],
    "coverage": [None, S + "coverage_count", S + "refused_fraction"],
    "accuracy": [None, S + "accuracy_of_all", S + "refused_count_as_wrong", S + "accuracy_of_refused",
                 S + "accuracy_count"],
    "empty": [None, S + "zero_when_none_kept"],
    "scale": [None, S + "percent"],
    "order": [None, S + "swapped"],
}


def _select_answer(choice):
    def selective_prediction(probs, labels, threshold):
        conf = {None: lambda: probs.max(1), S + "true_class_confidence": lambda: probs[np.arange(len(labels)), labels],
                S + "softmax_again": lambda: _softmax(probs).max(1)}[choice["confidence"]]()
        correct = probs.argmax(1) == labels
        kept = {None: conf >= threshold, S + "strict_threshold": conf > threshold, S + "wrong_side": conf < threshold,
                S + "threshold_tolerance": np.isclose(conf, threshold) | (conf > threshold)}[choice["keep"]]
        coverage = {None: kept.mean(), S + "coverage_count": float(kept.sum()),
                    S + "refused_fraction": 1 - kept.mean()}[choice["coverage"]]
        none = 0.0 if choice["empty"] else float("nan")
        accuracy = {None: lambda: correct[kept].mean() if kept.any() else none,
                    S + "accuracy_of_all": lambda: correct.mean(),
                    S + "refused_count_as_wrong": lambda: (correct & kept).mean(),
                    S + "accuracy_of_refused": lambda: correct[~kept].mean() if (~kept).any() else float("nan"),
                    S + "accuracy_count": lambda: float(correct[kept].sum()) if kept.any() else none,
                    }[choice["accuracy"]]()
        scale = 100 if choice["scale"] else 1
        pair = (scale * float(coverage), scale * float(accuracy))
        return pair[::-1] if choice["order"] else pair
    return selective_prediction


def test_selective_two_mistakes_at_once_are_named_as_one_of_them():
    # Two of "kept below the threshold", "coverage of the refused" and "accuracy of the refused" make
    # the third: the check names the one mistake that gives the same answer.
    inverted = (S + "wrong_side", S + "refused_fraction", S + "accuracy_of_refused")
    answers = [choice for choice in _one_or_two(SELECT_PARTS)
               # "zero when nothing is kept" does nothing unless the accuracy is taken over the kept ones
               if not (choice["empty"] and choice["accuracy"] not in (None, S + "accuracy_count"))]
    _assert_named_among_its_own(SELECT, answers, _select_answer, equivalent=inverted)


# =========================================================================== #
# A fresh corpus of learner answers (written before reading the checks): what it found
# =========================================================================== #
def _stable_nll(logits, labels, t):
    z = np.asarray(logits, dtype=np.float64) / t
    z = z - z.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels])


def _fit_inputs(logits):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("these are probabilities, not logits")
    return logits


LOG_T = np.linspace(np.log(0.05), np.log(20), 400)


@wrong(BINS, "one bin too high", "reliability_bins.index_one_too_high")
def bins_searched_on_the_lower_edges(confidences, correct, n_bins=15):
    index = np.minimum(np.searchsorted(np.arange(n_bins) / n_bins, confidences, side="left"), n_bins - 1)
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "one bin too low", "reliability_bins.index_one_too_low")
def bins_digitize_then_minus_one(confidences, correct, n_bins=15):
    # np.digitize(right=True) on the upper edges is already 0-based; the "- 1" shifts every bin
    index = np.clip(np.digitize(confidences, np.arange(1, n_bins + 1) / n_bins, right=True) - 1, 0, n_bins - 1)
    return _means(index, confidences, correct, n_bins)


@wrong(BINS, "accuracy of ALL the predictions", "reliability_bins.overall_accuracy")
def bins_with_the_overall_accuracy(confidences, correct, n_bins=15):
    conf, _, count = _means(_exact(confidences, n_bins), confidences, correct, n_bins)
    return conf, np.where(count > 0, np.mean(correct), np.nan), count


@wrong(BINS, "changed its input in place", "generic.changed_input")
def bins_sorting_the_callers_confidences(confidences, correct, n_bins=15):
    confidences.sort()
    return _means(_exact(confidences, n_bins), confidences, correct, n_bins)


@wrong(BINS, "generator", "generic.generator")
def bins_yielded(confidences, correct, n_bins=15):
    yield from _means(_exact(confidences, n_bins), confidences, correct, n_bins)


@wrong(ECE, "one bin too low", "expected_calibration_error.index_one_too_low")
def ece_digitize_then_minus_one(probs, labels, n_bins=15):
    conf, correct, _ = _top_label_in_bins(probs, labels, n_bins)
    index = np.maximum(np.digitize(conf, np.arange(1, n_bins + 1) / n_bins, right=True) - 1, 0)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "one bin too high", "expected_calibration_error.index_one_too_high")
def ece_searched_on_the_lower_edges(probs, labels, n_bins=15):
    conf, correct, _ = _top_label_in_bins(probs, labels, n_bins)
    index = np.minimum(np.searchsorted(np.arange(n_bins) / n_bins, conf), n_bins - 1)
    return _ece_from_index(index, conf, correct, n_bins)


@wrong(ECE, "hold negative values", "generic.no_raise")
def ece_checks_the_maximum_and_the_sums(probs, labels, n_bins=15):
    if probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):   # min() < 0 forgotten
        raise ValueError("expected probabilities")
    conf, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    return _ece_from_index(_exact(conf, n_bins), conf, correct, n_bins)


@wrong(FIT, "inf / inf is NaN", "fit_temperature.unstable_nll")
def fit_overflow_with_warnings_silenced(logits, labels):
    logits = _fit_inputs(logits)

    def nll(t):
        with np.errstate(all="ignore"):   # the overflow is silenced, the NaN stays
            e = np.exp(logits / t)
            return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]))
    return float(np.exp(LOG_T[np.argmin([nll(np.exp(u)) for u in LOG_T])]))


@wrong(FIT, "log_probs[:, labels]", "fit_temperature.largest_t")
def fit_with_a_block_of_labels(logits, labels):
    logits = _fit_inputs(logits)

    def nll(t):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        return -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[:, labels].mean()
    return float(np.exp(LOG_T[::4][np.argmin([nll(np.exp(u)) for u in LOG_T[::4]])]))


@wrong(FIT, "every class (log_probs.mean())", "fit_temperature.largest_t")
def fit_mean_over_every_class(logits, labels):
    logits = _fit_inputs(logits)

    def nll(t):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        return -(z - np.log(np.exp(z).sum(axis=1, keepdims=True))).mean()
    return float(np.exp(LOG_T[np.argmin([nll(np.exp(u)) for u in LOG_T])]))


@wrong(FIT, "np.argmax of the NLL", "fit_temperature.smallest_t")
def fit_argmax_of_the_nll(logits, labels):
    logits = _fit_inputs(logits)
    return float(np.exp(LOG_T[np.argmax([_stable_nll(logits, labels, np.exp(u)) for u in LOG_T])]))


@wrong(FIT, "never divides the logits by T", "fit_temperature.smallest_t")
def fit_loss_without_t(logits, labels):
    logits = _fit_inputs(logits)
    return float(np.exp(LOG_T[np.argmin([_stable_nll(logits, labels, 1.0) for u in LOG_T])]))


@wrong(FIT, "refused real logits", "fit_temperature.refuses_logits", status="error")
def fit_refuses_rows_summing_to_one(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")
    if np.allclose(logits.sum(axis=1), 1):   # the range is not checked: shifted logits can sum to 1
        raise ValueError("these are probabilities, not logits")
    return float(np.exp(LOG_T[np.argmin([_stable_nll(logits, labels, np.exp(u)) for u in LOG_T])]))


@wrong(FIT, "logits == np.nan is always False", "fit_temperature.nan_not_refused")
def fit_nan_test_by_equality(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if (logits == np.nan).any():
        raise ValueError("NaN in the logits")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("these are probabilities, not logits")
    return float(np.exp(LOG_T[np.argmin([_stable_nll(logits, labels, np.exp(u)) for u in LOG_T])]))


@wrong(FIT, "look like probabilities", "fit_temperature.message_without_probabilities")
def fit_refuses_with_a_vague_message(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1):
        raise ValueError("pass logits, not softmax output")
    return float(np.exp(LOG_T[np.argmin([_stable_nll(logits, labels, np.exp(u)) for u in LOG_T])]))


@wrong(SELECT, "coverage is 0", "selective_prediction.nan_coverage")
def select_nan_for_both_when_nothing_is_kept(probs, labels, threshold):
    conf, correct = _top(probs, labels)
    kept = conf >= threshold
    if not kept.any():
        return float("nan"), float("nan")
    return float(kept.mean()), float(correct[kept].mean())


CORPUS_WRONG = [bins_searched_on_the_lower_edges, bins_digitize_then_minus_one, bins_with_the_overall_accuracy,
                bins_sorting_the_callers_confidences, bins_yielded, ece_digitize_then_minus_one,
                ece_searched_on_the_lower_edges, ece_checks_the_maximum_and_the_sums,
                fit_overflow_with_warnings_silenced, fit_with_a_block_of_labels, fit_mean_over_every_class,
                fit_argmax_of_the_nll, fit_loss_without_t, fit_refuses_rows_summing_to_one,
                fit_nan_test_by_equality, fit_refuses_with_a_vague_message,
                select_nan_for_both_when_nothing_is_kept]


@pytest.mark.parametrize("fn", CORPUS_WRONG, ids=lambda fn: fn.__name__)
def test_corpus_wrong_answers_are_named(fn):
    _run_wrong(fn)


def bins_rounded_to_two_decimals(confidences, correct, n_bins=15):
    c = np.round(np.asarray(confidences, dtype=np.float64), 2)
    return _means(_exact(c, n_bins), c, correct, n_bins)


def bins_accuracy_weighted_by_confidence(confidences, correct, n_bins=15):
    c = np.asarray(confidences, dtype=np.float64)
    conf, _, count = _means(_exact(c, n_bins), c, correct, n_bins)
    acc, _, _ = _means(_exact(c, n_bins), c * np.asarray(correct, dtype=np.float64), correct, n_bins)
    return conf, acc, count


def select_along_axis_0_with_the_labels_cut(probs, labels, threshold):
    # Its first failing case gives (1.0, 0.0), which many answers give: not named, and above all not
    # named as one of the three mistakes that would make (1.0, 0.0) together.
    kept = probs.max(axis=0) >= threshold   # one value per class
    correct = probs.argmax(axis=0) == labels[:probs.shape[1]]   # cut so that the shapes agree
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


def select_thresholding_the_argmax(probs, labels, threshold):
    kept = probs.argmax(axis=1) >= threshold   # the class index, not its probability
    correct = probs.argmax(axis=1) == labels
    return float(kept.mean()), float(correct[kept].mean()) if kept.any() else float("nan")


@pytest.mark.parametrize("name, fn", [(BINS, bins_rounded_to_two_decimals), (BINS, bins_accuracy_weighted_by_confidence),
                                      (SELECT, select_along_axis_0_with_the_labels_cut),
                                      (SELECT, select_thresholding_the_argmax)], ids=lambda x: getattr(x, "__name__", x))
def test_corpus_mistakes_nobody_names_get_the_plain_comparison(name, fn):
    # No known mistake explains these: the check says what differs rather than guess a cause.
    result = assert_rejected(name, fn)
    assert result.mistake is None, result


def bins_loop_with_python_float_edges(confidences, correct, n_bins=15):
    c, k = np.asarray(confidences), np.asarray(correct, dtype=np.float64)
    conf, acc, count = np.full(n_bins, np.nan), np.full(n_bins, np.nan), np.zeros(n_bins, dtype=np.int32)
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
        inside = ((c > lo) | (m == 0) & (c >= 0)) & (c <= hi)
        count[m] = inside.sum()
        if count[m]:
            conf[m], acc[m] = c[inside].astype(np.float64).mean(), k[inside].mean()
    return conf, acc, count


def bins_noisy_but_right(confidences, correct, n_bins=15):
    index = _exact(confidences, n_bins)
    print("bins:", index)
    count = np.bincount(index, minlength=n_bins)
    conf = np.bincount(index, np.asarray(confidences, float), n_bins) / count   # 0 / 0 warns, gives NaN
    acc = np.bincount(index, np.asarray(correct, float), n_bins) / count
    return [conf, acc, count]   # a list of the three arrays


def bins_float32_edges_for_float32_input(confidences, correct, n_bins=15):
    # Edges in the confidences' own dtype: differs from the reference only for a float32 value of an
    # edge that float32 cannot hold (float32(0.6) = 0.6000000238 with M = 5), which the cases avoid:
    # under NumPy 2, c32 <= 0.6 also compares in float32, so a correct loop does the same.
    c = np.asarray(confidences)
    index = np.searchsorted((np.arange(1, n_bins + 1) / n_bins).astype(c.dtype), c, side="left")
    return _means(index, c, correct, n_bins)


def ece_message_says_probability(probs, labels, n_bins=15):
    if probs.min() < 0 or probs.max() > 1 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise ValueError("each row must be a probability distribution")
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    return np.float32(_ece_from_index(index, conf, correct, n_bins))


def ece_with_np_average(probs, labels, n_bins=15):
    _check_probs(probs)
    conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
    filled = [m for m in range(n_bins) if np.any(index == m)]
    gaps = [abs(correct[index == m].mean() - conf[index == m].mean()) for m in filled]
    return float(np.average(gaps, weights=[np.sum(index == m) for m in filled]))


def fit_log_of_a_stable_softmax(logits, labels):
    logits = _fit_inputs(logits)

    def nll(t):   # log(0) at small T gives inf (and a warning), which the argmin avoids
        z = logits / t
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]))
    return np.float32(np.exp(LOG_T[np.argmin([nll(np.exp(u)) for u in LOG_T])]))


def fit_overflow_skipped_by_nanargmin(logits, labels):
    logits = _fit_inputs(logits)

    def nll(t):
        with np.errstate(all="ignore"):
            e = np.exp(logits / t)
            return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]))
    return float(np.exp(LOG_T[np.nanargmin([nll(np.exp(u)) for u in LOG_T])]))


def fit_by_gradient_descent_on_log_t(logits, labels):
    logits = _fit_inputs(logits)
    u = 0.0
    for _ in range(200):
        slope = (_stable_nll(logits, labels, np.exp(u + 1e-5)) - _stable_nll(logits, labels, np.exp(u - 1e-5))) / 2e-5
        u = float(np.clip(u - 0.5 * slope, np.log(0.05), np.log(20)))
    return float(np.exp(u))


def select_numpy_scalars_and_an_int_zero(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    if not kept.any():
        return 0, np.nan
    return kept.mean(), (probs.argmax(axis=1) == labels)[kept].mean()


def select_mean_of_nothing_warns(probs, labels, threshold):
    kept = probs.max(axis=1) >= threshold
    print(int(kept.sum()), "kept")
    return float(np.mean(kept)), float(np.mean((probs.argmax(axis=1) == labels)[kept]))   # nan + a warning


CORPUS_RIGHT = [(BINS, bins_loop_with_python_float_edges), (BINS, bins_noisy_but_right),
                (BINS, bins_float32_edges_for_float32_input), (ECE, ece_message_says_probability),
                (ECE, ece_with_np_average), (FIT, fit_log_of_a_stable_softmax), (FIT, fit_overflow_skipped_by_nanargmin),
                (FIT, fit_by_gradient_descent_on_log_t), (SELECT, select_numpy_scalars_and_an_int_zero),
                (SELECT, select_mean_of_nothing_warns)]


@pytest.mark.parametrize("name, fn", CORPUS_RIGHT, ids=lambda x: getattr(x, "__name__", x))
def test_corpus_right_answers_are_accepted(name, fn):
    assert_accepted(name, fn)


def test_three_mistakes_at_once_are_not_read_into_a_degenerate_answer():
    # (1.0, 0.0) on the first case is "softmax again + coverage of the refused + 0 when none kept"
    # too; three mistakes explain almost anything, so the check does not name one of them.
    def selective_prediction(probs, labels, threshold):
        return 1.0, 0.0
    result = assert_rejected(SELECT, selective_prediction)
    assert result.mistake is None, result


def test_the_new_cases_keep_the_reference_fast():
    import time
    for name in (BINS, ECE, FIT, SELECT):
        started = time.perf_counter()
        assert check(name, get_exercise(name).reference).passed, name
        assert time.perf_counter() - started < 1.0, name
