"""What a confidence score is worth: reliability bins, ECE, temperature scaling.

The definitions follow Guo et al., "On Calibration of Modern Neural Networks" (2017):

* the *confidence* of a prediction is its top-class probability, and it is
  *correct* when that class is the true label (top-label calibration);
* M bins are right-closed, ((m - 1) / M, m / M], so a confidence of exactly 1.0
  falls in the last bin and a confidence equal to an edge falls in the bin the
  edge closes. A confidence of exactly 0 (impossible for a top label) goes to
  the first bin;
* ECE = sum over bins of |B_m| / N * |accuracy(B_m) - confidence(B_m)|, and
  MCE = the largest of those gaps over the non-empty bins;
* temperature scaling divides the logits by one scalar T > 0 fitted by
  minimising the negative log-likelihood (NLL) on a validation split. T does not
  change the argmax, so the accuracy stays the same.

Libraries differ on bins (left-closed, an extra bin for 1.0, 10 instead of 15),
so quote the convention with every ECE you report. Everything here is NumPy:
(N, C) arrays are one row per sample, one column per class.
"""
from __future__ import annotations

import numpy as np

from .probabilities import looks_like_probabilities, softmax

# fit_temperature searches T in this range (both ends are far from any sensible T).
T_MIN, T_MAX = 0.05, 20.0
# At most this many bins (each bin costs a few arrays of n_bins floats): far more than any
# sample fills, and a bound on memory for a mistyped n_bins.
MAX_BINS = 100_000
# At most this many bootstrap resamples, and this many Newton steps in fit_platt.
MAX_RESAMPLES = 100_000
MAX_PLATT_STEPS = 10_000


# --------------------------------------------------------------------------- #
# Checking inputs
# --------------------------------------------------------------------------- #
def _labels_for(labels, n_rows: int, n_classes: int, who: str) -> np.ndarray:
    """(N,) integer class ids in [0, n_classes), or a ValueError that says what is wrong."""
    labels = np.asarray(labels)
    if labels.shape != (n_rows,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{who}: labels must be an ({n_rows},) integer array of class ids, "
                         f"got shape {labels.shape} and dtype {labels.dtype}")
    if n_rows and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{who}: labels must lie in [0, {n_classes}), "
                         f"got values from {labels.min()} to {labels.max()}")
    return labels


def _int_in_range(value, who: str, name: str, low: int, high: int) -> int:
    """``value`` as a Python int in [low, high]: TypeError for a float, bool or str, else ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise ValueError(f"{who}: {name} must be at least {low} and at most {high}, got {name}={value}")
    return int(value)


def _n_bins_for(n_bins, who: str) -> int:
    """``n_bins`` as a Python int in [1, MAX_BINS], or a TypeError / ValueError naming it."""
    return _int_in_range(n_bins, who, "n_bins", 1, MAX_BINS)


def _real_number(value, who: str, name: str) -> float:
    """A real scalar (int, float, NumPy scalar or 0-d array; not bool or str) as a Python float."""
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "iuf":  # signed and unsigned integers, floats
        raise TypeError(f"{who}: {name} must be one real number (an int or a float), "
                        f"got {value!r} ({type(value).__name__})")
    return float(array)


def _temperature_for(temperature, who: str) -> float:
    """The temperature as a Python float, finite and > 0."""
    temperature = _real_number(temperature, who, "the temperature")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"{who}: the temperature must be a finite number > 0, got {temperature}; "
                         f"T > 1 softens and T < 1 sharpens, while T <= 0 would reverse or break the "
                         f"ranking (fit_temperature finds a sensible T)")
    return temperature


def _divided(logits: np.ndarray, temperature: float, who: str) -> np.ndarray:
    """logits / T, refused when that overflows to inf (a T so small it is no temperature)."""
    with np.errstate(over="ignore"):
        scaled = logits / temperature
    if not np.isfinite(scaled).all():
        raise ValueError(f"{who}: logits / T overflows to inf with T = {temperature:g}: that T is far too "
                         f"small; use a T in a sensible range such as [{T_MIN}, {T_MAX}]")
    return scaled


def _probabilities_for(probs, labels, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Validated (N, C) float64 probabilities and (N,) labels."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"{who}: probs must be a non-empty (N, C) array, got shape {probs.shape}")
    if not looks_like_probabilities(probs, axis=1):
        raise ValueError(f"{who} needs probabilities (each row in [0, 1], summing to 1); these rows "
                         f"range from {np.nanmin(probs):.3g} to {np.nanmax(probs):.3g}. If they are "
                         f"logits, apply softmax first.")
    return probs, _labels_for(labels, probs.shape[0], probs.shape[1], who)


def _logits_for(logits, labels, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Validated (N, C) float64 logits and (N,) labels; probabilities are refused."""
    logits = _checked_logits(logits, who, ndims=(2,))
    return logits, _labels_for(labels, logits.shape[0], logits.shape[1], who)


