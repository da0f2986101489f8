# tscript: class=Net inputs="randn:2,5,16"
# nn.TransformerEncoder, batch first, with a src_key_padding_mask made in forward
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
        self.m = nn.TransformerEncoder(layer, 2)

    def forward(self, x):
        mask = torch.zeros(x.size(0), x.size(1), dtype=torch.bool)
        mask[1, 3:] = True
        return self.m(x, src_key_padding_mask=mask)
