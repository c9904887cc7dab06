#!/usr/bin/env bash
# The HTML lint report is tested in a real headless browser: Debian's chromium, driven by playwright-core.
source "$(dirname "$0")/../lib.sh"
need_debs chromium
