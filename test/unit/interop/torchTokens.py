"""Encoder tokens of an OptiDEL export in PyTorch, for encoderTorch.test.ts.

usage: torchTokens.py ENCODER.safetensors IMAGES.f32 COUNT OUT_DIR
Images are COUNT x S x S little-endian float32. Writes OUT_DIR/tokens.f32 and pooled.f32 from
python/optidel/encoder.py as it is, and erf-gelu-tokens.f32 with the MLP's GELU swapped for
PyTorch's exact GELU: a control showing the comparison can tell the two activations apart.
"""
import os
import struct
import sys

import torch

from optidel import encoder as optidel_encoder


def main(weights, images_file, count, out_dir):
    model = optidel_encoder.load_encoder(weights)
    with open(images_file, "rb") as f:
        pixels = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    images = pixels.reshape(int(count), 1, model.img_size, model.img_size)
    with torch.no_grad():
        outputs = {"tokens": model.forward_features(images), "pooled": model(images)}
        optidel_encoder.quick_gelu = torch.nn.functional.gelu
        outputs["erf-gelu-tokens"] = model.forward_features(images)
    for name, values in outputs.items():
        with open(os.path.join(out_dir, f"{name}.f32"), "wb") as f:
            # struct, not numpy: Debian's torch and a pip numpy 2.x do not interoperate.
            flat = values.reshape(-1).tolist()
            f.write(struct.pack(f"<{len(flat)}f", *flat))


if __name__ == "__main__":
    main(*sys.argv[1:])
