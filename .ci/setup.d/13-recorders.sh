#!/usr/bin/env bash
# issue 13: a real nginx (its JSON access log is linted) and Chromium (Playwright records HAR and .zip).
source "$(dirname "$0")/../lib.sh"
need_debs nginx chromium
