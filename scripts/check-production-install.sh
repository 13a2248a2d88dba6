#!/usr/bin/env bash
# Proves the production install (README, "Production"): the build's outputs (dist/, web/dist)
# with `npm ci --omit=dev` and nothing else serve the API and the console from
# `node dist/cli/main.js serve` — no tsx, no TypeScript, no Vite at run time.
#
#   scripts/check-production-install.sh          build here if needed (npm run build), copy the
#                                                tree and its outputs to a temp dir, install
#                                                production dependencies only, start, probe
#   scripts/check-production-install.sh --fresh  as from a clean checkout: in the temp copy run
#                                                npm ci, npm run build, then rm -rf node_modules
#                                                and npm ci --omit=dev (slower: a full install)
#
# Run by .ci/run after the type-check. Everything lives in one temp dir, removed on exit with
# the server it started.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
fresh=false
[ "${1:-}" = "--fresh" ] && fresh=true

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ordo-prod-check.XXXXXX")"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
started=$SECONDS
say() { printf '[production check %3ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() { say "FAILED: $*"; [ -f "$tmp/server.log" ] && tail -n 40 "$tmp/server.log"; exit 1; }
npm_quiet=(--no-audit --no-fund --prefer-offline --loglevel=error)

# The working tree as it is (tracked and new files, not ignored ones such as data/ or node_modules/).
app="$tmp/ordo"
mkdir -p "$app"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -xf - -C "$app"

if $fresh; then
  say "npm ci (with dev dependencies)"
  (cd "$app" && npm ci "${npm_quiet[@]}") >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "npm ci"; }
  say "npm run build"
  (cd "$app" && npm run build --silent -- --quiet) || fail "npm run build"
  rm -rf "$app/node_modules"
else
  say "npm run build (if needed) in $repo"
  node "$repo/scripts/build.mjs" --if-needed --quiet || fail "build"
  cp -R "$repo/dist" "$app/dist"
  mkdir -p "$app/web" && cp -R "$repo/web/dist" "$app/web/dist"
fi
# A release is its outputs: without src/ nothing could quietly fall back to TypeScript.
rm -rf "$app/src"

say "npm ci --omit=dev"
(cd "$app" && npm ci --omit=dev "${npm_quiet[@]}") >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "npm ci --omit=dev"; }
if grep -q EBADENGINE "$tmp/install.log"; then cat "$tmp/install.log"; fail "npm ci warned EBADENGINE"; fi
for dev in tsx typescript vite esbuild; do
  [ ! -e "$app/node_modules/$dev" ] || fail "dev dependency $dev was installed with --omit=dev"
done

port="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
base="http://127.0.0.1:$port"
say "node dist/cli/main.js serve on $base"
# ORDO_EXACT_WARMUP=on: the embedded database's default starts the exact solver only once an order
# needs it; here it is started at once, to prove HiGHS's worker loads from a production install.
(cd "$app" && exec env -u DATABASE_URL NODE_ENV=production ORDO_DATA_DIR="$tmp/data" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=info ORDO_EXACT_WARMUP=on \
  node dist/cli/main.js serve) >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || fail "the server exited"
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || fail "/healthz did not answer within 60 s"

curl -fsS "$base/" -o "$tmp/index.html" || fail "GET /"
grep -q 'id="root"' "$tmp/index.html" || fail "GET / is not the built console"
entry="$(grep -o '/assets/index-[^"]*\.js' "$tmp/index.html" | head -1)"
[ -n "$entry" ] || fail "index.html names no entry script"
headers="$(curl -fsS -D - -o "$tmp/entry.js.br" -H 'Accept-Encoding: br' "$base$entry")" || fail "GET $entry"
grep -qi '^content-encoding: br' <<<"$headers" || fail "$entry is not sent brotli-compressed"
curl -fsS "$base/api/v1/openapi.json" -o "$tmp/openapi.json" || fail "GET /api/v1/openapi.json"
node -e "const d=require(process.argv[1]); if (!String(d.openapi).startsWith('3.') || Object.keys(d.paths).length < 20) process.exit(1)" "$tmp/openapi.json" \
  || fail "openapi.json is not the API description"
# The exact routing solver runs HiGHS in a worker thread from a .mjs beside the compiled code.
for _ in $(seq 1 300); do grep -q 'exact routing solver warmed up' "$tmp/server.log" && break; sleep 0.1; done
grep -q 'exact routing solver warmed up' "$tmp/server.log" || fail "the exact routing solver did not start"

say "ok: /healthz, / (console, brotli $(wc -c <"$tmp/entry.js.br") bytes for $entry), /api/v1/openapi.json, HiGHS worker"
