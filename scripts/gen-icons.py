#!/usr/bin/env python3
"""Draws the app icons (public/icons/icon-*.png) with the standard library only: a teal
rounded square with a white "M". Run again only to change the design; the PNGs are committed."""
import math, struct, zlib, pathlib

BG = (15, 118, 110)   # --color-primary in style/main.css
FG = (255, 255, 255)

def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))

def pixel(x, y, n, maskable):
    u, v = (x + 0.5) / n, (y + 0.5) / n
    r = 0.0 if maskable else 0.18
    # rounded-square background
    cx, cy = min(max(u, r), 1 - r), min(max(v, r), 1 - r)
    if math.hypot(u - cx, v - cy) > r:
        return (0, 0, 0, 0)
    s = 0.62 if maskable else 0.8   # maskable icons keep content in the inner 80% circle
    o = (1 - s) / 2
    pts = [(0.2, 0.8), (0.2, 0.22), (0.5, 0.58), (0.8, 0.22), (0.8, 0.8)]
    pts = [(o + s * a, o + s * b) for a, b in pts]
    w = 0.075 * s / 0.8
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        if seg_dist(u, v, ax, ay, bx, by) < w:
            return FG + (255,)
    return BG + (255,)

def png(n, maskable=False):
    raw = b"".join(b"\0" + bytes(c for x in range(n) for c in pixel(x, y, n, maskable)) for y in range(n))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

out = pathlib.Path(__file__).resolve().parent.parent / "public" / "icons"
out.mkdir(parents=True, exist_ok=True)
for n in (192, 512):
    (out / f"icon-{n}.png").write_bytes(png(n))
(out / "icon-maskable-512.png").write_bytes(png(512, maskable=True))
(out / "apple-touch-icon.png").write_bytes(png(180, maskable=True))
print("icons written to", out)
