#!/usr/bin/env bash
# Regenerates the Python testdata (uv, poetry, pipenv, pylock, requirements) with the real
# clients, in lock-only modes. Usage: produce_python.sh WORKDIR
# WORKDIR/venv must hold the clients: python3 -m venv WORKDIR/venv &&
#   WORKDIR/venv/bin/pip install uv==0.13.9 poetry==2.5.1 pipenv==2026.10.3
# Needs PyPI only (the git dependency is a local bare repository).
set -euo pipefail
W=$(realpath "$1"); OUT=$(cd "$(dirname "$0")" && pwd)
BIN=$W/venv/bin
export UV_NO_CACHE=0 PIPENV_VENV_IN_PROJECT=1 PIPENV_NOSPIN=1 PIPENV_YES=1 \
  POETRY_VIRTUALENVS_CREATE=false PIP_DISABLE_PIP_VERSION_CHECK=1
rm -rf "$W/p" && mkdir -p "$W/p"
# A local git repository with one tiny project, for the git dependency.
G=$W/p/gitdep; mkdir -p "$G/src/gitdep"
printf '[project]\nname = "gitdep"\nversion = "0.1.0"\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' > "$G/pyproject.toml"
touch "$G/src/gitdep/__init__.py"
(cd "$G" && git init -q && git add -A && git -c user.name=t -c user.email=t@example.invalid commit -qm init && git clone -q --bare . "$W/p/gitdep.git")
SIX=https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl

deps() { # case -> PEP 508 list (TOML array body)
  case $1 in
    empty) echo '' ;;
    one-package) echo '"idna==3.7"' ;;
    extras) echo '"requests[socks]==2.32.3"' ;;
    dev) echo '"idna==3.7"' ;;
    specs) echo "\"six @ $SIX\", \"gitdep @ git+file://$W/p/gitdep.git\", \"localpkg @ file://$W/p/%CASE%/local\"" ;;
  esac
}
localpkg() { mkdir -p "$1/local/src/localpkg"; touch "$1/local/src/localpkg/__init__.py"
  printf '[project]\nname = "localpkg"\nversion = "0.2.0"\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' > "$1/local/pyproject.toml"; }

for c in empty one-package extras dev specs; do
  # uv: uv.lock, then pylock.toml exported from it.
  d=$W/p/uv-$c; mkdir -p "$d"; [ $c = specs ] && localpkg "$d"
  body=$(deps $c | sed "s#%CASE%#uv-$c#")
  { printf '[project]\nname = "app"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = [%s]\n' "$body"
    [ $c = dev ] && printf '\n[dependency-groups]\ndev = ["iniconfig==2.0.0"]\n'
    [ $c = specs ] && printf '\n[tool.uv.sources]\nlocalpkg = { path = "local" }\n'; true; } > "$d/pyproject.toml"
  sed -i "s#localpkg @ file://[^\"]*#localpkg#" "$d/pyproject.toml"
  (cd "$d" && $BIN/uv lock -q && $BIN/uv export -q --format pylock.toml -o pylock.toml --all-groups)
  mkdir -p "$OUT/uv/$c" "$OUT/pylock/$c" "$OUT/pyproject/$c"
  cp "$d/uv.lock" "$d/pyproject.toml" "$OUT/uv/$c/"; cp "$d/pylock.toml" "$OUT/pylock/$c/"
  cp "$d/pyproject.toml" "$OUT/pyproject/$c/"
  # uv pip compile: requirements.txt with hashes.
  (cd "$d" && $BIN/uv pip compile -q --generate-hashes pyproject.toml $( [ $c = dev ] && echo --group dev) -o requirements.txt 2>/dev/null) || true
  if [ -f "$d/requirements.txt" ]; then mkdir -p "$OUT/requirements/$c"; cp "$d/requirements.txt" "$OUT/requirements/$c/"; fi
  # poetry (PEP 621 [project] + poetry groups)
  d=$W/p/poetry-$c; mkdir -p "$d"; [ $c = specs ] && localpkg "$d"
  body=$(deps $c | sed "s#%CASE%#poetry-$c#")
  { printf '[project]\nname = "app"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = [%s]\n' "$body"
    [ $c = dev ] && printf '\n[tool.poetry.group.dev.dependencies]\niniconfig = "2.0.0"\n'
    # Only the simple API is reachable here (the per-version JSON API is not): poetry reads it
    # as a `legacy` source, which its lock records per package.
    printf '\n[[tool.poetry.source]]\nname = "pypi-simple"\nurl = "https://pypi.org/simple/"\npriority = "primary"\n'; } > "$d/pyproject.toml"
  (cd "$d" && $BIN/poetry lock -q) || echo "poetry failed for $c"
  if [ -f "$d/poetry.lock" ]; then mkdir -p "$OUT/poetry/$c"; cp "$d/poetry.lock" "$d/pyproject.toml" "$OUT/poetry/$c/"; fi
  # pipenv
  d=$W/p/pipenv-$c; mkdir -p "$d"; [ $c = specs ] && localpkg "$d"
  { printf '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n[packages]\n'
    case $c in one-package|dev) echo 'idna = "==3.7"';; extras) echo 'requests = {version = "==2.32.3", extras = ["socks"]}';;
      specs) echo "six = {file = \"$SIX\"}"; echo "gitdep = {git = \"file://$W/p/gitdep.git\"}"; echo 'localpkg = {path = "./local"}';; esac
    printf '\n[dev-packages]\n'; [ $c = dev ] && echo 'iniconfig = "==2.0.0"'
    printf '\n[requires]\npython_version = "3.11"\n'; } > "$d/Pipfile"
  (cd "$d" && $BIN/pipenv lock >/dev/null 2>&1) || echo "pipenv failed for $c"
  if [ -f "$d/Pipfile.lock" ]; then mkdir -p "$OUT/pipfile/$c"; cp "$d/Pipfile.lock" "$d/Pipfile" "$OUT/pipfile/$c/"; fi
done
# uv workspace: packages/a -> idna, packages/b -> a
d=$W/p/uv-workspaces; mkdir -p "$d/packages/a/src/a" "$d/packages/b/src/b"
printf '[project]\nname = "app"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = ["b"]\n[tool.uv.workspace]\nmembers = ["packages/*"]\n[tool.uv.sources]\nb = { workspace = true }\n' > "$d/pyproject.toml"
for m in a b; do touch "$d/packages/$m/src/$m/__init__.py"; done
printf '[project]\nname = "a"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["idna==3.7"]\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' > "$d/packages/a/pyproject.toml"
printf '[project]\nname = "b"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["a"]\n[tool.uv.sources]\na = { workspace = true }\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' > "$d/packages/b/pyproject.toml"
(cd "$d" && $BIN/uv lock -q)
mkdir -p "$OUT/uv/workspaces"; cp "$d/uv.lock" "$d/pyproject.toml" "$OUT/uv/workspaces/"
echo ok
