# inputs: 3
# expect error: This Python function is annotated to be ignored and cannot be run
# Calling a @torch.jit.ignore method from compiled code fails when it runs
# (tscript runs no Python; PyTorch's saved archive raises the same).
import torch
import torch.nn as nn


class Net(nn.Module):
    @torch.jit.ignore
    def helper(self, n: int) -> int:
        return n + 1

    def forward(self, n: int):
        return self.helper(n)
