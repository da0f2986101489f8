# inputs: 2
# expect: (True, True, True, True, True, True, True, True, 1, 4, 0)
# Tensor casts (x.long(), x.int() ...) compile to aten::to(x, dtype) as PyTorch's
# do; list.index gives the first position.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(3.0) * n
        xs: List[int] = [5, n, 7, n]
        names = ["a", "b"]
        return (x.long().dtype == torch.int64, x.int().dtype == torch.int32, x.double().dtype == torch.float64,
                x.long().float().dtype == torch.float32, x.short().dtype == torch.int16,
                x.byte().dtype == torch.uint8, x.char().dtype == torch.int8, x.half().dtype == torch.float16,
                xs.index(n), int(x.long()[2]), names.index("a"))
