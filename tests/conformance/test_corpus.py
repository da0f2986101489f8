"""The model corpus: archives of the model families people deploy, written by
real PyTorch (scripted and traced) and run by tscript against PyTorch.

What tscript cannot run yet is listed in known_failures.txt, one model name
per line with the reason. Those cases are expected to fail (strict: a model
that starts to pass makes the test fail until it leaves the list), so
progress and regressions both show up as a diff of that file.
"""
import os

import pytest
import torch
import torch.nn as nn

from harness import check_model, script, trace

HERE = os.path.dirname(os.path.abspath(__file__))


def known_failures():
    out = {}
    with open(os.path.join(HERE, "known_failures.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                out[name] = why.strip()
    return out


KNOWN = known_failures()


def mlp():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 64),
                         nn.GELU(), nn.Linear(64, 10), nn.LogSoftmax(dim=1))


def tv(name):
    def build():
        import torchvision
        return getattr(torchvision.models, name)()
    return build


# name -> (builder, how, example inputs)
CORPUS = {
    "mlp_scripted": (mlp, "script", lambda: [torch.randn(4, 32)]),
    "mlp_traced": (mlp, "trace", lambda: [torch.randn(4, 32)]),
    "resnet18_scripted": (tv("resnet18"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "resnet18_traced": (tv("resnet18"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "mobilenet_v3_small_scripted": (tv("mobilenet_v3_small"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "lstm_scripted": (lambda: nn.LSTM(8, 16, 2), "script", lambda: [torch.randn(5, 3, 8)]),
    "gru_scripted": (lambda: nn.GRU(8, 16), "script", lambda: [torch.randn(5, 3, 8)]),
    "transformer_encoder_scripted": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 2), "script",
        lambda: [torch.randn(6, 2, 32)]),
    "multihead_attention_scripted": (lambda: nn.MultiheadAttention(16, 2), "script",
                                     lambda: [torch.randn(4, 2, 16)] * 3),
}


def test_known_failures_name_corpus_models():
    assert set(KNOWN) <= set(CORPUS), set(KNOWN) - set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_model(archive, rundir, request, name):
    if name in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name], strict=True))
    build, how, inputs = CORPUS[name]
    torch.manual_seed(0)
    example = inputs()

    def make():
        m = build().eval()
        return script(m) if how == "script" else trace(m, *example)

    path = archive("corpus_" + name, make)
    check_model(path, example, rundir)
