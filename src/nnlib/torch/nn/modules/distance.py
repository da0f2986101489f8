# tscript nnlib: torch.nn.modules.distance (PairwiseDistance, CosineSimilarity).
#
# Where it sits: TorchScript source shipped inside tscript (see linear.py's header). Checked
# against PyTorch 1.13 by tests/nnlib/test_nnlib_cpython.py.
# Invariant: PairwiseDistance stores p under the name "norm", as PyTorch does.
from torch import Tensor
from torch.nn.modules.module import Module
from torch.nn import functional as F


class PairwiseDistance(Module):
    __constants__ = ['norm', 'eps', 'keepdim']
    norm: float
    eps: float
    keepdim: bool

    def __init__(self, p: float = 2., eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    __constants__ = ['dim', 'eps']
    dim: int
    eps: float

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
