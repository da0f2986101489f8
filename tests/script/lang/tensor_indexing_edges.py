# inputs: 1
# expect: ([0, 4], [0], [0, 2], 38.0, [2, 2], 24.0, 10.0, 14.0)
# Indexing edge cases: empty index tensors and empty inputs, negative indices, a
# 0-dim value, broadcast index shapes, repeated indices with += and accumulate.
import torch
import torch.nn as nn
class Net(nn.Module):
    def forward(self, n: int):
        x = torch.arange(12.0).view(3, 4)
        e = torch.zeros(0, 5)
        a = x[torch.zeros(0, dtype=torch.long)]
        b = e[e > 0]
        c = e[:, torch.tensor([1, 2])]
        y = x.clone()
        y[torch.tensor([-1, -3])] = torch.tensor(2.0)
        y[torch.zeros(0, dtype=torch.long)] = 5.0
        z = torch.tensor(3.0)
        w = x[torch.tensor([[0, 1], [2, 0]]), torch.tensor([3])]
        v = x.clone()
        v[torch.tensor([0, 0, 0])] += 1.0
        u = x.clone()
        u.index_put_([torch.tensor([0, 0])], torch.tensor(1.0), True)
        return a.shape, b.shape, c.shape, float(y.sum()), w.shape, float(w.sum()), float(v[0].sum()), float(u[0].sum())
