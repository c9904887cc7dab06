#!/usr/bin/env bash
# Shared by .ci/setup.d/*.sh: install Debian packages that are missing, running `apt-get update` at most once.
# CI runs as root on a fresh clone, possibly on a fresh machine; present packages are skipped.
set -euo pipefail

need_debs() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  # One apt at a time: setup scripts (and developers' parallel runs) may call this together.
  (
    flock 9
    if [ ! -e /tmp/.obs-sse-apt-updated ]; then
      $sudo apt-get update -qq && touch /tmp/.obs-sse-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ) 9>/tmp/.obs-sse-apt.lock
}
