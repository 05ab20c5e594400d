"""The calibration references against outside oracles: hand-worked values, the published
formulas written out naively, an independent ECE (helpers.evaluation) and known answers."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import calibration as cal  # noqa: E402
from helpers.evaluation import top_label_ece  # noqa: E402
from helpers.exercises.ex04_calibration import probs_with_confidences  # noqa: E402

CONF = np.array([0.2, 0.25, 0.6, 0.61, 0.99, 1.0])
CORRECT = np.array([0, 1, 1, 0, 1, 1], dtype=bool)


def _naive_ece_and_mce(confidences, correct, n_bins):
    """Guo et al.'s formulas, one bin ((m-1)/M, m/M] at a time, edges as Python floats
    (correctly rounded, so a confidence written as 0.6 equals the edge 3/5)."""
    gaps, weights = [], []
    for m in range(1, n_bins + 1):
        lo, hi = (m - 1) / n_bins, m / n_bins
        inside = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (m == 1 and c == 0)]
        if inside:
            acc = np.mean([correct[i] for i in inside])
            conf = np.mean([confidences[i] for i in inside])
            gaps.append(abs(acc - conf))
            weights.append(len(inside) / len(confidences))
    return float(np.dot(gaps, weights)), float(max(gaps))


def test_hand_worked_ece_and_mce():
    probs, labels = probs_with_confidences(CONF, CORRECT)
    assert cal.expected_calibration_error(probs, labels, n_bins=5) == pytest.approx(1.97 / 6)
    assert round(cal.expected_calibration_error(probs, labels, n_bins=5), 4) == 0.3283
    assert cal.maximum_calibration_error(probs, labels, n_bins=5) == pytest.approx(0.75)
    two, two_labels = probs_with_confidences([0.95, 1.0], [True, False])
    assert cal.expected_calibration_error(two, two_labels) == pytest.approx(0.475)


def test_left_closed_linspace_bins_give_the_other_published_values():
    # np.digitize with linspace edges (left-closed): 0.2617 / 0.61 on the same vector.
    index = np.digitize(CONF, np.linspace(0, 1, 6)[1:-1])
    gaps = [(np.sum(index == m) / 6, abs(CORRECT[index == m].mean() - CONF[index == m].mean()))
            for m in range(5) if np.any(index == m)]
    assert round(sum(w * g for w, g in gaps), 4) == 0.2617
    assert max(g for _, g in gaps) == pytest.approx(0.61)


def test_bins_of_the_hand_worked_vector():
    conf, acc, count = cal.reliability_bins(CONF, CORRECT, n_bins=5)
    np.testing.assert_array_equal(count, [1, 1, 1, 1, 2])
    np.testing.assert_allclose(conf, [0.2, 0.25, 0.6, 0.61, 0.995])
    np.testing.assert_array_equal(acc, [0, 1, 1, 0, 1])
    assert count.dtype == np.int64 and conf.dtype == acc.dtype == np.float64


def test_edges_one_and_empty_bins():
    conf, acc, count = cal.reliability_bins(np.array([1.0, 0.6, 0.3, 0.7]), np.ones(4, bool), n_bins=10)
    assert count[9] == 1 and count[5] == 1 and count[2] == 1 and count[6] == 1  # each edge goes below
    assert count.sum() == 4 and np.isnan(conf[count == 0]).all() and np.isnan(acc[count == 0]).all()


@pytest.mark.parametrize("seed", range(5))
def test_ece_matches_the_naive_formula_and_an_independent_implementation(seed):
    rng = np.random.default_rng(seed)
    n_bins = int(rng.integers(3, 20))
    # Many values exactly on edges, and 1.0, plus random ones.
    confidences = np.concatenate([np.arange(1, n_bins + 1) / n_bins, rng.uniform(0.1, 1, 80)])
    correct = rng.random(len(confidences)) < confidences
    probs, labels = probs_with_confidences(confidences, correct, n_classes=30)
    ece = cal.expected_calibration_error(probs, labels, n_bins)
    naive_ece, naive_mce = _naive_ece_and_mce(confidences, correct, n_bins)
    assert ece == pytest.approx(naive_ece, abs=1e-12)
    assert ece == pytest.approx(top_label_ece(confidences, correct, n_bins), abs=1e-12)
    assert cal.maximum_calibration_error(probs, labels, n_bins) == pytest.approx(naive_mce, abs=1e-12)


def test_probabilities_are_required_where_probabilities_are_expected():
    logits, labels = cal.synthetic_logits(10, 4, 2.0, seed=0)
    for fn in (cal.expected_calibration_error, cal.maximum_calibration_error):
        with pytest.raises(ValueError, match="probabilities"):
            fn(logits, labels)
    with pytest.raises(ValueError, match="probabilities"):
        cal.selective_prediction(logits, labels, 0.5)
    with pytest.raises(ValueError, match="logits first"):
        cal.reliability_bins(np.array([1.5]), np.array([True]))


def test_nll_matches_the_definition():
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]])
    labels = np.array([0, 1])
    probs = np.exp(logits / 2) / np.exp(logits / 2).sum(1, keepdims=True)
    expected = -np.mean(np.log(probs[[0, 1], labels]))
    assert cal.negative_log_likelihood(logits, labels, 2.0) == pytest.approx(expected)
    # Stable for huge logits.
    assert np.isfinite(cal.negative_log_likelihood(logits * 1000, labels))


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_a_known_temperature(true_t):
    logits, labels = cal.synthetic_logits(4000, 6, true_t, seed=11)
    t = cal.fit_temperature(logits, labels)
    assert t == pytest.approx(true_t, rel=0.06)
    # A minimum: nudging T either way raises the NLL.
    nll = cal.negative_log_likelihood(logits, labels, t)
    assert nll <= cal.negative_log_likelihood(logits, labels, t * 1.01)
    assert nll <= cal.negative_log_likelihood(logits, labels, t / 1.01)
    # The argmax, hence the accuracy, is unchanged.
    np.testing.assert_array_equal(cal.apply_temperature(logits, t).argmax(1), logits.argmax(1))


def test_fit_temperature_is_equivariant_to_scaling_the_logits():
    logits, labels = cal.synthetic_logits(1000, 5, 1.5, seed=3)
    assert cal.fit_temperature(logits * 3, labels) == pytest.approx(3 * cal.fit_temperature(logits, labels),
                                                                    rel=1e-4)


def test_fit_temperature_stays_in_its_range_and_refuses_bad_input():
    # Perfectly separable data wants T -> 0: the search stays near its lower bound.
    logits = np.eye(4)[np.arange(40) % 4] * 10.0
    labels = np.arange(40) % 4
    assert cal.T_MIN <= cal.fit_temperature(logits, labels) < 0.1
    probs = cal.apply_temperature(logits, 1.0)
    with pytest.raises(ValueError, match="probabilities"):
        cal.fit_temperature(probs, labels)
    logits[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cal.fit_temperature(logits, labels)
    with pytest.raises(ValueError, match="labels"):
        cal.fit_temperature(np.ones((3, 2)), np.array([0, 1, 2]))


def test_temperature_scaling_lowers_ece_and_nll_on_held_out_data():
    logits, labels = cal.synthetic_logits(6000, 6, 2.5, seed=21)
    val, test = slice(0, 3000), slice(3000, None)
    t = cal.fit_temperature(logits[val], labels[val])
    before = cal.apply_temperature(logits[test], 1.0)
    after = cal.apply_temperature(logits[test], t)
    assert cal.expected_calibration_error(after, labels[test]) < cal.expected_calibration_error(before, labels[test]) / 3
    assert cal.negative_log_likelihood(logits[test], labels[test], t) < cal.negative_log_likelihood(logits[test], labels[test])


def test_selective_prediction_by_hand_and_against_the_curve():
    probs, labels = probs_with_confidences([0.95, 0.9, 0.7, 0.7, 0.65, 0.5, 0.3, 0.2],
                                           [1, 1, 1, 0, 0, 1, 0, 0])
    assert cal.selective_prediction(probs, labels, 0.7) == (0.5, 0.75)
    assert cal.selective_prediction(probs, labels, 0.0) == (1.0, 0.5)
    coverage, accuracy = cal.selective_prediction(probs, labels, 0.99)
    assert coverage == 0.0 and np.isnan(accuracy)
    cov, acc, thr = cal.accuracy_coverage_curve(probs, labels)
    assert cov[-1] == 1.0 and acc[-1] == 0.5 and np.all(np.diff(thr) <= 0)
    assert (cov[3], acc[3]) == cal.selective_prediction(probs, labels, thr[3])


def test_platt_recovers_a_known_logistic_model():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 2, 20000)
    labels = (rng.random(20000) < cal.sigmoid(0.5 * scores - 0.3)).astype(int)
    a, b = cal.fit_platt(scores, labels)
    assert a == pytest.approx(0.5, abs=0.05) and b == pytest.approx(-0.3, abs=0.05)
    # At the optimum the gradient of the binary NLL is zero.
    p = cal.sigmoid(a * scores + b)
    assert abs(np.mean(p - labels)) < 1e-9 and abs(np.mean((p - labels) * scores)) < 1e-9


def test_sigmoid_is_stable():
    assert cal.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_bootstrap_is_seeded_and_shows_the_small_sample_bias():
    # A perfectly calibrated model on 100 samples still reads an ECE near 0.1 (15 bins).
    logits, labels = cal.synthetic_logits(100, 6, 1.0, seed=5)
    probs = cal.apply_temperature(logits, 1.0)
    first = cal.bootstrap_ece(probs, labels, n_resamples=200, seed=1)
    np.testing.assert_array_equal(first, cal.bootstrap_ece(probs, labels, n_resamples=200, seed=1))
    assert first.shape == (200,) and 0.04 < np.median(first) < 0.25


def test_synthetic_logits_are_seeded():
    a, la = cal.synthetic_logits(50, 7, 2.0, seed=4)
    b, lb = cal.synthetic_logits(50, 7, 2.0, seed=4)
    assert a.dtype == np.float32 and a.shape == (50, 7) and la.dtype == np.int64
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert la.min() >= 0 and la.max() < 7


def test_reliability_diagram_draws_and_returns_the_ece():
    logits, labels = cal.synthetic_logits(300, 6, 2.5, seed=8)
    probs = cal.apply_temperature(logits, 1.0)
    fig, ax = plt.subplots()
    ece = cal.plot_reliability_diagram(ax, probs, labels, title="test")
    assert ece == pytest.approx(cal.expected_calibration_error(probs, labels))
    assert ax.get_title() == "test" and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
