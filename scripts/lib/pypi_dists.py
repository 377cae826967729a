#!/usr/bin/env python3
"""Build sdists (and pure-Python wheels) from the fixture directories of tests/fixtures/pypi/
with the standard library alone: no `python -m build`, no network, and no fixture code is run.

    pypi_dists.py FIXTURES_DIR OUT_DIR

Each fixture directory is named `<name>-<version>` and holds the project's files; a file
`fixture.json` ({"wheel": true}) asks for a `py3-none-any` wheel besides the sdist. The sdist
is `<name>-<version>.tar.gz` with everything under `<name>-<version>/` and a generated PKG-INFO;
the wheel holds every file except setup.py/pyproject.toml/fixture.json plus a .dist-info with
METADATA, WHEEL and a RECORD of sha256 digests, as pip expects.
"""
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile


def files_of(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel != "fixture.json":
                out.append((rel, open(full, "rb").read()))
    return out


def metadata(name, version):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: ferret e2e fixture\n".encode()


def sdist(name, version, files, out):
    base = f"{name}-{version}"
    path = os.path.join(out, f"{base}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        entries = list(files)
        if not any(rel == "PKG-INFO" for rel, _ in entries):
            entries.append(("PKG-INFO", metadata(name, version)))
        for rel, data in sorted(entries):
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
    return path


def wheel(name, version, files, out):
    dist_info = f"{name}-{version}.dist-info"
    entries = [(rel, data) for rel, data in files if rel not in ("setup.py", "pyproject.toml", "PKG-INFO")]
    entries.append((f"{dist_info}/METADATA", metadata(name, version)))
    entries.append((f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: ferret-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    record = io.StringIO()
    for rel, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{rel},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    path = os.path.join(out, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in entries:
            z.writestr(zipfile.ZipInfo(rel, (2023, 11, 14, 0, 0, 0)), data)
    return path


def main():
    fixtures, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for d in sorted(os.listdir(fixtures)):
        root = os.path.join(fixtures, d)
        if not os.path.isdir(root) or "-" not in d:
            continue
        name, version = d.rsplit("-", 1)
        files = files_of(root)
        opts = {}
        if os.path.exists(os.path.join(root, "fixture.json")):
            opts = json.load(open(os.path.join(root, "fixture.json")))
        print(sdist(name, version, files, out))
        if opts.get("wheel"):
            print(wheel(name, version, files, out))


if __name__ == "__main__":
    main()
