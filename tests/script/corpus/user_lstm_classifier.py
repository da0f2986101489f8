# tscript: class=Classifier args="vocab=50, embed=8, hidden=12, classes=3" inputs="randint:0,50:2,7"
# Embedding, LSTM and a linear head on the last hidden state.
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab, embed, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embedding(tokens))
        return self.fc(h[-1])
