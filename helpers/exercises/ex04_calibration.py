"""Notebook 04: confidence and calibration. Four exercises.

The cases use hand-worked vectors (values worked out on paper in the notebook) and
seeded synthetic logits whose right temperature is known. The mistakes are the
ones learners really make: left-closed bins, an ECE not weighted by bin size, a
class-wise instead of a top-label ECE, a temperature chosen by accuracy or
multiplied instead of divided, and a threshold on the wrong side.
"""
import numpy as np

from ..calibration import (expected_calibration_error, fit_temperature, log_softmax, reliability_bins,
                           selective_prediction, synthetic_logits)
from ..probabilities import softmax
from .core import Case, Exercise, Mistake, compare_arrays, describe, register

NOTEBOOK = "04_confidence_and_calibration"

# The hand-worked example of the notebook: ECE 0.3283 with 5 right-closed bins.
WORKED_CONFIDENCES = np.array([0.2, 0.25, 0.6, 0.61, 0.99, 1.0])
WORKED_CORRECT = np.array([False, True, True, False, True, True])


def probs_with_confidences(confidences, correct, n_classes=10):
    """(N, C) probabilities whose top class (3) has the given confidences, and labels.

    The other classes share the rest equally, so row n's maximum is exactly
    confidences[n]; the label is 3 where ``correct`` and 0 elsewhere.
    """
    confidences = np.asarray(confidences, dtype=np.float64)
    probs = np.repeat(((1 - confidences) / (n_classes - 1))[:, None], n_classes, axis=1)
    probs[:, 3] = confidences
    return probs, np.where(correct, 3, 0).astype(np.int64)


def _synthetic_probs(n, n_classes, overconfidence, seed):
    logits, labels = synthetic_logits(n, n_classes, overconfidence, seed)
    return softmax(logits.astype(np.float64), axis=1), labels


# --------------------------------------------------------------------------- #
# Wrong implementations learners write (the checker recognises their output)
# --------------------------------------------------------------------------- #
def _bins_from_index(bin_index, confidences, correct, n_bins):
    count = np.bincount(bin_index, minlength=n_bins)[:n_bins]
    with np.errstate(invalid="ignore"):
        conf = np.bincount(bin_index, weights=confidences, minlength=n_bins)[:n_bins] / count
        acc = np.bincount(bin_index, weights=correct, minlength=n_bins)[:n_bins] / count
    return conf, acc, count


def _left_closed_floor(confidences, correct, n_bins=15):
    """[(m-1)/M, m/M) with 1.0 pushed into the last bin."""
    c = np.asarray(confidences, dtype=np.float64)
    index = np.minimum(np.floor(c * n_bins).astype(int), n_bins - 1)
    return _bins_from_index(index, c, np.asarray(correct, dtype=np.float64), n_bins)


def _left_closed_digitize(confidences, correct, n_bins=15):
    """np.digitize with linspace edges: left-closed, as several libraries do."""
    c = np.asarray(confidences, dtype=np.float64)
    index = np.digitize(c, np.linspace(0, 1, n_bins + 1)[1:-1])
    return _bins_from_index(index, c, np.asarray(correct, dtype=np.float64), n_bins)


def _one_dropped(confidences, correct, n_bins=15):
    """Left-closed bins where a confidence of 1.0 falls off the end and is lost."""
    c = np.asarray(confidences, dtype=np.float64)
    index = np.floor(c * n_bins).astype(int)
    return _bins_from_index(index, c, np.asarray(correct, dtype=np.float64), n_bins)


def _swapped_bins(confidences, correct, n_bins=15):
    conf, acc, count = reliability_bins(confidences, correct, n_bins)
    return acc, conf, count


def _gaps(binner, probs, labels, n_bins):
    c, k = probs.max(axis=1), probs.argmax(axis=1) == labels
    conf, acc, count = binner(c, k, n_bins)
    filled = count > 0
    return conf[filled], acc[filled], count[filled], len(c)


def _ece_with(binner):
    def ece(probs, labels, n_bins=15):
        conf, acc, count, n = _gaps(binner, np.asarray(probs, dtype=np.float64), labels, n_bins)
        return float(np.sum(count / n * np.abs(acc - conf)))
    return ece


def _ece_unweighted(probs, labels, n_bins=15):
    conf, acc, _, _ = _gaps(reliability_bins, np.asarray(probs, dtype=np.float64), labels, n_bins)
    return float(np.mean(np.abs(acc - conf)))


