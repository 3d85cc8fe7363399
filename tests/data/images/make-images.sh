#!/bin/sh
# Regenerates the avatar test images in this directory.
# Needs Debian's imagemagick (the real /usr/bin/convert), libimage-exiftool-perl and python3.
# The images are committed: run this only to change them, then check tests/unit/avatar_test.cpp.
set -eu
cd "$(dirname "$0")"
CONVERT=${CONVERT:-/usr/bin/convert}
EXIFTOOL=${EXIFTOOL:-exiftool}

# PNG with alpha: 120x80, left half fully transparent, right half opaque blue.
# Flattened onto white and shrunk: 96x64, white left, blue right.
"$CONVERT" -size 120x80 xc:none -fill '#0000ff' -draw 'rectangle 60,0 119,79' \
  -define png:exclude-chunks=date,time alpha.png

# Animated GIF, two 60x40 frames: red then green. Only the first frame counts, not upscaled.
"$CONVERT" -delay 50 -size 60x40 xc:red -size 60x40 xc:lime -loop 0 animated.gif

# Plain JPEG with metadata to strip: 300x200, top half yellow, bottom half blue,
# a comment (COM) and EXIF (APP1). Shrunk: 96x64 with neither marker.
"$CONVERT" -size 300x100 xc:yellow -size 300x100 xc:blue -append \
  -set comment 'secret comment' -quality 90 photo.jpg
"$EXIFTOOL" -q -overwrite_original -Artist='Test Artist' -Orientation#=1 photo.jpg

# EXIF Orientation=6 (rotate 90 degrees clockwise to display): stored 200x100 with the
# left half red and the right half white; displayed 100x200 with red on top.
"$CONVERT" -size 100x100 xc:red -size 100x100 xc:white +append -quality 90 rotated.jpg
"$EXIFTOOL" -q -overwrite_original -Orientation#=6 rotated.jpg

# CMYK JPEG (as Photoshop writes them): must come out as an RGB JPEG, still red.
"$CONVERT" -size 64x64 xc:red -colorspace CMYK -quality 90 cmyk.jpg

# Progressive JPEG, 32x32 red: decoded like any other; the test repeats its last scan to
# make a scan bomb (each scan is a pass over the image; decoders cap their number).
"$CONVERT" -size 32x32 xc:red -interlace Plane -quality 90 progressive.jpg

# Very wide JPEG: 400x4 shrinks to 96x1, never to zero rows.
"$CONVERT" -size 400x4 xc:green -quality 90 wide.jpg

# Truncated JPEG: a noisy photo cut in the middle of its entropy-coded data.
"$CONVERT" -seed 7 -size 64x64 xc: +noise Random -quality 90 /tmp/full-$$.jpg
size=$(wc -c </tmp/full-$$.jpg)
head -c $((size / 2)) /tmp/full-$$.jpg >truncated.jpg
rm -f /tmp/full-$$.jpg

# Not images, or not ones we accept.
printf 'This is a text file, not an image.\n' >text.txt
cat >vector.svg <<'SVG'
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
  <rect width="64" height="64" fill="red"/>
</svg>
SVG

python3 - <<'PY'
import random, struct, zlib

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

def png(width, height, idat):
    ihdr = struct.pack('>IIBBBBB', width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', idat) + chunk(b'IEND', b'')

# A real decompression bomb: 9000x9000 one-bit pixels (81 megapixels, above the 64 Mi
# limit, below ImageMagick's 16K side limit) in a few KB, complete and valid.
row = b'\x00' + b'\x00' * ((9000 + 7) // 8)
z = zlib.compressobj(9)
idat = b''.join(z.compress(row) for _ in range(9000)) + z.flush()
open('bomb-9000x9000.png', 'wb').write(png(9000, 9000, idat))

# 7000x7000 (49 megapixels): under the 64 Mi header limit, over what ImageMagick's resource
# limits let the library hold in memory (256 MiB, 8 bytes a pixel): the second line of defence.
row = b'\x00' + b'\x00' * ((7000 + 7) // 8)
z = zlib.compressobj(9)
idat = b''.join(z.compress(row) for _ in range(7000)) + z.flush()
open('bomb-7000x7000.png', 'wb').write(png(7000, 7000, idat))

# A 30000x30000 header (above every limit) followed by only the first rows: a complete
# one would be ~110 KB, and the point is that it is refused from its header alone.
row = b'\x00' + b'\x00' * ((30000 + 7) // 8)
z = zlib.compressobj(9)
idat = b''.join(z.compress(row) for _ in range(64)) + z.flush(zlib.Z_SYNC_FLUSH)
open('bomb-30000x30000.png', 'wb').write(png(30000, 30000, idat))

# Corrupt: a PNG signature followed by random bytes.
random.seed(42)
open('corrupt.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + bytes(random.randrange(256) for _ in range(2000)))
PY

# Every EXIF orientation: each file displays as the same 200x100 picture, white with a red
# top-left quadrant, stored transformed by the inverse of its Orientation tag.
"$CONVERT" -size 200x100 xc:white -fill red -draw 'rectangle 0,0 99,49' /tmp/shown-$$.png
set -- "" -flop "-rotate 180" -flip -transpose "-rotate 270" -transverse "-rotate 90"
for orientation in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086 # the transform is two words at times
  "$CONVERT" /tmp/shown-$$.png $1 -quality 90 orientation-$orientation.jpg
  "$EXIFTOOL" -q -overwrite_original -Orientation#=$orientation orientation-$orientation.jpg
  shift
done
rm -f /tmp/shown-$$.png

# The other accepted formats, 16x16 green.
"$CONVERT" -size 16x16 xc:lime small.bmp
"$CONVERT" -size 16x16 xc:lime -compress zip small.tiff
"$CONVERT" -size 16x16 xc:lime -define webp:lossless=true small.webp
