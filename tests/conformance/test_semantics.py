"""Semantics that bite (issue 8), each a small scripted model run by tscript
and by PyTorch 1.13 and compared (harness.check_model: shapes, dtypes,
integers exactly, floats within the harness tolerance, NaN where NaN):

  - in-place ops through views update the base (slices, select, t(),
    view(-1), diagonal, index assignment), and in-place view ops (squeeze_,
    unsqueeze_, transpose_, as_strided_) change the tensor every holder sees;
  - non-contiguous and overlapping views as inputs (transposes, steps,
    expand, as_strided with overlapping windows);
  - 0-dim and empty tensors (reductions of empty tensors, cat with empty);
  - negative dims everywhere a dim is taken;
  - integer arithmetic: int64 and int32 wraparound, floor / trunc division
    and remainder with negative operands, true division of integers;
  - NaN and inf propagation in reductions, max/min, maximum vs fmax, sort,
    cummax, clamp, median;
  - out= forms: resized, written through a view into its base, dtype rules.

Where PyTorch raises (integer division by zero, out= overlapping an input,
a reduction over an empty dim without identity), tscript must raise.
"""
import pytest
import torch
import torch.nn as nn

from harness import assert_error, cached_archive, check_model, input_words, run_tscript, script


class ViewsInplace(nn.Module):
    def forward(self, a: torch.Tensor):
        x = a.clone()
        v = x[1]
        v.add_(1.5)                     # a row view
        x.t()[0].mul_(2.0)              # a column through a transpose
        x.view(-1)[3:5].zero_()         # a flat view
        x.diagonal().sub_(0.25)
        x[:, 2] = 7.0                   # index assignment
        x.select(1, 3).copy_(a[:, 0])
        x[2:, 1:3] += 1.0
        y = a.clone()
        z = y                           # another holder of the same tensor
        y.transpose_(0, 1)
        w = a.clone().unsqueeze_(0).squeeze_(0).unsqueeze_(-1)
        s = a.clone()
        s.as_strided_([2, 2], [1, 4])
        return x, v, z, w, s, y.is_contiguous()


class Noncontig(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor):
        t = a.t()
        e = a[0].expand(3, 5)
        ov = a.reshape(-1).as_strided([4, 3], [2, 1])   # overlapping windows
        return (t + b, t.contiguous(), a[:, ::2] * 2.0, e.sum(0), e + 1.0, ov * 1.0, ov.sum(1),
                torch.matmul(t, a), torch.softmax(t, 1), a[1::2, 1:], t.reshape(-1))


class Empty0d(nn.Module):
    def forward(self, a: torch.Tensor, s: torch.Tensor):
        z = a[:0]
        return (z.sum(), z.sum(0), z.prod(), z.mean(), torch.cat([z, a]), z.reshape(0, 7, 1).shape[1],
                s + a, s * 2.0, s.sum(), (s > 0).long(), torch.stack([s, s]), s.unsqueeze(0), z.numel(),
                torch.zeros(3, 0).sum(1))


class NegDims(nn.Module):
    def forward(self, a: torch.Tensor):
        return (a.sum(-1), a.mean(-2, keepdim=True), torch.softmax(a, -1), torch.cat([a, a], -1),
                a.unsqueeze(-1).shape[-1], a.transpose(-1, -2), a.flatten(-2, -1), a.select(-1, -2),
                a.narrow(-1, 1, 2), torch.cumsum(a, -1), a.max(-1)[1], a.argmin(-2), a.flip([-1]),
                a.squeeze(-3), torch.stack([a, a], -1).shape[-1])


class Integers(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor):
        big = torch.full([3], 9223372036854775807, dtype=torch.long)
        i32 = torch.full([2], 2147483647, dtype=torch.int32)
        return (big + 1, big * 2, i32 + 1, (i32 * 3).dtype == torch.int32,
                torch.div(a, b, rounding_mode="floor"), torch.div(a, b, rounding_mode="trunc"),
                a // b, a % b, torch.remainder(a, -3), torch.fmod(a, b), a / b,
                torch.floor_divide(a, 4), a * 2.5, (a.to(torch.int8) * 100).to(torch.int8),
                torch.abs(torch.tensor([-9223372036854775807 - 1])), a.sum(), a.prod())


