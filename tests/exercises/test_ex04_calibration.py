"""Notebook 04's checks reject what learners really write, and accept correct variants.

Every wrong implementation here is written the way a learner would write it.
"""
import numpy as np

from .conftest import assert_accepted, assert_rejected

BINS, ECE, FIT, SELECT = ("reliability_bins", "expected_calibration_error", "fit_temperature",
                          "selective_prediction")


# --------------------------------------------------------------------------- #
# reliability_bins
# --------------------------------------------------------------------------- #
def _means(index, confidences, correct, n_bins):
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


def test_bins_left_closed_digitize():
    def reliability_bins(confidences, correct, n_bins=15):
        edges = np.linspace(0, 1, n_bins + 1)
        index = np.digitize(confidences, edges[1:-1])
        return _means(index, confidences, correct, n_bins)
    assert_rejected(BINS, reliability_bins, "left-closed", "searchsorted")


def test_bins_left_closed_floor():
    def reliability_bins(confidences, correct, n_bins=15):
        index = np.clip((confidences * n_bins).astype(int), 0, n_bins - 1)
        return _means(index, confidences, correct, n_bins)
    assert_rejected(BINS, reliability_bins, "left-closed")


def test_bins_left_closed_loop_that_loses_one():
    def reliability_bins(confidences, correct, n_bins=15):
        index = np.full(len(confidences), -1)
        for m in range(n_bins):
            index[(confidences >= m / n_bins) & (confidences < (m + 1) / n_bins)] = m
        return _means(index, confidences, correct, n_bins)
    assert_rejected(BINS, reliability_bins, "1.0 got lost")


def test_bins_empty_bins_are_zero():
    def reliability_bins(confidences, correct, n_bins=15):
        edges = np.arange(1, n_bins + 1) / n_bins
        index = np.searchsorted(edges, confidences)
        count = np.bincount(index, minlength=n_bins)
        safe = np.maximum(count, 1)
        return (np.bincount(index, confidences, n_bins) / safe,
                np.bincount(index, correct.astype(float), n_bins) / safe, count)
    assert_rejected(BINS, reliability_bins, "NaN, not 0")


def test_bins_counts_as_fractions():
    def reliability_bins(confidences, correct, n_bins=15):
        edges = np.arange(1, n_bins + 1) / n_bins
        conf, acc, count = _means(np.searchsorted(edges, confidences), confidences, correct, n_bins)
        return conf, acc, count / count.sum()
    assert_rejected(BINS, reliability_bins, "not a fraction")


def test_bins_counts_as_floats():
    def reliability_bins(confidences, correct, n_bins=15):
        edges = np.arange(1, n_bins + 1) / n_bins
        conf, acc, count = _means(np.searchsorted(edges, confidences), confidences, correct, n_bins)
        return conf, acc, count.astype(float)
    assert_rejected(BINS, reliability_bins, "integer dtype")


def test_bins_in_the_wrong_order():
    def reliability_bins(confidences, correct, n_bins=15):
        edges = np.arange(1, n_bins + 1) / n_bins
        conf, acc, count = _means(np.searchsorted(edges, confidences), confidences, correct, n_bins)
        return acc, conf, count
    assert_rejected(BINS, reliability_bins, "the order is")


