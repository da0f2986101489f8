# inputs: 3
# expect error: err_comp_if.py:12:16: error: comprehension ifs are not supported in TorchScript: filter inside a for loop instead
# TorchScript rejects what PyTorch rejects, with its message.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, n: int):
        return [
            i for i in range(n) if i > 0]
