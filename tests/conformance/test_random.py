"""Random ops: scripted models that seed and draw, against PyTorch.

Each model is scripted and saved by PyTorch; PyTorch runs the archive
(torch.jit.load) and tscript runs the same file. The seed comes in two ways:
torch.manual_seed inside the model (TorchScript has aten::manual_seed), or
`tscript run --seed N`, which must equal torch.manual_seed(N) before the
call.

Comparison. Integer draws (randint, randperm, random_, bernoulli) and
uniform ones (rand, uniform_) are a few integer operations and one fused
multiply-add: bit for bit. Normal samples are Box-Muller, r cos(theta) with
r = sqrt(-2 log u1): PyTorch's float32 path for 16 or more contiguous
elements uses its own SIMD log/sin/cos, tscript the C library's, so they
agree within a few ulp of the radius: |got - want| <= 4 eps32 (r_max |std|
+ |mean|) with r_max = sqrt(-2 ln 2^-24) = 5.77 (float32 uniforms) or
sqrt(-2 ln 2^-53) = 8.57 (the float64 uniforms of the scalar path). A wrong
draw is off by about |std|, a million times more. Every output is checked to
be non-degenerate (not constant).
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


def normal_atol(std=1.0, mean=0.0, scalar=False):
    return 4 * EPS32 * ((8.57 if scalar else 5.77) * abs(std) + abs(mean))


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


# (output index, kind): 'x' exact, or the normal bound's (std, mean, scalar path)
SEEDED_KINDS = {0: (1.0, 0.0, True), 1: (1.0, 0.0, False), 7: (2.0, 0.5, False), 10: (0.25, 3.0, True),
                11: (1.0, 0.0, True)}


def compare(got, want, kinds):
    assert len(got) == len(want)
    for idx, (g, w) in enumerate(zip(got, want)):
        w = w.detach().numpy()
        assert g.dtype == w.dtype and g.shape == w.shape, idx
        if w.size > 1:
            assert np.ptp(w.astype(np.float64)) > 0, "output %d is constant" % idx
        if idx in kinds:
            std, mean, scalar = kinds[idx]
            np.testing.assert_allclose(g, w, rtol=0, atol=normal_atol(std, mean, scalar), err_msg="output %d" % idx)
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
    compare(read_outputs(out), want, {0: (1.0, 0.0, False), 3: (1.0, 2.5, True)})


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
    # float64 normal_fill (log/sin/cos in double on both sides): within the
    # float64 analogue of the bound
    got = read_outputs(out)
    np.testing.assert_allclose(got[0], want[0].numpy(), rtol=0, atol=4 * 2.0 ** -52 * 8.57)
    compare(got[1:], want[1:], {5: (0.5, 2.0, False)})
