# inputs: 3
# expect error: err_comp_if.py:13:15: error: Comprehension ifs are not supported yet
# TorchScript rejects what PyTorch rejects, with its message.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, n: int):
        return [
            i for i in range(n) if i > 0]
