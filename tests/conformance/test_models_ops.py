"""The ops the model-family corpus needed (src/ops/models.def): sums of number
lists, torch.where(condition), torch.unique, pack_padded_sequence /
pad_packed_sequence, and the RNNs over packed sequences (lstm.data,
gru.data, rnn_tanh.data, rnn_relu.data), scripted by PyTorch 1.13 and run by
tscript against it, odd cases included (0-dim and empty conditions, repeated
values, total_length, padding_value, enforce_sorted, one-step sequences,
projected and bidirectional multi-layer RNNs), and the errors PyTorch raises.
"""
from typing import List

import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import harness
from harness import check_model, script


class ListSums(nn.Module):
    def forward(self, x: torch.Tensor):
        ints: List[int] = x.shape
        floats: List[float] = [1.5, -0.25, float(x.sum())]
        flags: List[bool] = [True, False, True, bool(x.sum() > 0)]
        return sum(ints), sum(floats), sum(flags), x * sum(ints)


class WhereUnique(nn.Module):
    def forward(self, x: torch.Tensor, labels: torch.Tensor):
        rows, cols = torch.where(x > 0.3)
        (only,) = torch.where(x.sum() > 0)
        (none,) = torch.where(x[0] > 100)
        u, inv, counts = torch.unique(labels, return_inverse=True, return_counts=True)
        uf = torch.unique(torch.round(x * 2))
        return rows, cols, only, none, u, inv, counts, uf, torch.unique(labels.float())


class Packing(nn.Module):
    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, n = pad_packed_sequence(p, batch_first=True, padding_value=-1.5, total_length=7)
        q = pack_padded_sequence(x.transpose(0, 1), lengths.sort(descending=True)[0])
        z, m = pad_packed_sequence(q)
        return p.data, p.batch_sizes, y, n, q.data, z, m


class PackedRNNs(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 6, 2, bidirectional=True, proj_size=3)
        self.gru = nn.GRU(5, 4, 2, bidirectional=True)
        self.tanh = nn.RNN(5, 4)
        self.relu = nn.RNN(5, 4, nonlinearity="relu", bidirectional=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        p = pack_padded_sequence(x, lengths, enforce_sorted=False)
        a, (ha, ca) = self.lstm(p)
        b, hb = self.gru(p)
        c, hc = self.tanh(p, torch.ones(1, 4, 4))
        d, hd = self.relu(p)
        return (pad_packed_sequence(a)[0], ha, ca, pad_packed_sequence(b)[0], hb, c.data, hc,
                pad_packed_sequence(d)[0], hd)


class Transposed(nn.Module):
    """Traced, every convolution is aten::_convolution: transposed (1-, 2-,
    3-d, groups, dilation, output_padding) and 3-d ones included."""

    def __init__(self):
        super().__init__()
        self.t1 = nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)
        self.t2 = nn.ConvTranspose2d(4, 3, (3, 2), stride=(2, 1), padding=(1, 0))
        self.t3 = nn.ConvTranspose3d(4, 2, 2, stride=2)
        self.c3 = nn.Conv3d(4, 5, 3, stride=(1, 2, 2), padding=1, dilation=(2, 1, 1))

    def forward(self, s, x, v):
        return self.t1(s), self.t2(x), self.t3(v), self.c3(v)


def padded(T, B, F, lengths):
    x = torch.randn(T, B, F)
    for b, n in enumerate(lengths):
        x[n:, b] = 0
    return x


CASES = {
    "list_sums": (ListSums, lambda: [torch.randn(3, 5)]),
    "where_unique": (WhereUnique, lambda: [torch.randn(4, 5), torch.tensor([[3, 1, 4], [1, 5, 9], [2, 6, 5]])]),
    "packing": (Packing, lambda: [torch.randn(4, 6, 3), torch.tensor([2, 6, 1, 4])]),
    "packed_rnns": (PackedRNNs, lambda: [padded(6, 4, 5, [3, 6, 1, 5]), torch.tensor([3, 6, 1, 5])]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_models_op(archive, rundir, name):
    build, inputs = CASES[name]
    path = archive("models_ops_" + name, lambda: script(build()))
    check_model(path, inputs(), rundir)


def test_traced_transposed_and_3d_convolutions(archive, rundir):
    inputs = lambda: [torch.randn(2, 4, 9), torch.randn(2, 4, 5, 6), torch.randn(1, 4, 5, 4, 6)]
    path = archive("models_ops_transposed_traced", lambda: torch.jit.trace(Transposed().eval(), inputs()))
    check_model(path, inputs(), rundir)


class PackSorted(nn.Module):
    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        return pack_padded_sequence(x, lengths).data


class UniqueUnsorted(nn.Module):
    def forward(self, x: torch.Tensor):
        return torch._unique2(x, False)[0]


@pytest.mark.parametrize("lengths,needle", [
    ([2, 3], "`lengths` array must be sorted in decreasing order"),
    ([3, 0], "Length of all samples has to be greater than 0"),
    ([3, 2, 1], "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)"),
])
def test_pack_errors(archive, rundir, lengths, needle):
    x, n = torch.randn(3, 2, 4), torch.tensor(lengths)
    with pytest.raises(RuntimeError, match=needle.replace("(", r"\(").replace(")", r"\)").replace("`", ".")):
        torch.jit.script(PackSorted())(x, n)
    path = archive("models_ops_pack_sorted", lambda: script(PackSorted()))
    proc = harness.run_tscript(["run", path] + harness.input_words([x, n], rundir))
    harness.assert_error(proc, needle)


def test_unique_unsorted_is_refused(archive, rundir):
    path = archive("models_ops_unique_unsorted", lambda: script(UniqueUnsorted()))
    proc = harness.run_tscript(["run", path] + harness.input_words([torch.tensor([3, 1, 2, 1])], rundir))
    harness.assert_error(proc, "sorted=False returns PyTorch's hash-table order")
