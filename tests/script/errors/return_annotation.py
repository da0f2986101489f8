# tscript: class=Net
# expect error: return_annotation.py:9:9: error: return value was annotated as having type str but is actually of type Tensor
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x) -> str:
        return x * 2