def _ece_unweighted_all_bins(probs, labels, n_bins=15):
    conf, acc, _, _ = _gaps(reliability_bins, np.asarray(probs, dtype=np.float64), labels, n_bins)
    return float(np.sum(np.abs(acc - conf)) / n_bins)


def _ece_signed(probs, labels, n_bins=15):
    conf, acc, count, n = _gaps(reliability_bins, np.asarray(probs, dtype=np.float64), labels, n_bins)
    return float(abs(np.sum(count / n * (acc - conf))))


def _ece_max_gap(probs, labels, n_bins=15):
    conf, acc, _, _ = _gaps(reliability_bins, np.asarray(probs, dtype=np.float64), labels, n_bins)
    return float(np.max(np.abs(acc - conf)))


def _ece_classwise(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    total = 0.0
    for k in range(probs.shape[1]):
        conf, acc, count = reliability_bins(probs[:, k], labels == k, n_bins)
        filled = count > 0
        total += np.sum(count[filled] / len(labels) * np.abs(acc[filled] - conf[filled]))
    return float(total / probs.shape[1])


def _ece_true_class_probability(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=np.float64)
    conf = probs[np.arange(len(labels)), labels]
    c, a, count = reliability_bins(conf, probs.argmax(axis=1) == labels, n_bins)
    filled = count > 0
    return float(np.sum(count[filled] / len(labels) * np.abs(a[filled] - c[filled])))


def _nll(logits, labels, temperature):
    """Mean NLL without the input checks (so it also works on probabilities)."""
    log_probs = log_softmax(np.asarray(logits, dtype=np.float64) / temperature)
    return float(-np.mean(log_probs[np.arange(len(labels)), labels]))


def _best_on_grid(logits, labels):
    grid = np.exp(np.linspace(np.log(1e-3), np.log(1e3), 1201))
    return grid[int(np.argmin([_nll(logits, labels, t) for t in grid]))]


def _fitted_on_probabilities(run):
    logits, labels = run.case.args
    probs = softmax(np.asarray(logits, dtype=np.float64), axis=1)
    return abs(np.log(run.got / _best_on_grid(probs, labels))) < 0.03


def _worse_nll(run):
    logits, labels = run.case.args
    return _nll(logits, labels, run.got) > _nll(logits, labels, run.expected) + 1e-6


def _selective_inverted(probs, labels, threshold):
    c, k = probs.max(axis=1), probs.argmax(axis=1) == labels
    kept = c < threshold
    return float(kept.mean()), float(k[kept].mean()) if kept.any() else float("nan")


def _selective_strict(probs, labels, threshold):
    c, k = probs.max(axis=1), probs.argmax(axis=1) == labels
    kept = c > threshold
    return float(kept.mean()), float(k[kept].mean()) if kept.any() else float("nan")


def _selective_accuracy_over_all(probs, labels, threshold):
    c, k = probs.max(axis=1), probs.argmax(axis=1) == labels
    kept = c >= threshold
    return float(kept.mean()), float((k & kept).mean())


def _selective_count(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return float(round(coverage * len(labels))), accuracy


def _selective_swapped(probs, labels, threshold):
    coverage, accuracy = selective_prediction(probs, labels, threshold)
    return accuracy, coverage


# --------------------------------------------------------------------------- #
# Comparators
# --------------------------------------------------------------------------- #
def _compare_bins(expected, got):
    """Three arrays; any float dtype for the means, any integer dtype for the counts."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"the result should be a tuple (bin_confidence, bin_accuracy, bin_count), not {describe(got)}"
    for name, want, have in zip(("bin_confidence", "bin_accuracy", "bin_count"), expected, got):
        if not isinstance(have, np.ndarray):
            return f"{name} should be a NumPy array, not {describe(have)}"
        if name == "bin_count" and not np.issubdtype(have.dtype, np.integer):
            return f"bin_count has dtype {have.dtype}; counts are whole numbers, so use an integer dtype"
        if have.shape == want.shape and np.issubdtype(have.dtype, np.number):
            have = have.astype(want.dtype)
        problem = compare_arrays(want, have, what=name)
        if problem:
            return problem
    return None


def _compare_temperature(expected, got):
    """T within 2% of the NLL minimum (a fine grid or any 1-D minimiser gets there)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.floating, np.integer)):
        return f"fit_temperature should return one number T, not {describe(got)}"
    if not np.isfinite(got) or got <= 0:
        return f"your T is {got!r}; a temperature must be a finite number > 0"
    if abs(np.log(got / expected)) > 0.02:
        return (f"your T is {float(got):.4g}; the NLL minimum is at T = {expected:.4g} "
                f"(a T within 2% is accepted)")
    return None


