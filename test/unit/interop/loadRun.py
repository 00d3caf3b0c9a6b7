"""python/optidel's ``load_run`` on a run folder, for pythonPackage.test.ts.

usage: loadRun.py RUN_DIR [METHOD [DATALIST]]
Prints one JSON object: the package's layout names, the pool table, the arrays (flattened), each
selection's curated ids, what was skipped, the Subset's MIME bundle as a notebook stores it, and
with DATALIST the entries ``load_datalist`` reads from it.
"""
import json
import sys

from optidel import load_datalist, load_run
from optidel.layout import ARTIFACTS


def main(run_dir, method=None, datalist=None):
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
                "datalist": load_datalist(datalist) if datalist else None,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
