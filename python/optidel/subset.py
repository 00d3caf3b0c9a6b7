"""A run's selected subset in a notebook: ``Subset._repr_mimebundle_`` gives the OptiDEL output
(``application/vnd.optidel.subset+json``, the payload of src/shared/subsetPayload.ts, which the
extension's renderer draws interactively in VS Code) and fallbacks for every other viewer:
``text/html`` with a static SVG embedding map, difficulty histogram and thumbnail strip (GitHub,
JupyterLab, nbviewer), ``image/png`` with the two charts for viewers that show no HTML, and
``text/plain``.
"""
import base64
import html

import numpy as np

from .png import encode_gray

SUBSET_MIME = "application/vnd.optidel.subset+json"
# The payload's limits (subsetPayload.ts): thumbnails are small embedded PNGs.
MAX_THUMBNAIL_CHARS = 16_384
THUMBNAILS = 48


def png_data_url(pixels):
    return "data:image/png;base64," + base64.b64encode(encode_gray(pixels)).decode("ascii")


def _six(value):
    """Six significant digits, as the engine's export writes them; non-finite becomes 0."""
    value = float(value)
    return float(f"{value:.6g}") if np.isfinite(value) else 0.0


class Subset:
    """The subset of ``method`` in ``run`` (a ``Run``): ``ids`` with the gallery's curation applied."""

    def __init__(self, run, method):
        self.run = run
        self.method = method
        self.selection = run.selections[method]
        self.ids = self.selection.ids

    def payload(self, thumbnails=THUMBNAILS):
        """The renderer's payload (version 1): every pool sample, thumbnails for the first selected ones."""
        run, chosen = self.run, set(self.ids)
        methods = [self.method] + [m for m in run.selections if m != self.method]
        by = {}
        for m in methods:
            for i in run.selections[m].ids:
                by.setdefault(i, []).append(m)
        pictured = {}
        for i in self.ids[:thumbnails]:
            pixels = run.thumbnail(i)
            url = png_data_url(pixels) if pixels is not None else None
            if url and len(url) <= MAX_THUMBNAIL_CHARS:
                pictured[i] = url
        difficulty, xy = run.scores["difficulty"], run.scores["projection"]
        samples = []
        for row in run.pool:
            i = row["id"]
            sample = {
                "id": i,
                "difficulty": _six(difficulty[i]),
                "embedding": [_six(xy[i, 0]), _six(xy[i, 1])],
                "selected": i in chosen,
                "selectedBy": by.get(i, []),
                "provenance": {
                    k: v
                    for k, v in {
                        "source": row["source"],
                        "axis": row["axis"],
                        "slice": row["slice"],
                        "frame": row["frame"],
                        "originalSize": list(row["original_size"]),
                        "intensity": row["intensity"],
                    }.items()
                    if v is not None
                },
            }
            if i in pictured:
                sample["thumbnail"] = pictured[i]
            samples.append(sample)
        summary = {
            "poolSize": len(run.pool),
            "budget": self.selection.budget,
            "method": self.method,
            "selectedCount": len(self.ids),
            "methods": methods,
        }
        v = self.selection.v_information
        if v:
            summary["vInformation"] = {k: v[k] for k in ("hYEmpty", "hYGivenX", "value")}
        if self.selection.seed is not None:
            summary["seed"] = self.selection.seed
        return {
            "version": 1,
            "title": f"OptiDEL subset · {self.method} · {run.id}",
            "run": {"id": run.id, "dir": run.dir},
            "summary": summary,
            "samples": samples,
        }

    def _repr_mimebundle_(self, include=None, exclude=None):
        payload = self.payload()
        bundle = {SUBSET_MIME: payload, "text/html": subset_html(payload), "text/plain": subset_text(payload)}
        if payload["samples"]:
            bundle["image/png"] = base64.b64encode(subset_png(payload["samples"])).decode("ascii")
        return bundle

    def __repr__(self):
        return subset_text(self.payload(thumbnails=0))


def subset_text(payload):
    s = payload["summary"]
    v = s.get("vInformation")
    extra = f", V-information {v['value']:.4f} nats" if v else ""
    return (
        f"OptiDEL subset ({s['method']}): {s['selectedCount']} of {s['poolSize']} samples selected "
        f"(budget {s['budget']}){extra}."
    )


# The charts' layout, as src/engine/export/subsetCharts.ts: two 320 x 200 panels.
WIDTH, HEIGHT, BINS = 320, 200, 24
SELECTED, OTHER = "#d9480f", "#868e96"
# The PNG's greys (src/engine/export/subsetRaster.ts).
GREYS = {"background": 255, "pool": 170, "pool_bar": 200, "subset": 0}


