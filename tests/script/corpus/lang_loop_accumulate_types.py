# tscript: class=Net inputs="randn:5,3"
# Loop-carried values of several types (int, float, Tensor, List) and an
# early return from inside a loop.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        count = 0
        total = 0.0
        acc = torch.zeros(3)
        seen: List[int] = []
        for i in range(x.size(0)):
            row = x[i]
            if float(row.sum()) > 5.0:
                return row, count, total
            count += 1
            total += float(row.max())
            acc = acc + row
            seen.append(i)
        return acc, count + len(seen), total
