# tscript: class=Net args="vocab=20, dim=8, names=('in', 'mid', 'out')" inputs="randint:0,20:2,5" seed=5
# Tensor work and Python builtins in a constructor: a padding row zeroed through an index,
# a table filled by slice assignment, a mask from a comparison, module names built with
# '%' and str.format, sorted/reversed/zip/enumerate over the config.
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, vocab: int, dim: int, names=("a", "b")):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(vocab, dim) * 0.5)
        with torch.no_grad():
            self.weight[0].fill_(0)
            self.weight[-1, : dim // 2] = 1.0 / math.sqrt(dim)
        table = torch.zeros(vocab, dim)
        pos = torch.arange(vocab, dtype=torch.float32).unsqueeze(1)
        freq = torch.exp(torch.arange(0, dim, 2).float() * (-2.0 / dim))
        table[:, 0::2] = pos * freq
        table[:, 1::2] = 1 - pos * freq / vocab
        self.register_buffer("table", table)
        self.register_buffer("keep", (torch.arange(dim) % 3 != 0).float())
        widths = {n: dim * (i + 1) for i, n in enumerate(names)}
        self.blocks = nn.Sequential()
        for i, (n, w) in enumerate(zip(sorted(widths), reversed(sorted(widths.values())))):
            self.blocks.add_module("%s_%d" % (n, i), nn.Linear(dim, dim, bias=w > dim))
            self.blocks.add_module("act%02d" % i, nn.ReLU())
        self.tag = "{}x{}:{:.2f}".format(vocab, dim, max(widths.values()) / min(widths.values()))
        self.order = [k for k, _ in self.blocks.named_children()]

    def forward(self, x):
        flat = x.reshape([-1])
        h = self.weight.index_select(0, flat) + self.table.index_select(0, flat)
        h = h.view([x.size(0), x.size(1), -1]) * self.keep
        return self.blocks(h), self.order, self.tag
