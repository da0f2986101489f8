# tscript nnlib: torch.nn.modules.channelshuffle (ChannelShuffle).
#
# Where it sits: TorchScript source shipped inside tscript (see linear.py's header). Checked
# against PyTorch 1.13 by tests/nnlib/test_nnlib_cpython.py.
from torch import Tensor
from torch.nn.modules.module import Module
from torch.nn import functional as F


class ChannelShuffle(Module):
    __constants__ = ['groups']
    groups: int

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return 'groups={}'.format(self.groups)
