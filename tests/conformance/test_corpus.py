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
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest
import torch
import torch.nn as nn
import torchvision  # noqa: F401  (torchvision::nms and roi_align in PyTorch, for the references)

import harness
from harness import check_model, flatten, ops_lib, script, trace
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


def tvm(path, **kw):
    """A torchvision model class or builder by dotted path under
    torchvision.models, called with kw (small configurations of a family)."""
    def build():
        import torchvision
        obj = torchvision.models
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj(**kw)
    return build


class OutOnly(nn.Module):
    """A segmentation model's dict output reduced to its "out" tensor (a
    traced module must return tensors or tuples of them)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


class Detect(nn.Module):
    """A torchvision detector called as deployed: a batch of images in, the
    first image's boxes, scores and labels out. Scripted detectors return
    (losses, detections)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        images: List[torch.Tensor] = [x[i] for i in range(x.shape[0])]
        out = self.model(images)
        # eager: the detections; scripted: (losses, detections), a static type
        # (TorchScript compiles only the branch isinstance picks)
        if isinstance(out, tuple):
            dets = out[1]
        else:
            dets = out
        d: Dict[str, torch.Tensor] = dets[0]
        return d["boxes"], d["scores"], d["labels"]


class Logits(nn.Module):
    """GoogLeNet's logits: scripted, it returns a GoogLeNetOutputs namedtuple
    (aux outputs None in eval); eager, the tensor."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        out = self.model(x)
        if isinstance(out, torch.Tensor):
            return out
        return out.logits


def detector(name, size=None, **kw):
    """A torchvision detector; size: the side its transform resizes images to
    (SSD's is fixed at 320: a smaller one keeps the sanitizer build's CI time
    down, the anchors follow the feature maps)."""
    def build():
        import torchvision
        m = getattr(torchvision.models.detection, name)(weights=None, weights_backbone=None, **kw)
        if size:
            from torchvision.models.detection.transform import GeneralizedRCNNTransform
            t = m.transform
            m.transform = GeneralizedRCNNTransform(size, size, t.image_mean, t.image_std, size_divisible=1,
                                                   fixed_size=(size, size))
        return Detect(m)
    return build


def segmenter(name, **kw):
    def build():
        import torchvision
        return OutOnly(getattr(torchvision.models.segmentation, name)(
            weights=None, weights_backbone=None, **kw))
    return build


class PackedRNN(nn.Module):
    """An RNN over a padded batch of sequences of different lengths, as
    deployed speech and text models run one: pack_padded_sequence (unsorted),
    the RNN on the PackedSequence, pad_packed_sequence back."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, lengths):
        p = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h = self.rnn(p)
        y, n = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return y, n, h


def padded_batch():
    x = torch.randn(3, 6, 8)
    lengths = torch.tensor([4, 6, 2])
    for i, n in enumerate(lengths.tolist()):
        x[i, n:] = 0
    return [x, lengths]


def images(n, h, w):
    return lambda: [torch.rand(n, 3, h, w)]


# Models that need the example custom-op plugin (torchvision::nms, roi_align).
TV_OPS = {"ssdlite320_mobilenet_v3_large_scripted", "fasterrcnn_mobilenet_v3_large_320_fpn_scripted",
          "ssdlite320_mobilenet_v3_large_traced", "fasterrcnn_mobilenet_v3_large_320_fpn_traced"}

# Families whose archives are large or slow (full-size weights): run with
# TSCRIPT_CORPUS_SLOW=1. Measured (2 shared cores, archive and references
# written by PyTorch, then tscript): maxvit_t 26 s, vgg11_bn 18 s,
# inception_v3 13 s, fcn_resnet50 11 s, swin_t 9 s; the video ResNets
# 1.4 s in the release build but 38 s in the sanitizer build CI tests (3-d
# convolution is float64 reference code); the rest of the corpus takes
# 0.05-1.5 s each (sanitizer build: up to 7 s, the Faster R-CNNs) once the
# cache holds its archive.
SLOW = {"mc3_small_scripted", "r2plus1d_small_traced",
        "vgg11_bn_scripted", "inception_v3_traced", "fcn_resnet50_scripted", "fcn_resnet50_traced",
        "swin_t_traced", "maxvit_t_traced"}

