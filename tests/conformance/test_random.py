"""Random ops: scripted models that seed and draw, against PyTorch.

Each model is scripted and saved by PyTorch; PyTorch runs the archive
(torch.jit.load) and tscript runs the same file. The seed comes in two ways:
torch.manual_seed inside the model (TorchScript has aten::manual_seed), or
`tscript run --seed N`, which must equal torch.manual_seed(N) before the
call.

Comparison. Integer draws (randint, randperm, random_, bernoulli) and
uniform ones (rand, uniform_) are a few integer operations and one fused
multiply-add: bit for bit. So are float32 normal samples of PyTorch's
normal_fill path (16 or more contiguous elements), whose log/sin/cos are
Cephes polynomials in plain float arithmetic that tscript reproduces. The
scalar path (fewer elements, or strided) and float64 use the C library's
log/sin/cos on both sides, whose last bit may differ between C libraries:
|got - want| <= 4 eps (r_max |std| + |mean|), r = sqrt(-2 log u1) being at
most r_max = sqrt(-2 ln 2^-53) = 8.57 for the float64 uniforms of the scalar
path. A wrong draw is off by about |std|, a million times more. Every
output is checked to be non-degenerate (not constant).
"""
import math
import os
from typing import List, Tuple

import numpy as np
import pytest
import torch
import torch.nn as nn

from harness import assert_ok, input_words, read_outputs, run_tscript, script

EPS32 = 2.0 ** -23


def normal_atol(std=1.0, mean=0.0, eps=EPS32):
    return 4 * eps * (8.57 * abs(std) + abs(mean))


class SeededDraws(nn.Module):
    """Seeds inside the model, then draws with every random op a script
    reaches, so each op's state carries into the next."""

    def forward(self, x: torch.Tensor, seed: int) -> List[torch.Tensor]:
        torch.manual_seed(seed)
        a = torch.randn(2, 3)                        # scalar path, leaves a cached sample
        b = torch.randn(40)                          # normal_fill
        c = torch.rand(5)
        d = torch.randint(0, 10, [6])
        e = torch.randint(-1099511627776, 1099511627776, [3])  # 2^40: 64-bit draws
        f = torch.randperm(9)
        g = x.clone().uniform_(-1.0, 1.0)
        h = x.clone().normal_(0.5, 2.0)
        i = torch.bernoulli(torch.rand(12))
        j = torch.rand_like(x.t())                   # a transposed view: memory order
        k = torch.normal(x, 0.25)
        m = torch.randn(1, dtype=torch.float64)      # the cached sample from a
        n = x.clone().bernoulli_(0.3)
        return [a, b, c, d, e, f, g, h, i, j, k, m, n]


# output index -> (std, mean) of the outputs from the scalar normal path; the rest bit for bit
SEEDED_KINDS = {0: (1.0, 0.0), 10: (0.25, 3.0), 11: (1.0, 0.0)}


def compare(got, want, kinds, constant=()):
    """kinds: see SEEDED_KINDS; constant: indices of outputs that are
    constant by design (constant_, zeros_)."""
    assert len(got) == len(want)
    for idx, (g, w) in enumerate(zip(got, want)):
        w = w.detach().numpy()
        assert g.dtype == w.dtype and g.shape == w.shape, idx
        if w.size > 1 and idx not in constant:
            assert np.ptp(w.astype(np.float64)) > 0, "output %d is constant" % idx
        if idx in kinds:
            std, mean = kinds[idx]
            np.testing.assert_allclose(g, w, rtol=0, atol=normal_atol(std, mean), err_msg="output %d" % idx)
        else:
            np.testing.assert_array_equal(g, w, err_msg="output %d" % idx)


@pytest.mark.parametrize("seed", [0, 1, 42, 2 ** 32 + 5])
def test_seeded_inside_the_model(archive, rundir, seed):
    path = archive("random_seeded_draws", lambda: script(SeededDraws()))
    x = torch.randn(4, 5)
    want = torch.jit.load(path)(x, seed)
    out = os.path.join(rundir, "out")
    assert_ok(run_tscript(["run", path] + input_words([x, seed], rundir) + ["-o", out]))
    compare(read_outputs(out), want, SEEDED_KINDS)