def _checked_logits(logits, who: str, ndims=(2,)) -> np.ndarray:
    """Validated float64 logits of ``ndims`` dimensions: finite, non-empty, not probabilities."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim not in ndims or logits.size == 0:
        wanted = " or ".join({1: "(C,)", 2: "(N, C)"}[n] for n in ndims)
        raise ValueError(f"{who}: logits must be a non-empty {wanted} array, got shape {logits.shape}")
    if not np.isfinite(logits).all():
        raise ValueError(f"{who}: the logits contain NaN or inf ({np.isnan(logits).sum()} NaN): "
                         f"the model's output is broken upstream; fix that before calibrating")
    if looks_like_probabilities(logits, axis=-1, atol=1e-6):
        raise ValueError(f"{who} needs logits, but every row lies in [0, 1] and sums to 1: these "
                         f"look like probabilities (softmax output). Pass the raw scores from "
                         f"before the softmax (or np.log(probs) if probabilities are all you have).")
    return logits


def top_label(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    """Confidence and correctness of each top-label prediction.

    probs: (N, C) probabilities; labels: (N,) integer class ids.
    Returns ((N,) float64 top-class probability, (N,) bool argmax == label).
    """
    probs, labels = _probabilities_for(probs, labels, "top_label")
    return probs.max(axis=1), probs.argmax(axis=1) == labels


# --------------------------------------------------------------------------- #
# Exercises: reliability bins and ECE
# --------------------------------------------------------------------------- #
def reliability_bins(confidences, correct, n_bins=15):
    """Mean confidence, accuracy and size of each of ``n_bins`` right-closed bins.

    confidences: (N,) floats in [0, 1], no NaN; correct: (N,) bool (or 0/1);
    n_bins: an int from 1 to MAX_BINS (100 000).
    Bin m (1..M) holds the confidences in ((m - 1) / M, m / M]: 1.0 falls in the
    last bin and a confidence equal to an edge falls in the bin below it.
    Returns (bin_confidence, bin_accuracy, bin_count): two (M,) float64 arrays
    (NaN for an empty bin) and one (M,) int64 array of counts.
    """
    n_bins = _n_bins_for(n_bins, "reliability_bins")
    confidences, correct = _confidences_for(confidences, correct, "reliability_bins")
    # Upper edges 1/M, 2/M, ..., 1. arange / M rounds every edge correctly (linspace does not).
    upper_edges = np.arange(1, n_bins + 1) / n_bins
    # side="left" finds the first edge >= the confidence: the edge that closes its bin.
    bin_index = np.searchsorted(upper_edges, confidences, side="left")
    bin_count = np.bincount(bin_index, minlength=n_bins)
    with np.errstate(invalid="ignore"):  # 0 / 0 = NaN for the empty bins
        bin_confidence = np.bincount(bin_index, weights=confidences, minlength=n_bins) / bin_count
        bin_accuracy = np.bincount(bin_index, weights=correct, minlength=n_bins) / bin_count
    return bin_confidence, bin_accuracy, bin_count


def _confidences_for(confidences, correct, who: str) -> tuple[np.ndarray, np.ndarray]:
    """(N,) float64 confidences in [0, 1] without NaN, and (N,) float64 correctness of 0 or 1."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if confidences.shape != correct.shape or confidences.ndim != 1:
        raise ValueError(f"{who}: confidences and correct must be two (N,) arrays, "
                         f"got shapes {confidences.shape} and {correct.shape}")
    nan = np.isnan(confidences)
    if nan.any():  # NaN passes min/max checks and searchsorted puts it past the last bin
        raise ValueError(f"{who}: {int(nan.sum())} of the {len(confidences)} confidences are NaN (the first "
                         f"at index {int(np.argmax(nan))}): the model's output is broken upstream; "
                         f"fix it (or drop those samples) before binning")
    if confidences.size and (confidences.min() < 0 or confidences.max() > 1):
        raise ValueError(f"{who}: confidences must be probabilities in [0, 1], got values from "
                         f"{confidences.min():.3g} to {confidences.max():.3g}; apply softmax to logits first")
    wrong = (correct != 0) & (correct != 1)  # NaN is neither
    if wrong.any():
        raise ValueError(f"{who}: correct must be True/False (or 0/1) per prediction, got "
                         f"{float(correct[wrong][0])} at index {int(np.argmax(wrong))}; compute it as "
                         f"predicted == labels")
    return confidences, correct


