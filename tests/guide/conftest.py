"""Every recipe the guide tests produce has its code executed: head, loss, forward and backward on a tiny
batch.

``recommend`` is wrapped here, before the test modules import it, so that each new snippet is run once per
process, inside the test that produced it. When ``actloss.nn`` provides the loss module, the actloss variant
of the snippet runs too; otherwise that part is skipped silently (the torch.nn variant always runs).
"""
from __future__ import annotations

import functools

import actloss.guide
from actloss.guide import _recommend as _impl

from _guide_snippets import recommend_and_run

_wrapped = functools.wraps(_impl.recommend)(recommend_and_run)
actloss.guide.recommend = _wrapped  # what the tests, the CLI and actloss.recommend call
_impl.recommend = _wrapped  # what the decision table calls
