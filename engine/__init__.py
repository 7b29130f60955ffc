"""The engine: everything in zeroprop that exists only to be fast.

The book's layers in ``layers/`` are what a learner reads. Each class here is a fast twin of one of
them, with the same constructor, ``params``/``grads`` and results, built on kept scratch memory
(:mod:`engine.memory`; freed memory stays in the process, :mod:`engine.allocator`), batch-last
layouts (:mod:`engine.batch_last`), chunked products, Winograd's minimal filtering for 3x3
convolutions (:mod:`engine.winograd`) and one thread policy (:mod:`engine.threads`:
``set_num_threads``, ``num_threads``, ``ZEROPROP_NUM_THREADS``). Every fast layer has a test that it
agrees with its book twin (``tests/engine/test_twins.py``). :data:`FAST_TWINS` maps each book class
to its twin.
"""

from engine.affine import FastAffine
from engine.convolution import FastConvolution
from engine.pooling import FastPooling
from engine.relu import FastRelu
from engine.threads import get_num_threads, num_threads, set_num_threads
from layers import Affine, Convolution, Pooling, Relu

FAST_TWINS = {Affine: FastAffine, Convolution: FastConvolution, Pooling: FastPooling, Relu: FastRelu}

__all__ = ["FAST_TWINS", "FastAffine", "FastConvolution", "FastPooling", "FastRelu", "get_num_threads",
           "num_threads", "set_num_threads"]
