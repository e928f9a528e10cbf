"""Files of the index before last, taken for the new index's chunks instead of new files (merge.py's jobs)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Recycled:
    """Files of an earlier index the merge may take for the chunks it writes (their names in `folder`, on the same
    file system). A chunk written into a file taken this way costs no new inode: on ext4 without a journal (the
    machine the figures come from), a build after one body edit freed about 1,850 chunk files of the index before
    last and made as many new ones, and each new one took 0.7 ms on average (1.3 CPU s of the merge's jobs), the
    file system passing over the inodes freed in the last seconds. A file is taken by renaming it (only one job can)
    and used only if no other name holds its inode (the site before last shares files with the live site and with
    the cache): one that is is let go. What is not taken is the lender's to remove (write.Staging.lend)."""

    folder: Path
    names: tuple[str, ...]


class Taking:
    """One job's way through the recycled files: from its own start on (each job from its own share), each tried
    once."""

    def __init__(self, recycled: Recycled | None, start: int = 0):
        self.recycled, self.start, self.tried = recycled, start, 0

    def take(self, target: Path) -> bool:
        """Rename a recycled file no other name holds to `target` (which must not exist); False when none is left."""
        if self.recycled is None:
            return False
        folder, names = self.recycled.folder, self.recycled.names
        while self.tried < len(names):
            name = names[(self.start + self.tried) % len(names)]
            self.tried += 1
            try:
                os.rename(folder / name, target)
            except FileNotFoundError:  # another job took it
                continue
            taken = os.lstat(target)
            if stat.S_ISREG(taken.st_mode) and taken.st_nlink == 1:
                return True
            os.unlink(target)  # shared, or not a file (a link's target is never written): only this name goes
        return False