class NaNs(nn.Module):
    def forward(self, a: torch.Tensor):
        n = a.clone()
        n[1, 2] = float("nan")
        n[3, 0] = float("inf")
        return (n.max(), n.min(), n.max(1)[0], n.max(1)[1], n.amax(0), n.argmax(), n.argmin(1),
                n.sum(1), n.mean(), torch.maximum(n, a), torch.fmax(n, a), torch.sort(n, 1)[0],
                torch.sort(n, 1)[1], torch.cummax(n, 1)[0], torch.cummax(n, 1)[1], n.clamp(-1.0, 1.0),
                torch.logsumexp(n, 1), n.nansum(), torch.nanmean(n, 1), n.median(1)[0],
                torch.isnan(n).sum(), torch.topk(n, 2, 1)[0])


class OutForms(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor):
        o = torch.empty(0)
        torch.add(a, b, out=o)           # resized from empty
        base = torch.zeros(4, 5)
        torch.mul(a, 2.0 * b, out=base[1:3])   # written through a view of base
        c = torch.zeros(1, dtype=torch.float64)
        torch.cat([a, b], 1, out=c)     # resized, float32 results into float64
        idx = torch.tensor([2, 0])
        g = torch.zeros(2, 2)
        torch.index_select(a, 1, idx, out=g)
        m = torch.zeros(3)
        torch.mm(a, b.t(), out=m)
        return o, base, c, g, m


def _inputs(name):
    g = torch.Generator().manual_seed(7)
    r = lambda *s: torch.randn(*s, generator=g) * 2.0 + 0.5  # noqa: E731
    if name == "views_inplace":
        return [r(4, 5)]
    if name == "noncontig":
        return [r(5, 5), r(5, 5)]
    if name == "empty_0d":
        return [r(3, 7), torch.tensor(1.75)]
    if name == "neg_dims":
        return [r(1, 3, 4)]
    if name == "integers":
        return [torch.tensor([7, -7, 9, -9, 0, 5, -5, 13]), torch.tensor([2, 2, -4, -4, 3, -3, 3, 5])]
    if name == "nans":
        return [r(5, 6)]
    if name == "out_forms":
        return [r(2, 3), r(2, 3)]
    raise KeyError(name)


MODELS = {"views_inplace": ViewsInplace, "noncontig": Noncontig, "empty_0d": Empty0d, "neg_dims": NegDims,
          "integers": Integers, "nans": NaNs, "out_forms": OutForms}
# outputs that are the point although a comparison of them alone proves little
DEGENERATE = {"empty_0d": "sums of empty tensors are the point (0, 1, NaN)",
              "nans": "NaN and inf propagation is the point",
              "integers": "the true division outputs include exact small quotients",
              "views_inplace": "exact values written through views",
              "out_forms": "exact values written through out="}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_semantics(name, tmp_path):
    path = cached_archive("semantics_" + name, lambda p: torch.jit.save(script(MODELS[name]()), p))
    if path is None:
        path = str(tmp_path / "m.pt")
        torch.jit.save(script(MODELS[name]()), path)
    check_model(path, _inputs(name), str(tmp_path), degenerate_ok=DEGENERATE.get(name))


class Raises(nn.Module):
    def forward(self, a: torch.Tensor, k: int):
        if k == 0:
            return a // torch.zeros_like(a)                  # integer division by zero
        if k == 1:
            return torch.cat([a, a], out=a)                   # out= overlapping an input
        if k == 2:
            return torch.zeros(0, 3).amax(0)                  # reduction over an empty dim
        if k == 3:
            return a.sum(-3)                                  # dim out of range
        if k == 4:
            o = torch.zeros(2, dtype=torch.long)
            return torch.mm(a.float(), a.float().t(), out=o)   # out= of another dtype
        return a.view(-1).as_strided([9], [1], 0)             # outside the storage


@pytest.mark.parametrize("k", range(6))
def test_semantics_raises(k, tmp_path):
    m = script(Raises())
    a = torch.tensor([[3, -4]])
    with pytest.raises(Exception):
        m(a.clone(), k)
    path = str(tmp_path / "raises.pt")
    torch.jit.save(m, path)
    proc = run_tscript(["run", path] + input_words([a, k], str(tmp_path)))
    assert_error(proc)
