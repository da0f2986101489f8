# tscript: class=Net inputs="randn:3,4 randint:-5,5:3,4"
# dtype conversions and dtype checks; int, bool and float64 outputs.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, n):
        d = x.to(torch.float64) * 2
        i = (x * 10).long()
        j = n.int() + 1
        b = x > 0
        f = n.float() / 3
        same = x.dtype == torch.float32
        return d, i, j, b, f + x, int(same), x.is_floating_point(), n.to(dtype=torch.float32).sum()
