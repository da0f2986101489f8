# tscript: class=Net inputs="randn:3,8" seed=7
# Other nn.init functions in __init__ (xavier, trunc_normal, orthogonal-free set).
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)
        self.c = nn.Linear(8, 4)
        nn.init.xavier_uniform_(self.a.weight)
        nn.init.xavier_normal_(self.b.weight, gain=nn.init.calculate_gain("relu"))
        nn.init.trunc_normal_(self.c.weight, std=0.5)
        nn.init.constant_(self.a.bias, 0.1)
        nn.init.zeros_(self.b.bias)
        nn.init.kaiming_normal_(self.b.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.c(torch.relu(self.b(torch.relu(self.a(x)))))
