"""The model corpus: archives of the model families people deploy, written by
real PyTorch (scripted and traced) and run by tscript against PyTorch.

What tscript cannot run yet is listed in known_failures.txt, one model name
per line with the reason. Those cases are expected to fail (strict: a model
that starts to pass makes the test fail until it leaves the list), so
progress and regressions both show up as a diff of that file.

Every model gets realistic weights and batch-norm statistics before it is
saved (realistic.py), so its outputs are O(0.1..100) and a wrong layer shows;
the harness refuses degenerate outputs.
"""
import os
from typing import Optional

import numpy as np
import pytest
import torch
import torch.nn as nn

import harness
from harness import check_model, flatten, script, trace
from realistic import realistic

HERE = os.path.dirname(os.path.abspath(__file__))


def known_failures():
    return harness.known_failures(os.path.join(HERE, "known_failures.txt"))


KNOWN = known_failures()


def mlp():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 64),
                         nn.GELU(), nn.Linear(64, 10), nn.LogSoftmax(dim=1))


def tv(name):
    def build():
        import torchvision
        return getattr(torchvision.models, name)()
    return build


class RNNWrap(nn.Module):
    """A scripted nn.LSTM / nn.GRU archive has no forward (only its overloads
    forward__0 / forward__1), so deployed RNNs sit inside a module like this."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)


class SelfAttention(nn.Module):
    """Self-attention with query, key and value one tensor, as the 1.13 fast
    path (aten::_native_multi_head_attention) requires."""

    def __init__(self, need_weights: bool, average: bool):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 4, batch_first=True)
        self.need_weights = need_weights
        self.average = average

    def forward(self, x, key_padding_mask: Optional[torch.Tensor] = None):
        return self.attn(x, x, x, key_padding_mask=key_padding_mask,
                         need_weights=self.need_weights, average_attn_weights=self.average)


class MaskedAttention(nn.Module):
    """nn.MultiheadAttention's general path with both masks (baddbmm,
    masked_fill)."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2)

    def forward(self, q, k, v, key_padding_mask: torch.Tensor, attn_mask: torch.Tensor):
        return self.attn(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask)


def attention_masks():
    kpm = torch.zeros(2, 6, dtype=torch.bool)
    kpm[1, 4:] = True
    am = torch.triu(torch.ones(4, 6, dtype=torch.bool), diagonal=3)
    return [torch.randn(4, 2, 16), torch.randn(6, 2, 16), torch.randn(6, 2, 16), kpm, am]


def padding_mask():
    m = torch.zeros(2, 5, dtype=torch.bool)
    m[0, 3:] = True
    return m


def encoder_bf(norm_first, activation):
    layer = nn.TransformerEncoderLayer(32, 4, 64, batch_first=True, norm_first=norm_first,
                                       activation=activation)
    return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)


