# tscript nnlib: torch.nn's public names, re-exported from the module files.
#
# Where it sits: the evaluator (src/python/) resolves torch.nn.<Name> / nn.<Name> through
# this file; CPython tests never import it (real torch.nn is there). Only re-exports.
from torch.nn.parameter import Parameter
from torch.nn.modules.module import Module
from torch.nn.modules.linear import Identity, Linear, NonDynamicallyQuantizableLinear, Bilinear
from torch.nn.modules.activation import Threshold, ReLU, RReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid, Tanh, SiLU, Mish, Hardswish, ELU, CELU, SELU, GLU, GELU, Hardshrink, LeakyReLU, LogSigmoid, Softplus, Softshrink, PReLU, Softsign, Tanhshrink, Softmin, Softmax, Softmax2d, LogSoftmax, MultiheadAttention
from torch.nn.modules.container import Sequential, ModuleList, ModuleDict
from torch.nn.modules.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from torch.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from torch.nn.modules.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from torch.nn.modules.normalization import LocalResponseNorm, LayerNorm, GroupNorm, RMSNorm
from torch.nn.modules.dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from torch.nn.modules.pooling import MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, FractionalMaxPool2d, FractionalMaxPool3d
from torch.nn.modules.padding import ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad2d
from torch.nn.modules.flatten import Flatten, Unflatten
from torch.nn.modules.pixelshuffle import PixelShuffle, PixelUnshuffle
from torch.nn.modules.upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from torch.nn.modules.sparse import Embedding, EmbeddingBag
from torch.nn.modules.rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from torch.nn.modules.transformer import Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer, TransformerDecoderLayer
from torch.nn.modules.distance import PairwiseDistance, CosineSimilarity
from torch.nn.modules.fold import Fold, Unfold
from torch.nn.modules.channelshuffle import ChannelShuffle
from torch.nn.modules.loss import L1Loss, NLLLoss, NLLLoss2d, KLDivLoss, MSELoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, PoissonNLLLoss, GaussianNLLLoss, HingeEmbeddingLoss, MultiLabelMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, CosineEmbeddingLoss, MarginRankingLoss, MultiMarginLoss, TripletMarginLoss, CTCLoss