class Draws(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return torch.randn(3, 7), torch.rand(20, dtype=torch.float64), torch.randint(5, [8]), x + torch.randn_like(x)


@pytest.mark.parametrize("seed", [0, 7, 123456789])
def test_seed_from_the_command_line(archive, rundir, seed):
    """tscript run --seed N == torch.manual_seed(N); model(x)."""
    path = archive("random_draws", lambda: script(Draws()))
    x = torch.randn(2, 3)
    m = torch.jit.load(path)
    torch.manual_seed(seed)
    want = m(x)
    out = os.path.join(rundir, "out")
    assert_ok(run_tscript(["run", path] + input_words([x], rundir) + ["--seed", str(seed), "-o", out]))
    compare(read_outputs(out), want, {3: (1.0, 2.5)})


class LinearInit(nn.Module):
    """nn.Linear(10, 2).reset_parameters written out in TorchScript:
    kaiming_uniform_(weight, a=sqrt(5)), then bias uniform_(+-1/sqrt(fan_in))."""

    def forward(self, seed: int) -> Tuple[torch.Tensor, torch.Tensor]:
        torch.manual_seed(seed)
        w = torch.empty(2, 10)
        fan_in = w.size(1)
        gain = math.sqrt(2.0 / (1 + math.sqrt(5.0) ** 2))
        bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
        w.uniform_(-bound, bound)
        b = torch.empty(2)
        bb = 1 / math.sqrt(fan_in)
        b.uniform_(-bb, bb)
        return w, b


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_linear_initialisation(archive, rundir, seed):
    """The draws nn.Linear's constructor makes, bit for bit: what scripting
    a model without --weights relies on."""
    path = archive("random_linear_init", lambda: script(LinearInit()))
    torch.manual_seed(seed)
    lin = nn.Linear(10, 2)
    out = os.path.join(rundir, "out")
    assert_ok(run_tscript(["run", path, str(seed), "-o", out]))
    compare(read_outputs(out), [lin.weight, lin.bias], {})


class Dtypes(nn.Module):
    def forward(self, seed: int) -> List[torch.Tensor]:
        torch.manual_seed(seed)
        return [torch.randn(20, dtype=torch.float64), torch.rand(9, dtype=torch.float16),
                torch.randint(-100, 100, [10], dtype=torch.int8), torch.randperm(6, dtype=torch.int32),
                torch.empty(10, dtype=torch.int64).random_(), torch.empty(7).random_(3, 9),
                torch.normal(2.0, 0.5, [5, 5])]


def test_dtypes(archive, rundir):
    path = archive("random_dtypes", lambda: script(Dtypes()))
    want = torch.jit.load(path)(11)
    out = os.path.join(rundir, "out")
    assert_ok(run_tscript(["run", path, "11", "-o", out]))
    # float64 normal_fill: the C library's log/sin/cos in double on both sides
    got = read_outputs(out)
    np.testing.assert_allclose(got[0], want[0].numpy(), rtol=0, atol=normal_atol(eps=2.0 ** -52))
    compare(got[1:], want[1:], {})


class InitFunctions(nn.Module):
    """torch.nn.init's functions written out with the ops they call (what
    the nn library of scripting runs): the same draws in the same order."""

    def forward(self, seed: int) -> List[torch.Tensor]:
        torch.manual_seed(seed)
        w1 = torch.empty(3, 5)                                   # xavier_uniform_
        a1 = 1.0 * math.sqrt(2.0 / float(5 + 3)) * math.sqrt(3.0)
        w1.uniform_(-a1, a1)
        w2 = torch.empty(20, 30)                                 # xavier_normal_
        w2.normal_(0.0, 1.0 * math.sqrt(2.0 / float(30 + 20)))
        w3 = torch.empty(16, 8, 3, 3)                            # kaiming_normal_(mode='fan_out')
        w3.normal_(0.0, math.sqrt(2.0) / math.sqrt(float(16 * 9)))
        w4 = torch.empty(50)                                     # trunc_normal_(std=0.02, a=-0.04, b=0.04)
        mean, std, lo, hi = 0.0, 0.02, -0.04, 0.04
        l = (1.0 + math.erf((lo - mean) / std / math.sqrt(2.0))) / 2.0
        u = (1.0 + math.erf((hi - mean) / std / math.sqrt(2.0))) / 2.0
        w4.uniform_(2 * l - 1, 2 * u - 1)
        w4.erfinv_()
        w4.mul_(std * math.sqrt(2.0))
        w4.add_(mean)
        w4.clamp_(min=lo, max=hi)
        w5 = torch.empty(7, 9)                                   # uniform_, normal_
        w5.uniform_(-0.1, 0.1)
        w6 = torch.empty(12)
        w6.normal_(1.0, 0.5)
        w7 = torch.eye(4, 6)                                     # eye_
        w8 = torch.empty(2, 3).fill_(0.25)                       # constant_
        w9 = torch.ones(3).zero_()                               # zeros_
        return [w1, w2, w3, w4, w5, w6, w7, w8, w9]


def init_reference(seed):
    torch.manual_seed(seed)
    w = [torch.empty(3, 5), torch.empty(20, 30), torch.empty(16, 8, 3, 3), torch.empty(50),
         torch.empty(7, 9), torch.empty(12), torch.empty(4, 6), torch.empty(2, 3), torch.empty(3)]
    nn.init.xavier_uniform_(w[0])
    nn.init.xavier_normal_(w[1])
    nn.init.kaiming_normal_(w[2], mode="fan_out", nonlinearity="relu")
    nn.init.trunc_normal_(w[3], std=0.02, a=-0.04, b=0.04)
    nn.init.uniform_(w[4], -0.1, 0.1)
    nn.init.normal_(w[5], 1.0, 0.5)
    nn.init.eye_(w[6])
    nn.init.constant_(w[7], 0.25)
    nn.init.zeros_(w[8])
    return w


@pytest.mark.parametrize("seed", [0, 3])
def test_nn_init_functions(archive, rundir, seed):
    """Every output bit for bit: uniforms, float32 normal_fill, the scalar
    normal path with the same C library, and erfinv (calc_erfinv with the C
    library's erf and exp) on this machine. w6 (12 elements) is the scalar
    path; the rest are contiguous fills."""
    path = archive("random_init_functions", lambda: script(InitFunctions()))
    want = init_reference(seed)
    out = os.path.join(rundir, "out")
    assert_ok(run_tscript(["run", path, str(seed), "-o", out]))
    got = read_outputs(out)
    # w6 goes through the C library's log/sin/cos (the scalar path), w4
    # through its erf/exp: the reasoned bounds, which equal values also meet
    compare(got[:3], want[:3], {})
    np.testing.assert_allclose(got[3], want[3].numpy(), rtol=0, atol=4 * EPS32 * 25 * 0.02 * math.sqrt(2))
    assert np.ptp(want[3].numpy()) > 0.01
    compare(got[4:], want[4:], {1: (0.5, 1.0)}, constant=(3, 4))
