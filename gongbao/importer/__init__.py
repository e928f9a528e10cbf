"""Import: a gazette issue's extracted text → content/ files (issue record + one file per document), with review notes.

The text comes from the printed issue (PDF → text), so it carries print damage: sentences broken
over lines and pages, running headers before each 文号, page continuations (下转/上接第N页), and
now and then a fragment printed away from its document. The stages below undo that damage by
general rules; what they cannot settle with confidence becomes a ReviewNote with the source line.
A text that is not an issue, or lacks what valid content must have, is refused (ImportRefused,
codes I001–I019 in errors.py) and nothing is written.

Stages, in order (see `import_into`); each returns new frozen values:
  1. read      (read.py)     — the file's bytes decoded (UTF-8, UTF-16, GB18030) into numbered lines,
                               control characters dropped; binary or empty input refused;
  2. regions   (segment.py)  — the cover, one segment per running header + 文号, and the 文件索引
                               list at the end; a 文号 opened twice is a duplicated page;
  3. cover     (cover.py)    — title, 期号, table of contents, editorial board, colophon; the
                               文件索引 entries; no 期号, 出版日期 or document: refused;
  4. segments  (segment.py)  — header, 文号 and title of each document; continuation markers;
                               fragments left over after a finished document (orphans); pages
                               from the table of contents;
  5. relocate  (relocate.py) — 上接 blocks stitched to their 下转 document; orphans returned to the
                               one earlier document that ends mid-sentence without a signature;
  6. items     (items.py)    — each document's blocks classified (主送, heading, paragraph, list,
                               table, signature, 公开属性, 附件);
  7. repair    (repair.py)   — numbering that skips (lost pages) checked; paragraphs broken by the
                               page layout joined back into sentences, then checked for text cut
                               off before the signature and for figures missing from the text;
                               the 成文日期 from the signature, or a stand-in for an editor;
  8. write     (write.py)    — Markdown bodies and YAML front-matter;
  9. save      (save.py)     — staged inside the output folder, checked as `gongbao check` would,
                               then renamed into place without undoing a reviewed file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cover import Cover, parse_cover, parse_index
from .errors import CODES, ImportRefused, SourceError
from .read import read_source
from .relocate import relocate
from .repair import repair, signing_date
from .save import save
from .segment import Regions, check_index, drop_repeats, paginate, parse_segment, split_regions
from .text import ReviewNote
from .write import document_file, gazette_file, gazette_id

__all__ = ["CODES", "ImportRefused", "ImportResult", "ReviewNote", "SourceError", "import_into", "import_issue"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import wrote, what it left alone, and what an editor must review."""

    written: tuple[Path, ...]
    """The issue record first, then the documents in printed order."""
    kept: tuple[Path, ...]
    """Files already there with other content (corrected by hand), left as they were."""
    review: tuple[ReviewNote, ...]
    """By source line."""
    encoding: str
    """How the source text was decoded: UTF-8, UTF-16 or GB18030."""


def import_issue(source: Path, out_dir: Path) -> ImportResult:
    """Turn one issue's extracted text into content files under `out_dir`, replacing any there."""
    return import_into(source, out_dir, force=True)


def import_into(source: Path, content_dir: Path, *, force: bool = False) -> ImportResult:
    """Import one issue into `content_dir`; a file there that differs from the import is kept
    (it may hold an editor's corrections) and listed, unless `force`.

    Raises ImportRefused, having written nothing, when the source is not a gazette issue's text,
    lacks what the content must have (期号, 出版日期, documents), or would give files that fail
    `gongbao check`; all other damage becomes review notes."""
    text = read_source(source)
    # Every stage adds what it cannot settle to `notes`; they are sorted by source line at the end.
    notes: list[ReviewNote] = list(text.notes)
    regions = split_regions(drop_repeats(text.lines, notes), notes)
    sections = set(regions.sections)
    cover = parse_cover(regions.cover, sections, notes)
    if missing := _missing_parts(cover, regions):
        raise ImportRefused(missing)
    index = parse_index(regions.index, sections, notes)
    segs = [parse_segment(lines, notes) for lines in regions.documents]
    segs, non_docs = paginate(segs, cover, notes)
    check_index(index, segs, notes)
    documents = []
    for seg in relocate(segs, notes):
        items = repair(seg, notes)
        documents.append((seg, items, signing_date(seg, items, cover.published, notes)))
    gazette = gazette_id(cover)
    files = (gazette_file(gazette, cover, regions.sections, non_docs, index),
             *(document_file(gazette, n, *document) for n, document in enumerate(documents, 1)))
    written, kept = save(files, content_dir, force)
    return ImportResult(written, kept, tuple(sorted(notes, key=lambda n: (n.line, n.code))), text.encoding)


def _missing_parts(cover: Cover, regions: Regions) -> list[SourceError]:
    """What a text must have to be a gazette issue: the cover's 期号 and 出版日期, and documents."""
    errors = []
    if cover.year is None or cover.number is None:
        errors.append(SourceError(0, "I003", "封面上找不到期号（如“2024年第2期”）：这不是一期公报的文本，或封面缺失"))
    if cover.published is None:
        errors.append(SourceError(0, "I004", "封面上找不到出版日期（如“出版日期：2024年10月10日”），或日期不存在"))
    if not regions.documents:
        errors.append(SourceError(0, "I005", "找不到任何公文：没有一行“……文件”之后紧跟文号（如“武隆府发〔2024〕9号”）"))
    return errors
