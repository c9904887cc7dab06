#!/usr/bin/env bash
# Issue 15: the shared session store is tested against a real redis-server, and the forward-auth server
# (obs-sse authz) behind a real nginx and, when Debian ships it, a real Caddy. Tests start each of them
# on a free loopback port with a temporary prefix and stop them; no system service is used.
source "$(dirname "$0")/../lib.sh"
need_debs redis-server nginx caddy
