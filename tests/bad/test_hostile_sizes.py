"""Sizes near 2^63 from inputs and code (issue 5, part 4, defect 6): shape
arithmetic must never overflow (UBSan would report it), and where PyTorch
gives an answer tscript gives the same one; where the size cannot be
represented, a clean error. Each case is a small scripted model taking a
tensor and an int, run by real PyTorch and by tscript with the same values.
"""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from typing import List, Tuple

from harness import assert_error, assert_no_crash, assert_ok, input_words, read_outputs, run_tscript

BIG = [2**62, 2**63 - 1, 2**63 - 2, 2**61 + 1]


class Slice(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return x[1::a]


class SliceFrom(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return x[-a:a:3]


class Chunk(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> List[torch.Tensor]:
        return torch.chunk(x, a)


class Split(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> List[torch.Tensor]:
        return torch.split(x, a)


class Repeat(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return x.repeat([a, 2])


class Zeros(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> List[int]:
        z = torch.zeros([0, a, a])
        return z.size()


class MaxPoolCeil(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.max_pool2d(x, 2, stride=a, ceil_mode=True)


class AvgPoolCeil(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.avg_pool2d(x, 2, stride=a, ceil_mode=True)


class MaxPoolDilated(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.max_pool2d(x, 3, stride=1, dilation=a, ceil_mode=True)


class ConvStride(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(2, channels, 3, 3))

    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.conv2d(x, self.w, stride=a)


class ConvStrideH(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(2, channels, 3, 3))

    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.conv2d(x, self.w, stride=[1, a], padding=1)


class Conv1dStride(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(2, 3, 3))

    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.conv1d(x, self.w, stride=a)


class ConvPad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(2, 3, 3, 3))

    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.conv2d(x, self.w, padding=a)


class ConvDilation(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(2, 3, 3, 3))

    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.conv2d(x, self.w, dilation=a)


class Pad(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.pad(x, [a, a])


X1 = (7, 3)
XIMG = (1, 3, 9, 10)


def clamp(limit):
    """A step or stride past the extent it walks gives the same result as one
    equal to the extent: PyTorch's reference runs with that value (its own
    arithmetic overflows on the huge one: x[1::2**62] fails on negative
    strides, chunk(x, 2**63 - 1) on split_size 0, an AVX-512 conv2d with
    stride 2**61 on oneDNN's descriptor)."""
    return lambda a: min(a, limit)


def same(a):
    return a


def fails(a):
    return None


# (name, module, input shape, the int PyTorch's reference runs with, or
# None where tscript must refuse the value: its extent cannot be represented)
CASES = [
    ("slice", Slice(), X1, clamp(7)), ("slice_from", SliceFrom(), X1, clamp(7)),
    ("chunk", Chunk(), X1, clamp(7)), ("split", Split(), X1, clamp(7)),
    ("repeat", Repeat(), X1, fails), ("zeros", Zeros(), X1, same), ("pad", Pad(), X1, fails),
    ("max_pool_ceil", MaxPoolCeil(), XIMG, clamp(11)), ("avg_pool_ceil", AvgPoolCeil(), XIMG, clamp(11)),
    ("max_pool_dilated", MaxPoolDilated(), XIMG, fails),
    ("conv_stride_c1", ConvStride(1), (1, 1, 9, 10), clamp(11)),
    ("conv_stride_c3", ConvStride(3), XIMG, clamp(11)),
    ("conv_stride_c4", ConvStride(4), (2, 4, 9, 10), clamp(11)),
    ("conv_stride_w", ConvStrideH(3), XIMG, clamp(13)),
    ("conv1d_stride", Conv1dStride(), (1, 3, 11), clamp(12)),
    ("conv_pad", ConvPad(), XIMG, fails), ("conv_dilation", ConvDilation(), XIMG, fails),
]


def flat(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (list, tuple)):
        return [t for x in v for t in flat(x)]
    return [torch.tensor(v)]


@pytest.mark.parametrize("big", BIG, ids=str)
@pytest.mark.parametrize("name,module,shape,equiv", CASES, ids=[c[0] for c in CASES])
def test_huge_size_argument(rundir, name, module, shape, equiv, big):
    torch.manual_seed(0)
    path = os.path.join(rundir, name + ".pt")
    m = torch.jit.script(module.eval())
    m.save(path)
    x = torch.randn(*shape)
    outdir = os.path.join(rundir, "out")
    proc = run_tscript(["run", path] + input_words([x], rundir) + [str(big), "-o", outdir])
    if equiv(big) is None:
        assert_error(proc)
        return
    with torch.no_grad():
        expected = m(x, equiv(big))
    assert_ok(proc)
    got = read_outputs(outdir)
    want = [t.numpy() for t in flat(expected)]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        # each output element is one product sum of at most 27 terms of
        # magnitude ~3: float32 rounding stays far below 1e-4
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("word", ["randn:0,4611686018427387904,4611686018427387904",
                                  "randn:4611686018427387904,0,4"])
def test_empty_input_of_huge_extent(rundir, word):
    """An empty tensor whose other dimensions are near 2^63: its strides
    overflow (PyTorch wraps them), it has no elements, and it runs."""
    path = os.path.join(rundir, "numel.pt")

    class Numel(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> int:
            return x.numel()
    torch.jit.script(Numel()).save(path)
    proc = run_tscript(["run", path, word])
    assert_ok(proc)
    assert proc.stdout.strip() == "0"


def test_empty_npy_of_huge_extent(rundir):
    path = os.path.join(rundir, "numel.pt")

    class Dim(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> int:
            return x.dim()
    torch.jit.script(Dim()).save(path)
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4611686018427387904), }"
    header += b" " * ((-(10 + len(header) + 1)) % 64) + b"\n"
    npy = os.path.join(rundir, "x.npy")
    with open(npy, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
    proc = run_tscript(["run", path, npy])
    assert_ok(proc)
    assert proc.stdout.strip() == "3"


class PadCrop(torch.nn.Module):
    def forward(self, x: torch.Tensor, a: int) -> torch.Tensor:
        return F.pad(x, [a, -a])


@pytest.mark.parametrize("big", BIG + [-2**63], ids=str)
def test_pad_then_crop(rundir, big):
    """Padding by a huge amount on one side and cropping as much on the
    other: a clean answer or a clean error, no overflow."""
    path = os.path.join(rundir, "padcrop.pt")
    torch.jit.script(PadCrop()).save(path)
    proc = run_tscript(["run", path, "randn:7,3", str(big)])
    assert_no_crash(proc)
    assert proc.returncode in (0, 1), proc.stderr


class Slices(torch.nn.Module):
    def forward(self, a: int) -> Tuple[str, str, List[int], List[int]]:
        s = "abcdef"
        l = [1, 2, 3, 4]
        return (s[1::a], s[-a:a:2], l[-a + 1::a - 1], l[a::-a])


@pytest.mark.parametrize("big", BIG, ids=str)
def test_sequence_slices_with_huge_steps(rundir, big):
    """str and list slices stepping past the end: Python's answer, no
    overflow while stepping."""
    path = os.path.join(rundir, "slices.pt")
    m = torch.jit.script(Slices())
    m.save(path)
    proc = run_tscript(["run", path, str(big)])
    assert_ok(proc)
    assert proc.stdout.strip() == repr(m(big))