def test_bins_correct_variants():
    def with_digitize(confidences, correct, n_bins=15):
        edges = np.arange(n_bins + 1) / n_bins
        index = np.clip(np.digitize(confidences, edges, right=True) - 1, 0, n_bins - 1)
        return _means(index, confidences, correct, n_bins)

    def with_ceil(confidences, correct, n_bins=15):
        index = np.clip(np.ceil(confidences * n_bins).astype(int) - 1, 0, n_bins - 1)
        return _means(index, confidences, correct, n_bins)

    def with_a_loop_over_linspace(confidences, correct, n_bins=15):
        edges = np.linspace(0, 1, n_bins + 1)
        conf, acc, count = [], [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = (confidences > lo) & (confidences <= hi)
            if lo == 0:
                inside |= confidences == 0
            count.append(int(inside.sum()))
            conf.append(confidences[inside].mean() if inside.any() else np.nan)
            acc.append(np.mean(correct[inside]) if inside.any() else np.nan)
        return np.array(conf), np.array(acc), np.array(count)

    for fn in (with_digitize, with_ceil, with_a_loop_over_linspace):
        assert_accepted(BINS, fn)


# --------------------------------------------------------------------------- #
# expected_calibration_error
# --------------------------------------------------------------------------- #
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


def test_ece_not_weighted():
    def expected_calibration_error(probs, labels, n_bins=15):
        conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
        gaps = [abs(correct[index == m].mean() - conf[index == m].mean())
                for m in range(n_bins) if np.any(index == m)]
        return float(np.mean(gaps))
    assert_rejected(ECE, expected_calibration_error, "not weighted by bin size")


def test_ece_left_closed():
    def expected_calibration_error(probs, labels, n_bins=15):
        _check_probs(probs)
        conf, correct = probs.max(1), probs.argmax(1) == labels
        index = np.minimum((conf * n_bins).astype(int), n_bins - 1)
        return _ece_from_index(index, conf, correct, n_bins)
    assert_rejected(ECE, expected_calibration_error, "left-closed")


def test_ece_averaged_over_classes():
    def expected_calibration_error(probs, labels, n_bins=15):
        _check_probs(probs)
        edges = np.arange(1, n_bins + 1) / n_bins
        per_class = []
        for k in range(probs.shape[1]):
            conf = probs[:, k]
            per_class.append(_ece_from_index(np.searchsorted(edges, conf), conf, labels == k, n_bins))
        return float(np.mean(per_class))
    assert_rejected(ECE, expected_calibration_error, "over classes", "top-label")


def test_ece_true_class_probability():
    def expected_calibration_error(probs, labels, n_bins=15):
        _check_probs(probs)
        conf = probs[np.arange(len(labels)), labels]
        correct = probs.argmax(1) == labels
        edges = np.arange(1, n_bins + 1) / n_bins
        return _ece_from_index(np.searchsorted(edges, conf), conf, correct, n_bins)
    assert_rejected(ECE, expected_calibration_error, "TRUE class")


def test_ece_is_really_the_mce():
    def expected_calibration_error(probs, labels, n_bins=15):
        conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
        return max(abs(correct[index == m].mean() - conf[index == m].mean())
                   for m in np.unique(index))
    assert_rejected(ECE, expected_calibration_error, "MCE")


def test_ece_in_percent():
    def expected_calibration_error(probs, labels, n_bins=15):
        conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
        return 100 * _ece_from_index(index, conf, correct, n_bins)
    assert_rejected(ECE, expected_calibration_error, "percentage")


def test_ece_accepts_logits_silently():
    def expected_calibration_error(probs, labels, n_bins=15):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        index = np.clip(np.searchsorted(np.arange(1, n_bins + 1) / n_bins, conf), 0, n_bins - 1)
        return _ece_from_index(index, conf, correct, n_bins)
    assert_rejected(ECE, expected_calibration_error, "instead of raising ValueError")


def test_ece_correct_variants():
    def with_a_loop(probs, labels, n_bins=15):
        conf, correct, index = _top_label_in_bins(probs, labels, n_bins)
        return _ece_from_index(index, conf, correct, n_bins)

    def with_bincount(probs, labels, n_bins=15):
        if not (np.all((probs >= 0) & (probs <= 1)) and np.allclose(probs.sum(-1), 1, atol=1e-4)):
            raise ValueError(f"rows must be probabilities summing to 1, got sums {probs.sum(-1)[:3]}")
        conf = probs.max(axis=-1)
        hit = (probs.argmax(axis=-1) == labels).astype(float)
        index = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
        signed = np.bincount(index, hit - conf, n_bins)  # per bin: sum(acc - conf)
        return float(np.abs(signed).sum() / len(conf))

    assert_accepted(ECE, with_a_loop)
    assert_accepted(ECE, with_bincount)


# --------------------------------------------------------------------------- #
# fit_temperature
# --------------------------------------------------------------------------- #
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


def test_temperature_chosen_by_accuracy_on_a_grid():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        grid = np.linspace(0.1, 10, 100)
        accuracy = [np.mean((logits / t).argmax(1) == labels) for t in grid]
        return float(grid[np.argmax(accuracy)])
    assert_rejected(FIT, fit_temperature, "accuracy")


def test_temperature_left_at_one():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        best_t, best_acc = 1.0, np.mean(logits.argmax(1) == labels)
        for t in (0.5, 2.0, 4.0):
            acc = np.mean((logits / t).argmax(1) == labels)
            if acc > best_acc:
                best_t, best_acc = t, acc
        return best_t
    assert_rejected(FIT, fit_temperature, "exactly 1", "accuracy")


def test_temperature_multiplied():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        grid = np.exp(np.linspace(np.log(0.05), np.log(20), 601))
        return _best_on(grid, lambda t: _nll(logits * t, labels))
    assert_rejected(FIT, fit_temperature, "multiplied")


def test_temperature_fitted_on_probabilities():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        probs = _softmax(logits)
        grid = np.exp(np.linspace(np.log(0.01), np.log(20), 601))
        return _best_on(grid, lambda t: _nll(probs / t, labels))
    assert_rejected(FIT, fit_temperature, "on probabilities")


def test_temperature_returned_as_log():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        log_grid = np.linspace(np.log(0.05), np.log(20), 601)
        return _best_on(log_grid, lambda s: _nll(logits / np.exp(s), labels))
    assert_rejected(FIT, fit_temperature, "log T")


def test_temperature_on_a_coarse_grid():
    def fit_temperature(logits, labels):
        _check_logits(logits)
        grid = np.arange(0.5, 5.01, 0.5)
        return _best_on(grid, lambda t: _nll(logits / t, labels))
    assert_rejected(FIT, fit_temperature, "does not minimise", "refine")


def test_temperature_does_not_refuse_probabilities():
    def fit_temperature(logits, labels):
        grid = np.exp(np.linspace(np.log(0.05), np.log(20), 601))
        return _best_on(grid, lambda t: _nll(logits / t, labels))
    assert_rejected(FIT, fit_temperature, "instead of raising ValueError")


def test_temperature_correct_variants():
    def on_a_fine_grid(logits, labels):
        _check_logits(logits)
        grid = np.exp(np.linspace(-3, 3, 601))
        return _best_on(grid, lambda t: _nll(logits / t, labels))

    def newton_on_inverse_temperature(logits, labels):
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

    assert_accepted(FIT, on_a_fine_grid)
    assert_accepted(FIT, newton_on_inverse_temperature)


# --------------------------------------------------------------------------- #
# selective_prediction
# --------------------------------------------------------------------------- #
def test_selective_strict_threshold():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf > threshold
        return kept.mean(), correct[kept].mean() if kept.any() else np.nan
    assert_rejected(SELECT, selective_prediction, ">=, not >")


def test_selective_threshold_on_the_wrong_side():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        refused = conf >= threshold
        kept = ~refused
        return kept.mean(), correct[kept].mean() if kept.any() else np.nan
    assert_rejected(SELECT, selective_prediction, "wrong side")


def test_selective_accuracy_over_everything():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf >= threshold
        return kept.sum() / len(conf), (correct & kept).sum() / len(conf)
    assert_rejected(SELECT, selective_prediction, "among the kept")


def test_selective_coverage_as_a_count():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf >= threshold
        return float(kept.sum()), correct[kept].mean() if kept.any() else np.nan
    assert_rejected(SELECT, selective_prediction, "fraction of N")


def test_selective_zero_accuracy_when_nothing_is_kept():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf >= threshold
        return kept.mean(), correct[kept].mean() if kept.any() else 0.0
    assert_rejected(SELECT, selective_prediction, "NaN, not 0")


def test_selective_crashes_when_nothing_is_kept():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf >= threshold
        return int(kept.sum()) / len(conf), int((correct & kept).sum()) / int(kept.sum())
    assert_rejected(SELECT, selective_prediction, "ZeroDivisionError", "NaN", status="error")


def test_selective_in_the_wrong_order():
    def selective_prediction(probs, labels, threshold):
        conf, correct = probs.max(1), probs.argmax(1) == labels
        kept = conf >= threshold
        return correct[kept].mean() if kept.any() else np.nan, kept.mean()
    assert_rejected(SELECT, selective_prediction, "(coverage, accuracy)")


def test_selective_correct_variants():
    def with_sorting(probs, labels, threshold):
        order = np.argsort(-probs.max(1))
        conf = probs.max(1)[order]
        correct = (probs.argmax(1) == labels)[order]
        k = int(np.sum(conf >= threshold))
        return k / len(conf), float(correct[:k].mean()) if k else float("nan")

    def with_np_mean(probs, labels, threshold):
        kept = probs.max(axis=1) >= threshold
        with np.errstate(invalid="ignore"):
            hits = (probs.argmax(axis=1) == labels)[kept]
            accuracy = hits.sum() / hits.size if hits.size else np.float64("nan")
        return np.mean(kept), accuracy

    assert_accepted(SELECT, with_sorting)
    assert_accepted(SELECT, with_np_mean)
