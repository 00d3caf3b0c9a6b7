"""A run folder's float32 file that is far larger than its shape, as python/optidel reads it, for
pythonFloat32.test.ts.

usage: sparseScores.py DIR MIB
Writes DIR/scores.f32 as a sparse file of MIB mebibytes, asks ``_float32`` for 10 values of it and
prints one JSON object: the error it raised and how much the process's peak memory grew meanwhile.
"""
import json
import os
import resource
import sys

from optidel.run import RunFolderError, _float32


def main(run_dir, mib):
    with open(os.path.join(run_dir, "scores.f32"), "wb") as f:
        f.truncate(mib * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        _float32(run_dir, "scores.f32", (10,), "optidel score")
        error = None
    except RunFolderError as err:
        error = str(err)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"error": error, "grownMiB": grown_kib / 1024}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
