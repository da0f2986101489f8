# tscript: class=MLP args="4, 8, 16, 3, act='gelu'" inputs="randn:5,4"
# *dims in the constructor, zip of slices, a keyword-only choice of activation.
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, *dims, act="relu"):
        super().__init__()
        acts = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}
        layers = []
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(dims) - 2:
                layers.append(acts[act]())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
