# tscript: class=Net inputs="randn:2,3"
# Annotated locals: List[List[int]], Dict[str, List[Tensor]], Tuple types.
from typing import Dict, List, Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        grid: List[List[int]] = [[1, 2], [3, 4, 5]]
        groups: Dict[str, List[torch.Tensor]] = {}
        groups["even"] = []
        groups["odd"] = []
        for row in grid:
            for v in row:
                key = "even" if v % 2 == 0 else "odd"
                groups[key].append(x * v)
        pair: Tuple[int, float] = (len(grid), 0.5)
        return torch.stack(groups["even"]).sum(0), torch.stack(groups["odd"]).sum(0) * pair[1], pair[0]
