# tscript: class=Net inputs="randn:2,3 None 2.0"
# isinstance and `is None` refinement of Optional and Union values.
from typing import Optional, Union

import torch
import torch.nn as nn


def as_scale(v: Union[int, float]) -> float:
    if isinstance(v, int):
        return float(v) * 10.0
    return v


class Net(nn.Module):
    def forward(self, x, bias: Optional[torch.Tensor], scale: float):
        y = x * as_scale(scale) + as_scale(3)
        if isinstance(bias, torch.Tensor):
            y = y + bias
        if bias is None:
            y = y - 1.0
        return y
