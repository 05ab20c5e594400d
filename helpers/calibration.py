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
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"{who}: logits must be a non-empty (N, C) array, got shape {logits.shape}")
    if not np.isfinite(logits).all():
        raise ValueError(f"{who}: the logits contain NaN or inf ({np.isnan(logits).sum()} NaN): "
                         f"the model's output is broken upstream; fix that before calibrating")
    if looks_like_probabilities(logits, axis=1, atol=1e-6):
        raise ValueError(f"{who} needs logits, but every row lies in [0, 1] and sums to 1: these "
                         f"look like probabilities (softmax output). Pass the raw scores from "
                         f"before the softmax (or np.log(probs) if probabilities are all you have).")
    return logits, _labels_for(labels, logits.shape[0], logits.shape[1], who)


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

    confidences: (N,) floats in [0, 1]; correct: (N,) bool (or 0/1).
    Bin m (1..M) holds the confidences in ((m - 1) / M, m / M]: 1.0 falls in the
    last bin and a confidence equal to an edge falls in the bin below it.
    Returns (bin_confidence, bin_accuracy, bin_count): two (M,) float64 arrays
    (NaN for an empty bin) and one (M,) int64 array of counts.
    """
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if confidences.shape != correct.shape or confidences.ndim != 1:
        raise ValueError(f"confidences and correct must be two (N,) arrays, "
                         f"got shapes {confidences.shape} and {correct.shape}")
    if confidences.size and (confidences.min() < 0 or confidences.max() > 1):
        raise ValueError("confidences must be probabilities in [0, 1]; apply softmax to logits first")
    # Upper edges 1/M, 2/M, ..., 1. arange / M rounds every edge correctly (linspace does not).
    upper_edges = np.arange(1, n_bins + 1) / n_bins
    # side="left" finds the first edge >= the confidence: the edge that closes its bin.
    bin_index = np.searchsorted(upper_edges, confidences, side="left")
    bin_count = np.bincount(bin_index, minlength=n_bins)
    with np.errstate(invalid="ignore"):  # 0 / 0 = NaN for the empty bins
        bin_confidence = np.bincount(bin_index, weights=confidences, minlength=n_bins) / bin_count
        bin_accuracy = np.bincount(bin_index, weights=correct, minlength=n_bins) / bin_count
    return bin_confidence, bin_accuracy, bin_count


def expected_calibration_error(probs, labels, n_bins=15):
    """Top-label expected calibration error (Guo et al. 2017), a float in [0, 1].

    probs: (N, C) probabilities (softmax output, not logits); labels: (N,) int class ids.
    ECE = sum over bins of (bin size / N) * |bin accuracy - bin mean confidence|,
    with the right-closed bins of ``reliability_bins``.
    """
    confidences, correct = top_label(probs, labels)
    bin_confidence, bin_accuracy, bin_count = reliability_bins(confidences, correct, n_bins)
    filled = bin_count > 0
    weights = bin_count[filled] / len(confidences)
    return float(np.sum(weights * np.abs(bin_accuracy[filled] - bin_confidence[filled])))


def maximum_calibration_error(probs, labels, n_bins=15):
    """Top-label MCE: the largest |accuracy - confidence| over the non-empty bins (a float)."""
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

    Returns a float (nats per sample); lower is better, 0 is a perfect sure answer.
    """
    logits, labels = _logits_for(logits, labels, "negative_log_likelihood")
    log_probs = log_softmax(logits / temperature)
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
    """(N, C) probabilities softmax(logits / T) as float64."""
    if not temperature > 0:
        raise ValueError(f"the temperature must be > 0, got {temperature}")
    return softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=-1)


# --------------------------------------------------------------------------- #
# Exercise: selective prediction
# --------------------------------------------------------------------------- #
def selective_prediction(probs, labels, threshold):
    """Coverage and accuracy when predictions with confidence below ``threshold`` are refused.

    probs: (N, C) probabilities; labels: (N,) int class ids; threshold: a float.
    A prediction is kept when its top-class probability is >= threshold.
    Returns (coverage, accuracy) as Python floats: coverage = kept / N, accuracy =
    correct among the kept. When nothing is kept the accuracy is undefined: NaN.
    """
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

    scores: (N,) raw binary scores (logits); labels: (N,) 0/1. Minimises the binary
    NLL by Newton's method (a 1-D logistic regression). Returns (a, b) as floats.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    features = np.stack([scores, np.ones_like(scores)], axis=1)  # (N, 2)
    params = np.zeros(2)
    for _ in range(steps):
        p = sigmoid(features @ params)
        gradient = features.T @ (p - labels)
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        params -= np.linalg.solve(hessian, gradient)
    return float(params[0]), float(params[1])


def bootstrap_ece(probs, labels, n_bins=15, n_resamples=1000, seed=0) -> np.ndarray:
    """ECE of ``n_resamples`` bootstrap resamples (drawn with replacement), (n_resamples,) float64."""
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
