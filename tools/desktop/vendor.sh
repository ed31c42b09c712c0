#!/usr/bin/env bash
# Copies the official CometD JavaScript client, as pinned in this folder's
# package-lock.json, under the pages' embedded files, with its license:
#
#   tools/desktop/vendor.sh
#
# Run it after changing the version in package.json (then npm install, to
# update the lock). transport/desktop's TestVendoredCometD checks that the
# copy is exactly the pinned package's files.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
dest=../../transport/desktop/static/lib/cometd
rm -rf "$dest"
mkdir -p "$dest"
# The ES modules and the license; not the TypeScript types or README.
cp node_modules/cometd/*.js node_modules/cometd/LICENSE "$dest/"
echo "vendored cometd $(node -p 'require("./node_modules/cometd/package.json").version') into transport/desktop/static/lib/cometd"
