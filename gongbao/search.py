"""PLACEHOLDER written by the lead so the pipeline imports; helper-1 owns and replaces this file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str
    title: str
    doc_number: str | None
    issuers: tuple[str, ...]
    doc_type: str
    date: str
    year: int
    status: str
    gazette: str | None
    text: str


def build_index(site_dir: Path, records: Sequence[SearchRecord]) -> None:
    return None


def make_offline(site_dir: Path) -> None:
    return None
