# Cross-compiling for arm64 (aarch64-linux-gnu) on a Debian 12 amd64 machine,
# with what scripts/setup-arm64.sh installs:
#   - Debian's cross compiler (crossbuild-essential-arm64), whose own libc and
#     libstdc++ live in /usr/aarch64-linux-gnu;
#   - arm64 -dev packages installed beside the amd64 ones (multiarch, under
#     /usr/lib/aarch64-linux-gnu and /usr/include/aarch64-linux-gnu);
#   - the arm64 packages that cannot coexist with their amd64 twins, unpacked
#     into a private sysroot (STOREFUSE_ARM64_SYSROOT, default
#     /opt/storefuse/arm64-sysroot): ONNX today.
# Tests run under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR); binfmt is not
# assumed.
#   cmake --preset edge-arm64     (or -DCMAKE_TOOLCHAIN_FILE=this file)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# A cache entry, so that a re-run of cmake from ninja (no environment) keeps
# the sysroot the first configure used.
if(DEFINED ENV{STOREFUSE_ARM64_SYSROOT})
  set(_storefuse_sysroot_default "$ENV{STOREFUSE_ARM64_SYSROOT}")
else()
  set(_storefuse_sysroot_default /opt/storefuse/arm64-sysroot)
endif()
set(STOREFUSE_ARM64_SYSROOT "${_storefuse_sysroot_default}" CACHE PATH
  "arm64 packages unpacked by scripts/setup-arm64.sh (those that conflict with their amd64 twins)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES STOREFUSE_ARM64_SYSROOT)

# Libraries, headers and CMake packages: the sysroot first, then the host's
# own tree, where CMAKE_LIBRARY_ARCHITECTURE picks the arm64 multiarch dirs
# (/usr/lib/aarch64-linux-gnu, .../cmake) and never the x86_64 ones; the
# arch-independent /usr/include and /usr/share/cmake (nlohmann_json) are
# shared. Programs come from the host only: protoc, python3, sh.
set(CMAKE_FIND_ROOT_PATH "${STOREFUSE_ARM64_SYSROOT}" /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (OpenBLAS): arm64 .pc files only. Debian has no
# aarch64-linux-gnu-pkg-config wrapper, so the host pkg-config is pointed at
# the arm64 dirs; PKG_CONFIG_PATH would add host ones in front, so it goes.
# (No PKG_CONFIG_SYSROOT_DIR: these .pc files name real host paths. A .pc file
# in the sysroot would need one.)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
unset(ENV{PKG_CONFIG_PATH})

# ctest, gtest_discover_tests and add_test(COMMAND target) run arm64 programs
# through this. -L makes qemu load the cross compiler's ld.so from
# /usr/aarch64-linux-gnu/lib; that ld.so would then take libc.so.6 from
# /lib/aarch64-linux-gnu (the arm64 libc6 the -dev packages pull in, another
# build), so LD_LIBRARY_PATH puts the cross libc and libstdc++ (what the
# programs were linked against) first. The sysroot's libraries follow; the
# rest come from ld.so's default multiarch dirs. -E sets it for the arm64
# program only, not for qemu itself.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu
  -E "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:${STOREFUSE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu:${STOREFUSE_ARM64_SYSROOT}/usr/lib")
