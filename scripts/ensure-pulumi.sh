#!/usr/bin/env bash
# Make sure a Pulumi CLI of the pinned version and the dynamic-provider plugin are available;
# print the directory that holds them.
#
# Order: a `pulumi` of the pinned version already on PATH wins; then the cache; then a build
# from the Go module proxy into the cache (never a prebuilt download). The cache sits outside
# the checkout, keyed by version, so every clone on this machine reuses it.
#
# Why not `go install pkg@vX`: pkg/go.mod has replace directives, which `go install` refuses.
# So we build from a throwaway wrapper module that pins pkg and sdk to the same release.
set -euo pipefail

V="${PULUMI_VERSION:-$(cat "$(dirname "$0")/../.pulumi-version")}"
CACHE_ROOT="${WECHAT_IAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wechat-iac}"
OUT="$CACHE_ROOT/pulumi/v$V/bin"

log() { printf '[ensure-pulumi] %s\n' "$*" >&2; }
have_version() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$V" ]; }
complete() { have_version "$1/pulumi" && [ -f "$1/pulumi-resource-pulumi-python" ]; }

if command -v pulumi >/dev/null 2>&1 && complete "$(dirname "$(command -v pulumi)")"; then
  dirname "$(command -v pulumi)"; exit 0
fi
if complete "$OUT"; then echo "$OUT"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
[ensure-pulumi] No Pulumi CLI v$V was found and Go is not installed, so it cannot be built.
  Either install Go 1.25+ (https://go.dev/doc/install, or your package manager) and rerun,
  or install Pulumi v$V yourself (https://www.pulumi.com/docs/install/) and put it on PATH.
MSG
  exit 1
fi

BUILD="$CACHE_ROOT/pulumi/build-v$V"
rm -rf "$OUT.tmp"; mkdir -p "$BUILD" "$OUT.tmp"
cd "$BUILD"
export CGO_ENABLED=0
start=$(date +%s)
log "building Pulumi CLI v$V from the Go module proxy into $OUT"
log "a cold build downloads ~1 GB of modules and takes several minutes on 2 cores; later runs reuse it"

cat > go.mod <<GOMOD
module local.invalid/pulumi-build

go 1.25

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
rm -f go.sum

log "step 1/4: resolving pkg and sdk v$V"
go get "github.com/pulumi/pulumi/pkg/v3@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V"
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$V"

# The Python language host is a separate module with no tags, reachable only as a commit
# pseudo-version. Some module proxies (this workplace's included) refuse it; then we build
# without it and programs run through the Python SDK's own language server (the Automation
# API's inline mode, `pulumi ... --client`), which is what this project's commands use anyway.
LANGHOST=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
HASH=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$V" \
       | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Origin",{}).get("Hash",""))')
have_langhost=0
if [ -n "$HASH" ] && go get "$LANGHOST@$HASH" >/dev/null 2>&1; then have_langhost=1
else log "step 2/4: the module proxy does not serve $LANGHOST; skipping it"; fi

# the language host's go.mod may pull pkg/sdk elsewhere; the pins must still hold
for mod in pkg sdk; do
  got=$(go list -m -f '{{.Version}}' "github.com/pulumi/pulumi/$mod/v3")
  [ "$got" = "v$V" ] || { log "error: $mod resolved to $got, not v$V"; exit 1; }
done

LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V"
log "step 3/4: compiling pulumi (the slow part)"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$OUT.tmp/pulumi" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
if [ "$have_langhost" = 1 ]; then
  log "step 4/4: compiling pulumi-language-python"
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$OUT.tmp/pulumi-language-python" "$LANGHOST"
fi

# Both scripts ship inside the sdk module zip (which carries no exec bits).
SDK=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$SDK/python/dist/pulumi-resource-pulumi-python" "$OUT.tmp/"
install -m 0755 "$SDK/python/cmd/pulumi-language-python-exec" "$OUT.tmp/"

have_version "$OUT.tmp/pulumi" || { log "error: the built pulumi does not report v$V"; exit 1; }
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
log "done in $(( $(date +%s) - start ))s"
echo "$OUT"
