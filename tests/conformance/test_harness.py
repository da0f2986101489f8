"""The comparison itself can fail: assert_same_arrays accepts what float32
rounding explains and nothing more, refuses degenerate and ill-conditioned
references, and a real defect (a weight off by 0.1%) fails a whole-model run.
"""
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn

from harness import (C_EPS, EPS32, FALLBACK_EPS, K_SPREAD, MAX_REL_TOL, assert_same_arrays,
                     degenerate, references, run_model, script, tolerance)
from realistic import realistic


def small_cnn():
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, padding=1, groups=4), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def inputs():
    return [torch.randn(2, 3, 12, 12)]


def references_of(model, x):
    """float32 result and float64 reference of an eager model, as the harness
    computes them for an archive."""
    with torch.no_grad():
        e = model(x).numpy()
        e64 = copy.deepcopy(model).double()(x.double()).numpy()
    return e, e64


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(5)
    model = realistic(small_cnn(), inputs)
    torch.manual_seed(6)
    x = inputs()[0]
    return model, x


def test_rounding_passes(cnn):
    """PyTorch's own result passes, and so does another float32 summation
    order: the float64 reference rounded to float32 (an error of 0.5 ulp)."""
    model, x = cnn
    e, e64 = references_of(model, x)
    assert_same_arrays([e], [e], [e64])
    assert_same_arrays([e64.astype(np.float32)], [e], [e64])


@pytest.mark.parametrize("rel", [1e-3, 1e-4])
def test_one_wrong_element_fails(cnn, rel):
    """One element off by 1e-4 of the output's magnitude fails: the bound on
    this model is a few 1e-6 of it."""
    model, x = cnn
    e, e64 = references_of(model, x)
    bound, _ = tolerance(e, e64)
    mag = float(np.abs(e).max())
    assert bound < 1e-5 * mag, (bound, mag)
    got = e.copy()
    got.reshape(-1)[7] += rel * mag
    with pytest.raises(AssertionError, match="exceeds the tolerance"):
        assert_same_arrays([got], [e], [e64])


def test_wrong_weight_fails(cnn):
    """A model whose first convolution is off by 0.1% fails."""
    model, x = cnn
    e, e64 = references_of(model, x)
    wrong = copy.deepcopy(model)
    with torch.no_grad():
        wrong[0].weight.mul_(1.001)
        got = wrong(x).numpy()
    with pytest.raises(AssertionError, match="exceeds the tolerance"):
        assert_same_arrays([got], [e], [e64])


def test_bound_formula():
    e = np.array([1.0, -4.0, 2.0], dtype=np.float32)
    e64 = e.astype(np.float64) + np.array([0, 1e-6, -3e-6])
    bound, _ = tolerance(e, e64)
    assert bound == pytest.approx(K_SPREAD * 3e-6 + C_EPS * EPS32 * (4.0 + 1e-6))
    bound, how = tolerance(e, None)
    assert bound == pytest.approx(FALLBACK_EPS * EPS32 * 4.0) and "no float64" in how
    # float64 outputs use float64's epsilon when a float64 reference exists
    d = e.astype(np.float64)
    assert tolerance(d, d)[0] == pytest.approx(C_EPS * np.finfo(np.float64).eps * 4.0)


def test_fallback_without_float64_reference():
    e = np.linspace(-2, 3, 50, dtype=np.float32)
    assert_same_arrays([e + np.float32(1e-6)], [e])
    with pytest.raises(AssertionError, match="no float64 reference"):
        assert_same_arrays([e + np.float32(1e-4)], [e])


@pytest.mark.parametrize("case, why", [
    (np.zeros((2, 3), np.float32), "tiny"),
    (np.full((4,), 1e-4, np.float32), "tiny"),
    (np.linspace(0, 5e-4, 10, dtype=np.float32), "tiny"),
    (np.full((2, 5), 0.7, np.float32), "constant"),
    (np.float32(3.0) + np.linspace(0, 1e-4, 8, dtype=np.float32), "constant"),
    (np.array([1.0, np.nan], np.float32), "non-finite"),
    (np.array([1.0, -np.inf], np.float32), "non-finite"),
])
def test_degenerate_reference_refused(case, why):
    assert why in degenerate(case)
    with pytest.raises(AssertionError, match="proves nothing"):
        assert_same_arrays([case.copy()], [case])
    # unless the test says why that output is its point
    assert_same_arrays([case.copy()], [case], degenerate_ok="testing the harness")


def test_degenerate_ok_still_compares():
    e = np.array([np.nan, np.inf, 0.0, 0.0], np.float32)
    with pytest.raises(AssertionError):
        assert_same_arrays([np.array([0.0, np.inf, 0, 0], np.float32)], [e], degenerate_ok="t")
    with pytest.raises(AssertionError):
        assert_same_arrays([np.array([np.nan, np.inf, 0, 1e-3], np.float32)], [e],
                           degenerate_ok="t")


def test_not_degenerate():
    assert degenerate(np.array(2.5)) is None  # one element: a scalar result
    assert degenerate(np.array([0.0, 0.0, 0.5], np.float32)) is None
    assert degenerate(np.zeros((0, 3), np.float32)) is None


def test_ill_conditioned_reference_refused():
    """A float64 run that disagrees by more than 1e-3 of the magnitude (another
    branch taken) leaves no tolerance that could tell rounding from a bug."""
    e = np.array([1.0, -2.0, 3.0], np.float32)
    e64 = e.astype(np.float64) + [0, 0, 3 * MAX_REL_TOL]
    with pytest.raises(AssertionError, match="ill-conditioned"):
        assert_same_arrays([e.copy()], [e], [e64])


def test_integers_exact():
    e = np.array([3, -1, 7], np.int64)
    assert_same_arrays([e.copy()], [e], [e])
    with pytest.raises(AssertionError):
        assert_same_arrays([e + np.array([0, 0, 1])], [e], [e])


def test_shapes_and_dtypes_exact():
    e = np.ones((2, 3), np.float32) * np.arange(3, dtype=np.float32)
    with pytest.raises(AssertionError, match="shape"):
        assert_same_arrays([e.reshape(3, 2)], [e])
    with pytest.raises(AssertionError, match="dtype"):
        assert_same_arrays([e.astype(np.float64)], [e])


def test_tscript_run_of_a_wrong_archive_fails(archive, rundir):
    """End to end: tscript running an archive whose first convolution is 0.1%
    off fails against PyTorch's reference for the right archive."""
    def build(scale):
        def make():
            torch.manual_seed(5)
            m = realistic(small_cnn(), inputs)
            with torch.no_grad():
                m[0].weight.mul_(scale)
            return script(m)
        return make
    right = archive("harness_cnn_right", build(1.0))
    wrong = archive("harness_cnn_wrong", build(1.001))
    x = inputs()
    _, expected, expected64 = references(right, x)
    _, got = run_model(right, x, rundir + "/right")
    assert_same_arrays(got, expected, expected64)
    _, got = run_model(wrong, x, rundir + "/wrong")
    with pytest.raises(AssertionError, match="exceeds the tolerance"):
        assert_same_arrays(got, expected, expected64)