def expected_calibration_error(probs, labels, n_bins=15):
    """Top-label expected calibration error (Guo et al. 2017), a float in [0, 1].

    probs: (N, C) probabilities (softmax output, not logits); labels: (N,) int class ids.
    ECE = sum over bins of (bin size / N) * |bin accuracy - bin mean confidence|,
    with the right-closed bins of ``reliability_bins``; n_bins: an int from 1 to 100 000.
    """
    n_bins = _n_bins_for(n_bins, "expected_calibration_error")
    confidences, correct = top_label(probs, labels)
    bin_confidence, bin_accuracy, bin_count = reliability_bins(confidences, correct, n_bins)
    filled = bin_count > 0
    weights = bin_count[filled] / len(confidences)
    return float(np.sum(weights * np.abs(bin_accuracy[filled] - bin_confidence[filled])))


def maximum_calibration_error(probs, labels, n_bins=15):
    """Top-label MCE: the largest |accuracy - confidence| over the non-empty bins (a float)."""
    n_bins = _n_bins_for(n_bins, "maximum_calibration_error")
    confidences, correct = top_label(probs, labels)
    bin_confidence, bin_accuracy, bin_count = reliability_bins(confidences, correct, n_bins)
    filled = bin_count > 0
    return float(np.max(np.abs(bin_accuracy[filled] - bin_confidence[filled])))


# --------------------------------------------------------------------------- #
# Exercise: temperature scaling
# --------------------------------------------------------------------------- #
def log_softmax(logits):
    """log(softmax(logits)) along the last axis without overflow or log(0), float64."""
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))


def negative_log_likelihood(logits, labels, temperature=1.0):
    """Mean NLL, -log softmax(logits / T)[label], computed stably from (N, C) logits.

    temperature: a finite number > 0 (anything else raises: T <= 0 is no temperature).
    Returns a float (nats per sample); lower is better, 0 is a perfect sure answer.
    """
    temperature = _temperature_for(temperature, "negative_log_likelihood")
    logits, labels = _logits_for(logits, labels, "negative_log_likelihood")
    log_probs = log_softmax(_divided(logits, temperature, "negative_log_likelihood"))
    return float(-np.mean(log_probs[np.arange(len(labels)), labels]))


def fit_temperature(logits, labels):
    """The temperature T > 0 that minimises the NLL of softmax(logits / T).

    logits: (N, C) raw scores (NOT probabilities: those raise ValueError, as do NaN);
    labels: (N,) int class ids. Fit on a validation split, never on the test split.
    Searches log T on a grid over [0.05, 20], then refines around the best grid point
    by golden-section search. Returns a Python float; T > 1 softens over-confident
    logits, T < 1 sharpens. Dividing by T > 0 never changes the argmax.
    """
    logits, labels = _logits_for(logits, labels, "fit_temperature")

    def nll(log_t):
        return negative_log_likelihood(logits, labels, np.exp(log_t))

    grid = np.linspace(np.log(T_MIN), np.log(T_MAX), 61)
    best = int(np.argmin([nll(t) for t in grid]))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    # Golden-section search: the NLL has a single minimum in log T.
    ratio = (np.sqrt(5) - 1) / 2
    while high - low > 1e-6:
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if nll(left) < nll(right):
            high = right
        else:
            low = left
    return float(np.exp((low + high) / 2))


