"""FAQ export and import as YAML, for review in version control.

Export writes the curated entries (or all, for review). Import is all or nothing: the whole file is
checked first, and a file with any fault is rejected with the line at fault; nothing is half-imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from db.values import storable

HEADER = ("# 团务助手 — 常见问题（管理员整理）。修改后用 `python bot.py faq import 文件` 导入。\n"
          "# 每条：question（问题）、answer（答案），可选 phrasings（其他问法）和 id（修改已有条目）。\n")


FIELDS = {"id", "question", "answer", "phrasings", "kind"}


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
    entries = [store.faq.entry(e["id"]) for e in store.faq.entries(None if include_generated else "curated")]
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
    """Parse and check a FAQ file; raises FaqFileError naming the first fault and its line.

    Only YAML's safe types are built (a `!!python/…` tag is refused, never run), straight from the
    file's own nodes, so every message names the line in the file as the admin sees it."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FaqFileError(f"{name}：无法读取（{err}），请确认文件存在且是 UTF-8 编码。") from err
    loader = yaml.SafeLoader(text)
    try:
        return _records(name, loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"第{mark.line + 1}行" if mark else "某处"
        raise FaqFileError(f"{name} {where}：{_yaml_problem(err)}") from err
    except yaml.YAMLError as err:
        raise FaqFileError(f"{name}：不是有效的 YAML（{err}）") from err
    except RecursionError as err:
        raise FaqFileError(f"{name}：嵌套层次太深，不是常见问题文件的格式（每条只有 question、answer 等几项）。") from err
    finally:
        loader.dispose()


def _yaml_problem(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or ""
    if "could not determine a constructor for the tag" in problem:
        tag = re.search(r"tag '([^']*)'", problem)
        tag = tag[1].replace("tag:yaml.org,2002:", "!!") if tag else ""
        return f"不允许的 YAML 标签 {tag}（常见问题文件只能写文字、列表和编号，不会执行任何代码）"
    if "unhashable key" in problem:
        return "键必须是简单的文字（不能是列表或映射），例如 question:、answer:"
    return f"不是有效的 YAML（{problem or err}）"


def _records(name: str, loader: yaml.SafeLoader) -> list[FaqRecord]:
    root = loader.get_single_node()
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise FaqFileError(f"{name} 第{root.start_mark.line + 1}行：文件应是条目的列表（每条以“- question:”开头）。")
    records, seen_ids = [], set()
    for node in root.value:
        line = node.start_mark.line + 1
        at = f"{name} 第{line}行"
        if not isinstance(node, yaml.MappingNode):
            raise FaqFileError(f"{at}：每一条应包含 question（问题）和 answer（答案）。")
        data = loader.construct_document(node)
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        at_field = lambda key: f"{name} 第{lines.get(key, line)}行"  # noqa: E731 - the field's own line
        unknown = set(data) - FIELDS
        if unknown:
            raise FaqFileError(f"{at}：不认识的字段 {'、'.join(sorted(map(str, unknown)))}"
                               f"（可用：{'、'.join(sorted(FIELDS))}）。")
        question, answer = data.get("question"), data.get("answer")
        if not isinstance(question, str) or not question.strip():
            raise FaqFileError(f"{at_field('question')}：缺少 question（问题），或它不是文字。")
        if not isinstance(answer, str) or not answer.strip():
            raise FaqFileError(f"{at_field('answer')}：缺少 answer（答案），或它不是文字。")
        phrasings = data.get("phrasings") or []
        if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
            raise FaqFileError(f"{at_field('phrasings')}：phrasings（其他问法）应是文字的列表。")
        entry_id = data.get("id")
        if entry_id is not None and not (storable(entry_id) and entry_id > 0):
            raise FaqFileError(f"{at_field('id')}：id 应是已有条目的编号（正整数），现在是“{str(entry_id)[:30]}”。")
        if entry_id is not None and entry_id in seen_ids:
            raise FaqFileError(f"{at_field('id')}：id {entry_id} 在文件里出现了不止一次。")
        if data.get("kind", "curated") != "curated":
            continue  # generated entries are rebuilt from the plans, not imported
        seen_ids.add(entry_id)
        records.append(FaqRecord(question.strip(), answer.strip(), [p.strip() for p in phrasings if p.strip()],
                                 entry_id, line))
    return records


def import_file(store, path: str | Path, now: str = "") -> tuple[int, int]:
    """Import a checked file in one transaction: (added, updated)."""
    records = read(path)
    return store.faq.import_curated(records, now)
