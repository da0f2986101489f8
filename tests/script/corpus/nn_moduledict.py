# tscript: class=Net inputs="randn:2,8"
# nn.ModuleDict iterated with items()
import torch
import torch.nn as nn
from typing import List


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({'a': nn.Linear(8, 3), 'b': nn.Linear(8, 5)})

    def forward(self, x):
        outs: List[torch.Tensor] = []
        for name, head in self.heads.items():
            outs.append(head(x))
        return torch.cat(outs, dim=1)
