#!/usr/bin/python3
"""Does a screenshot (binary PPM, as `grim -t ppm` writes it) show the touch UI's home screen
filling the output? Prints what it measured; exits 1 when it does not.

    screen-check.py SHOT.ppm
"""
import sys

data = open(sys.argv[1], "rb").read()
fields, offset = [], 0
while len(fields) < 4:
    while data[offset:offset + 1].isspace():
        offset += 1
    end = offset
    while end < len(data) and not data[end:end + 1].isspace():
        end += 1
    if end == offset:
        sys.exit(f"screen check: {sys.argv[1]} is not a PPM image")
    fields.append(data[offset:end])
    offset = end
offset += 1
assert fields[0] == b"P6" and fields[3] == b"255", f"not a binary 8-bit PPM: {fields}"
width, height = int(fields[1]), int(fields[2])
pixels = data[offset:]

def colour(x, y):
    i = 3 * (y * width + x)
    return tuple(pixels[i:i + 3])

def near(c, target, tolerance=6):
    return all(abs(a - b) <= tolerance for a, b in zip(c, target))

# The home screen in style.css's colours: the page (--bg), the cards of the filings (--card,
# framed in --border) and their text (--fg).
BACKGROUND = (0xF4, 0xF6, 0xF9)
CARD = (0xFF, 0xFF, 0xFF)
BORDER = (0xC3, 0xCA, 0xD6)
TEXT = (0x1A, 0x1F, 0x29)
step = 4
samples = [colour(x, y) for y in range(0, height, step) for x in range(0, width, step)]
def share(target):
    return sum(near(c, target) for c in samples) / len(samples)
background, card, border, text = share(BACKGROUND), share(CARD), share(BORDER), share(TEXT)
corners = [colour(x, y) for x, y in ((width - 2, height - 2), (1, height - 2), (width - 2, height // 2))]
print(f"screenshot {width}x{height}: page background {background:.0%}, cards {card:.0%}, card borders {border:.1%}, "
      f"text {text:.1%}, corners {corners}")
problems = []
if width < 640 or height < 480:
    problems.append("the output is smaller than 640x480")
if background < 0.3:
    problems.append("the page's background covers less than 30% of the output (an error page, or a small window)")
if card < 0.1 or border < 0.003 or text < 0.003:
    problems.append("no cards of filings on the page (white, framed, with text)")
if any(c == (0, 0, 0) for c in corners):
    problems.append("the page does not reach the output's edges")
for problem in problems:
    print("screen check:", problem)
sys.exit(1 if problems else 0)