def efficientnet_v2_small():
    """EfficientNetV2-S's stages (fused and plain MBConv) with one block each."""
    from torchvision.models import efficientnet as E
    setting, last = E._efficientnet_conf("efficientnet_v2_s")
    for c in setting:
        c.num_layers = 1
    return E.EfficientNet(setting, 0.2, last_channel=last, num_classes=10, norm_layer=nn.BatchNorm2d)


def maxvit_small():
    """MaxVit's blocks (MBConv, block and grid attention) at two small stages.
    torchvision draws its linear and conv weights with std 0.02, which at
    these widths leaves outputs of 0.04: nn.Linear/Conv2d's own initialisation
    (a trained model's scale) instead."""
    import torchvision
    m = torchvision.models.MaxVit(input_size=(32, 32), stem_channels=16, partition_size=4,
                                  block_channels=[16, 32], block_layers=[1, 1], head_dim=8,
                                  stochastic_depth_prob=0.0, num_classes=10)
    for mod in m.modules():
        if isinstance(mod, (nn.Linear, nn.Conv2d)):
            mod.reset_parameters()
    return m


def video_resnet(kind):
    """torchvision's video ResNets (MC3: 3-d then 2-d-in-time convolutions,
    R(2+1)D: factorised ones) with one block per stage."""
    def build():
        from torchvision.models.video import resnet as V
        if kind == "mc3":
            return V.VideoResNet(V.BasicBlock, [V.Conv3DSimple] + [V.Conv3DNoTemporal] * 3, [1, 1, 1, 1],
                                 V.BasicStem, num_classes=10)
        return V.VideoResNet(V.BasicBlock, [V.Conv2Plus1D] * 4, [1, 1, 1, 1], V.R2Plus1dStem, num_classes=10)
    return build


def wav2vec2_small():
    """torchaudio's wav2vec 2.0 (conv feature extractor, convolutional
    positional embedding with weight norm, Transformer encoder) in a small
    configuration: two conv layers, two encoder layers of width 32."""
    import torchaudio
    return torchaudio.models.wav2vec2_model(
        extractor_mode="group_norm", extractor_conv_layer_config=[(16, 10, 5), (16, 3, 2)],
        extractor_conv_bias=False, encoder_embed_dim=32, encoder_projection_dropout=0.1,
        encoder_pos_conv_kernel=8, encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=4,
        encoder_attention_dropout=0.1, encoder_ff_interm_features=64, encoder_ff_interm_dropout=0.1,
        encoder_dropout=0.1, encoder_layer_norm_first=False, encoder_layer_drop=0.1, aux_num_out=10)