def apply_temperature(logits, temperature):
    """(N, C) probabilities softmax(logits / T) as float64.

    logits: (N, C) (or one (C,) row) finite raw scores. Probabilities (every row in
    [0, 1] summing to 1) raise ValueError: softmax(probs / T) is a double softmax.
    If probabilities are all you have, pass np.log(probs): they are logits up to a
    constant per row, which softmax ignores. temperature: a finite number > 0.
    """
    temperature = _temperature_for(temperature, "apply_temperature")
    logits = _checked_logits(logits, "apply_temperature", ndims=(1, 2))
    return softmax(_divided(logits, temperature, "apply_temperature"), axis=-1)


# --------------------------------------------------------------------------- #
# Exercise: selective prediction
# --------------------------------------------------------------------------- #
def selective_prediction(probs, labels, threshold):
    """Coverage and accuracy when predictions with confidence below ``threshold`` are refused.

    probs: (N, C) probabilities; labels: (N,) int class ids; threshold: a float (not NaN).
    A prediction is kept when its top-class probability is >= threshold.
    Returns (coverage, accuracy) as Python floats: coverage = kept / N, accuracy =
    correct among the kept. When nothing is kept the accuracy is undefined: NaN.
    """
    threshold = _real_number(threshold, "selective_prediction", "threshold")
    if np.isnan(threshold):
        raise ValueError("selective_prediction: the threshold is NaN, which keeps nothing (every comparison "
                         "with NaN is False); pass a confidence such as 0.8")
    confidences, correct = top_label(probs, labels)
    kept = confidences >= threshold
    coverage = float(kept.mean())
    accuracy = float(correct[kept].mean()) if kept.any() else float("nan")
    return coverage, accuracy


