"""The files of ``optidel export --what scores`` as numpy reads them, for pythonPackage.test.ts.

usage: readScores.py OUT_DIR
Prints one JSON object: per .npy file its format version, header length, dtype, shape and values
(flattened), and the rows of scores.csv as Python's csv module reads them.
"""
import csv
import json
import os
import sys

import numpy as np


def main(out_dir):
    arrays = {}
    for name in sorted(os.listdir(out_dir)):
        if not name.endswith(".npy"):
            continue
        file = os.path.join(out_dir, name)
        with open(file, "rb") as f:
            version = np.lib.format.read_magic(f)
            np.lib.format.read_array_header_1_0(f)
            data_offset = f.tell()
        array = np.load(file, allow_pickle=False)
        arrays[name] = {
            "version": list(version),
            "dataOffset": data_offset,
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "values": array.ravel().tolist(),
        }
    with open(os.path.join(out_dir, "scores.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    print(json.dumps({"arrays": arrays, "rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1])
