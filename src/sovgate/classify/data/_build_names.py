"""Rebuild data/names.bin (maintenance script, not imported at run time).

Source: the `names-dataset` package (PyPI, MIT licence, by Philippe Remy,
https://github.com/philipperemy/name-dataset): first and last names with per-country
popularity ranks. Each name also carries its word frequency from `wordfreq` (PyPI, by
Robyn Speer), the highest over en/de/fr/es/it/nl/pl, so the detector can tell names
that are also frequent words ("Will", "Rose", "Mai").

    pip install names-dataset wordfreq
    python src/sovgate/classify/data/_build_names.py [--tsv-dir DIR]

names.bin = gzip( one JSON header line + "\\n" + for "first" then "last":
                  uint32 CRC32(lower(name).utf8)[n] sorted, uint8 10*zipf[n], uint16 best rank[n] )
The names themselves are not stored, only their hashes (compact: 7 bytes per name).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import pickle
import zlib
from array import array
from pathlib import Path

HERE = Path(__file__).parent
LANGS = ("en", "de", "fr", "es", "it", "nl", "pl")
RANKS = {"first": 8000, "last": 12000}


def clean(name: str) -> bool:
    return 2 <= len(name) <= 24 and name[0].isupper() and name.replace("-", "").replace("'", "").isalpha()


def rows_from_dataset(kind: str, max_rank: int) -> list[tuple[str, int, int]]:
    import names_dataset
    from wordfreq import zipf_frequency

    base = Path(names_dataset.__file__).parent / "v3"
    with gzip.open(base / f"{kind}_names.pkl.gz") as fh:
        data = pickle.load(fh)
    out = []
    for name, info in data.items():
        ranks = info.get("rank") or {}
        if not ranks or not clean(name):
            continue
        best = min(ranks.values())
        if best <= max_rank:
            zipf = max(zipf_frequency(name.lower(), lang) for lang in LANGS)
            out.append((name, round(zipf * 10), best))
    return out


def write_bin(tables: dict[str, list[tuple[str, int, int]]], path: Path, note: str) -> None:
    header = {
        "source": "names-dataset 3.3.1 (https://pypi.org/project/names-dataset/, MIT) + wordfreq 3.1.1 zipf",
        "built": datetime.date.today().isoformat(),
        "note": note,
        "counts": {},
    }
    payload = b""
    for kind in ("first", "last"):
        best: dict[int, tuple[int, int]] = {}
        for name, zipf, rank in tables[kind]:
            h = zlib.crc32(name.lower().encode("utf-8"))
            z, r = best.get(h, (255, 65535))
            best[h] = (min(z, zipf, 255), min(r, rank, 65535))
        keys = sorted(best)
        header["counts"][kind] = len(keys)
        payload += array("I", keys).tobytes()
        payload += array("B", (best[k][0] for k in keys)).tobytes()
        payload += array("H", (best[k][1] for k in keys)).tobytes()
    with gzip.open(path, "wb") as fh:
        fh.write(json.dumps(header).encode() + b"\n" + payload)


def write_place_words(path: Path) -> int:
    """Country names in en/de/fr/es/it/nl/pl, one lower-cased word per line (words > 3 letters)."""
    import re

    import phonenumbers
    from phonenumbers.geodata.locale import LOCALE_DATA  # large: only imported here, at build time

    words: set[str] = set()
    for names in LOCALE_DATA.values():
        for lang in LANGS:
            name = names.get(lang, "")
            while name.startswith("*"):
                name = names.get(name[1:], "")
            words.update(w.lower() for w in re.findall(r"[^\W\d_]+", name) if len(w) > 3)
    header = (
        f"# country-name words in {'/'.join(LANGS)} from phonenumbers {phonenumbers.__version__} locale data"
        f" (https://pypi.org/project/phonenumbers/, Apache-2.0); built {datetime.date.today().isoformat()}\n"
    )
    path.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    return len(words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tsv-dir", help="also write the readable name lists (name, 10*zipf, rank) here")
    args = ap.parse_args()
    print("place words:", write_place_words(HERE / "place_words.txt"))
    tables = {kind: rows_from_dataset(kind, rank) for kind, rank in RANKS.items()}
    if args.tsv_dir:
        for kind, rows in tables.items():
            with gzip.open(Path(args.tsv_dir) / f"{kind}_names.tsv.gz", "wt", encoding="utf-8") as fh:
                fh.writelines(f"{n}\t{z}\t{r}\n" for n, z, r in sorted(rows))
    note = f"rank <= {RANKS['first']} (first) / {RANKS['last']} (last) in any country"
    write_bin(tables, HERE / "names.bin", note)
    print({k: len(v) for k, v in tables.items()})


if __name__ == "__main__":
    main()
