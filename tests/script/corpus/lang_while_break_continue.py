# tscript: class=Net inputs="randn:3,4"
# while loops with break and continue, a for loop with both.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        i = 0
        acc = torch.zeros_like(x)
        while i < 10:
            i += 1
            if i % 3 == 0:
                continue
            if i > 7:
                break
            acc = acc + x * i
        steps = 0
        for j in range(20):
            if j % 2 == 1:
                continue
            steps += j
            if steps > 12:
                break
        return acc, steps, i
