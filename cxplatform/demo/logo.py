"""Small PNG images made in code (zlib and struct, no imaging library): the demo
business's logo, and test images."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]  # red, green, blue, alpha


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_image(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel at (x, y) is pixel(x, y)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            png_chunk(b"IHDR", header),
            png_chunk(b"IDAT", zlib.compress(rows, 9)),
            png_chunk(b"IEND", b""),
        )
    )


def solid_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    return png_image(width, height, lambda x, y: (*colour, 255))


def bird_logo_png(size: int = 96) -> bytes:
    """The demo café's badge: a round blue bird (body, wing, eye and beak) on transparency."""
    blue, sky, white, orange = (
        (24, 86, 170, 255),
        (120, 180, 235, 255),
        (255,) * 4,
        (245, 150, 30, 255),
    )

    def inside(x: int, y: int, cx: float, cy: float, r: float) -> bool:
        return (x - cx) ** 2 + (y - cy) ** 2 <= r**2

    def pixel(x: int, y: int) -> Pixel:
        s = size / 96
        if inside(x, y, 62 * s, 34 * s, 5 * s):
            return (20, 20, 20, 255) if inside(x, y, 63 * s, 34 * s, 3 * s) else white
        if 76 * s <= x <= 90 * s and abs(y - 40 * s) <= (90 * s - x) * 0.45:
            return orange
        if inside(x, y, 40 * s, 58 * s, 20 * s) and y > 48 * s:
            return sky
        if inside(x, y, 48 * s, 48 * s, 34 * s):
            return blue
        return (0, 0, 0, 0)

    return png_image(size, size, pixel)
