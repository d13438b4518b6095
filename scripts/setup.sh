#!/usr/bin/env bash
# Prepares this machine for Skiff; `npm start` and `npm test` run it first. On a fresh Debian 12/13
# machine (as root) it installs what is missing (docker.io, etcd-server, busybox-static, iptables),
# starts dockerd if it is not running, installs the npm dependencies, builds, and builds the images.
# Idempotent: when everything is present it only checks, and takes a few seconds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "setup: $*"; }
die() {
  echo "setup: error: $*" >&2
  exit 1
}
is_root() { [[ "$(id -u)" == 0 ]]; }

command -v node >/dev/null 2>&1 || die "node not found: Skiff needs Node.js 20 or later"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "Node.js $(node -v) is too old: Skiff needs Node.js 20 or later"

# --- apt packages ----------------------------------------------------------------------------------
pkg_installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]; }

# A command on PATH, or in an sbin directory (not on a normal user's PATH on Debian).
have_cmd() {
  command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/sbin/$1" || -x "/usr/local/sbin/$1" ]]
}

missing=()
have_cmd dockerd || missing+=(docker.io)
have_cmd etcd || missing+=(etcd-server)
# The images need a static busybox: Debian's `busybox` package is dynamically linked.
pkg_installed busybox-static || missing+=(busybox-static)
have_cmd iptables || missing+=(iptables)
have_cmd ip || missing+=(iproute2)
# kube-proxy flushes stale UDP conntrack entries with it (without it they expire by themselves).
have_cmd conntrack || missing+=(conntrack)
# The kubectl end-to-end suite drives the real kubectl (preinstalled on Debian 12 machines as 1.32).
have_cmd kubectl || missing+=(kubernetes-client)
need_docker_cli=0
command -v docker >/dev/null 2>&1 || need_docker_cli=1

if ((${#missing[@]} > 0 || need_docker_cli)); then
  want="${missing[*]}"
  ((need_docker_cli)) && want="${want:+$want }docker-cli (if packaged)"
  if ! is_root; then
    die "missing: ${want}. Run this script as root, or install them: apt-get install -y ${missing[*]}$( ((need_docker_cli)) && echo ' docker-cli')"
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing: ${want}, and apt-get is not available to install them"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=/var/log/skiff-setup-apt.log
  step "installing ${want} (apt-get; log: $apt_log)"
  apt_run() {
    if ! apt-get "$@" </dev/null >>"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      die "apt-get $* failed (full log: $apt_log)"
    fi
  }
  apt_run update -qq
  # Debian 13 splits the docker CLI into docker-cli (only recommended by docker.io).
  if ((need_docker_cli)) && apt-cache show docker-cli >/dev/null 2>&1; then
    missing+=(docker-cli)
  fi
  if ((${#missing[@]} > 0)); then
    apt_run install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}"
  fi
  command -v docker >/dev/null 2>&1 || die "docker CLI still missing after installing ${missing[*]}"
  step "installed ${missing[*]}"
fi

# --- Docker engine ---------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if ! is_root; then
    die "the Docker engine is not reachable (docker info failed): start dockerd as root, or add $(id -un) to the docker group"
  fi
  step "starting dockerd (log: /var/log/dockerd.log)"
  # Nothing starts services on these machines (no systemd): run it detached from this session.
  setsid nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 150); do
    docker info >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 20 /var/log/dockerd.log >&2 || true
    die "dockerd did not become ready within 30 s (log: /var/log/dockerd.log)"
  fi
fi
step "docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) ready"

# --- npm dependencies ------------------------------------------------------------------------------
# node_modules is stale when a package.json or the lock file is newer than npm's own record of the
# last install (node_modules/.package-lock.json).
npm_stamp=node_modules/.package-lock.json
npm_stale() {
  [[ -f "$npm_stamp" ]] || return 0
  local f
  for f in package.json package-lock.json */package.json packages/*/package.json services/*/package.json; do
    [[ -f "$f" && "$f" -nt "$npm_stamp" ]] && return 0
  done
  return 1
}
npm_flags=(--no-audit --no-fund --loglevel=error)
if [[ ! -d node_modules ]]; then
  if [[ -f package-lock.json ]]; then
    step "installing npm dependencies (npm ci)"
    npm ci "${npm_flags[@]}" >/dev/null
  else
    step "installing npm dependencies (npm install)"
    npm install "${npm_flags[@]}" >/dev/null
  fi
  touch "$npm_stamp"
elif npm_stale; then
  step "updating npm dependencies (npm install)"
  npm install "${npm_flags[@]}" >/dev/null
  touch "$npm_stamp"
fi

# --- build -----------------------------------------------------------------------------------------
step "building (tsc --build)"
node_modules/.bin/tsc --build

# npm links a workspace's bin only if its file exists at install time, and dist/ is built after
# `npm ci`: link `skiff` now, so `npx skiff` finds it (rebuild also sets the execute bits).
if [[ -f cli/dist/main.js && ! -x node_modules/.bin/skiff ]]; then
  step "linking the skiff command (npm rebuild @skiff/cli)"
  npm rebuild @skiff/cli --ignore-scripts --loglevel=error >/dev/null
fi

# --- images ----------------------------------------------------------------------------------------
bash scripts/build-images.sh | sed 's/^/setup: /'
step "done"
