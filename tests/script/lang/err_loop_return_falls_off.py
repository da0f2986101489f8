# expect error: error: __torch__.err_loop_return_falls_off.first is annotated to return int but some paths fall off its end
# A return inside a loop and nothing after the loop: PyTorch accepts that
# only without a return annotation (the function then returns None there).
from typing import List

import torch
import torch.nn as nn


def first(xs: List[int]) -> int:
    for v in xs:
        if v > 2:
            return v


class Net(nn.Module):
    def forward(self, x: int):
        return first([x, 3])
