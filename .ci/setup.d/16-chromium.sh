#!/usr/bin/env bash
# Headless Chromium for the browser consumer test and the playground test (driven by playwright-core).
source "$(dirname "$0")/../lib.sh"
need_debs chromium
