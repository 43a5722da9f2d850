# Source this file: puts Node.js 24 first on PATH, fetching it from the npm
# registry (package node@24) into .cache/node24 when the system node is older.
# Usage: . scripts/node24.sh
_wg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_wg_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "${_wg_major}" -lt 24 ]; then
  _wg_dir="${_wg_root}/.cache/node24"
  if ! "${_wg_dir}/node_modules/.bin/node" --version >/dev/null 2>&1; then
    echo "node ${_wg_major:-none} is older than 24: fetching node@24 from the npm registry into ${_wg_dir}" >&2
    mkdir -p "${_wg_dir}"
    npm install --prefix "${_wg_dir}" --no-save --no-audit --no-fund node@24 >&2
  fi
  export PATH="${_wg_dir}/node_modules/.bin:${PATH}"
fi
echo "using node $(node --version) at $(command -v node)" >&2
unset _wg_root _wg_major _wg_dir
