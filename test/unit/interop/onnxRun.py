"""Checks an ONNX scorer with onnx.checker and evaluates it op by op in numpy, for onnxScorer.test.ts.

usage: onnxRun.py MODEL.onnx IMAGES.f32 COUNT VISIBLE.i32 MASKS OUT_DIR
The images are COUNT x S x S little-endian float32; VISIBLE.i32 holds MASKS x COUNT x keep
visible patch indices (little-endian int32). Runs the model once per mask with onnxTokens.py's
interpreter and writes OUT_DIR/onnx-errors.f32, MASKS x COUNT per-image errors; prints the
operator types it used as JSON.
"""
import json
import os
import sys

import numpy as np

from onnxTokens import onnx, run


def main(file, images_file, count, visible_file, masks, out_dir):
    model = onnx.load(file)
    onnx.checker.check_model(model, full_check=True)
    size = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    count, masks = int(count), int(masks)
    images = np.fromfile(images_file, dtype="<f4").reshape(count, 1, size, size).astype(np.float64)
    visible = np.fromfile(visible_file, dtype="<i4").reshape(masks, count, -1).astype(np.int64)
    errors = [run(model, {"images": images, "visible": v})[0] for v in visible]
    np.stack(errors).astype("<f4").tofile(os.path.join(out_dir, "onnx-errors.f32"))
    print(json.dumps({"ops": sorted({n.op_type for n in model.graph.node})}))


if __name__ == "__main__":
    main(*sys.argv[1:])
