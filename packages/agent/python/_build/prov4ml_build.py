"""A PEP 517 build backend for the Python client, standard library only.

pip builds a project in an isolated environment into which it first installs the backend named by
pyproject.toml; setuptools or hatchling would have to come from an index. This backend comes with the
source tree (`backend-path`), so pip needs no network to build the wheel. The wheel is pure Python:
the packages in PACKAGES, unchanged, plus the metadata files the wheel format requires.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

#: The distribution's name; the importable packages it installs.
NAME = "prov4ml"
PACKAGES = ("prov4ml", "yprov4ml")
SUMMARY = "Python client of prov4ml: provenance of ML training runs, with the original yProvML's API"

#: Where the single source of the version is, relative to this source tree.
VERSION_FILE = os.path.join("prov4ml", "_version.py")

#: Files of the source tree that go into the sdist besides the packages.
SDIST_EXTRA = ("pyproject.toml", os.path.join("_build", "prov4ml_build.py"))

#: One fixed time for every archive member, so that a rebuild gives the same bytes (zip starts in 1980).
ARCHIVE_TIME = (1980, 1, 1, 0, 0, 0)

_SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    dist_info = "%s-%s.dist-info" % (NAME, version)
    name = "%s-%s-py3-none-any.whl" % (NAME, version)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        def add(archive_name, data):
            wheel.writestr(_zip_entry(archive_name), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
            record.append("%s,sha256=%s,%d" % (archive_name, digest, len(data)))

        for relative in _package_files():
            with open(os.path.join(_SOURCE_DIR, relative), "rb") as source:
                add(relative.replace(os.sep, "/"), source.read())
        add(dist_info + "/METADATA", _metadata(version).encode("utf-8"))
        add(dist_info + "/WHEEL", _wheel_file().encode("utf-8"))
        add(dist_info + "/top_level.txt", "".join(p + "\n" for p in PACKAGES).encode("utf-8"))
        # RECORD lists every file with its hash, itself without one.
        record.append(dist_info + "/RECORD,,")
        wheel.writestr(_zip_entry(dist_info + "/RECORD"), "".join(line + "\n" for line in record))
    return name


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    base = "%s-%s" % (NAME, version)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        def add(archive_name, data):
            info = tarfile.TarInfo(base + "/" + archive_name)
            info.size = len(data)
            info.mode = 0o644
            sdist.addfile(info, io.BytesIO(data))

        for relative in SDIST_EXTRA + tuple(_package_files()):
            with open(os.path.join(_SOURCE_DIR, relative), "rb") as source:
                add(relative.replace(os.sep, "/"), source.read())
        add("PKG-INFO", _metadata(version).encode("utf-8"))
    return name


def _version():
    with open(os.path.join(_SOURCE_DIR, VERSION_FILE), encoding="utf-8") as source:
        found = _VERSION.search(source.read())
    if found is None:
        raise RuntimeError("%s has no __version__ = \"...\" line" % VERSION_FILE)
    return found.group(1)


def _package_files():
    """Every file of the packages, sorted, without bytecode caches."""
    files = []
    for package in PACKAGES:
        root = os.path.join(_SOURCE_DIR, package)
        if not os.path.isdir(root):
            raise RuntimeError("package %s is missing from %s" % (package, _SOURCE_DIR))
        for directory, subdirectories, names in os.walk(root):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
            for name in sorted(names):
                if not name.endswith((".pyc", ".pyo")):
                    files.append(os.path.relpath(os.path.join(directory, name), _SOURCE_DIR))
    return files


def _zip_entry(archive_name):
    info = zipfile.ZipInfo(archive_name, ARCHIVE_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _metadata(version):
    return "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nLicense: MIT\n" % (NAME, version, SUMMARY)


def _wheel_file():
    return "Wheel-Version: 1.0\nGenerator: prov4ml_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
