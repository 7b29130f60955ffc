"""The engine: everything in zeroprop that exists only to be fast.

The book's layers in ``layers/`` are what a learner reads. Each class here is a fast twin of one of
them (same constructor, same ``params``/``grads``, same results) built on memory reuse, batch-last
layouts, chunked products, faster convolution algorithms and a thread policy. Every fast piece has a
test that it agrees with its book twin (``tests/engine/``).
"""
