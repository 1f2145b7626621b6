#!/usr/bin/env bash
# The machine packages the project's own commands need, installed from Debian when missing — the way
# services.sh installs Redis — so `./tmbusw start|test` work on a bare machine.
#
#   scripts/system-deps.sh build     # compilers + libzstd-dev: before `npm ci`, so node-rdkafka gets zstd
#   scripts/system-deps.sh services  # Java 17+, Maven, curl, Redis: the real Kafka, registry and Redis
#   scripts/system-deps.sh test      # build + services + Debian's chromium for the browser tests
#
# As root it runs `apt-get update` once and installs what is missing. As anyone else it changes
# nothing and stops with one message naming the apt-get command to run. TMBUS_CHROMIUM names another
# browser binary (then Debian's chromium is not needed).
set -euo pipefail

die() { printf 'system-deps: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

java_ok() { # any java >= 17 on PATH or under /usr/lib/jvm (services.sh picks the newest itself)
  local j major
  for j in "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -x "$j" ] || continue
    major="$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
    [ -n "$major" ] && [ "$major" -ge 17 ] && return 0
  done
  return 1
}

missing=()
need() { # package test...
  local pkg="$1"; shift
  "$@" || missing+=("$pkg")
}

want_build() {
  need build-essential have g++
  need build-essential have make
  need python3 have python3
  # librdkafka's configure turns zstd on only when the header is there at `npm ci` time.
  need libzstd-dev test -f /usr/include/zstd.h
}

want_services() {
  need default-jre-headless java_ok
  need maven have mvn
  need curl have curl
  need redis-server have redis-server
}

want_test() {
  want_build
  want_services
  if [ -n "${TMBUS_CHROMIUM:-}" ]; then
    [ -x "$TMBUS_CHROMIUM" ] || die "TMBUS_CHROMIUM=$TMBUS_CHROMIUM is not an executable"
  else
    need chromium test -x /usr/bin/chromium
  fi
}

case "${1:-}" in
  build) want_build ;;
  services) want_services ;;
  test) want_test ;;
  *) die "usage: system-deps.sh build|services|test (got '${1:-}')" ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0
# one entry per package, in order
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
command -v apt-get >/dev/null 2>&1 \
  || die "missing: ${missing[*]} (Debian package names); install their equivalents with this system's package manager"
if [ "$(id -u)" -ne 0 ]; then
  die "missing: ${missing[*]}. Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
fi
printf 'system-deps: installing %s from Debian\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get could not install: ${missing[*]}"
