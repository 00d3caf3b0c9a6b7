"""python/optidel's ``load_run`` on a run folder, for pythonPackage.test.ts.

usage: loadRun.py RUN_DIR [METHOD]
Prints one JSON object: the package's layout names, the pool table, the arrays (flattened), each
selection's curated ids, what was skipped, and the Subset's MIME bundle as a notebook stores it.
"""
import json
import sys

from optidel import load_run
from optidel.layout import ARTIFACTS


def main(run_dir, method=None):
    run = load_run(run_dir)
    subset = run.subset(method)
    print(
        json.dumps(
            {
                "layout": ARTIFACTS,
                "pool": run.pool,
                "embeddings": {"shape": list(run.embeddings.shape), "values": run.embeddings.ravel().tolist()},
                "difficulty": run.scores["difficulty"].tolist(),
                "selections": {m: s.ids for m, s in run.selections.items()},
                "skipped": run.skipped,
                "bundle": subset._repr_mimebundle_(),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
