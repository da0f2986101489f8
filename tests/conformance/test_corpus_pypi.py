"""The model corpus's PyPI families: HuggingFace transformers (traced with
torchscript=True from tiny configurations built in code: BERT, GPT-2, T5,
ViT, Whisper's encoder) and timm classifiers across families (scripted and
traced), run by tscript against PyTorch as test_corpus.py runs its models.

These packages are not in Debian: scripts/install-deps.sh installs the
pinned versions of requirements-models.txt into .venv-models (a venv over
Debian's torch 1.13.1), and ctest's conformance.pypi_models entry runs this
file with that venv's python (TSCRIPT_PYPI_MODELS=1; the other conformance
entries, on Debian's python, leave it out: see conftest.py). Nothing is
downloaded at test time: no pretrained weights, configurations in code.

Known failures are listed in known_failures_pypi.txt (strict both ways).
"""
import os

import numpy as np
import pytest
import torch

import harness
from harness import check_model, flatten, script, trace
from realistic import realistic

try:
    import timm
    import transformers as T
except ImportError as e:  # a failure, not a skip: the entry exists to run these
    raise ImportError("%s: run scripts/install-deps.sh (it creates .venv-models) and run this file with "
                      ".venv-models/bin/python" % e) from e

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = harness.known_failures(os.path.join(HERE, "known_failures_pypi.txt"))


def token_ids(n=2, length=8):
    return lambda: [torch.randint(0, 100, (n, length))]


def ids_and_mask():
    mask = torch.ones(2, 8, dtype=torch.long)
    mask[1, 5:] = 0
    return [torch.randint(0, 100, (2, 8)), mask]


def bert():
    return T.BertModel(T.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                    intermediate_size=64, max_position_embeddings=64, torchscript=True))


def gpt2():
    return T.GPT2Model(T.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                    torchscript=True))


class T5Call(torch.nn.Module):
    """T5's encoder-decoder called with (input_ids, decoder_input_ids): its
    forward takes attention_mask second."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, decoder_input_ids):
        return self.model(input_ids=input_ids, decoder_input_ids=decoder_input_ids)


def t5():
    return T5Call(T.T5Model(T.T5Config(vocab_size=100, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                                       torchscript=True)))


def hf_vit():
    return T.ViTModel(T.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                  image_size=32, patch_size=8, torchscript=True))


def whisper_encoder():
    """Whisper's audio encoder (two convolutions over log-mel frames,
    sinusoidal positions, Transformer layers); its input is exactly
    2 x max_source_positions frames."""
    cfg = T.WhisperConfig(vocab_size=100, num_mel_bins=16, d_model=32, encoder_layers=2, encoder_attention_heads=4,
                          decoder_layers=1, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
                          max_source_positions=20, max_target_positions=16, pad_token_id=1, bos_token_id=2,
                          eos_token_id=3, decoder_start_token_id=2, torchscript=True)
    return T.WhisperModel(cfg).get_encoder()


def tm(name, **kw):
    """A timm model by name, no pretrained weights, 10 classes."""
    return lambda: timm.create_model(name, pretrained=False, num_classes=10, **kw)


def images(n, side):
    return lambda: [torch.randn(n, 3, side, side)]


SMALL_TIMM_SWIN = dict(img_size=56, window_size=7, embed_dim=24, depths=(2, 2), num_heads=(2, 4))

# name -> (builder, how, example inputs)
CORPUS = {
    # ---- HuggingFace transformers, traced (torchscript=True: tuple outputs, untied weights) ----
    "hf_bert_tiny_traced": (bert, "trace", token_ids()),
    "hf_bert_tiny_masked_traced": (bert, "trace", ids_and_mask),
    "hf_gpt2_tiny_traced": (gpt2, "trace", token_ids()),
    "hf_t5_tiny_traced": (t5, "trace", lambda: [torch.randint(0, 100, (2, 8)), torch.randint(0, 100, (2, 5))]),
    "hf_vit_tiny_traced": (hf_vit, "trace", images(2, 32)),
    "hf_whisper_encoder_tiny_traced": (whisper_encoder, "trace", lambda: [torch.randn(2, 16, 40)]),
    # ---- timm, one or two per family ----
    "timm_resnet18_traced": (tm("resnet18"), "trace", images(1, 64)),
    "timm_resnet18_scripted": (tm("resnet18"), "script", images(1, 64)),
    "timm_efficientnet_b0_traced": (tm("efficientnet_b0"), "trace", images(1, 64)),
    "timm_mobilenetv3_small_100_scripted": (tm("mobilenetv3_small_100"), "script", images(1, 64)),
    "timm_regnetx_002_traced": (tm("regnetx_002"), "trace", images(1, 64)),
    "timm_convnext_atto_scripted": (tm("convnext_atto"), "script", images(1, 64)),
    "timm_vit_tiny_traced": (tm("vit_tiny_patch16_224", img_size=32, patch_size=8), "trace", images(2, 32)),
    "timm_deit_tiny_traced": (tm("deit_tiny_patch16_224", img_size=32, patch_size=8), "trace", images(2, 32)),
    "timm_swin_small_traced": (tm("swin_tiny_patch4_window7_224", **SMALL_TIMM_SWIN), "trace", images(2, 56)),
    "timm_cspdarknet53_traced": (tm("cspdarknet53"), "trace", images(1, 64)),
    "timm_poolformer_s12_traced": (tm("poolformer_s12"), "trace", images(1, 64)),
    "timm_dla34_scripted": (tm("dla34"), "script", images(1, 64)),
    "timm_ghostnet_100_scripted": (tm("ghostnet_100"), "script", images(1, 64)),
    "timm_xception41_traced": (tm("xception41"), "trace", images(1, 64)),
    "timm_edgenext_xx_small_scripted": (tm("edgenext_xx_small"), "script", images(1, 64)),
    "timm_rexnet_100_traced": (tm("rexnet_100"), "trace", images(2, 64)),
    "timm_mixer_s16_traced": (tm("mixer_s16_224", img_size=32), "trace", images(2, 32)),
}


def test_known_failures_name_corpus_models():
    assert set(KNOWN) <= set(CORPUS), set(KNOWN) - set(CORPUS)


def test_pinned_versions():
    """The versions requirements-models.txt pins are the ones imported (the
    archive cache is keyed by that file)."""
    assert T.__version__ == "4.30.2" and timm.__version__ == "0.9.2", (T.__version__, timm.__version__)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_pypi_corpus_model(archive, rundir, request, name):
    if name in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name], strict=True))
    build, how, inputs = CORPUS[name]
    torch.manual_seed(0)
    example = inputs()

    def make():
        m = realistic(build(), inputs).eval()
        return script(m) if how == "script" else trace(m, *example)

    path = archive("pypi_" + name, make)
    expected, _ = check_model(path, example, rundir)
    for i, e in enumerate(flatten(expected)):
        if np.issubdtype(e.dtype, np.floating):
            mag = float(np.abs(e).max())
            assert 0.1 <= mag <= 100, "output %d: max |out| = %.3g, not a realistic O(0.1..100): " \
                "see realistic.py" % (i, mag)