# name -> (builder, how, example inputs)
CORPUS = {
    "mlp_scripted": (mlp, "script", lambda: [torch.randn(4, 32)]),
    "mlp_traced": (mlp, "trace", lambda: [torch.randn(4, 32)]),
    "resnet18_scripted": (tv("resnet18"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "resnet18_traced": (tv("resnet18"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "resnet18_training_mode_scripted": (tv("resnet18"), "script_train", lambda: [torch.randn(2, 3, 64, 64)]),
    "conv_bn_training_mode_scripted": (
        lambda: nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                              nn.Conv2d(8, 4, 1), nn.BatchNorm2d(4)),
        "script_train", lambda: [torch.randn(3, 3, 10, 10)]),
    "bn1d_training_mode_scripted": (
        lambda: nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Tanh()),
        "script_train", lambda: [torch.randn(5, 16)]),
    "mobilenet_v3_small_scripted": (tv("mobilenet_v3_small"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "mobilenet_v2_traced": (tv("mobilenet_v2"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "efficientnet_b0_scripted": (tv("efficientnet_b0"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "squeezenet1_0_scripted": (tv("squeezenet1_0"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "shufflenet_v2_x1_0_scripted": (tv("shufflenet_v2_x1_0"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "regnet_y_400mf_scripted": (tv("regnet_y_400mf"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "densenet121_scripted": (tv("densenet121"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "convnext_tiny_traced": (tv("convnext_tiny"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "vit_small_scripted": (lambda: __import__("torchvision").models.VisionTransformer(32, 8, 4, 4, 128, 256,
                                                                                       num_classes=10),
                           "script", lambda: [torch.randn(2, 3, 32, 32)]),
    "lstm_scripted": (lambda: nn.LSTM(8, 16, 2), "script", lambda: [torch.randn(5, 3, 8)]),
    "gru_scripted": (lambda: nn.GRU(8, 16), "script", lambda: [torch.randn(5, 3, 8)]),
    "transformer_encoder_scripted": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 2), "script",
        lambda: [torch.randn(6, 2, 32)]),
    "multihead_attention_scripted": (lambda: nn.MultiheadAttention(16, 2), "script",
                                     lambda: [torch.randn(4, 2, 16)] * 3),
    "lstm_wrapped_scripted": (lambda: RNNWrap(nn.LSTM(8, 16, 2)), "script",
                              lambda: [torch.randn(5, 3, 8)]),
    "lstm_bidir_batch_first_scripted": (
        lambda: RNNWrap(nn.LSTM(8, 16, 2, bidirectional=True, batch_first=True)), "script",
        lambda: [torch.randn(3, 5, 8)]),
    "lstm_proj_scripted": (lambda: RNNWrap(nn.LSTM(8, 16, 1, proj_size=6)), "script",
                           lambda: [torch.randn(5, 3, 8)]),
    "gru_wrapped_scripted": (lambda: RNNWrap(nn.GRU(8, 16, 2, bidirectional=True)), "script",
                             lambda: [torch.randn(5, 3, 8)]),
    "multihead_attention_distinct_kv_scripted": (
        lambda: nn.MultiheadAttention(16, 2), "script",
        lambda: [torch.randn(4, 2, 16), torch.randn(6, 2, 16), torch.randn(6, 2, 16)]),
    "multihead_attention_batch_first_scripted": (
        lambda: nn.MultiheadAttention(16, 2, batch_first=True), "script",
        lambda: [torch.randn(2, 4, 16)] * 3),
    "multihead_attention_masks_scripted": (MaskedAttention, "script", attention_masks),
    "self_attention_fast_path_scripted": (lambda: SelfAttention(True, True), "script",
                                          lambda: [torch.randn(2, 5, 16)]),
    "self_attention_fast_path_heads_scripted": (lambda: SelfAttention(True, False), "script",
                                                lambda: [torch.randn(2, 5, 16)]),
    "self_attention_fast_path_masked_scripted": (lambda: SelfAttention(True, True), "script",
                                                 lambda: [torch.randn(2, 5, 16), padding_mask()]),
    "transformer_encoder_batch_first_scripted": (lambda: encoder_bf(False, "relu"), "script",
                                                 lambda: [torch.randn(2, 6, 32)]),
    "transformer_encoder_norm_first_gelu_scripted": (lambda: encoder_bf(True, "gelu"), "script",
                                                     lambda: [torch.randn(2, 6, 32)]),
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
        m = realistic(build(), inputs)
        if how == "script_train":
            # saved without .eval(): batch norm normalises with the batch's statistics
            return torch.jit.script(m.train())
        m = m.eval()
        return script(m) if how == "script" else trace(m, *example)

    path = archive("corpus_" + name, make)
    expected, _ = check_model(path, example, rundir)
    for i, e in enumerate(flatten(expected)):
        if np.issubdtype(e.dtype, np.floating):
            mag = float(np.abs(e).max())
            assert 0.1 <= mag <= 100, "output %d: max |out| = %.3g, not a realistic O(0.1..100): " \
                "see realistic.py" % (i, mag)