# --------------------------------------------------------------------------- #
# Cases
# --------------------------------------------------------------------------- #
def _bins_cases():
    rng = np.random.default_rng(4)
    confidences = rng.uniform(1 / 6, 1.0, 200)
    return [
        Case("the hand-worked confidences [0.2, 0.25, 0.6, 0.61, 0.99, 1.0] with n_bins=5 "
             "(0.2 and 0.6 are edges, 1.0 is the top)", (WORKED_CONFIDENCES, WORKED_CORRECT), {"n_bins": 5}),
        Case("two predictions, 0.95 correct and 1.0 wrong, with the default 15 bins (14 bins stay empty)",
             (np.array([0.95, 1.0]), np.array([True, False]))),
        Case("every edge of 10 bins, 0.1, 0.2, ..., 1.0, with n_bins=10",
             (np.arange(1, 11) / 10, np.arange(10) % 3 == 0), {"n_bins": 10}),
        Case("200 seeded random confidences in [1/6, 1] with 0/1 correctness, 15 bins",
             (confidences, (rng.random(200) < confidences).astype(np.int64))),
    ]


def _ece_cases():
    worked = probs_with_confidences(WORKED_CONFIDENCES, WORKED_CORRECT)
    two = probs_with_confidences([0.95, 1.0], [True, False])
    logits, labels = synthetic_logits(8, 5, 2.0, seed=9)
    return [
        Case("the hand-worked example (top confidences [0.2, 0.25, 0.6, 0.61, 0.99, 1.0], "
             "correct [0, 1, 1, 0, 1, 1], n_bins=5; ECE 0.3283)", worked, {"n_bins": 5}),
        Case("two predictions, 0.95 correct and 1.0 wrong, 15 bins (ECE 0.475)", two),
        Case("500 seeded over-confident predictions over 6 classes, 15 bins",
             _synthetic_probs(500, 6, 2.5, seed=5)),
        Case("300 seeded predictions over 4 classes, n_bins=10", _synthetic_probs(300, 4, 1.5, seed=6),
             {"n_bins": 10}),
        Case("logits (values far outside [0, 1]) passed instead of probabilities", (logits, labels),
             raises=ValueError, raises_mentions=("probabilities",)),
    ]


def _temperature_cases():
    nan_logits, nan_labels = synthetic_logits(20, 4, 2.0, seed=13)
    nan_logits[3, 1] = np.nan
    probs, prob_labels = _synthetic_probs(50, 4, 2.0, seed=14)
    return [
        Case("1000 seeded over-confident logits over 6 classes (right answer near T = 2.5)",
             synthetic_logits(1000, 6, 2.5, seed=1)),
        Case("1000 seeded under-confident logits over 6 classes (right answer near T = 0.5)",
             synthetic_logits(1000, 6, 0.5, seed=2)),
        Case("400 seeded logits over 50 classes (right answer near T = 1.5)",
             synthetic_logits(400, 50, 1.5, seed=3)),
        Case("probabilities (every row in [0, 1], summing to 1) passed instead of logits",
             (probs, prob_labels), raises=ValueError, raises_mentions=("probabilities",)),
        Case("logits with a NaN in row 3", (nan_logits, nan_labels),
             raises=ValueError, raises_mentions=("NaN",)),
    ]


def _selective_cases():
    confidences = [0.95, 0.9, 0.7, 0.7, 0.65, 0.5, 0.3, 0.2]
    correct = [True, True, True, False, False, True, False, False]
    hand = probs_with_confidences(confidences, correct)
    return [
        Case("8 predictions with confidences [0.95, 0.9, 0.7, 0.7, 0.65, 0.5, 0.3, 0.2] and threshold 0.7 "
             "(two confidences equal the threshold)", hand + (0.7,)),
        Case("the same 8 predictions with threshold 0.0 (everything kept)", hand + (0.0,)),
        Case("the same 8 predictions with threshold 0.99: nothing is kept, so the accuracy is NaN",
             hand + (0.99,)),
        Case("300 seeded predictions over 6 classes with threshold 0.8",
             _synthetic_probs(300, 6, 2.0, seed=7) + (0.8,)),
    ]


