"""The exported encoder as ONNX, through PyTorch's own exporter (no JavaScript library writes ONNX).

usage: python3 -m optidel.export_onnx ENCODER.safetensors OUT.onnx [--opset N] [--scorer [--checkpoint DIR]]

Loads the file ``optidel export --what encoder`` writes with ``optidel.encoder`` and traces it with
``torch.onnx.export``: input ``images`` [batch, 1, S, S] float32 in [0, 1], outputs ``tokens``
[batch, patches, dim] and ``embedding`` [batch, dim], the batch dimension dynamic.

With ``--scorer`` the graph is instead ``optidel.scorer``'s masked reconstruction error, encoder and
decoder (read from the checkpoint the encoder file names, or DIR): inputs ``images`` and ``visible``
[batch, keep] int64 (each image's visible patch indices: the mask, decided by the caller), outputs
``error`` [batch] (mean squared error on the masked patches' normalised pixels) and
``patch_errors`` [batch, patches]. Where the ``onnx`` package is installed the written model is
checked with ``onnx.checker``.
"""
import argparse

import torch

from .encoder import load_encoder
from .scorer import load_scorer


class _TokensAndEmbedding(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, images):
        tokens = self.encoder.forward_features(images)
        return tokens, tokens.mean(dim=1)


def export_onnx(weights, out, opset=13):
    """Writes ``out`` and returns the encoder it came from."""
    encoder = load_encoder(weights)
    example = torch.zeros(1, 1, encoder.img_size, encoder.img_size)
    torch.onnx.export(
        _TokensAndEmbedding(encoder),
        (example,),
        out,
        input_names=["images"],
        output_names=["tokens", "embedding"],
        dynamic_axes={"images": {0: "batch"}, "tokens": {0: "batch"}, "embedding": {0: "batch"}},
        opset_version=opset,
    )
    _check(out)
    return encoder


def export_scorer_onnx(weights, out, checkpoint=None, opset=13):
    """Writes the masked scorer to ``out`` and returns the scorer it came from."""
    scorer = load_scorer(weights, checkpoint)
    size = scorer.encoder.img_size
    # Traced with two images and three visible patches: batch and keep are both dynamic.
    example = (torch.zeros(2, 1, size, size), torch.tensor([[0, 1, 2], [1, 2, 3]], dtype=torch.int64))
    torch.onnx.export(
        scorer,
        example,
        out,
        input_names=["images", "visible"],
        output_names=["error", "patch_errors"],
        dynamic_axes={
            "images": {0: "batch"},
            "visible": {0: "batch", 1: "keep"},
            "error": {0: "batch"},
            "patch_errors": {0: "batch"},
        },
        opset_version=opset,
    )
    _check(out)
    return scorer


def _check(out):
    try:
        import onnx
    except ImportError:
        return
    onnx.checker.check_model(onnx.load(out), full_check=True)


def main():
    parser = argparse.ArgumentParser(prog="python3 -m optidel.export_onnx", description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="the .safetensors file of optidel export --what encoder")
    parser.add_argument("out", help="the .onnx file to write")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    parser.add_argument("--scorer", action="store_true",
                        help="the masked reconstruction error (encoder and decoder) instead of the encoder's tokens")
    parser.add_argument("--checkpoint", help="--scorer: the checkpoint folder with the decoder "
                        "(default: the one the encoder file names)")
    args = parser.parse_args()
    if args.checkpoint and not args.scorer:
        parser.error("--checkpoint applies to --scorer only")
    if args.scorer:
        export_scorer_onnx(args.weights, args.out, args.checkpoint, args.opset)
    else:
        export_onnx(args.weights, args.out, args.opset)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