def accuracy_coverage_curve(probs, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every operating point of selective prediction, most confident first.

    Returns (coverage, accuracy, threshold), three (N,) float64 arrays: keeping the k
    most confident predictions gives coverage k / N and the accuracy among them.
    """
    confidences, correct = top_label(probs, labels)
    order = np.argsort(-confidences, kind="stable")
    kept = np.arange(1, len(order) + 1)
    return kept / len(order), np.cumsum(correct[order]) / kept, confidences[order]


# --------------------------------------------------------------------------- #
# Platt scaling (binary) and the noise of ECE
# --------------------------------------------------------------------------- #
def sigmoid(x):
    """Elementwise 1 / (1 + exp(-x)) without overflow, float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def fit_platt(scores, labels, steps=50):
    """Platt scaling: a, b such that sigmoid(a * score + b) is calibrated.

    scores: (N,) finite raw binary scores (logits); labels: (N,) 0/1 (or bool), both
    classes present. Minimises the binary NLL by Newton's method (a 1-D logistic
    regression) for ``steps`` steps (1 to 10 000). Returns (a, b) as floats.
    Raises ValueError for labels other than 0/1 (map -1/+1 labels with labels == 1),
    for constant scores, and for scores that separate the two classes perfectly:
    there the NLL keeps falling as a grows, so no finite (a, b) minimises it.
    """
    steps = _int_in_range(steps, "fit_platt", "steps", 1, MAX_PLATT_STEPS)
    scores, labels = _platt_data(scores, labels)
    features = np.stack([scores, np.ones_like(scores)], axis=1)  # (N, 2)
    params = np.zeros(2)
    for _ in range(steps):
        p = sigmoid(features @ params)
        gradient = features.T @ (p - labels)
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        params -= np.linalg.solve(hessian, gradient)
    if not np.isfinite(params).all():
        raise ValueError("fit_platt diverged (a or b is not finite); check that the scores are logits")
    return float(params[0]), float(params[1])


def _platt_data(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    """(N,) finite float64 scores and (N,) float64 labels of 0 and 1 with a finite Platt fit."""
    who = "fit_platt"
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if scores.ndim != 1 or labels.shape != scores.shape:
        raise ValueError(f"{who}: scores and labels must be two (N,) arrays of the same length, "
                         f"got shapes {scores.shape} and {labels.shape}")
    if not np.isfinite(scores).all():
        raise ValueError(f"{who}: the scores contain NaN or inf ({int(np.isnan(scores).sum())} NaN): "
                         f"the model's output is broken upstream")
    values = np.unique(labels)  # NaN is kept, and is not 0 or 1
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"{who}: labels must be 0 or 1 (1 = the positive class), got the values "
                         f"{values[:6].tolist()}; for -1/+1 labels pass (labels == 1).astype(int)")
    positive, negative = scores[labels == 1], scores[labels == 0]
    if not (len(positive) and len(negative)):
        raise ValueError(f"{who} needs both classes among the labels, got only {int(values[0])}s: "
                         f"with one class the best fit sends b to infinity")
    if scores.min() == scores.max():
        raise ValueError(f"{who}: all {len(scores)} scores are equal ({scores[0]:g}), so the slope a "
                         f"cannot be fitted: use scores that vary")
    if positive.min() >= negative.max() or negative.min() >= positive.max():
        raise ValueError(f"{who}: the scores separate the two classes perfectly (every label-1 score is on "
                         f"one side of every label-0 score), so the NLL keeps falling as a grows and no "
                         f"finite (a, b) minimises it. Fit on more validation data, where the classes overlap")
    return scores, labels


def bootstrap_ece(probs, labels, n_bins=15, n_resamples=1000, seed=0) -> np.ndarray:
    """ECE of ``n_resamples`` bootstrap resamples (drawn with replacement), (n_resamples,) float64.

    n_bins: an int from 1 to 100 000; n_resamples: an int from 1 to 100 000.
    """
    n_bins = _n_bins_for(n_bins, "bootstrap_ece")
    n_resamples = _int_in_range(n_resamples, "bootstrap_ece", "n_resamples", 1, MAX_RESAMPLES)
    probs, labels = _probabilities_for(probs, labels, "bootstrap_ece")
    rng = np.random.default_rng(seed)
    n = len(labels)
    eces = np.empty(n_resamples)
    for i in range(n_resamples):
        pick = rng.integers(0, n, n)
        eces[i] = expected_calibration_error(probs[pick], labels[pick], n_bins)
    return eces


# --------------------------------------------------------------------------- #
# Data with a known answer, and the reliability diagram
# --------------------------------------------------------------------------- #
def synthetic_logits(n, n_classes=6, overconfidence=2.5, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded logits whose right temperature is known: ((N, C) float32, (N,) int64 labels).

    Base logits z are drawn at random and each label is *sampled* from softmax(z), so
    z is perfectly calibrated by construction. The returned logits are
    z * overconfidence: a fitted temperature should come out near ``overconfidence``
    (> 1 for an over-confident model, < 1 for an under-confident one).
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, (n, n_classes))
    z[np.arange(n), rng.integers(0, n_classes, n)] += rng.uniform(0.0, 4.0, n)  # a favourite class
    cumulative = np.cumsum(softmax(z, axis=1), axis=1)
    labels = (cumulative < rng.random((n, 1))).sum(axis=1)
    labels = np.minimum(labels, n_classes - 1)  # guards against cumsum rounding to 0.9999999
    return (z * overconfidence).astype(np.float32), labels.astype(np.int64)


def plot_reliability_diagram(ax, probs, labels, n_bins=15, title="Reliability diagram"):
    """Draw a reliability diagram on ``ax``: accuracy bars, gap to confidence, diagonal.

    probs: (N, C) probabilities; labels: (N,) int class ids. Blue bars are each bin's
    accuracy; red hatched outlines span the gap from it to the bin's mean confidence
    (above the bar: over-confident, inside it: under-confident); the dashed diagonal is
    perfect calibration. Returns the ECE, which is also written on the plot.
    """
    n_bins = _n_bins_for(n_bins, "plot_reliability_diagram")
    confidences, correct = top_label(probs, labels)
    bin_confidence, bin_accuracy, bin_count = reliability_bins(confidences, correct, n_bins)
    filled = bin_count > 0
    width = 1.0 / n_bins
    centres = (np.arange(n_bins) + 0.5) * width
    ax.bar(centres[filled], bin_accuracy[filled], width=width, color="#4477aa",
           edgecolor="black", label="accuracy")
    ax.bar(centres[filled], (bin_confidence - bin_accuracy)[filled], bottom=bin_accuracy[filled],
           width=width, fill=False, edgecolor="#cc3311", hatch="///", label="gap to mean confidence")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ece = expected_calibration_error(probs, labels, n_bins)
    ax.text(0.04, 0.92, f"ECE = {ece:.3f}", transform=ax.transAxes,
            bbox=dict(facecolor="white", edgecolor="gray"))
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (top-class probability)",
           ylabel="accuracy", title=title)
    ax.legend(loc="lower right", fontsize="small")
    return ece
