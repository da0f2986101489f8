# tscript: class=Net args="6, 10" inputs="randn:5,2,6" seed=3
# Orthogonal initialisation as recurrent models write it: nn.init.orthogonal_ on the
# hidden-to-hidden weights of an Elman RNN, on a wide and a tall Linear, with a gain.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, inp: int, hidden: int):
        super().__init__()
        self.rnn = nn.RNN(inp, hidden, num_layers=2, nonlinearity="relu")
        self.wide = nn.Linear(hidden, 4)
        self.tall = nn.Linear(4, 12)
        for name, p in self.rnn.named_parameters():
            if name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            elif name.startswith("bias"):
                nn.init.zeros_(p)
        nn.init.orthogonal_(self.wide.weight)
        nn.init.orthogonal_(self.tall.weight, gain=nn.init.calculate_gain("tanh"))

    def forward(self, x):
        out, h = self.rnn(x)
        return self.tall(torch.tanh(self.wide(out[-1]))), h
