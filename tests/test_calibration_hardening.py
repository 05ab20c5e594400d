"""Issue 18: the calibration helpers refuse inputs that would give a silent wrong number."""
import numpy as np
import pytest

from helpers import calibration as cal
from helpers.evaluation import top_label_ece

PROBS = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]])
LABELS = np.array([0, 1, 1])
LOGITS = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.5]])


# --------------------------------------------------------------------------- #
# reliability bins and ECE
# --------------------------------------------------------------------------- #
def test_reliability_bins_refuses_nan_instead_of_an_extra_bin():
    # searchsorted puts NaN after the last edge: a 6th bin for 5.
    with pytest.raises(ValueError, match=r"NaN.*index 1"):
        cal.reliability_bins(np.array([0.5, np.nan, 0.9]), np.array([1, 0, 1]), 5)


@pytest.mark.parametrize("correct, shown", [([1, 2, 0], "2"), ([1, -1, 0], "-1"), ([1.0, np.nan, 0.0], "nan"),
                                            ([1.0, 0.5, 0.0], "0.5")])
def test_reliability_bins_refuses_correct_that_is_not_0_or_1(correct, shown):
    with pytest.raises(ValueError, match=rf"correct.*{shown}"):
        cal.reliability_bins(np.array([0.5, 0.6, 0.9]), np.array(correct), 5)


@pytest.mark.parametrize("n_bins, error, shown", [
    (0, ValueError, "0"), (-3, ValueError, "-3"), (10**9, ValueError, "1000000000"),
    (2.5, TypeError, "2.5"), (5.0, TypeError, "5.0"), (True, TypeError, "True"), (None, TypeError, "None"),
])
def test_every_bin_count_is_checked_where_it_enters(n_bins, error, shown):
    for call in (lambda: cal.reliability_bins(np.array([0.5]), np.array([True]), n_bins),
                 lambda: cal.expected_calibration_error(PROBS, LABELS, n_bins=n_bins),
                 lambda: cal.maximum_calibration_error(PROBS, LABELS, n_bins=n_bins),
                 lambda: cal.bootstrap_ece(PROBS, LABELS, n_bins=n_bins, n_resamples=2),
                 lambda: top_label_ece(np.array([0.5]), np.array([True]), n_bins)):
        with pytest.raises(error, match=rf"n_bins.*{shown}"):
            call()


def test_ece_of_n_bins_0_no_longer_returns_a_number():
    with pytest.raises(ValueError, match="n_bins must be at least 1 and at most 100000"):
        cal.expected_calibration_error(PROBS, LABELS, n_bins=0)


def test_numpy_integer_bin_counts_are_accepted():
    assert cal.expected_calibration_error(PROBS, LABELS, n_bins=np.int64(5)) == \
        cal.expected_calibration_error(PROBS, LABELS, n_bins=5)


def test_top_label_ece_refuses_nan_confidences():
    # Before: the NaN sample fell out of every bin but still counted in N (a smaller, wrong ECE).
    with pytest.raises(ValueError, match="NaN"):
        top_label_ece(np.array([0.5, np.nan]), np.array([True, False]))


def test_bootstrap_ece_bounds_its_resamples():
    with pytest.raises(ValueError, match="n_resamples"):
        cal.bootstrap_ece(PROBS, LABELS, n_resamples=0)
    with pytest.raises(TypeError, match="n_resamples"):
        cal.bootstrap_ece(PROBS, LABELS, n_resamples=10.5)


# --------------------------------------------------------------------------- #
# temperature
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("temperature", [-1, 0, -0.0, np.nan, np.inf, -np.inf])
def test_nll_refuses_a_temperature_that_is_not_positive_and_finite(temperature):
    with pytest.raises(ValueError, match=rf"temperature.*{temperature}"):
        cal.negative_log_likelihood(LOGITS, LABELS, temperature)


@pytest.mark.parametrize("temperature", ["2", None, True, [1.0, 2.0], 1 + 1j])
def test_temperature_must_be_a_real_number(temperature):
    for call in (lambda: cal.negative_log_likelihood(LOGITS, LABELS, temperature),
                 lambda: cal.apply_temperature(LOGITS, temperature)):
        with pytest.raises(TypeError, match="temperature"):
            call()


def test_a_temperature_so_small_that_logits_overflow_is_refused():
    with pytest.raises(ValueError, match="overflow"):
        cal.negative_log_likelihood(LOGITS * 1e10, LABELS, 1e-300)
    with pytest.raises(ValueError, match="overflow"):
        cal.apply_temperature(LOGITS * 1e10, 1e-300)


