#!/usr/bin/env bash
# Docker Compose v2 for validating docker-compose.yml (`docker compose config`) where the docker CLI has no compose
# plugin. Compose needs no engine for `config`. The binary comes from Debian's own package (trixie ships Compose v2;
# bookworm only the retired Python 1.x), fetched with apt into private directories, so apt checks the archive's
# signature and checksum and the system's package state is untouched. It lands in .data/compose/docker-compose.
#
# Best effort: without apt or the Debian archive it says why and leaves the compose tests to skip with that reason.
set -uo pipefail
cd "$(dirname "$0")/.."

target=.data/compose/docker-compose
if docker compose version >/dev/null 2>&1 || [ -x "$target" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "install-compose: no apt here; the docker-compose.yml tests will skip" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/cache" "$work/extract" .data/compose
echo "deb http://deb.debian.org/debian trixie main" >"$work/sources.list"
apt_options=(
  -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=/dev/null"
  -o "Dir::State::lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::Cache::archives=$work/archives"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=true" -qq
)

echo "Installing Docker Compose v2 into .data/compose (Debian's docker-compose package) ..."
if ! (apt-get "${apt_options[@]}" update >/dev/null && cd "$work" && apt-get "${apt_options[@]}" download docker-compose >/dev/null); then
  echo "install-compose: could not fetch Debian's docker-compose; the docker-compose.yml tests will skip" >&2
  exit 0
fi
if ! dpkg-deb -x "$work"/docker-compose_*.deb "$work/extract" \
  || ! install -m 0755 "$work/extract/usr/libexec/docker/cli-plugins/docker-compose" "$target"; then
  echo "install-compose: Debian's docker-compose package did not unpack as expected; the compose tests will skip" >&2
  rm -f "$target"
  exit 0
fi
"$target" version
