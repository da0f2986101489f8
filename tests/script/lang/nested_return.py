# inputs: 3
# expect: (30, 2, 7, 100, -1, 2, -2, 10, 12)
# A return nested in ifs, with code after the outer if: the rest runs only on
# the paths that did not return (PyTorch's exit transform). nn.TransformerEncoderLayer's
# fast path returns this way.
import torch
import torch.nn as nn


def pick(n: int, big: bool) -> int:
    why = ""
    if n > 2:
        why = "n > 2"
    if not why:
        if big:
            return 100
        why = "small"
    k = n * 10
    if why == "n > 2":
        return k
    return len(why) - 3


def deep(n: int) -> int:
    if n > 0:
        if n > 1:
            if n > 2:
                return 7
        n = n + 1
    return n * 2 - 2


def guarded(n: int) -> int:
    x = n
    if n < 10:
        if n == 3:
            return -1
        x = x + 5
    return x


class Net(nn.Module):
    def forward(self, n: int):
        return pick(n, False), pick(2, False), deep(n), pick(1, True), guarded(n), deep(1), deep(0), guarded(5), guarded(12)