# --------------------------------------------------------------------------- #
# The exercises
# --------------------------------------------------------------------------- #
LEFT_CLOSED = ("your bins are left-closed, [(m-1)/M, m/M): a confidence equal to an edge (0.2, 0.6) "
               "goes to the bin above it. Guo et al.'s bins are right-closed, ((m-1)/M, m/M]: find "
               "the first upper edge >= the confidence (np.searchsorted(edges, c, side='left') with "
               "edges = np.arange(1, M + 1) / M).")

register(Exercise(
    name="reliability_bins",
    notebook=NOTEBOOK,
    reference=reliability_bins,
    cases=_bins_cases,
    compare=_compare_bins,
    summary="mean confidence, accuracy and count of right-closed confidence bins",
    hint="""
        Make the upper edges with `np.arange(1, n_bins + 1) / n_bins` (exact, unlike
        np.linspace). `np.searchsorted(edges, confidences, side="left")` gives each
        confidence the index of the first edge >= it: right-closed bins, and 1.0 lands in
        the last bin. `np.bincount(index, minlength=n_bins)` counts; with `weights=` it
        sums confidences or correctness; divide by the counts (0 / 0 gives NaN for an
        empty bin: silence that with np.errstate(invalid="ignore")).
    """,
    mistakes=[
        Mistake("ex04_calibration.todo1", "you returned (accuracy, confidence, count); the order is "
                "(bin_confidence, bin_accuracy, bin_count).", impl=_swapped_bins),
        Mistake("ex04_calibration.todo2", LEFT_CLOSED, impl=_left_closed_floor),
        Mistake("ex04_calibration.todo3", LEFT_CLOSED, impl=_left_closed_digitize),
        Mistake("ex04_calibration.todo4", "a confidence of exactly 1.0 got lost (floor(1.0 * M) = M is past the last bin). With "
                "right-closed bins 1.0 belongs to the last bin, ((M-1)/M, 1].", impl=_one_dropped),
        Mistake("ex04_calibration.todo5", "an empty bin has no mean: its confidence and accuracy should be NaN, not 0 "
                "(its count is 0).",
                detect=lambda run: np.isnan(run.expected[0]).any()
                and np.all(np.asarray(run.got[0])[np.isnan(run.expected[0])] == 0)),
        Mistake("ex04_calibration.todo6", "bin_count should be the number of confidences in each bin, not a fraction of N.",
                detect=lambda run: np.isclose(np.sum(run.got[2]), 1.0) and run.expected[2].sum() > 1),
    ],
))

register(Exercise(
    name="expected_calibration_error",
    notebook=NOTEBOOK,
    reference=expected_calibration_error,
    cases=_ece_cases,
    summary="top-label ECE of (N, C) probabilities (Guo et al. 2017)",
    hint="""
        Top label: confidence = probs.max(axis=1), correct = probs.argmax(axis=1) == labels.
        Bin them with reliability_bins (right-closed), keep the non-empty bins, and add up
        (bin count / N) * |bin accuracy - bin confidence|. Check probs first: rows in
        [0, 1] that sum to 1; if not, raise ValueError saying probabilities are needed.
    """,
    mistakes=[
        Mistake("ex04_calibration.todo7", LEFT_CLOSED, impl=_ece_with(_left_closed_floor)),
        Mistake("ex04_calibration.todo8", LEFT_CLOSED, impl=_ece_with(_left_closed_digitize)),
        Mistake("ex04_calibration.todo9", "your ECE is not weighted by bin size: you averaged the gaps of the bins. Weight each "
                "bin's |accuracy - confidence| by (its count / N), so a bin of 1 sample counts "
                "little.", impl=_ece_unweighted),
        Mistake("ex04_calibration.todo10", "your ECE is not weighted by bin size: you divided the sum of gaps by the number of "
                "bins. Weight each bin's |accuracy - confidence| by (its count / N).",
                impl=_ece_unweighted_all_bins),
        Mistake("ex04_calibration.todo11", "you averaged a calibration error over classes (each column against labels == k); "
                "Guo et al.'s ECE is top-label: only the top class's probability and whether the "
                "argmax is right.", impl=_ece_classwise),
        Mistake("ex04_calibration.todo12", "you used the probability of the TRUE class as the confidence; the confidence is "
                "the probability of the PREDICTED (top) class, probs.max(axis=1).",
                impl=_ece_true_class_probability),
        Mistake("ex04_calibration.todo13", "you returned the largest gap (that is the MCE); the ECE is the weighted average "
                "of the gaps.", impl=_ece_max_gap),
        Mistake("ex04_calibration.todo14", "the gaps must be absolute, |accuracy - confidence|, per bin: signed gaps of "
                "over- and under-confident bins cancel out.", impl=_ece_signed),
        Mistake("ex04_calibration.todo15", "your ECE looks like a percentage: return a fraction in [0, 1].",
                detect=lambda run: run.expected > 0 and np.isclose(run.got, 100 * run.expected, rtol=1e-4)),
    ],
))

