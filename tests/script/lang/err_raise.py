# args: 3, mode="cubic"
# expect error: err_raise.py:12:13: error: ValueError: mode must be 'linear' or 'nearest', not 'cubic'
# A constructor's exception is reported as Python would, at the raise.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n, mode="linear"):
        super().__init__()
        self.n = n
        if mode not in ("linear", "nearest"):
            raise ValueError(f"mode must be 'linear' or 'nearest', not {mode!r}")

    def forward(self, x):
        return x
