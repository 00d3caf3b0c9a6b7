"""Where a run folder keeps what ``load_run`` reads: the names of src/shared/run/layout.ts.

One list, checked against the TypeScript layout by test/unit/interop/pythonPackage.test.ts, so the
two cannot drift apart. Keys are the TypeScript keys.
"""

ARTIFACTS = {
    "run": "run.json",
    "cacheIndex": "cache/index.json",
    "cacheSamples": "cache/samples.jsonl",
    "thumbsDir": "thumbs",
    "thumbsIndex": "thumbs/index.json",
    "scores": "scores/scores.json",
    "embeddings": "scores/embeddings.f32",
    "difficulty": "scores/difficulty.f32",
    "patchErrors": "scores/patch-errors.f32",
    "projection": "scores/projection.f32",
    "keyPatches": "patches/key-patches.json",
    "selectionDir": "selection",
}


def selection_file(method):
    """``selectionFile`` of layout.ts."""
    return f"{ARTIFACTS['selectionDir']}/{method}.json"


# CHECKPOINT_FILES of layout.ts and checkpointPointer.ts's CHECKPOINT_POINTER, for optidel.scorer,
# which reads the decoder from a checkpoint folder (its test in encoderTorch.test.ts reads a real one).
CHECKPOINT_FILES = {"model": "model.json", "weights": "weights.bin", "pointer": "latest.json"}
