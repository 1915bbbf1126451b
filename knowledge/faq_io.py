"""FAQ export and import as YAML, for review in version control.

Export writes the curated entries (or all, for review). Import is all or nothing: the whole file is
checked first, and a file with any fault is rejected with the line at fault; nothing is half-imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HEADER = ("# 团务助手 — 常见问题（管理员整理）。修改后用 `python bot.py faq import 文件` 导入。\n"
          "# 每条：question（问题）、answer（答案），可选 phrasings（其他问法）和 id（修改已有条目）。\n")


class FaqFileError(ValueError):
    """A FAQ file that cannot be imported; the message names the line at fault."""


@dataclass
class FaqRecord:
    question: str
    answer: str
    phrasings: list[str]
    id: int | None
    line: int


def export(store, path: str | Path, include_generated: bool = False) -> int:
    entries = [store.faq_entry(e["id"]) for e in store.faq_entries(None if include_generated else "curated")]
    docs = []
    for e in entries:
        item = {"id": e["id"], "question": e["question"]}
        others = [p for p in e["phrasings"] if p != e["question"]]
        if others:
            item["phrasings"] = others
        item["answer"] = e["answer"] or "（由文件生成：" + e["section"] + "）"
        if e["kind"] != "curated":
            item["kind"] = e["kind"]
        docs.append(item)
    text = HEADER + (yaml.safe_dump(docs, allow_unicode=True, sort_keys=False, width=100) if docs else "[]\n")
    Path(path).write_text(text, encoding="utf-8")
    return len(docs)


def read(path: str | Path) -> list[FaqRecord]:
    """Parse and check a FAQ file; raises FaqFileError naming the first fault and its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FaqFileError(f"{path}: cannot read ({err})") from err
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "unknown line"
        raise FaqFileError(f"{path}, {where}: not valid YAML ({getattr(err, 'problem', err)})") from err
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise FaqFileError(f"{path}, line {root.start_mark.line + 1}: expected a list of entries")
    records, seen_ids = [], set()
    for node in root.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            raise FaqFileError(f"{path}, line {line}: each entry must be a mapping with question and answer")
        data = yaml.safe_load(yaml.serialize(node))
        unknown = set(data) - {"id", "question", "answer", "phrasings", "kind"}
        if unknown:
            raise FaqFileError(f"{path}, line {line}: unknown field(s) {', '.join(sorted(unknown))}")
        question, answer = data.get("question"), data.get("answer")
        if not isinstance(question, str) or not question.strip():
            raise FaqFileError(f"{path}, line {line}: question is missing or not text")
        if not isinstance(answer, str) or not answer.strip():
            raise FaqFileError(f"{path}, line {line}: answer is missing or not text")
        phrasings = data.get("phrasings") or []
        if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
            raise FaqFileError(f"{path}, line {line}: phrasings must be a list of text")
        entry_id = data.get("id")
        if entry_id is not None and (not isinstance(entry_id, int) or entry_id in seen_ids):
            raise FaqFileError(f"{path}, line {line}: id must be a whole number used once")
        if data.get("kind", "curated") != "curated":
            continue  # generated entries are rebuilt from the plans, not imported
        seen_ids.add(entry_id)
        records.append(FaqRecord(question.strip(), answer.strip(), [p.strip() for p in phrasings if p.strip()],
                                 entry_id, line))
    return records


def import_file(store, path: str | Path, now: str = "") -> tuple[int, int]:
    """Import a checked file in one transaction: (added, updated)."""
    records = read(path)
    return store.import_curated_faq(records, now)
