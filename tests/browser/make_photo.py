#!/usr/bin/python3
"""Writes a 12-megapixel test photo (4000x3000 as the sensor stores it) of 3-4 MB.

    /usr/bin/python3 make_photo.py OUT.jpg SEED

Realistic content for a JPEG encoder, not flat colour: a gradient with shapes
at a quarter of the size, scaled up (soft edges, like a lens), plus sensor-like
grain made at half the size. A flat or pure-noise image would make the shrunk
copy's size meaningless. The EXIF (orientation, time, GPS) is written by the
test with exiftool. Takes about 4 s on one core.
"""
import random
import sys

from PIL import Image, ImageChops, ImageDraw

W, H = 4000, 3000


def main(out, seed):
    random.seed(seed)
    w, h = W // 4, H // 4
    ramp = Image.linear_gradient('L')
    img = Image.merge('RGB', (ramp.resize((w, h)), ramp.rotate(90).resize((w, h)), Image.new('L', (w, h), 120)))
    draw = ImageDraw.Draw(img)
    for i in range(80):
        x, y, r = random.randrange(w), random.randrange(h), random.randrange(10, 220)
        colour = tuple(random.randrange(256) for _ in range(3))
        (draw.ellipse if i % 2 else draw.rectangle)([x - r, y - r // 2, x + r, y + r // 2], fill=colour)
    img = img.resize((W, H), Image.BICUBIC)
    grain = Image.merge('RGB', [Image.effect_noise((W // 2, H // 2), 14) for _ in range(3)]).resize((W, H), Image.BILINEAR)
    ImageChops.add(img, grain, scale=1.0, offset=-128).save(out, quality=92)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
