# tscript: class=Net args="width=4, depths=(1, 2), scale=1.0" inputs="randn:2,3,8,8" seed=2
# Constructor idioms: a helper def building blocks, a nested def closing over the
# arguments and **kwargs, an OrderedDict of stages named with %, init by isinstance
# over self.modules(), parameter counts, set displays, tensors turned into ints.
import math
from collections import OrderedDict
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_block(cin, cout, norm=True):
    layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class Base(nn.Module):
    expansion = 2

    def __init__(self, width):
        super().__init__()
        self.width = width


class Net(Base):
    def __init__(self, width=4, depths=(1, 2), **kwargs):
        super(Net, self).__init__(width)
        scale = kwargs.get("scale", 1.0)

        def ch(i):
            return int(width * scale * self.expansion ** i)

        self.stem = make_block(3, ch(0))
        stages = OrderedDict()
        for i, d in enumerate(depths):
            blocks = []
            for j in range(d):
                blocks.append(make_block(ch(i) if j == 0 else ch(i + 1), ch(i + 1)))
            stages["stage%d" % (i + 1)] = nn.Sequential(*blocks)
        self.stages = nn.Sequential(stages)
        self.head = nn.Linear(ch(len(depths)), 3)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        n_params = sum(p.numel() for p in self.parameters())
        self.info = "params=%d stages=%s" % (n_params, ",".join(k for k, _ in self.stages.named_children()))
        names = [n for n, _ in self.named_modules()][:4]
        self.names = names
        self.shapes = [list(p.shape) for n, p in self.named_parameters() if n.endswith("head.weight")]
        self.flag = -1 if not "x".isdigit() else int("x")
        self.sq = {k: v for k, v in zip("ab", range(2))}
        self.s = sorted({3, 1, 2})
        self.register_buffer("pos", torch.linspace(0, 1, 5).view(1, -1).repeat(2, 1))
        self.dims = tuple(int(d) for d in torch.tensor([2, 3]))

    def forward(self, x):
        y = self.stages(self.stem(x))
        return self.head(y.mean([2, 3])), self.info, self.names, self.shapes, self.flag, self.s, self.pos, self.dims