register(Exercise(
    name="fit_temperature",
    notebook=NOTEBOOK,
    reference=fit_temperature,
    cases=_temperature_cases,
    compare=_compare_temperature,
    summary="the temperature T > 0 minimising the NLL of softmax(logits / T)",
    hint="""
        Write nll(T) = mean(logsumexp(logits / T) - (logits / T)[row, label]) and minimise it
        over log T in a bounded range such as [log 0.05, log 20]: a grid of ~60 points, then
        a finer grid or golden-section search around the best one. Divide by T, never
        multiply. Accuracy cannot pick T: dividing by T > 0 never changes the argmax.
        Refuse bad input with ValueError: NaN logits, and rows that are already
        probabilities (all in [0, 1] and summing to 1).
    """,
    mistakes=[
        Mistake("ex04_calibration.todo16", "your T is not positive. A temperature must be > 0: search over log T "
                "(T = exp(log T) is always positive).",
                detect=lambda run: run.got <= 0),
        Mistake("ex04_calibration.todo17", "your T is the inverse of the right one: you multiplied the logits by T instead of "
                "dividing (softmax(logits / T)).",
                detect=lambda run: abs(np.log(run.got * run.expected)) < 0.03),
        Mistake("ex04_calibration.todo18", "you returned log T: if you searched over log T, return T = exp(log T).",
                detect=lambda run: abs(run.got - np.log(run.expected)) < 0.03),
        Mistake("ex04_calibration.todo19", "you fitted T on probabilities (softmax(probs / T)), not on the logits: apply the "
                "temperature to the raw logits, softmax(logits / T).", detect=_fitted_on_probabilities),
        Mistake("ex04_calibration.todo20", "your T is exactly 1, so nothing changes. If you chose T by accuracy: accuracy is "
                "the same for every T > 0 (the argmax never changes). Minimise the NLL instead.",
                detect=lambda run: run.got == 1.0),
        Mistake("ex04_calibration.todo21", "your T is absurd (outside [0.01, 100]): search a bounded range of log T such as "
                "[log 0.05, log 20].", detect=lambda run: not 0.01 <= run.got <= 100),
        Mistake("ex04_calibration.todo22", "your T does not minimise the negative log-likelihood (another T gives a lower NLL). "
                "Choosing T by accuracy cannot work (dividing by T never changes the argmax); if you "
                "searched a grid, refine around its best point.", detect=_worse_nll),
    ],
))

register(Exercise(
    name="selective_prediction",
    notebook=NOTEBOOK,
    reference=selective_prediction,
    cases=_selective_cases,
    summary="coverage and accuracy when confidences below a threshold are refused",
    hint="""
        Keep a prediction when its confidence (probs.max(axis=1)) is >= threshold; only
        below it is refused. coverage = kept.mean(); accuracy = correctness among the
        kept predictions only. When nothing is kept, return float("nan") as the accuracy
        (it is undefined), not 0 and not a ZeroDivisionError.
    """,
    mistakes=[
        Mistake("ex04_calibration.todo23", "you returned (accuracy, coverage); the order is (coverage, accuracy).",
                impl=_selective_swapped),
        Mistake("ex04_calibration.todo24", "when nothing is kept, the accuracy is undefined: return NaN, not 0.",
                detect=lambda run: np.isnan(run.expected[1]) and run.got[1] == 0),
        Mistake("ex04_calibration.todo25", "the threshold is on the wrong side: you kept the predictions BELOW the threshold. "
                "Keep confidence >= threshold, refuse the rest.", impl=_selective_inverted),
        Mistake("ex04_calibration.todo26", "a confidence exactly equal to the threshold must be kept (only confidences below "
                "it are refused): use >=, not >.", impl=_selective_strict),
        Mistake("ex04_calibration.todo27", "your accuracy counts the refused predictions as wrong (correct and kept, over all "
                "N). Accuracy is measured among the kept predictions only.",
                impl=_selective_accuracy_over_all),
        Mistake("ex04_calibration.todo28", "coverage is a fraction of N (kept / N), not the number kept.", impl=_selective_count),
    ],
))
