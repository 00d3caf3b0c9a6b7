"""``load_run(dir)``: a finished OptiDEL run folder as numpy arrays and plain Python values.

Reads only the files ``optidel`` writes (their names in ``layout.py``); numpy and the standard
library only, no network. A run folder may come from someone else, so every path it names is
checked to stay inside it, and a broken selection file is skipped with the reason (``skipped``)
instead of stopping the load.
"""
import json
import os

import numpy as np

from .layout import ARTIFACTS, selection_file
from .png import decode_gray


class RunFolderError(ValueError):
    """A run folder file that is missing or unusable; the message names it and the command that writes it."""


def _inside(run_dir, relative):
    """``run_dir/relative``, refusing absolute paths, ``..`` and symbolic links that lead out."""
    if os.path.isabs(relative) or any(part in ("", "..") for part in relative.replace("\\", "/").split("/")):
        raise RunFolderError(f"{run_dir}: {relative!r} is not a plain path inside the run folder")
    full = os.path.join(run_dir, relative)
    root = os.path.realpath(run_dir)
    if os.path.commonpath([root, os.path.realpath(full)]) != root:
        raise RunFolderError(f"{full} leads outside the run folder (a link?); refused")
    return full


def _json(run_dir, relative, producer):
    file = _inside(run_dir, relative)
    if not os.path.exists(file):
        raise RunFolderError(f"{file} is missing: run \"{producer} --run {run_dir}\" first")
    with open(file, encoding="utf-8") as f:
        return json.load(f)


def _float32(run_dir, relative, shape, producer):
    file = _inside(run_dir, relative)
    if not os.path.exists(file):
        raise RunFolderError(f"{file} is missing: run \"{producer} --run {run_dir}\" first")
    # Sized before it is read: a shared run's file may be a sparse one of gigabytes.
    expected = int(np.prod(shape))
    size = os.stat(file).st_size
    if size != 4 * expected:
        raise RunFolderError(
            f"{file} holds {size // 4} float32 values ({size} bytes), expected {expected}: re-run \"{producer}\""
        )
    return np.fromfile(file, dtype="<f4", count=expected).reshape(shape)


