"""``actloss plot NAME...``: activations with their derivatives, losses against margin or error, as a PNG.

    actloss plot gelu silu mish
    actloss plot --all -o activations.png
    actloss plot cross_entropy sigmoid_focal_loss -o losses.png
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plot",
        help="plot activations with their derivatives, or losses against the margin/error, to a PNG",
        description="Draw the chosen registered ops with actloss's exact forward and derivative.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="registered op names (see actloss list)")
    p.add_argument("--all", action="store_true", help="every registered activation (one grid)")
    p.add_argument("-o", "--output", default=None, help="PNG path (default: <names>.png)")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    import actloss
    from actloss.experiments import gallery

    kinds = {s.name: s.kind for s in actloss.list_ops()}
    names = [s.name for s in actloss.list_ops("activation")] if args.all else list(args.names)
    if not names:
        print("actloss plot: error: name at least one op, or pass --all", file=sys.stderr)
        return 2
    unknown = [n for n in names if n not in kinds]
    if unknown:
        print(f"actloss plot: error: unknown op(s) {', '.join(unknown)}; expected names from: "
              f"{', '.join(sorted(kinds))}", file=sys.stderr)
        return 2
    acts = [n for n in names if kinds[n] == "activation"]
    losses = [n for n in names if kinds[n] == "loss"]
    stem = args.output or ("activations.png" if args.all else "-".join(names)[:80] + ".png")
    written = []
    if acts:
        path = stem if not losses else stem.removesuffix(".png") + "-activations.png"
        fig = gallery.plot_activations(acts)
        fig.savefig(path, dpi=110)
        written.append(path)
    if losses:
        path = stem if not acts else stem.removesuffix(".png") + "-losses.png"
        fig, _, notes = gallery.plot_losses(losses)
        fig.savefig(path, dpi=110)
        written.append(path)
        for n in notes:
            print(f"note: {n}")
    print(f"wrote {', '.join(written)}")
    return 0
