"""Import: a gazette issue's extracted text → content/ files (issue record + one file per document), with review notes.

The text comes from the printed issue (PDF → text), so it carries print damage: sentences broken
over lines and pages, running headers before each 文号, page continuations (下转/上接第N页), and
now and then a fragment printed away from its document. The stages below undo that damage by
general rules; what they cannot settle with confidence becomes a ReviewNote with the source line.

Stages, in order (see `import_into`); each returns new frozen values:
  1. read      (read.py)     — the file's bytes decoded (UTF-8, UTF-16, GB18030) into numbered lines;
  2. regions   (segment.py)  — the cover, one segment per running header + 文号, and the 文件索引
                               list at the end;
  3. cover     (cover.py)    — title, 期号, table of contents, editorial board, colophon; the
                               文件索引 entries;
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
  8. write     (write.py)    — Markdown bodies and YAML front-matter, written without undoing a
                               reviewed file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cover import parse_cover, parse_index
from .read import read_source
from .relocate import relocate
from .repair import repair
from .segment import check_index, paginate, parse_segment, split_regions
from .text import ReviewNote
from .write import document_file, gazette_file, gazette_id, write_files

__all__ = ["ImportResult", "ReviewNote", "import_into", "import_issue"]


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
    (it may hold an editor's corrections) and listed, unless `force`."""
    text = read_source(source)
    # Every stage adds what it cannot settle to `notes`; they are sorted by source line at the end.
    notes: list[ReviewNote] = []
    regions = split_regions(text.lines)
    sections = set(regions.sections)
    cover = parse_cover(regions.cover, sections, notes)
    index = parse_index(regions.index, sections)
    segs = [parse_segment(lines, notes) for lines in regions.documents]
    segs, non_docs = paginate(segs, cover, notes)
    check_index(index, segs, notes)
    segs = relocate(segs, notes)
    documents = [(seg, repair(seg, notes)) for seg in segs]
    gazette = gazette_id(cover, source)
    files = [gazette_file(gazette, cover, regions.sections, non_docs, index),
             *(document_file(gazette, n, seg, items) for n, (seg, items) in enumerate(documents, 1))]
    written, kept = write_files(files, content_dir, force)
    return ImportResult(written, kept, tuple(sorted(notes, key=lambda n: (n.line, n.code))), text.encoding)
