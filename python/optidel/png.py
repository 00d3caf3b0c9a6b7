"""8-bit greyscale PNG, the only kind a run folder's thumbnail atlases are (src/engine/data/formats/png.ts).

Standard library and numpy only: decoding undoes all five PNG row filters, so an atlas rewritten
by another tool still reads; encoding writes filter 0 rows, as the engine does.
"""
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_gray(data):
    """The pixels of an 8-bit greyscale, non-interlaced PNG as a uint8 array [height, width]."""
    if data[:8] != SIGNATURE:
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if (depth, colour, interlace) != (8, 0, 0):
        raise ValueError(f"PNG is not 8-bit greyscale non-interlaced (depth {depth}, colour type {colour})")
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    if raw.size != height * (width + 1):
        raise ValueError("PNG image data has the wrong length")
    raw = raw.reshape(height, width + 1)
    out = np.zeros((height, width), dtype=np.int32)
    previous = np.zeros(width, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + previous) & 255
        else:
            # Sub, Average and Paeth depend on the pixel to the left: one pixel at a time.
            row = np.zeros(width, dtype=np.int32)
            for x in range(width):
                a = row[x - 1] if x else 0
                b = previous[x]
                c = previous[x - 1] if x else 0
                if kind == 1:
                    predictor = a
                elif kind == 3:
                    predictor = (a + b) // 2
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                else:
                    raise ValueError(f"PNG row filter {kind} is not defined")
                row[x] = (line[x] + predictor) & 255
        out[y] = row
        previous = row
    return out.astype(np.uint8)


def encode_gray(pixels):
    """A uint8 array [height, width] as PNG bytes."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
