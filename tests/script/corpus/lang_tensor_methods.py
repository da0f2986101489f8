# tscript: class=Net inputs="randn:2,3,4"
# Shape methods: view, reshape, permute, transpose, squeeze/unsqueeze, expand,
# repeat, flip, roll, chunk, split, cat, stack, narrow.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        a = x.view(2, 12).reshape(6, 4)
        b = x.permute(2, 0, 1).contiguous().transpose(0, 1)
        c = x.unsqueeze(1).squeeze(1).unsqueeze(-1).expand(2, 3, 4, 2)
        d = x.repeat(1, 2, 1).flip(1).roll(1, dims=2)
        p, q = x.chunk(2, dim=2)
        r = torch.cat(list(x.split([1, 2], dim=1)), dim=1).narrow(2, 1, 2)
        return a, b, c, d, torch.stack([p, q], 0), r
