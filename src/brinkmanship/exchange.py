"""nbgrader's exchange, with each submission readable only by the course's instructors, and collected only
from the student it names.

nbgrader's default ``submit`` leaves a submission world-readable (files 0644, its folder 0777) and relies on
the inbound folder being unlistable and on a random part in the entry's name. Anyone who learns a name (a
shell history, a log, a screenshot) can read the work and its ``submission_secret.txt``, which is what
unlocks that student's feedback. ``PrivateSubmit`` gives the entry to the inbound folder's group (the
instructors: ``release_assignment`` makes inbound set-group-ID) and removes access for everyone else.

Enable it in the nbgrader_config.py students read (deploy/hub does this for the class venv):
``c.ExchangeFactory.submit = "brinkmanship.exchange.PrivateSubmit"``.

``nbgrader submit`` names an entry after any ``--student`` it is given: ``nbgrader submit ps1 --student=bob``
drops a newer "bob" submission that ``nbgrader collect`` takes as Bob's (it only logs a warning). ``VerifiedCollect``
skips entries not owned by the Unix user they name, and collects that student's newest genuine entry:
``c.ExchangeFactory.collect = "brinkmanship.exchange.VerifiedCollect"`` in the course's nbgrader_config.py.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit

FILE_MODE = 0o640  # owner and the instructors' group read; nobody else
DIR_MODE = 0o750
ENTRY_MODE = 0o770  # the instructors may remove collected entries, as with nbgrader's 0777


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose inbound entry only its owner and the instructors' group can read."""

    def _private(self, entry: str) -> bool:
        """Only if the entry got the inbound folder's group: else closing it would lock the instructors out."""
        return os.stat(entry).st_gid == os.stat(self.inbound_path).st_gid

    def do_copy(self, src: str, dest: str, log: object = None) -> None:
        """Copy into a folder that stays set-group-ID.

        nbgrader copies with ``shutil.copytree``, whose last step copies the source folder's mode onto the
        entry and so drops its set-group-ID bit; ``timestamp.txt`` and ``submission_secret.txt``, written
        next, would get the student's own group and the instructors could not read them. So the entry is
        made here (it inherits the inbound group and the bit), nbgrader copies into a folder inside it, and
        the copied files are moved up.
        """
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            super().do_copy(src, dest, log)
            return
        os.mkdir(dest)
        for name in ("timestamp.txt", "submission_secret.txt"):
            open(os.path.join(dest, name), "w").close()  # created now, so with the instructors' group
        staging = os.path.join(dest, f".copy-{secrets.token_hex(8)}")
        super().do_copy(src, staging, log)
        for name in os.listdir(staging):
            os.replace(os.path.join(staging, name), os.path.join(dest, name))
        os.rmdir(staging)

    def set_perms(self, dest: str, fileperms: int, dirperms: int) -> None:
        if self._private(dest):
            fileperms, dirperms = FILE_MODE, DIR_MODE
        else:
            self.log.warning("inbound folder %s is not set-group-ID: submission left readable", self.inbound_path)
        super().set_perms(dest, fileperms, dirperms)

    def copy_files(self) -> None:
        super().copy_files()  # ends by opening the entry's folder to everyone (0777): close it again
        entry = os.path.join(self.inbound_path, self.assignment_filename)
        if self._private(entry):
            os.chmod(entry, ENTRY_MODE)


class VerifiedCollect(ExchangeCollect):
    """``nbgrader collect`` that ignores submissions filed under another student's name."""

    def _owned(self, record: dict) -> bool:
        try:
            owner = pwd.getpwuid(os.stat(os.path.join(self.inbound_path, record["filename"])).st_uid).pw_name
        except (KeyError, OSError):
            return False
        return owner == record["username"]

    def init_src(self) -> None:
        super().init_src()
        verified = []
        for record in self.src_records:
            if self._owned(record):
                verified.append(record)
                continue
            self.log.warning(
                "%s is not owned by %s: not collected (filed under another student's name)",
                record["filename"],
                record["username"],
            )
            pattern = os.path.join(self.inbound_path, f"{record['username']}+{self.coursedir.assignment_id}+*")
            genuine = [r for r in map(self._path_to_record, glob.glob(pattern)) if self._owned(r)]
            if genuine:
                verified.append(self._sort_by_timestamp(genuine)[0])
        self.src_records = verified
