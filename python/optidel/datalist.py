"""``load_datalist``: the ``datalist.json`` of ``optidel export --what subset``, read as MONAI's
``load_decathlon_datalist(file, is_segmentation=True, data_list_key="training")`` reads it, for code
without MONAI: a list of dicts, a relative ``image`` resolved against the file's folder."""
import json
import os


def load_datalist(file, key="training"):
    with open(file, encoding="utf-8") as f:
        data = json.load(f)
    if key not in data:
        raise ValueError(f'{file} has no "{key}" list; write it with: optidel export --what subset --run RUN --out FOLDER')
    base = os.path.dirname(os.path.abspath(file))
    entries = []
    for entry in data[key]:
        entry = dict(entry)
        image = entry.get("image")
        if isinstance(image, str) and not os.path.isabs(image):
            entry["image"] = os.path.normpath(os.path.join(base, image))
        entries.append(entry)
    return entries
