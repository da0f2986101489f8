# tscript: class=Net inputs="randn:5,3 2"
# Returns from inside loops (PyTorch's exit transform): for and while loops,
# a return in an if/else of the body, nested loops, a return next to a break,
# Optional results and a function that falls off the end after its loop.
# Each helper is called with arguments that return inside the loop and with
# arguments that run the loop to its end.
from typing import List, Optional, Tuple

import torch
import torch.nn as nn


def first_over(x: torch.Tensor, limit: float) -> Optional[int]:
    for i in range(x.size(0)):
        if float(x[i].sum()) > limit:
            return i
    return None


def find_pair(x: torch.Tensor, k: int) -> Tuple[int, int]:
    for i in range(x.size(0)):
        for j in range(x.size(1)):
            if i * x.size(1) + j == k:
                return i, j
        k = k + 1
    return -1, -1


def countdown(n: int, stop: int) -> int:
    acc = 0
    while n > 0:
        if n == stop:
            return acc * 10
        else:
            acc += n
        n -= 1
    return acc


def scan(x: torch.Tensor, t: float, brk: int):
    total = torch.zeros(x.size(1))
    for i in range(x.size(0)):
        if i == brk:
            break
        row = x[i]
        if float(row.max()) > t:
            return total + row, i
        total = total + row
    return total, -1


def maybe_last(xs: List[int], v: int):
    for i in range(len(xs)):
        if xs[i] == v:
            return i


class Net(nn.Module):
    def forward(self, x, n: int):
        a = first_over(x, 0.5)
        b = first_over(x, 100.0)
        p = find_pair(x, n + 4)
        q = find_pair(x, 100)
        c = countdown(n + 3, n)
        d = countdown(n + 3, -1)
        s1, i1 = scan(x, 0.0, 10)
        s2, i2 = scan(x, 100.0, n)
        s3, i3 = scan(x, 100.0, 10)
        m1 = maybe_last([3, 1, 4, 1], 4)
        m2 = maybe_last([3, 1, 4, 1], 7)
        return a, b, p, q, c, d, s1, i1, s2, i2, s3, i3, m1, m2
