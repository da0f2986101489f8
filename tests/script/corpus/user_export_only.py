# tscript: class=Scorer inputs="randn:2,5 randn:2,5" method=score
# A module whose forward is not the point: an exported method with two inputs.
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.bil = nn.Bilinear(5, 5, 1)

    def forward(self, x):
        return x

    @torch.jit.export
    def score(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.bil(a, b).squeeze(1)
