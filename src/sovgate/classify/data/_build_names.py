"""Rebuild the name lists in this folder (maintenance script, not imported at run time).

Source: the `names-dataset` package (PyPI, MIT licence, by Philippe Remy,
https://github.com/philipperemy/name-dataset), first/last names with per-country
popularity ranks. The second column is the word
frequency from `wordfreq` (PyPI, by Robyn Speer), the highest over en/de/fr/es/it/nl/pl,
so the detector can tell names that are also frequent words ("Will", "Rose", "Mai").

    pip install names-dataset wordfreq
    python src/sovgate/classify/data/_build_names.py
"""

from __future__ import annotations

import datetime
import gzip
import pickle
import sys
from pathlib import Path

import names_dataset
from wordfreq import zipf_frequency

HERE = Path(__file__).parent
LANGS = ("en", "de", "fr", "es", "it", "nl", "pl")
FIRST_RANK = 2500
LAST_RANK = 6000


def load(name: str) -> dict:
    base = Path(names_dataset.__file__).parent / "v3"
    with gzip.open(base / f"{name}.pkl.gz") as fh:
        return pickle.load(fh)


def clean(name: str) -> bool:
    return 2 <= len(name) <= 24 and name[0].isupper() and name.replace("-", "").replace("'", "").isalpha()


def build(kind: str, max_rank: int) -> list[str]:
    data = load(f"{kind}_names")
    out = []
    for name, info in data.items():
        ranks = info.get("rank") or {}
        if not ranks or not clean(name):
            continue
        best = min(ranks.values())
        if best > max_rank:
            continue
        zipf = max(zipf_frequency(name.lower(), lang) for lang in LANGS)
        out.append(f"{name}\t{round(zipf * 10)}\t{best}")
    out.sort()
    return out


def main() -> None:
    today = datetime.date.today().isoformat()
    for kind, rank in (("first", FIRST_RANK), ("last", LAST_RANK)):
        rows = build(kind, rank)
        header = (
            f"# {kind} names: names-dataset {names_dataset.__version__ if hasattr(names_dataset, '__version__') else '3.3.1'}"
            f" (https://pypi.org/project/names-dataset/, MIT), rank <= {rank} in any country;"
            f" columns: name, 10 x max wordfreq zipf over en/de/fr/es/it/nl/pl, best rank; built {today}\n"
        )
        with gzip.open(HERE / f"{kind}_names.tsv.gz", "wt", encoding="utf-8") as fh:
            fh.write(header)
            fh.write("\n".join(rows) + "\n")
        print(kind, len(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
