#!/usr/bin/env bash
# Installs the system packages the suite needs when they are absent: Debian's chromium
# (Playwright drives it; never `playwright install`), the PostgreSQL server binaries, and
# nginx with openssl for the balancer test (tests/browser/test_balancer.py starts nginx as
# its own child process with its own configuration; the package's service is not used), and
# Node.js with npm (the smarthealth browser bundle is rebuilt and run by the tests in web/).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${need[*]}"
$sudo apt-get update -qq
# policy-rc.d answers 101 ("not allowed") while it exists: the packages install but start no
# service (Debian's nginx would otherwise start on port 80 right away).
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  own_policy=1
fi
trap '[ -z "$own_policy" ] || $sudo rm -f "$policy"' EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
