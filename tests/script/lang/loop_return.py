# inputs: 3 10
# expect: (9, 3, -5, 3, (1, 0), None, 4, 2)
# Returns inside for and while loops (PyTorch's exit transform): with
# continue and break beside them, nested loops, tuples, an unannotated
# function that falls off its end after its loop (None), a return in the
# else branch.
from typing import List

import torch
import torch.nn as nn


def first_big(xs: List[int], t: int) -> int:
    s = 0
    for v in xs:
        if v > t:
            return v
        if v < 0:
            continue
        s += v
    return s


def square_over(n: int) -> int:
    i = 0
    while i < n:
        i += 1
        if i == 7:
            break
        if i * i > 20:
            return -i
    return i


def find(rows: List[List[int]], v: int):
    for i in range(len(rows)):
        for j in range(len(rows[i])):
            if rows[i][j] == v:
                return i, j


def steps(n: int, limit: int) -> int:
    k = 0
    while True:
        if n < limit:
            n = n * 2
        else:
            return k
        k += 1
    return -1


class Net(nn.Module):
    def forward(self, a: int, b: int):
        rows = [[1, 2], [3, a]]
        return (first_big([1, -2, a, 9, 4], 5), first_big([1, 2], b), square_over(b), square_over(a),
                find(rows, a), find(rows, 5), steps(a, 40), steps(b, 1000) - 5)
