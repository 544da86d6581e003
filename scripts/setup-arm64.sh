#!/usr/bin/env bash
# Installs what the arm64 (aarch64-linux-gnu) cross build of the edge preset
# needs on a Debian 12 amd64 machine: Debian's cross compiler, qemu-user to
# run the tests, and the arm64 -dev packages of the runtime's dependencies.
# Idempotent: packages already present are skipped without touching apt.
#
# The arm64 packages go in beside the amd64 ones (Debian multiarch, under
# /usr/lib/aarch64-linux-gnu). apt may upgrade an amd64 package to the same
# point release as its arm64 twin (Multi-Arch: same needs equal versions);
# it must never remove one, so the install is simulated first and refused if
# it would remove anything (arm64 libopencv-dev, for one, would remove
# libtorch-dev).
#
# A package whose arm64 build conflicts with the amd64 one is unpacked from
# its .deb into a private sysroot instead (STOREFUSE_ARM64_SYSROOT, default
# /opt/storefuse/arm64-sysroot), which the toolchain file
# (cmake/toolchains/aarch64-linux-gnu.cmake) searches and the test emulator
# gets on its library path. The simulation does not see such conflicts when
# they are files (dpkg refuses at unpack time, leaving apt half done), so
# keep this list right. The edge build needs two such packages, ONNX and
# yaml-cpp's -dev (HDF5, OpenCV and spdlog are off in it).
set -euo pipefail

# Host side: the cross compiler and the user-mode emulator. The build tools
# (cmake, ninja, pkg-config) and the arch-independent nlohmann-json3-dev come
# from scripts/setup.sh; they are checked here too so this runs on its own.
host_deps=(
  crossbuild-essential-arm64 qemu-user
  cmake ninja-build pkg-config nlohmann-json3-dev
)
# What CMakeLists.txt and infer/CMakeLists.txt find_package/pkg_check for the
# edge preset, arm64 builds: Boost program_options, TBB, Protobuf, OpenBLAS
# (the pthread flavour, as scripts/setup.sh installs for amd64), GoogleTest
# for the tests, OpenSSL (the server's TLS), and ONNX and yaml-cpp (in the
# sysroot, below). No arm64 protoc: the
# runtime uses libonnx's onnx_proto; the host's protoc is all CMake finds.
arm64_deps=(
  libboost-program-options-dev:arm64 libtbb-dev:arm64
  libprotobuf-dev:arm64
  libopenblas-pthread-dev:arm64 libgtest-dev:arm64
  libssl-dev:arm64   # the server's TLS
  libmosquitto-dev:arm64   # the stream processor's MQTT client
)
# arm64 packages that cannot coexist with their amd64 twins: unpacked into
# the sysroot (dpkg-deb -x), never installed, with the runtime libraries they
# need that apt does not install. ONNX: libonnxifi (a dependency of
# libonnx-dev) ships /usr/lib/libonnxifi.so outside the multiarch dir, so
# dpkg refuses the arm64 one beside the amd64 one; libonnx1 comes along so
# that libonnx-dev's .so links resolve inside the sysroot. (Its dependency,
# arm64 libprotobuf32, comes from apt via libprotobuf-dev:arm64 above.)
# yaml-cpp (configs: the server's routing file): arm64 libyaml-cpp-dev would
# remove the amd64 one, which the toolkit builds against; its library comes
# along for the .so link, as libonnx1 does.
sysroot_debs=(libonnx1 libonnxifi libonnx-dev libyaml-cpp0.7 libyaml-cpp-dev)
sysroot="${STOREFUSE_ARM64_SYSROOT:-/opt/storefuse/arm64-sysroot}"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "setup-arm64: adding the arm64 architecture to dpkg"
  $SUDO dpkg --add-architecture arm64
  need_update=1
fi

missing=()
for p in "${host_deps[@]}" "${arm64_deps[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# The version of a sysroot package: that of its amd64 twin when installed
# (the headers and libraries must agree across the two builds), else apt's.
want_version() { dpkg-query -W -f='${Version}' "$1:amd64" 2>/dev/null || true; }
unpack=()
for p in "${sysroot_debs[@]}"; do
  # dpkg-deb -x leaves no record: a stamp per package holds the version
  # unpacked, so that an upgrade of the amd64 twin unpacks the new one.
  have=$(cat "$sysroot/.unpacked/$p" 2>/dev/null || true)
  want=$(want_version "$p")
  if [ -z "$have" ] || { [ -n "$want" ] && [ "$have" != "$want" ]; }; then unpack+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ] && [ ${#unpack[@]} -eq 0 ]; then
  echo "setup-arm64: all $(( ${#host_deps[@]} + ${#arm64_deps[@]} + ${#sysroot_debs[@]} )) packages present"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
  $SUDO apt-get update -qq
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-arm64: installing ${#missing[@]} packages: ${missing[*]}"
  sim=$(apt-get install -s --no-install-recommends "${missing[@]}")
  if grep -q '^Remv' <<<"$sim"; then
    echo "setup-arm64: refusing: installing these would remove packages:" >&2
    grep '^Remv' <<<"$sim" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ${#unpack[@]} -gt 0 ]; then
  echo "setup-arm64: unpacking ${#unpack[@]} packages into $sysroot: ${unpack[*]}"
  $SUDO mkdir -p "$sysroot/.unpacked"
  tmp=$(mktemp -d)
  # As root, apt-get download writes as the _apt user where it can.
  if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  trap 'rm -rf "$tmp"' EXIT
  debs=()
  for p in "${unpack[@]}"; do
    v=$(want_version "$p")
    debs+=("$p:arm64${v:+=$v}")
  done
  (cd "$tmp" && apt-get download -qq "${debs[@]}")
  for p in "${unpack[@]}"; do
    deb=$(echo "$tmp/${p}"_*_arm64.deb)
    $SUDO dpkg-deb -x "$deb" "$sysroot"
    dpkg-deb -f "$deb" Version | $SUDO tee "$sysroot/.unpacked/$p" >/dev/null
  done
fi
echo "setup-arm64: done"
