# inputs: 4
# expect: 8
# expect warning: script_decorated.py:9:1: warning: @torch.jit.script on the nn.Module class 'Twice'
import torch
import torch.nn as nn


@torch.jit.script
class Twice(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, n: int):
        return 2 * n
