#!/usr/bin/env bash
# Builds, offline, the images Skiff's tests and docs use, from files on this machine (never pulls):
#   skiff/busybox:latest            Debian's static busybox + a symlink per applet (also the pod infra image)
#   skiff/demo-web:v1, :v2          busybox httpd on :8080; `GET /` → 200 with the version and hostname
# Sources live in images/. Each image carries the label skiff.io/source-hash (its sources, its base
# image and this recipe): an image whose hash matches is kept, so a second run does nothing.
#
# Usage: bash scripts/build-images.sh [--force]     (--force rebuilds every image)
# Env:   BUSYBOX=/path/to/static/busybox (default /bin/busybox, from Debian's busybox-static)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
IMAGES_DIR="images"
RECIPE=1 # bump when the build steps below change, so existing images get rebuilt
BUSYBOX="${BUSYBOX:-/bin/busybox}"
BUSYBOX_IMAGE="skiff/busybox:latest"
DEMO_WEB_VERSIONS=(v1 v2)

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "build-images: unknown argument: $arg (usage: build-images.sh [--force])" >&2
      exit 2
      ;;
  esac
done

die() {
  echo "build-images: $*" >&2
  exit 1
}

command -v docker >/dev/null 2>&1 || die "docker not found: run scripts/setup.sh (installs docker.io)"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed): run scripts/setup.sh"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# sha256 of a list of files' paths and contents (and any extra strings), order-independent of the shell.
source_hash() {
  local dir="$1"
  shift
  {
    printf 'recipe=%s\n' "$RECIPE"
    printf '%s\n' "$@"
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    (cd "$dir" && find . -type f -perm -u+x -print0 | LC_ALL=C sort -z | tr '\0' '\n' | sed 's/^/exec /')
  } | sha256sum | cut -d' ' -f1
}

image_hash() {
  docker image inspect -f '{{index .Config.Labels "skiff.io/source-hash"}}' "$1" 2>/dev/null || true
}

up_to_date() {
  [[ "$force" == 0 && "$(image_hash "$1")" == "$2" ]]
}

build_busybox() {
  [[ -x "$BUSYBOX" ]] || die "$BUSYBOX not found: apt-get install busybox-static (or run scripts/setup.sh)"
  if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked: install Debian's busybox-static (apt-get install busybox-static)"
  fi
  local hash
  hash="$(source_hash "$IMAGES_DIR/busybox" "busybox=$(sha256sum <"$BUSYBOX")")"
  if up_to_date "$BUSYBOX_IMAGE" "$hash"; then
    echo "✓ $BUSYBOX_IMAGE (up to date)"
    return
  fi

  local root="$WORK/busybox-root"
  mkdir -p "$root"/{bin,etc,root,home,var/tmp,tmp,proc,sys,dev,usr}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  local applet
  for applet in $("$BUSYBOX" --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$root/bin/$applet"
  done
  # One directory holds every applet; the usual paths lead there (#!/usr/bin/env, /sbin/ip, ...).
  ln -s bin "$root/sbin"
  ln -s ../bin "$root/usr/bin"
  ln -s ../bin "$root/usr/sbin"
  cp -R "$IMAGES_DIR/busybox/." "$root/"

  tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
    docker import \
      -c 'ENV PATH=/bin' \
      -c 'CMD ["/bin/sh"]' \
      -c 'LABEL skiff.io/image=true' \
      -c "LABEL skiff.io/source-hash=$hash" \
      - "$BUSYBOX_IMAGE" >/dev/null
  echo "✓ $BUSYBOX_IMAGE (built: $("$BUSYBOX" --list | wc -l) applets)"
}

build_demo_web() {
  local version="$1" name="skiff/demo-web:$1" base_id hash log
  base_id="$(docker image inspect -f '{{.Id}}' "$BUSYBOX_IMAGE")"
  hash="$(source_hash "$IMAGES_DIR/demo-web" "base=$base_id" "version=$version")"
  if up_to_date "$name" "$hash"; then
    echo "✓ $name (up to date)"
    return
  fi
  log="$WORK/build-$version.log"
  # The legacy builder: BuildKit needs the buildx plugin, and the base image is local (--pull=false).
  if ! DOCKER_BUILDKIT=0 docker build --pull=false \
    --build-arg "BASE=$BUSYBOX_IMAGE" \
    --build-arg "VERSION=$version" \
    --label skiff.io/image=true \
    --label "skiff.io/source-hash=$hash" \
    -t "$name" "$IMAGES_DIR/demo-web" >"$log" 2>&1; then
    cat "$log" >&2
    die "building $name failed"
  fi
  echo "✓ $name (built)"
}

build_busybox
for v in "${DEMO_WEB_VERSIONS[@]}"; do
  build_demo_web "$v"
done
# Rebuilding leaves the previous images untagged: remove those of ours that nothing uses.
dangling="$(docker images -q --filter dangling=true --filter label=skiff.io/image=true)"
if [[ -n "$dangling" ]]; then
  # shellcheck disable=SC2086
  docker rmi $dangling >/dev/null 2>&1 || true
fi
