# tscript: class=Model args="depth=2" inputs="randn:2,6"
# Modules three levels deep: the tree prints each level.
import torch
import torch.nn as nn


class Inner(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(dim, dim), nn.Linear(dim, dim)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        for layer in self.layers:
            x = x + torch.relu(layer(x))
        return self.norm(x)


class Middle(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        self.blocks = nn.Sequential(*[Inner(dim) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


class Model(nn.Module):
    def __init__(self, depth=1):
        super().__init__()
        self.body = Middle(6, depth)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(self.body(x))
