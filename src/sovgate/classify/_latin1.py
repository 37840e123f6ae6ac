"""What the detectors' byte paths share: most Western text is Latin-1 (one byte per character,
offsets unchanged), so a detector can map it to bytes with a 256-entry table and let C do what a
per-character Unicode lookup or a regex character class would do in Python or the regex engine.
Every byte path is property-tested against the general one, which other text takes."""

from __future__ import annotations

import re

BEYOND = re.compile("[^\x00-\xff]")  # a character beyond Latin-1
# each Latin-1 character's lower case, itself one Latin-1 character (so offsets stay valid)
LOWER = bytes(ord(chr(i).lower()) for i in range(256))
assert all(len(chr(i).lower()) == 1 for i in range(256))
