"""The exported encoder as ONNX, through PyTorch's own exporter (no JavaScript library writes ONNX).

usage: python3 -m optidel.export_onnx ENCODER.safetensors OUT.onnx [--opset N]

Loads the file ``optidel export --what encoder`` writes with ``optidel.encoder`` and traces it with
``torch.onnx.export``: input ``images`` [batch, 1, S, S] float32 in [0, 1], outputs ``tokens``
[batch, patches, dim] and ``embedding`` [batch, dim], the batch dimension dynamic. Where the
``onnx`` package is installed the written model is checked with ``onnx.checker``.
"""
import argparse

import torch

from .encoder import load_encoder


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
    try:
        import onnx
    except ImportError:
        return encoder
    onnx.checker.check_model(onnx.load(out), full_check=True)
    return encoder


def main():
    parser = argparse.ArgumentParser(prog="python3 -m optidel.export_onnx", description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="the .safetensors file of optidel export --what encoder")
    parser.add_argument("out", help="the .onnx file to write")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    args = parser.parse_args()
    export_onnx(args.weights, args.out, args.opset)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
