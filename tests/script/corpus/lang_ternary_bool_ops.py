# tscript: class=Net inputs="randn:3,3 4 False"
# Conditional expressions, and/or/not, chained comparisons, `is None`.
from typing import Optional

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, n: int, flag: bool):
        limit: Optional[int] = None if n > 10 else n
        a = 2.0 if flag else -3.0
        b = 1 if (n > 2 and not flag) or n == 0 else 5
        c = 0 < n < 10
        d = limit is not None and limit >= 4
        return x * a + b + int(c) + int(d)
