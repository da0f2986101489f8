# tscript nnlib: torch.nn.modules.upsampling (Upsample, UpsamplingNearest2d,
# UpsamplingBilinear2d).
#
# Where it sits: TorchScript source shipped inside tscript (see linear.py's header). Checked
# against PyTorch 1.13 by tests/nnlib/test_nnlib_cpython.py.
# Invariants: name holds the class name (PyTorch's first attribute); scale_factor is stored
# as a float (or a tuple of floats), None when not given or 0.
from typing import Optional, Tuple, Union

from torch import Tensor
from torch.nn.modules.module import Module
from torch.nn import functional as F


class Upsample(Module):
    __constants__ = ['size', 'scale_factor', 'mode', 'align_corners', 'name', 'recompute_scale_factor']
    name: str
    size: Optional[Union[int, Tuple[int, ...]]]
    scale_factor: Optional[Union[float, Tuple[float, ...]]]
    mode: str
    align_corners: Optional[bool]
    recompute_scale_factor: Optional[bool]

    def __init__(self, size=None, scale_factor=None, mode: str = 'nearest',
                 align_corners: Optional[bool] = None,
                 recompute_scale_factor: Optional[bool] = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple([float(factor) for factor in scale_factor])
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = 'scale_factor=' + str(self.scale_factor)
        else:
            info = 'size=' + str(self.size)
        info += ', mode=' + self.mode
        return info


class UpsamplingNearest2d(Upsample):

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode='nearest')


class UpsamplingBilinear2d(Upsample):

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode='bilinear', align_corners=True)
