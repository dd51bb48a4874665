#!/usr/bin/env bash
# Starts oauth2-mock-server, a third-party OpenID provider from the npm registry,
# on 127.0.0.1 as the interoperability peer of Postern's OIDC relying party.
# The package is installed once into a cache outside the repository; later runs
# (and tests) need no network. Test/demo use only, never production.
#
#   start_oauth2_mock_server.sh --install-only       # tools/setup: fill the cache, start nothing
#   start_oauth2_mock_server.sh [--port N] [--issuer-host H] [--alg RS256|ES256]
#       [--user-sub S] [--user-email E] [--user-name N] [--user-groups a,b] [--groups-claim C]
#   oauth2-mock-server listening on http://127.0.0.1:PORT     # on stderr once ready
#
# Cache: $POSTERN_NPM_CACHE, default ~/.cache/postern/npm of the invoking user
# (looked up in the password database, since test runners change HOME).
set -euo pipefail

readonly VERSION=8.2.3  # newest release whose engines include Node 20; 9.x wants Node 22
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=$(getent passwd "$(id -u)" | cut -d: -f6)
cache=${POSTERN_NPM_CACHE:-${home:-$HOME}/.cache/postern/npm}
prefix=$cache/oauth2-mock-server-$VERSION

install_package() {
  [ -f "$prefix/.installed" ] && return 0
  if ! command -v npm >/dev/null; then
    echo "start_oauth2_mock_server: npm not found; install Node.js 20+ with npm" >&2
    return 1
  fi
  if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
    echo "start_oauth2_mock_server: oauth2-mock-server@$VERSION is not in $prefix and" \
         "$cache is not writable here (a test sandbox?); run tools/setup first" >&2
    return 1
  fi
  echo "start_oauth2_mock_server: installing oauth2-mock-server@$VERSION into $prefix" >&2
  local staging
  staging=$(mktemp -d "$cache/.install.XXXXXX")
  if ! npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund \
       --loglevel=error "oauth2-mock-server@$VERSION" >&2; then
    rm -rf "$staging"
    echo "start_oauth2_mock_server: npm install failed; run tools/setup where the npm registry is reachable" >&2
    return 1
  fi
  touch "$staging/.installed"
  # Another install may have won the race; either copy is good.
  mv -T "$staging" "$prefix" 2>/dev/null || rm -rf "$staging"
}

if [ "${1:-}" = "--install-only" ]; then
  install_package
  exit 0
fi
install_package
exec node "$here/oauth2_mock_server.mjs" --package-dir "$prefix" "$@"
