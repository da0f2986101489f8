# tscript nnlib: torch.nn.modules.fold (Fold, Unfold).
#
# Where it sits: TorchScript source shipped inside tscript (see linear.py's header). Checked
# against PyTorch 1.13 by tests/nnlib/test_nnlib_cpython.py.
# Invariant: sizes are stored as given (an int stays an int), as PyTorch does.
from typing import Tuple, Union

from torch import Tensor
from torch.nn.modules.module import Module
from torch.nn import functional as F


class Fold(Module):
    __constants__ = ['output_size', 'kernel_size', 'dilation', 'padding', 'stride']
    output_size: Union[int, Tuple[int, ...]]
    kernel_size: Union[int, Tuple[int, ...]]
    dilation: Union[int, Tuple[int, ...]]
    padding: Union[int, Tuple[int, ...]]
    stride: Union[int, Tuple[int, ...]]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation,
                      self.padding, self.stride)

    def extra_repr(self) -> str:
        return 'output_size={}, kernel_size={}, dilation={}, padding={}, stride={}'.format(
            self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)


class Unfold(Module):
    __constants__ = ['kernel_size', 'dilation', 'padding', 'stride']
    kernel_size: Union[int, Tuple[int, ...]]
    dilation: Union[int, Tuple[int, ...]]
    padding: Union[int, Tuple[int, ...]]
    stride: Union[int, Tuple[int, ...]]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation,
                        self.padding, self.stride)

    def extra_repr(self) -> str:
        return 'kernel_size={}, dilation={}, padding={}, stride={}'.format(
            self.kernel_size, self.dilation, self.padding, self.stride)