def _points(samples):
    """(x, y, selected) point centres in panel pixels, unselected first so the subset is drawn on top."""
    xy = np.array([s["embedding"] for s in samples], dtype=float).reshape(-1, 2)
    low, high = xy.min(0), xy.max(0)
    span = np.where(high > low, high - low, 1.0)
    points = []
    for s in sorted(samples, key=lambda s: s["selected"]):
        x, y = (np.array(s["embedding"]) - low) / span
        points.append((8 + x * (WIDTH - 16), HEIGHT - 8 - y * (HEIGHT - 16), s["selected"]))
    return points


def _counts(samples):
    """(low, high, pool counts, subset counts) of the difficulty histogram; the last bin holds the maximum."""
    d = np.array([s["difficulty"] for s in samples], dtype=float)
    low, high = d.min(), d.max() if d.max() > d.min() else d.min() + 1
    bins = np.minimum(BINS - 1, np.floor((d - low) / (high - low) * BINS).astype(int))
    chosen = np.array([s["selected"] for s in samples], dtype=bool)
    return low, high, np.bincount(bins, minlength=BINS), np.bincount(bins[chosen], minlength=BINS)


def _scatter(samples):
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{SELECTED if chosen else OTHER}"/>'
        for x, y, chosen in _points(samples)
    )
    return _svg("Embedding map (PCA of the embeddings)", dots)


def _histogram(samples):
    low, high, every, chosen = _counts(samples)
    top, w = max(1, every.max()), WIDTH / BINS
    bars = []
    for k in range(BINS):
        for count, colour in ((every[k], OTHER), (chosen[k], SELECTED)):
            h = (HEIGHT - 20) * count / top
            bars.append(f'<rect x="{k * w:.1f}" y="{HEIGHT - 14 - h:.1f}" width="{w - 1:.1f}" height="{h:.1f}" fill="{colour}"/>')
    label = f'<text x="0" y="{HEIGHT - 2}" font-size="10">{low:.3g}</text>'
    label += f'<text x="{WIDTH}" y="{HEIGHT - 2}" font-size="10" text-anchor="end">{high:.3g}</text>'
    return _svg("Difficulty: pool (grey), subset (orange)", "".join(bars) + label)


def subset_png(samples):
    """The image/png fallback: the map (left) and the histogram (right), the subset in black, as PNG bytes."""
    pixels = np.full((HEIGHT, 2 * WIDTH), GREYS["background"], dtype=np.uint8)

    def fill(x0, y0, w, h, value):
        pixels[max(0, y0) : max(0, y0 + h), max(0, x0) : max(0, x0 + w)] = value

    for x, y, chosen in _points(samples):
        # Half away from zero, as JavaScript's Math.round for these positive centres.
        fill(int(np.floor(x + 0.5)) - 2, int(np.floor(y + 0.5)) - 2, 5, 5, GREYS["subset" if chosen else "pool"])
    _, _, every, chosen = _counts(samples)
    top, bar = max(1, every.max()), WIDTH // BINS
    for k in range(BINS):
        for count, value in ((every[k], GREYS["pool_bar"]), (chosen[k], GREYS["subset"])):
            h = int(np.floor((HEIGHT - 20) * count / top + 0.5))
            fill(WIDTH + k * bar, HEIGHT - 14 - h, bar - 1, h, value)
    return encode_gray(pixels)


def _svg(title, body):
    return (
        f'<figure style="display:inline-block;margin:4px"><svg width="{WIDTH}" '
        f'height="{HEIGHT}" role="img"><title>{html.escape(title)}</title>{body}</svg>'
        f'<figcaption style="font-size:11px">{html.escape(title)}</figcaption></figure>'
    )


def subset_html(payload):
    """Static HTML: nothing runs, nothing is fetched; every text from the payload is escaped."""
    samples = payload["samples"]
    strip = "".join(
        f'<img src="{s["thumbnail"]}" width="48" height="48" style="image-rendering:pixelated;margin:1px" '
        f'title="{html.escape(str(s["id"]) + " " + s.get("provenance", {}).get("source", ""))}" alt="sample {s["id"]}"/>'
        for s in samples
        if s.get("selected") and "thumbnail" in s
    )
    charts = (_scatter(samples) + _histogram(samples)) if samples else ""
    return (
        '<div class="optidel-subset">'
        f'<h4>{html.escape(payload.get("title", "OptiDEL subset"))}</h4>'
        f"<p>{html.escape(subset_text(payload))}</p>"
        f"<div>{charts}</div><div>{strip}</div></div>"
    )
