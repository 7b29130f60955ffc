"""Networks: compositions of layers, run forward in order and backward in reverse."""

from networks.base import Network
from networks.deep_convnet import DeepConvNet
from networks.init import init_weight, make_rng, weight_std
from networks.multi_layer_net import MultiLayerNet, MultiLayerNetExtend
from networks.perceptron import AND, NAND, OR, XOR
from networks.sample_network import SampleNetwork
from networks.simple_convnet import SimpleConvNet
from networks.simple_net import SimpleNet, simpleNet
from networks.two_layer_net import TwoLayerNet

__all__ = [
    "AND", "NAND", "OR", "XOR", "DeepConvNet", "MultiLayerNet", "MultiLayerNetExtend", "Network", "SampleNetwork",
    "SimpleConvNet", "SimpleNet", "TwoLayerNet", "init_weight", "make_rng", "simpleNet", "weight_std",
]
