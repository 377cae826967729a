#!/usr/bin/env python3
"""Small helpers for scripts/verdaccio-start, standard library only.

  registry_api.py free-port                 print a free TCP port on 127.0.0.1
  registry_api.py wait URL SECONDS          wait until URL/-/ping answers 200
  registry_api.py add-user URL NAME PASS    create a user, print its token
  registry_api.py tamper TARBALL            overwrite a tarball with different bytes
"""

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/-/ping", timeout=2) as r:
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.25)
    sys.exit(f"registry at {url} did not answer within {seconds}s: {last}")


def add_user(url: str, name: str, password: str) -> None:
    body = json.dumps(
        {"_id": f"org.couchdb.user:{name}", "name": name, "password": password,
         "type": "user", "roles": [], "date": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    ).encode()
    req = urllib.request.Request(
        f"{url.rstrip('/')}/-/user/org.couchdb.user:{name}", data=body, method="PUT",
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"creating user {name} failed: HTTP {e.code}: {e.read()[:500]!r}")
    token = answer.get("token")
    if not token:
        sys.exit(f"registry returned no token: {answer!r}")
    print(token)


def tamper(path: str) -> None:
    """Replace the published tarball with other (valid gzip) bytes of the same name.

    The version document still carries the original `dist.integrity`/`shasum`, so a
    client that verifies what it downloads must refuse it."""
    import gzip
    import io
    import tarfile

    before = open(path, "rb").read()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b'{"name":"@ferret-fixtures/tampered","version":"1.0.0"}\n'
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        data = b"// swapped after publishing: this is not the tarball the registry hashed\n"
        info = tarfile.TarInfo("package/index.js")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    after = gzip.compress(buf.getvalue(), mtime=0)
    assert after != before
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(after)
    os.replace(tmp, path)


def main() -> None:
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "free-port":
        free_port()
    elif cmd == "wait":
        wait(args[0], float(args[1]))
    elif cmd == "add-user":
        add_user(*args)
    elif cmd == "tamper":
        tamper(args[0])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
