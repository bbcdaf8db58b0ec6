#!/usr/bin/env bash
# Builds vendor/flite/flite.wasm and vendor/flite/flite.cjs: flite 2.2 (CMU, BSD-like licence) with its
# slt, rms, awb and kal16 voices, compiled as a library to WebAssembly together with scripts/flite/shim.c.
# The outputs are committed, so users need only `npm install`; run this only to change the build.
#
# Needs Debian's emscripten (apt-get install emscripten) and the upstream tarball, which Debian's source
# package carries: `apt-get source --download-only flite` (with a deb-src line for bookworm) leaves
# flite_2.2.orig.tar.gz in the current directory; pass its path as $1 or set FLITE_TARBALL.
# About 90 s on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tarball="$(realpath "${1:-${FLITE_TARBALL:-flite_2.2.orig.tar.gz}}")"
# The tarball Debian ships as flite_2.2.orig.tar.gz (bookworm's flite_2.2-5.dsc lists this digest).
expected=ab1555fe5adc3f99f1d4a1a0eb1596d329fd6d74f1464a0097c81f53c0cf9e5c
echo "$expected  $tarball" | sha256sum --check --quiet

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
cd "$work/flite-2.2"

# A 32-bit host triple matches wasm32's type sizes; no audio device, static libraries only.
emconfigure ./configure --host=i386-pc-linux-gnu --with-audio=none --disable-shared >/dev/null
# flite's configure adds -g; debug information would only make the binary larger.
sed -i 's/^CFLAGS *=.*/CFLAGS = -O2 -Wall/' config/config
# The one change to flite (its licence asks that changes be marked): rms predicts F0 with spamf0, which
# overwrites the contour that honours int_f0_target_mean; scale it by the same ratio, so pitch moves for
# every voice. Checked, so that a different tarball cannot skip it silently.
perl -pi -e 's{\Qparam_track->frames[i][0]=spamf0_track->frames[i][0];\E}{param_track->frames[i][0]=spamf0_track->frames[i][0]*(get_param_float(utt->features,"int_f0_target_mean",cg_db->f0_mean)/cg_db->f0_mean); /* voxwire: spamf0 follows int_f0_target_mean */}' src/cg/cst_spamf0.c
grep -q 'voxwire: spamf0' src/cg/cst_spamf0.c
# Debian's emscripten finds its node modules (acorn etc.) here. The libraries build; the CLI link that
# follows fails (it wants an audio back end), which does not matter: only the libraries are used.
NODE_PATH=/usr/share/nodejs emmake make -j"$(nproc)" >/dev/null 2>&1 || true

lib="build/i386-linux-gnu/lib"
for archive in libflite.a libflite_usenglish.a libflite_cmulex.a libflite_cmu_us_slt.a libflite_cmu_us_rms.a \
  libflite_cmu_us_awb.a libflite_cmu_us_kal16.a; do
  test -s "$lib/$archive" || { echo "missing $lib/$archive: the flite build failed" >&2; exit 1; }
done

mkdir -p "$root/vendor/flite"
NODE_PATH=/usr/share/nodejs emcc -O2 -Iinclude "$root/scripts/flite/shim.c" \
  "$lib/libflite_cmu_us_slt.a" "$lib/libflite_cmu_us_rms.a" "$lib/libflite_cmu_us_awb.a" \
  "$lib/libflite_cmu_us_kal16.a" "$lib/libflite_usenglish.a" "$lib/libflite_cmulex.a" "$lib/libflite.a" -lm \
  -sMODULARIZE -sEXPORT_NAME=createFlite -sENVIRONMENT=node,worker -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=33554432 \
  -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 -sFILESYSTEM=0 \
  -sEXPORTED_FUNCTIONS=_vw_init,_vw_voice_name,_vw_synth,_malloc,_free \
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8 \
  -o "$work/flite.js"
mv "$work/flite.js" "$root/vendor/flite/flite.cjs"
mv "$work/flite.wasm" "$root/vendor/flite/flite.wasm"
cp COPYING "$root/vendor/flite/COPYING"
ls -l "$root/vendor/flite"
