"""The masked scorer of ``optidel.export_onnx --scorer``, evaluated op by op in numpy, for encoderTorch.test.ts.

usage: onnxScores.py ENCODER.safetensors IMAGES.f32 COUNT VISIBLE.i32 MASKS OUT_DIR
Writes OUT_DIR/scorer.onnx (the decoder from the checkpoint the encoder file names), runs it on
the COUNT images (little-endian float32, COUNT x S x S) once per mask, VISIBLE.i32 holding MASKS x
COUNT x keep visible patch indices (little-endian int32), and writes OUT_DIR/onnx-errors.f32,
MASKS x COUNT per-image errors. The evaluator is onnxTokens.py's: where onnxruntime is not
installed, it stands in, and an operator it does not know stops the run.
"""
import os
import sys

import numpy as np

from onnxTokens import onnx, run
from optidel.export_onnx import export_scorer_onnx


def main(weights, images_file, count, visible_file, masks, out_dir):
    file = os.path.join(out_dir, "scorer.onnx")
    size = export_scorer_onnx(weights, file).encoder.img_size
    count, masks = int(count), int(masks)
    images = np.fromfile(images_file, dtype="<f4").reshape(count, 1, size, size).astype(np.float64)
    visible = np.fromfile(visible_file, dtype="<i4").reshape(masks, count, -1).astype(np.int64)
    model = onnx.load(file)
    errors = [run(model, {"images": images, "visible": v})[0] for v in visible]
    np.stack(errors).astype("<f4").tofile(os.path.join(out_dir, "onnx-errors.f32"))


if __name__ == "__main__":
    main(*sys.argv[1:])
