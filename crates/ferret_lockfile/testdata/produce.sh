#!/usr/bin/env bash
# Regenerates the lockfile testdata with the real clients (needs the npm registry).
# Usage: produce.sh WORKDIR   (tools in $WORKDIR/tools, see README.md)
# Never runs package code: every client runs in its lockfile-only / ignore-scripts mode.
set -u
W=${1:?workdir}
OUT=$(cd "$(dirname "$0")" && pwd)
T=$W/tools/node_modules
NPM6="node $T/npm/bin/npm-cli.js"
PNPM8="node $T/pnpm/bin/pnpm.cjs"
BERRY="node $T/@yarnpkg/cli-dist/bin/yarn.js"
GIT="git+file://$W/git/gitdep.git"

# manifest CASE FLAVOUR -> writes package.json (+ workspace members) into cwd.
# FLAVOUR: npm (no workspace:/link: protocols) | ws (workspace:/link: protocols)
manifest() {
  local case=$1 flavour=$2 wsdep='"1.0.0"' link='' git=", \"gitdep\": \"$GIT\""
  # yarn berry ("Invalid URL") and pnpm 8 ("invalid relative dependency path") reject git+file.
  if [ "${NOGIT:-}" = 1 ]; then git=''; fi
  if [ "$flavour" = ws ]; then wsdep='"workspace:*"'; link=', "linked": "link:./linked"'; fi
  case $case in
    empty) echo '{ "name": "empty", "version": "1.0.0" }' > package.json ;;
    one-package) echo '{ "name": "one-package", "version": "1.0.0", "dependencies": { "is-number": "7.0.0" } }' > package.json ;;
    scoped) echo '{ "name": "scoped", "version": "1.0.0", "dependencies": { "@types/node": "20.11.0" }, "devDependencies": { "@sindresorhus/is": "4.6.0" } }' > package.json ;;
    alias) echo '{ "name": "alias", "version": "1.0.0", "dependencies": { "is-number": "7.0.0", "odd": "npm:is-odd@3.0.1" } }' > package.json ;;
    workspaces)
      echo '{ "name": "monorepo", "version": "1.0.0", "private": true, "workspaces": ["packages/*"], "devDependencies": { "is-number": "7.0.0" } }' > package.json
      mkdir -p packages/a packages/b
      echo '{ "name": "@ws/a", "version": "1.0.0", "dependencies": { "is-number": "7.0.0" } }' > packages/a/package.json
      echo "{ \"name\": \"@ws/b\", \"version\": \"1.0.0\", \"dependencies\": { \"@ws/a\": $wsdep, \"is-odd\": \"3.0.1\" } }" > packages/b/package.json
      printf 'packages:\n  - "packages/*"\n' > pnpm-workspace.yaml ;;
    platform) echo '{ "name": "platform", "version": "1.0.0", "dependencies": { "is-number": "7.0.0" }, "optionalDependencies": { "fsevents": "2.3.3", "@esbuild/linux-arm64": "0.19.12" } }' > package.json ;;
    specs)
      mkdir -p local linked
      echo '{ "name": "local", "version": "0.0.1" }' > local/package.json
      echo '{ "name": "linked", "version": "0.0.2" }' > linked/package.json
      echo "{ \"name\": \"specs\", \"version\": \"1.0.0\", \"dependencies\": { \"tarball\": \"https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz\", \"local\": \"file:./local\"$git$link }, \"optionalDependencies\": { \"is-odd\": \"3.0.1\" } }" > package.json ;;
  esac
}

CASES=${CASES:-"empty one-package scoped alias workspaces specs platform"}
# run FORMAT FLAVOUR LOCKNAME CMD...
run() {
  local fmt=$1 flavour=$2 lock=$3; shift 3
  case " ${FORMATS:-$fmt} " in *" $fmt "*) ;; *) return ;; esac
  for c in $CASES; do
    local d=$W/run/$fmt/$c
    rm -rf "$d"; mkdir -p "$d"; (cd "$d" && manifest "$c" "$flavour" && "$@" > "$d.log" 2>&1) || echo "FAILED $fmt/$c (see $d.log)"
    if [ -f "$d/$lock" ]; then
      mkdir -p "$OUT/$fmt/$c"; cp "$d/$lock" "$d/package.json" "$OUT/$fmt/$c/"
      for m in a b; do
        if [ -f "$d/packages/$m/package.json" ]; then
          mkdir -p "$OUT/$fmt/$c/packages/$m"; cp "$d/packages/$m/package.json" "$OUT/$fmt/$c/packages/$m/"
        fi
      done
    fi
  done
}
run package-lock-v1 npm package-lock.json $NPM6 install --package-lock-only --ignore-scripts --no-audit --no-fund
run package-lock-v2 npm package-lock.json npm install --package-lock-only --ignore-scripts --no-audit --no-fund --lockfile-version 2
run package-lock-v3 npm package-lock.json npm install --package-lock-only --ignore-scripts --no-audit --no-fund
run npm-shrinkwrap npm npm-shrinkwrap.json sh -c 'npm install --package-lock-only --ignore-scripts --no-audit --no-fund && npm shrinkwrap'
# yarn classic has no lockfile-only mode: it installs into the throwaway dir, scripts off.
run yarn-v1 npm yarn.lock yarn install --ignore-scripts --no-progress --non-interactive --ignore-engines
NOGIT=1 run yarn-berry ws yarn.lock sh -c "touch yarn.lock && YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=0 YARN_ENABLE_SCRIPTS=0 $BERRY install --mode update-lockfile"
NOGIT=1 run pnpm-v6 ws pnpm-lock.yaml $PNPM8 install --lockfile-only --ignore-scripts
run pnpm-v9 ws pnpm-lock.yaml pnpm install --lockfile-only --ignore-scripts
run bun ws bun.lock bun install --lockfile-only --ignore-scripts
