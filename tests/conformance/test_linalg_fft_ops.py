"""Models calling the linalg and fft ops (src/ops/tensor_lapack.c,
tensor_linalg_ext.c, tensor_fft.c), scripted by PyTorch 1.13 and run by
tscript against it with the harness's tolerance (from the spread of
PyTorch's float32 run around its float64 one). The OpInfo suite checks each
op on PyTorch's own samples; these check them composed as models use them:
whitening and solving with a covariance matrix (batched), spectral features
through stft / istft / irfft, and the errors PyTorch raises for singular and
indefinite matrices.
"""
import pytest
import torch
import torch.nn as nn

from harness import assert_error, check_model, input_words, run_tscript, script


class Whiten(nn.Module):
    """Covariance of a batch of feature sets, then what is built on it."""

    def forward(self, x: torch.Tensor, b: torch.Tensor):
        xc = x - x.mean(dim=-2, keepdim=True)
        cov = xc.transpose(-1, -2) @ xc / x.shape[-2] + 0.1 * torch.eye(x.shape[-1])
        L = torch.linalg.cholesky(cov)
        white = torch.linalg.solve_triangular(L, xc.transpose(-1, -2), upper=False)
        sign, logdet = torch.linalg.slogdet(cov)
        w = torch.linalg.eigvalsh(cov)
        return (white, torch.cholesky_solve(b, L), torch.linalg.solve(cov, b), torch.linalg.inv(cov),
                torch.linalg.det(cov), sign * logdet, w, torch.linalg.svdvals(xc),
                torch.linalg.pinv(xc), torch.linalg.matrix_norm(cov, "nuc"), torch.linalg.cond(cov),
                torch.linalg.matrix_rank(xc), torch.linalg.lstsq(x, xc[..., :2] * 0.5 + x[..., 2:4]).solution)


class Factor(nn.Module):
    """LU and QR factorisations reassembled, a matrix exponential and power."""

    def forward(self, a: torch.Tensor, b: torch.Tensor):
        P, L, U = torch.linalg.lu(a)
        LU, piv = torch.linalg.lu_factor(a)
        Q, R = torch.linalg.qr(a)
        return (P @ L @ U, torch.linalg.lu_solve(LU, piv, b), Q @ R, R.abs(),
                torch.linalg.matrix_exp(0.3 * a), torch.linalg.matrix_power(a, 3),
                torch.linalg.multi_dot([a, b, b.transpose(-1, -2)]) if a.dim() == 2 else a,
                torch.cdist(a, b.transpose(-1, -2)), torch.tensordot(a, b, dims=([1], [0])))


class Spectral(nn.Module):
    def forward(self, x: torch.Tensor, w: torch.Tensor):
        s = torch.stft(x, 64, hop_length=16, window=w, return_complex=False)
        mag = (s * s).sum(-1).sqrt()
        back = torch.istft(s, 64, hop_length=16, window=w, length=x.shape[-1])
        return (mag, back, torch.fft.irfft(mag, dim=-2), torch.fft.hfft(x[:, :33]),
                torch.fft.fftshift(mag, dim=-1), torch.fft.irfftn(mag[:, :16, :16]))


MODELS = {
    "whiten": (Whiten, lambda: [torch.randn(3, 40, 6) * 2 + 1, torch.randn(3, 6, 2)]),
    "factor": (Factor, lambda: [torch.randn(7, 7) + 3 * torch.eye(7), torch.randn(7, 7)]),
    "spectral": (Spectral, lambda: [torch.sin(torch.arange(512.0) * 0.07).repeat(2, 1) * 3
                                    + torch.randn(2, 512), torch.hann_window(64) + 0.1]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_linalg_fft_model(archive, rundir, name):
    build, inputs = MODELS[name]
    torch.manual_seed(0)
    example = inputs()
    path = archive("linalg_fft_%s" % name, lambda: script(build().eval()))
    check_model(path, example, rundir)


class Singular(nn.Module):
    def forward(self, a: torch.Tensor, which: int):
        if which == 0:
            return torch.linalg.inv(a)
        if which == 1:
            return torch.linalg.cholesky(a)
        if which == 3:
            return torch.linalg.lu_solve(a[0], torch.zeros(3, dtype=torch.int32), a[0])
        if which == 4:
            return torch.lu_unpack(a[0], torch.full([3], 7, dtype=torch.int32))[0]
        return torch.linalg.solve(a, a)


@pytest.mark.parametrize("which,message", [
    (0, "linalg.inv: (Batch element 1): The diagonal element 2 is zero, the inversion could not be "
        "completed because the input matrix is singular."),
    (1, "linalg.cholesky: (Batch element 1): The factorization could not be completed because the "
        "input is not positive-definite (the leading minor of order 2 is not positive-definite)."),
    (2, "torch.linalg.solve: (Batch element 1): The solver failed because the input matrix is singular."),
    (3, "Pivots given to lu_solve must all be greater or equal to 1."),  # pivots that would index out of bounds
    (4, "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."),
])
def test_singular_errors_are_pytorchs(archive, rundir, which, message):
    a = torch.eye(3).repeat(2, 1, 1)
    a[1, 1, 1] = 0.0  # batch element 1 is singular (and not positive-definite)
    path = archive("linalg_singular_pivots", lambda: script(Singular()))
    with pytest.raises(RuntimeError) as e:
        torch.jit.load(path)(a, which)
    assert message in str(e.value)
    assert_error(run_tscript(["run", path] + input_words([a], rundir) + [str(which)]), message)
