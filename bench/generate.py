"""Generate a gongbao project of N documents from the LawRefBook corpus, for scale benchmarks.

    python bench/generate.py N OUT [--corpus TARBALL]

Writes OUT/gongbao.yaml, OUT/content/gazettes/ and OUT/content/documents/. OUT must be empty or
absent and outside this repository: generated data is never committed.

Up to the corpus's 3,366 dated laws, the documents are laws read by bench/corpus_to_content.py,
picked evenly across the corpus (so every category is represented). Beyond that come variants of
those laws, as a city government would reissue them: each has its own 文号 (成都府发〔2019〕12号: a
city's 机关代字, the year it is dated, a sequence number within that city and year), a title with
the city's name in place of the law's place (or before it), and its text lightly varied: the place
replaced, amounts and durations changed, some paragraphs swapped. Dates of variants are spread over
1995–2024. Everything comes from seeded random generators, so the same N gives the same files.

Documents are published in issues of at most 30, in date order within each year (2019-01, 2019-02,
…); each issue has one 栏目 per 发文机关 and pages numbered from the length of the texts.

When the corpus tarball is absent this says so and exits without writing anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import yaml

from corpus_to_content import Law, document_text, laws

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "lawrefbook-laws-2f4c5c2.tar.gz"
PER_ISSUE = 30
CHARS_PER_PAGE = 1800

#: Cities whose 机关代字 (成都府发 …) have distinct pinyin initials, so that the slugs gongbao makes
#: from the variants' 文号 (cdff-2019-12) never collide.
CITIES = ("成都 杭州 南京 武汉 西安 长沙 郑州 济南 合肥 福州 南昌 昆明 贵阳 南宁 太原 石家庄 沈阳 长春 哈尔滨 "
          "兰州 西宁 银川 呼和浩特 乌鲁木齐 拉萨 海口 大连 青岛 宁波 厦门 深圳 无锡 珠海").split()

#: The place a law's title starts with, which a variant replaces by its city.
PLACE = re.compile(r"^(中华人民共和国|[\u4e00-\u9fff]{2,3}?[省市])")
#: Amounts and durations a variant changes; not dates, so that no 35日 appears.
QUANTITY = re.compile(r"\d+(?=万元|元|个工作日|小时|%|倍|平方米|公里)")
FIRST_DAY, DAYS = dt.date(1995, 1, 1), (dt.date(2024, 12, 31) - dt.date(1995, 1, 1)).days


@dataclass(frozen=True, slots=True)
class Doc:
    """A document to write, before it is placed in an issue; a variant's text is made when written."""

    name: str
    """File stem, unique in the project."""
    signed: dt.date
    issuer: str
    front: Mapping[str, object]
    """Front-matter without the issue's fields (gazette, page, section)."""
    law: Law
    """The law it is, or the one it varies."""
    variant: int | None = None
    """Its number among the variants, which seeds the changes to its text."""
    city: str = ""

    def paragraphs(self) -> Sequence[str]:
        if self.variant is None:
            return self.law.paragraphs
        rng = random.Random(f"text-{self.variant}")
        place = PLACE.match(self.law.title)
        paragraphs = [p.replace(place[0], self.city) if place else p for p in self.law.paragraphs]
        paragraphs = [QUANTITY.sub(lambda m: str(int(m[0]) + rng.randint(1, 9)), p) for p in paragraphs]
        for _ in range(len(paragraphs) // 8):
            i, j = rng.randrange(len(paragraphs)), rng.randrange(len(paragraphs))
            paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
        return paragraphs


def variants(bases: list[Law], count: int, titles: set[str]) -> Iterator[Doc]:
    """`count` reissues of the `bases` by cities, each with its own 文号, date and title."""
    sequence: Counter[tuple[str, int]] = Counter()
    for k in range(count):
        index, round_ = k % len(bases), k // len(bases)
        base, city = bases[index], CITIES[(index + round_) % len(CITIES)] + "市"
        signed = FIRST_DAY + dt.timedelta(days=random.Random(f"date-{k}").randrange(DAYS + 1))
        place = PLACE.match(base.title)
        stem = title = city + (base.title[place.end():] if place else base.title)
        # After as many rounds as there are cities, a city reissues the same law again.
        n = 1
        while title in titles:
            n += 1
            title = f"{stem}（第{n}版）"
        titles.add(title)
        sequence[city, signed.year] += 1
        issuer = f"{city}人民政府"
        front = {"title": title, "doc_number": f"{city[:-1]}府发〔{signed.year}〕{sequence[city, signed.year]}号",
                 "issuer": issuer, "doc_type": base.doc_type, "signed": signed.isoformat()}
        yield Doc(f"v{k + 1:06d}", signed, issuer, front, base, k, city)


def documents(source: Path, n: int) -> tuple[list[Doc], int]:
    """N documents, and how many of them are laws of the corpus as they are."""
    bases = list(laws(source))
    picked = [bases[i * len(bases) // n] for i in range(n)] if n < len(bases) else bases
    docs = [Doc(law.slug, law.signed, law.issuer, law.front(), law) for law in picked]
    docs.extend(variants(bases, n - len(docs), {law.title for law in bases}))
    return docs, len(picked)


def write_project(docs: list[Doc], out: Path, title: str) -> int:
    """Write the settings, the issues and the documents; returns the number of issues."""
    (out / "gongbao.yaml").write_text(yaml.safe_dump(
        {"title": title, "organ": "gongbao 基准测试",
         "description": f"由 LawRefBook 语料生成的 {len(docs)} 件公文，用于构建速度与内存的基准测试。"},
        allow_unicode=True, sort_keys=False), encoding="utf-8")
    gazettes, documents_dir = out / "content" / "gazettes", out / "content" / "documents"
    gazettes.mkdir(parents=True)
    total = 0
    ordered = sorted(docs, key=lambda d: (d.signed, d.name))
    for year, in_year in groupby(ordered, key=lambda d: d.signed.year):
        in_year = list(in_year)
        for number, start in enumerate(range(0, len(in_year), PER_ISSUE), 1):
            issue, gid = in_year[start:start + PER_ISSUE], f"{year}-{number:02d}"
            total += 1
            sections = list(dict.fromkeys(d.issuer for d in issue))
            front = {"year": year, "number": number, "total_number": total,
                     "published": (max(d.signed for d in issue) + dt.timedelta(days=14)).isoformat(),
                     "sections": [{"title": s} for s in sections]}
            (gazettes / f"{gid}.md").write_text(document_text(front, ()), encoding="utf-8")
            folder = documents_dir / gid
            folder.mkdir(parents=True)
            page = 1
            for d in issue:
                placed = {**d.front, "gazette": gid, "page": page, "section": d.issuer}
                paragraphs = d.paragraphs()
                (folder / f"{d.name}.md").write_text(document_text(placed, paragraphs), encoding="utf-8")
                page += 1 + sum(map(len, paragraphs)) // CHARS_PER_PAGE
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("n", type=int, metavar="N", help="number of documents")
    ap.add_argument("out", type=Path, metavar="OUT", help="project folder to create, outside this repository")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"the corpus tarball (default: {CORPUS})")
    args = ap.parse_args()
    out = args.out.resolve()
    if args.n < 1:
        ap.error("N must be at least 1")
    if out.is_relative_to(REPO):
        ap.error(f"{out} is inside the repository; generated data is never committed, choose a folder outside it")
    if out.exists() and any(out.iterdir()):
        ap.error(f"{out} is not empty")
    if not args.corpus.is_file():
        print(f"skipped: the corpus {args.corpus} is absent (see ../shared/corpus/README.md); nothing written")
        return
    with tempfile.TemporaryDirectory(prefix="gongbao-corpus-") as tmp:
        with tarfile.open(args.corpus) as tar:
            tar.extractall(tmp, filter="data")
        docs, from_corpus = documents(Path(tmp), args.n)
    out.mkdir(parents=True, exist_ok=True)
    issues = write_project(docs, out, "法律法规汇编（基准测试）")
    print(f"{out}: {len(docs)} documents ({from_corpus} laws of the corpus, {len(docs) - from_corpus} variants) "
          f"in {issues} gazette issues")


if __name__ == "__main__":
    main()
