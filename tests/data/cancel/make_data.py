#!/usr/bin/python3
"""Generate the archives under tests/data/cancel/ that test_cancel.c uses to
check deadlines and interrupts. Run with Debian's python3 (PyTorch 1.13):

    cd tests/data/cancel && /usr/bin/python3 make_data.py

The outputs are committed. Both loop as long as an int says: spin.pt's
forward(x, n) n times (so one archive gives a quick call and an endless
one), slow_state.pt's __setstate__ 2**62 times at load (do not load it in
PyTorch: it would not return).
"""
from typing import Tuple

import torch
import torch.nn as nn


class Spin(nn.Module):
    def forward(self, x: torch.Tensor, n: int) -> torch.Tensor:
        i = 0
        while i < n:
            x = x + 1.0
            i += 1
        return x

    @torch.jit.export
    def calls(self, n: int) -> int:
        # a loop whose body is a call: polled at calls too
        s = 0
        for i in range(n):
            s = self.step(s)
        return s

    def step(self, s: int) -> int:
        return s + 1


class SlowState(nn.Module):
    def __init__(self):
        super().__init__()
        self.n = 1 << 62

    @torch.jit.export
    def __getstate__(self) -> Tuple[int, bool]:
        return (self.n, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[int, bool]) -> None:
        k = 0
        while k < state[0]:
            k += 1
        self.n = k
        self.training = state[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.n


torch.jit.script(Spin()).save("spin.pt")
torch.jit.script(SlowState()).save("slow_state.pt")