def test_numpy_and_int_temperatures_are_accepted():
    assert cal.negative_log_likelihood(LOGITS, LABELS, np.float32(2.0)) == \
        pytest.approx(cal.negative_log_likelihood(LOGITS, LABELS, 2))
    np.testing.assert_allclose(cal.apply_temperature(LOGITS, np.array(2.0)), cal.apply_temperature(LOGITS, 2.0))


def test_apply_temperature_refuses_probabilities():
    # softmax(probs / T) is a double softmax: a flattened, wrong distribution.
    with pytest.raises(ValueError, match=r"probabilities.*np\.log"):
        cal.apply_temperature(PROBS, 2.0)
    with pytest.raises(ValueError, match="probabilities"):
        cal.apply_temperature(PROBS.astype(np.float32), 1.0)


def test_apply_temperature_on_log_probabilities_is_temperature_scaling():
    # The documented way out: log(probs) are logits up to a constant per row.
    np.testing.assert_allclose(cal.apply_temperature(np.log(PROBS), 1.0), PROBS, rtol=1e-12)


@pytest.mark.parametrize("logits, message", [
    (np.array([[1.0, np.nan]]), "NaN"), (np.array([[1.0, np.inf]]), "inf"),
    (np.zeros((0, 3)), "non-empty"), (np.zeros((2, 2, 2)), "shape"), (np.float64(1.0), "shape"),
])
def test_apply_temperature_refuses_broken_logits(logits, message):
    with pytest.raises(ValueError, match=message):
        cal.apply_temperature(logits, 1.0)


def test_apply_temperature_keeps_vectors_and_batches():
    np.testing.assert_allclose(cal.apply_temperature(LOGITS[0], 2.0), cal.apply_temperature(LOGITS[:1], 2.0)[0])


# --------------------------------------------------------------------------- #
# selective prediction
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("threshold, error", [(np.nan, ValueError), ("0.5", TypeError), (None, TypeError)])
def test_selective_prediction_refuses_a_threshold_that_is_no_number(threshold, error):
    with pytest.raises(error, match="threshold"):
        cal.selective_prediction(PROBS, LABELS, threshold)


# --------------------------------------------------------------------------- #
# Platt scaling
# --------------------------------------------------------------------------- #
SCORES = np.array([2.0, 1.0, -0.5, 0.3, -2.0, 0.1])


def test_fit_platt_refuses_plus_minus_one_labels():
    # Before: (143500005024.0, -96499995084.9), a silent nonsense from targets -1 outside [0, 1].
    with pytest.raises(ValueError, match=r"0 or 1.*-1.*labels == 1"):
        cal.fit_platt(SCORES, np.array([1, 1, -1, 1, -1, -1]))


@pytest.mark.parametrize("labels", [[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
def test_fit_platt_refuses_a_single_class(labels):
    with pytest.raises(ValueError, match="both classes"):
        cal.fit_platt(SCORES, np.array(labels))


def test_fit_platt_refuses_perfectly_separated_scores():
    # Every positive scores above every negative: the likelihood grows as a -> inf, no finite answer.
    with pytest.raises(ValueError, match="separate"):
        cal.fit_platt(np.array([1.0, 2.0, -1.0, -2.0]), np.array([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="separate"):  # reversed, and touching at a tie
        cal.fit_platt(np.array([1.0, 2.0, -1.0, 1.0]), np.array([0, 0, 1, 1]))


def test_fit_platt_refuses_constant_scores():
    with pytest.raises(ValueError, match="equal"):
        cal.fit_platt(np.ones(4), np.array([1, 0, 1, 0]))


@pytest.mark.parametrize("scores, labels, message", [
    (np.array([1.0, np.nan, 0.0]), np.array([1, 0, 1]), "NaN"),
    (np.zeros((2, 2)), np.array([1, 0]), "shape"),
    (np.array([1.0, 0.0, 2.0]), np.array([1, 0]), "shape"),
    (np.array([1.0, 0.0, 2.0]), np.array([1.0, np.nan, 0.0]), "0 or 1"),
])
def test_fit_platt_checks_its_arrays(scores, labels, message):
    with pytest.raises(ValueError, match=message):
        cal.fit_platt(scores, labels)


def test_fit_platt_accepts_bool_and_float_labels():
    labels = np.array([1, 1, 0, 0, 0, 1])
    expected = cal.fit_platt(SCORES, labels)
    assert cal.fit_platt(SCORES, labels.astype(bool)) == pytest.approx(expected)
    assert cal.fit_platt(SCORES, labels.astype(np.float32)) == pytest.approx(expected)


@pytest.mark.parametrize("steps, error", [(0, ValueError), (10**7, ValueError), (2.0, TypeError)])
def test_fit_platt_bounds_its_steps(steps, error):
    with pytest.raises(error, match="steps"):
        cal.fit_platt(SCORES, np.array([1, 1, 0, 0, 0, 1]), steps=steps)
