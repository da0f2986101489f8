# tscript: class=Net inputs="randn:3,3 bool:3,3"
# Operators: @, unary minus, ~, &, |, ^ on bools, << and >> on ints, comparisons.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, m):
        a = x @ x.t() - -x
        b = ~m & (x > 0) | (m ^ (x < 0.5))
        shift = (1 << 4) + (256 >> 3) + (7 & 3) + (4 | 1) + (6 ^ 3)
        return a * shift, b, x != 0, x >= 0.1, (x == x.max()).sum()
