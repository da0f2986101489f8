# tscript: class=Net
# expect error: wrong_argument_type.py:13:16: error: argument 'n' of repeat(): expected a value of type int but found str
import torch
import torch.nn as nn


def repeat(x: torch.Tensor, n: int) -> torch.Tensor:
    return x.repeat(n, 1)


class Net(nn.Module):
    def forward(self, x):
        return repeat(x, "two")
