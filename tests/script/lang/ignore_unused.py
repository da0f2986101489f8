# inputs: 3
# expect: (6, 2.5)
# @torch.jit.unused and @torch.jit.ignore methods are never compiled (their
# bodies may hold anything Python runs: imports, % formatting); a call of one
# raises, so it sits on a branch that does not run.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.debug = False

    @torch.jit.unused
    def noisy(self, n: int) -> int:
        import random
        return n + random.randint(0, 9)

    @torch.jit.ignore
    def describe(self, x):
        return "%d values" % x.numel()

    def forward(self, n: int):
        if self.debug:
            k = self.noisy(n)
            self.describe(torch.zeros(n))
        else:
            k = n * 2
        return k, float(n) - 0.5
