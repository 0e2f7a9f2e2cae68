#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks a screenshot of report.html is a rendered page, not a blank one.

    check_shot.py PNG light|dark

The background is the scheme's (white, or the dark page colour), at least 5%
of the pixels are something else, and the charts' first series colour (the
scheme's --c0) covers at least 1000 pixels: the lines and areas were drawn."""
import sys

from PIL import Image

png, scheme = sys.argv[1], sys.argv[2]
im = Image.open(png).convert("RGB")
w, h = im.size
px = im.load()
bg = px[2, 2]
want_bg, c0 = ((255, 255, 255), (0x00, 0x72, 0xB2)) if scheme == "light" else ((0x0D, 0x11, 0x17), (0x58, 0xA6, 0xFF))
if max(abs(a - b) for a, b in zip(bg, want_bg)) > 8:
    sys.exit(f"check_shot: FAIL: {png}: background {bg}, expected {want_bg} for the {scheme} scheme")
other = series = 0
for y in range(0, h, 2):
    for x in range(0, w, 2):
        p = px[x, y]
        if max(abs(a - b) for a, b in zip(p, bg)) > 24:
            other += 1
        if max(abs(a - b) for a, b in zip(p, c0)) < 40:
            series += 1
total = (w // 2) * (h // 2)
if other < 0.05 * total:
    sys.exit(f"check_shot: FAIL: {png} is nearly blank: {100 * other / total:.1f}% of pixels drawn")
if series * 4 < 1000:
    sys.exit(f"check_shot: FAIL: {png}: the charts' series colour {c0} covers {series * 4} pixels, expected 1000 or more")
print(f"check_shot: {png} ({scheme}, {w}x{h}): {100 * other / total:.0f}% of pixels drawn, about {series * 4} in the first series' colour")
