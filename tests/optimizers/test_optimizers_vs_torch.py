"""The optimisers against torch.optim, where the conventions can be lined up exactly."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import AdaGrad, Adam, Momentum, Nesterov, RMSprop

torch = pytest.importorskip("torch")

# (ours, torch's, note on the convention)
CASES = [
    # torch keeps buf = m * buf + g and steps W -= lr * buf; ours keeps v = -lr * buf
    (lambda: Momentum(lr=0.05, momentum=0.8), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8)),
    (lambda: Nesterov(lr=0.05, momentum=0.8), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    (lambda: AdaGrad(lr=0.05), lambda p: torch.optim.Adagrad(p, lr=0.05, eps=1e-7)),
    (lambda: RMSprop(lr=0.01, decay_rate=0.9), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7)),
    # torch adds eps after the bias correction, the book before it: with a negligible eps they coincide
    # (eps must be positive: with 0, an entry whose gradients are all zero would step by 0 / 0)
    (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-300),
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-300)),
]


@pytest.mark.parametrize(("make_ours", "make_torch"), CASES, ids=["Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"])
def test_matches_torch_over_several_steps(make_ours, make_torch):
    rng = np.random.default_rng(5)
    params = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    tensors = {k: torch.tensor(p.copy(), requires_grad=True) for k, p in params.items()}
    ours, theirs = make_ours(), make_torch(list(tensors.values()))
    for _ in range(6):
        grads = {k: rng.standard_normal(p.shape) for k, p in params.items()}
        ours.update(params, grads)
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        theirs.step()
    for k, p in params.items():
        np.testing.assert_allclose(p, tensors[k].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_with_the_books_eps_stays_close_to_torch():
    rng = np.random.default_rng(6)
    w = rng.standard_normal(50)
    t = torch.tensor(w.copy(), requires_grad=True)
    ours, theirs = Adam(lr=0.01), torch.optim.Adam([t], lr=0.01, eps=1e-7)
    params = {"w": w}
    for _ in range(5):
        g = rng.standard_normal(50)
        ours.update(params, {"w": g})
        t.grad = torch.tensor(g)
        theirs.step()
    # each weight moved by about 5 * lr = 0.05; where the eps conventions differ it shows below 1e-4 of that
    difference = np.abs(w - t.detach().numpy())
    assert difference.max() < 5e-6