class FirstOut(nn.Module):
    """The first output of a model returning (tensor, Optional[tensor]) (a
    traced module cannot return None)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)[0]


def wav2vec2_small_traceable():
    """wav2vec 2.0 as it is traced: the weight-norm hook on the positional
    convolution folded into its weight (torch.jit.trace refuses the hook
    object; torch.jit.script folds it through torchaudio's
    __prepare_scriptable__ the same way)."""
    m = wav2vec2_small()
    nn.utils.remove_weight_norm(m.encoder.transformer.pos_conv_embed.conv)
    return FirstOut(m)


def conformer_small():
    """torchaudio's Conformer (feed-forward, relative-free self-attention with
    a key padding mask from lengths, depthwise-conv module) in two layers."""
    import torchaudio
    return torchaudio.models.Conformer(input_dim=32, num_heads=4, ffn_dim=64, num_layers=2,
                                       depthwise_conv_kernel_size=7)


def audio_batch():
    return [torch.randn(2, 800), torch.tensor([800, 560])]


def features_batch():
    return [torch.randn(2, 12, 32), torch.tensor([12, 9])]


def slow_skipped(name):
    """Is name a slow model left out of this run (TSCRIPT_CORPUS_SLOW unset)?
    The other tests over the corpus (test_save, test_code_reprint) skip it too."""
    return name in SLOW and os.environ.get("TSCRIPT_CORPUS_SLOW") != "1"


def loads_in_tscript(path):
    """False for a known failure whose archive tscript cannot even load."""
    return harness.run_tscript(["show", path]).returncode == 0


SMALL_SWIN = dict(patch_size=[4, 4], embed_dim=24, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                  num_classes=10)

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
    # ---- more torchvision classification families (issue 8) ----
    "googlenet_scripted": (lambda: Logits(tvm("googlenet", aux_logits=False, init_weights=True)()), "script",
                           lambda: [torch.randn(1, 3, 64, 64)]),
    "mnasnet0_5_scripted": (tv("mnasnet0_5"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "mobilenet_v3_large_traced": (tv("mobilenet_v3_large"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "resnext_small_scripted": (tvm("resnet.ResNet", block=__import__("torchvision").models.resnet.Bottleneck,
                                   layers=[1, 1, 1, 1], groups=32, width_per_group=4, num_classes=10),
                               "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "wide_resnet_small_traced": (tvm("resnet.ResNet", block=__import__("torchvision").models.resnet.Bottleneck,
                                     layers=[1, 1, 1, 1], width_per_group=128, num_classes=10),
                                 "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "regnet_x_400mf_traced": (tv("regnet_x_400mf"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "efficientnet_v2_small_scripted": (efficientnet_v2_small, "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "convnext_tiny_scripted": (tv("convnext_tiny"), "script", lambda: [torch.randn(1, 3, 64, 64)]),
    "swin_small_scripted": (tvm("SwinTransformer", **SMALL_SWIN), "script", lambda: [torch.randn(2, 3, 32, 32)]),
    "swin_small_traced": (tvm("SwinTransformer", **SMALL_SWIN), "trace", lambda: [torch.randn(2, 3, 32, 32)]),
    "swin_v2_small_scripted": (
        tvm("SwinTransformer", block=__import__("torchvision").models.swin_transformer.SwinTransformerBlockV2,
            downsample_layer=__import__("torchvision").models.swin_transformer.PatchMergingV2, **SMALL_SWIN),
        "script", lambda: [torch.randn(2, 3, 32, 32)]),
    "maxvit_small_scripted": (maxvit_small, "script", lambda: [torch.randn(2, 3, 32, 32)]),
    "maxvit_small_traced": (maxvit_small, "trace", lambda: [torch.randn(2, 3, 32, 32)]),
    "mc3_small_scripted": (video_resnet("mc3"), "script", lambda: [torch.randn(2, 3, 4, 32, 32)]),
    "r2plus1d_small_traced": (video_resnet("r2plus1d"), "trace", lambda: [torch.randn(2, 3, 4, 32, 32)]),
    "quantized_mobilenet_v2_scripted": (tvm("quantization.mobilenet_v2", quantize=True), "script",
                                        lambda: [torch.randn(1, 3, 64, 64)]),
    "vgg11_bn_scripted": (tv("vgg11_bn"), "script", lambda: [torch.randn(1, 3, 32, 32)]),
    "inception_v3_traced": (tvm("inception_v3", aux_logits=False, init_weights=True), "trace",
                            lambda: [torch.randn(2, 3, 80, 80)]),
    "swin_t_traced": (tv("swin_t"), "trace", lambda: [torch.randn(1, 3, 64, 64)]),
    "maxvit_t_traced": (tv("maxvit_t"), "trace", lambda: [torch.randn(1, 3, 224, 224)]),
    # ---- segmentation ----
    "fcn_resnet50_scripted": (segmenter("fcn_resnet50", num_classes=5), "script", images(1, 64, 64)),
    "deeplabv3_mobilenet_v3_large_scripted": (segmenter("deeplabv3_mobilenet_v3_large", num_classes=5), "script",
                                              images(2, 64, 64)),
    "deeplabv3_mobilenet_v3_large_traced": (segmenter("deeplabv3_mobilenet_v3_large", num_classes=5), "trace",
                                            images(2, 64, 64)),
    "lraspp_mobilenet_v3_large_scripted": (segmenter("lraspp_mobilenet_v3_large", num_classes=5), "script",
                                           images(1, 64, 64)),
    "lraspp_mobilenet_v3_large_traced": (segmenter("lraspp_mobilenet_v3_large", num_classes=5), "trace",
                                         images(1, 64, 64)),
    # ---- detection (torchvision::nms / roi_align through the custom-op plugin) ----
    # 20 detections: with random heads the scores crowd (0.4018, 0.4018, ...) and
    # further down the list neighbours differ by less than float32 rounding moves
    # them, so the order of the tail would compare rounding, not tscript
    "ssdlite320_mobilenet_v3_large_scripted": (detector("ssdlite320_mobilenet_v3_large", 160, num_classes=5,
                                                        detections_per_img=20),
                                               "script", images(2, 64, 80)),
    "fasterrcnn_mobilenet_v3_large_320_fpn_scripted": (
        detector("fasterrcnn_mobilenet_v3_large_320_fpn", num_classes=5, box_detections_per_img=20, min_size=128,
                 max_size=160), "script",
        images(2, 64, 80)),
    "ssdlite320_mobilenet_v3_large_traced": (detector("ssdlite320_mobilenet_v3_large", 160, num_classes=5,
                                                      detections_per_img=20), "trace", images(2, 64, 80)),
    "fasterrcnn_mobilenet_v3_large_320_fpn_traced": (
        detector("fasterrcnn_mobilenet_v3_large_320_fpn", num_classes=5, box_detections_per_img=20, min_size=128,
                 max_size=160), "trace",
        images(2, 64, 80)),
    "fcn_resnet50_traced": (segmenter("fcn_resnet50", num_classes=5), "trace", images(1, 64, 64)),
    # ---- RNNs over packed sequences ----
    "lstm_packed_scripted": (lambda: PackedRNN(nn.LSTM(8, 16, 2, batch_first=True)), "script", padded_batch),
    "gru_packed_bidir_scripted": (lambda: PackedRNN(nn.GRU(8, 16, bidirectional=True, batch_first=True)),
                                  "script", padded_batch),
    "lstm_packed_traced": (lambda: PackedRNN(nn.LSTM(8, 16, 2, batch_first=True)), "trace", padded_batch),
    # ---- torchaudio (speech) ----
    "wav2vec2_small_scripted": (wav2vec2_small, "script", audio_batch),
    "wav2vec2_small_traced": (wav2vec2_small_traceable, "trace", lambda: [torch.randn(2, 800)]),
    "conformer_small_scripted": (conformer_small, "script", features_batch),
    "conformer_small_traced": (conformer_small, "trace", features_batch),
}


def test_known_failures_name_corpus_models():
    assert set(KNOWN) <= set(CORPUS), set(KNOWN) - set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_model(archive, rundir, request, name):
    if slow_skipped(name):
        pytest.skip("full-size weights: set TSCRIPT_CORPUS_SLOW=1 to run")
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
    extra = ["--ops-lib", ops_lib()] if name in TV_OPS else []
    expected, _ = check_model(path, example, rundir, extra=extra)
    for i, e in enumerate(flatten(expected)):
        if np.issubdtype(e.dtype, np.floating):
            mag = float(np.abs(e).max())
            assert 0.1 <= mag <= 100, "output %d: max |out| = %.3g, not a realistic O(0.1..100): " \
                "see realistic.py" % (i, mag)
