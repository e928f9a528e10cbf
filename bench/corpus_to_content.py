"""Convert the LawRefBook corpus (../shared/corpus/) into gongbao content files, for benchmarks.

    python bench/corpus_to_content.py /tmp/laws /tmp/laws-content

SOURCE is the unpacked tarball (see ../shared/corpus/README.md). Each law becomes one document:
title from its first heading, 成文日期 from the file name's version date (else the first date in
its event lines), 发文机关 from its folder, 文种 from the end of its title. The corpus has no 文号,
so every document gets a `slug` instead. The output is a test corpus, never site content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

DATE = re.compile(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})")
TYPES = ("解释", "条例", "规定", "办法", "决定", "规则", "细则", "标准", "法")


@dataclass(frozen=True, slots=True)
class Law:
    """One dated law of the corpus, as the fields and paragraphs of a gongbao document."""

    title: str
    slug: str
    """Stable across runs: a hash of the file's path in the corpus."""
    issuer: str
    """The corpus folder it sits in (行政法规, 重庆地方法规, …)."""
    doc_type: str
    signed: dt.date
    paragraphs: tuple[str, ...]
    """Body paragraphs, already escaped so that Markdown keeps them as written."""

    def front(self) -> dict[str, object]:
        return {"title": self.title, "slug": self.slug, "issuer": self.issuer, "doc_type": self.doc_type,
                "signed": self.signed.isoformat()}


def laws(source: Path) -> Iterator[Law]:
    """Every law of the unpacked corpus that has a date, in the order of their paths."""
    for path in sorted(source.rglob("*.md")):
        if path.parent == source:
            continue  # the corpus README
        raw = path.read_text(encoding="utf-8")
        head, _, body = raw.partition("<!-- INFO END -->")
        title = head.split("\n", 1)[0].lstrip("# ").strip() or path.stem
        date = DATE.search(path.stem) or DATE.search(head)
        if not date:
            continue
        paragraphs = []
        for line in body.split("\n"):
            line = re.sub(r"^#+\s*", "", line).strip()
            if line:
                paragraphs.append(re.sub(r"^(\d+)\.", r"\1\\.", line).replace(":::", "：："))
        yield Law(title=title,
                  slug="law-" + hashlib.sha1(str(path.relative_to(source)).encode()).hexdigest()[:10],
                  issuer=path.parent.relative_to(source).parts[-1],
                  doc_type=next((t for t in TYPES if title.endswith(t)), "其他"),
                  signed=dt.date(*(int(x) for x in date.groups())),
                  paragraphs=tuple(paragraphs))


def document_text(front: Mapping[str, object], paragraphs: Sequence[str]) -> str:
    """A content file: YAML front-matter in the given key order, then one paragraph per block."""
    text = "---\n" + yaml.safe_dump(dict(front), allow_unicode=True, sort_keys=False) + "---\n\n"
    return text + "\n\n".join(paragraphs) + "\n"


def convert(source: Path, target: Path) -> int:
    docs = target / "content" / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    # gongbao needs a title of its own for every site; this one says what the project is.
    (target / "gongbao.yaml").write_text("title: 法律法规测试库（基准测试用）\n", encoding="utf-8")
    count = 0
    for law in laws(source):
        (docs / f"{law.slug}.md").write_text(document_text(law.front(), law.paragraphs), encoding="utf-8")
        count += 1
    return count


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])), "documents written")
