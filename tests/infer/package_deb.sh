#!/bin/sh
# The device packages (cmake/packaging.cmake): cpack builds them from this
# build; storefuse-infer holds the program for the build's architecture, and
# its Depends names the Debian package of every shared library the program
# needs (each NEEDED entry of its ELF header, looked up with dpkg -S);
# storefuse-infer-dev holds the library, headers and CMake package.
#   package_deb.sh BUILD_DIR ARCH
set -eu
build=$1
arch=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-deb-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -B "$work" > "$work/cpack.log" || { cat "$work/cpack.log"; exit 1; }
program=$(ls "$work"/storefuse-infer_*_"$arch".deb)
dev=$(ls "$work"/storefuse-infer-dev_*_"$arch".deb)
echo "$(basename "$program"): $(stat -c %s "$program") bytes; $(basename "$dev"): $(stat -c %s "$dev") bytes"

dpkg-deb -c "$program" | grep -q ' \./usr/bin/storefuse-infer$' || { echo "no /usr/bin/storefuse-infer in $program" >&2; exit 1; }
[ "$(dpkg-deb -f "$program" Architecture)" = "$arch" ] || { echo "$program is not for $arch" >&2; exit 1; }
for file in usr/include/storefuse/infer/session.h usr/lib/libstorefuse_infer.a \
            usr/lib/cmake/storefuse_infer/storefuse_inferConfig.cmake; do
  dpkg-deb -c "$dev" | grep -q " \./$file\$" || { echo "no /$file in $dev" >&2; exit 1; }
done

depends=$(dpkg-deb -f "$program" Depends)
echo "Depends: $depends"
dpkg-deb -x "$program" "$work/root"
# The package names alone: alternatives and version bounds dropped.
names=$(echo "$depends" | sed 's/([^)]*)//g; s/[,|]/\n/g; s/ //g')
missing=0
for lib in $(readelf -d "$work/root/usr/bin/storefuse-infer" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  # The packages holding a file of that name, on any architecture.
  owners=$(dpkg -S "*/$lib" 2>/dev/null | sed 's/: .*//; s/:[a-z0-9]*//g; s/, /\n/g' | sort -u)
  found=""
  for owner in $owners; do
    if echo "$names" | grep -Fxq "$owner"; then found=$owner; fi
  done
  if [ -z "$found" ]; then
    echo "$lib: none of its packages ($(echo $owners)) is in Depends" >&2
    missing=1
  else
    echo "  $lib <- $found"
  fi
done
exit $missing
