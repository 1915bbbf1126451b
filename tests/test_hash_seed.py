"""Answers must not depend on Python's hash seed (set iteration order): the same questions asked in
processes with different PYTHONHASHSEED values give byte-identical replies."""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import hashlib, json, sys
sys.path.insert(0, {root!r})
from db import Store
from knowledge.base import KnowledgeBase
from knowledge.dense import ensure_vectors
from knowledge.embed import load_embedder
store, stub = Store({db!r}), load_embedder("stub")
ensure_vectors(store, stub)  # in line, so no background embedding changes answers mid-run
kb = KnowledgeBase(store, {data!r}, stub)  # the fusion runs too
h = hashlib.sha1()
for line in open({questions!r}, encoding="utf-8"):
    if line.strip():
        case = json.loads(line)
        h.update(json.dumps(kb.ask(case["q"], case.get("city")).as_json(), ensure_ascii=False, sort_keys=True).encode())
print(h.hexdigest())
"""


def test_answers_are_the_same_under_every_hash_seed(indexed_db, data_dir, tmp_path):
    import shutil

    from db import Store
    from knowledge.dense import ensure_vectors
    from knowledge.embed import load_embedder

    base = tmp_path / "stub.db"
    shutil.copy(indexed_db, base)
    with Store(base) as store:
        ensure_vectors(store, load_embedder("stub"))  # once here: each process finds the passages' vectors
    runs = []
    for seed in ("1", "2", "3", "4"):  # side by side, each on a copy of its own (none reads another's vectors)
        db = tmp_path / f"seed{seed}.db"
        shutil.copy(base, db)
        code = CHILD.format(root=str(ROOT), db=str(db), data=str(data_dir),
                            questions=str(ROOT / "tests" / "data" / "qa-extra.jsonl"))
        runs.append(subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ, PYTHONHASHSEED=seed)))
    digests = set()
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        digests.add(out.strip())
    assert len(digests) == 1, f"answers differ between hash seeds: {digests}"
