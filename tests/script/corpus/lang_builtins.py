# tscript: class=Net inputs="randn:2,4 5"
# Builtins TorchScript has: len, range, min, max, abs, int, float, bool,
# round, divmod-free sums, sorted-free list ops, all/any free, chr-free.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, n: int):
        xs = [3, -1, 4, -1, 5]
        m = min(xs) + max(xs) + min(n, 2) + max(1.5, 2.5)
        k = abs(-7) + int(3.9) + int("12") + len(xs) + len([v for v in range(0, 10, 3)])
        f = float(n) / 2 + float("0.25") + round(2.6) + abs(-0.5)
        flag = bool(n) and not bool(0)
        total = 0
        for v in xs:
            total += v
        return x * m + k * f + total + int(flag)