def _cache_samples(run_dir, cache):
    """The samples of a version 2 cache index: one JSON object a line in cache/samples.jsonl (cacheIndexFile.ts)."""
    if cache.get("version") != 2:
        raise RunFolderError(f"{run_dir}: cache index version {cache.get('version')!r} is not 1 or 2: update optidel")
    file = _inside(run_dir, ARTIFACTS["cacheSamples"])
    if not os.path.exists(file):
        raise RunFolderError(f"{file} is missing: run \"optidel ingest\" again")
    with open(file, encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if len(samples) != cache.get("sampleCount"):
        raise RunFolderError(f"{file} holds {len(samples)} samples, the index says {cache.get('sampleCount')}: run \"optidel ingest\" again")
    return samples


class Selection:
    """One ``selection/<method>.json``; ``ids`` is the subset training uses (hand curation applied)."""

    def __init__(self, raw, pool_size):
        self.method = raw["method"]
        self.budget = raw["budget"]
        self.seed = raw.get("seed")
        self.selected = [int(i) for i in raw["selected"]]
        if any(i < 0 or i >= pool_size for i in self.selected):
            raise RunFolderError(f'"selected" holds ids outside the pool (0..{pool_size - 1})')
        self.patches = raw.get("patches")
        manual = raw.get("manual") or {}
        self.include = [int(i) for i in manual.get("include", []) if 0 <= int(i) < pool_size]
        self.exclude = [int(i) for i in manual.get("exclude", [])]
        self.v_information = raw.get("vInformation")
        # As the training stage's `curated` (src/engine/pipeline/runArtifacts.ts): selected minus
        # manual.exclude, then manual.include, without repeats.
        excluded = set(self.exclude)
        self.ids = list(dict.fromkeys([i for i in self.selected if i not in excluded] + self.include))

    def __repr__(self):
        return f"Selection({self.method!r}, {len(self.ids)} samples)"


class Run:
    """A loaded run folder. ``pool`` is the table of samples (one dict per sample, in id order)."""

    def __init__(self, run_dir):
        self.dir = os.path.abspath(run_dir)
        self.skipped = []
        cache = _json(self.dir, ARTIFACTS["cacheIndex"], "optidel ingest")
        self.image_size = cache["imageSize"]
        samples = cache["samples"] if cache.get("version") == 1 else _cache_samples(self.dir, cache)
        self.pool = [
            {
                "id": s["id"],
                "source": s["source"],
                "axis": s.get("axis"),
                "slice": s.get("slice"),
                "frame": s.get("frame"),
                "original_size": tuple(s["originalSize"]),
                "intensity": s.get("intensity"),
            }
            for s in samples
        ]
        n = len(self.pool)
        info = _json(self.dir, ARTIFACTS["scores"], "optidel score")
        self.difficulty_kind = info.get("difficulty", "normalised")
        self.scores = {
            "difficulty": _float32(self.dir, ARTIFACTS["difficulty"], (n,), "optidel score"),
            "patch_errors": _float32(self.dir, ARTIFACTS["patchErrors"], (n, info["patchesPerSide"] ** 2), "optidel score"),
            "projection": _float32(self.dir, ARTIFACTS["projection"], (n, 2), "optidel score"),
        }
        self.embeddings = _float32(self.dir, ARTIFACTS["embeddings"], (n, info["embeddingDim"]), "optidel score")
        self.selections = self._selections(n)
        record = self._optional_json(ARTIFACTS["run"]) or {}
        self.id = record.get("id", os.path.basename(self.dir))
        self._thumbs = self._optional_json(ARTIFACTS["thumbsIndex"])
        self._atlases = {}

    def _optional_json(self, relative):
        file = _inside(self.dir, relative)
        if not os.path.exists(file):
            return None
        try:
            with open(file, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as err:
            self.skipped.append((file, str(err)))
            return None

    def _selections(self, pool_size):
        folder = _inside(self.dir, ARTIFACTS["selectionDir"])
        names = sorted(f for f in os.listdir(folder) if f.endswith(".json")) if os.path.isdir(folder) else []
        selections = {}
        for name in names:
            file = _inside(self.dir, selection_file(name[: -len(".json")]))
            try:
                with open(file, encoding="utf-8") as f:
                    selection = Selection(json.load(f), pool_size)
                selections[selection.method] = selection
            except (OSError, ValueError, KeyError, TypeError) as err:
                self.skipped.append((file, f"not a selection file: {err}"))
        return selections

    def thumbnail(self, sample_id):
        """The sample's thumbnail (uint8 [size, size]) from the run's atlases, or None."""
        index = self._thumbs
        position = (index or {}).get("positions", {}).get(str(sample_id))
        if position is None:
            return None
        atlas, column, row = position
        if atlas not in self._atlases:
            try:
                with open(_inside(os.path.join(self.dir, ARTIFACTS["thumbsDir"]), index["atlases"][atlas]), "rb") as f:
                    self._atlases[atlas] = decode_gray(f.read())
            except (OSError, ValueError, IndexError, TypeError, KeyError) as err:
                self.skipped.append((f"thumbs atlas {atlas}", str(err)))
                self._atlases[atlas] = None
        pixels, size = self._atlases[atlas], index["size"]
        if pixels is None or (row + 1) * size > pixels.shape[0] or (column + 1) * size > pixels.shape[1]:
            return None
        return pixels[row * size : (row + 1) * size, column * size : (column + 1) * size]

    def subset(self, method=None):
        """The ``Subset`` of one selection (default optidel when present, else the first)."""
        from .subset import Subset

        if not self.selections:
            raise RunFolderError(f"{self.dir} holds no selection: run \"optidel select --run {self.dir}\" first")
        method = method or ("optidel" if "optidel" in self.selections else next(iter(self.selections)))
        if method not in self.selections:
            raise KeyError(f"{self.dir} has no selection {method!r}; it has {', '.join(self.selections)}")
        return Subset(self, method)

    def __repr__(self):
        return f"Run({self.dir!r}: {len(self.pool)} samples, selections {list(self.selections)})"


def load_run(run_dir):
    """Loads a run folder written by ``optidel`` (ingest, score and select done)."""
    return Run(run_dir)
