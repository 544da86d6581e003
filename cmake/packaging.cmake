# Debian packages of the runtime, for a device (edge builds only: the
# toolkit's dependencies are not packaged):
#   cpack --config build-arm64/CPackConfig.cmake -B out/packages
# gives two packages for the build's architecture:
#   storefuse-infer      the program (component storefuse_infer_program)
#   storefuse-infer-dev  the embeddable library, headers and CMake package
#                        (component storefuse_infer)
# Depends names the Debian 12 packages of the shared libraries the program
# needs (readelf -d lists them; docs/edge.md). They are written here, not
# found by dpkg-shlibdeps: a cross build's ONNX lives in a private sysroot,
# where dpkg-shlibdeps does not look.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME storefuse-infer)
set(CPACK_PACKAGE_VENDOR storefuse)
set(CPACK_PACKAGE_CONTACT "storefuse developers <storefuse@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "storefuse-infer: runs storefuse's ONNX models without PyTorch")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL storefuse_infer_program storefuse_infer)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()

set(_storefuse_runtime_depends
  "libc6 (>= 2.36)" "libstdc++6 (>= 12)" "libgcc-s1"
  "libprotobuf32" "libonnx1" "libtbb12" "libopenblas0-pthread | libopenblas0"
  "libboost-program-options1.74.0" "libyaml-cpp0.7" "libssl3" "libmosquitto1")
if(STOREFUSE_WITH_HDF5)
  list(APPEND _storefuse_runtime_depends "libhdf5-103-1")
endif()
if(STOREFUSE_WITH_OPENCV)
  list(APPEND _storefuse_runtime_depends "libopencv-videoio406" "libopencv-imgproc406" "libopencv-core406")
endif()
string(JOIN ", " CPACK_DEBIAN_STOREFUSE_INFER_PROGRAM_PACKAGE_DEPENDS ${_storefuse_runtime_depends})
set(CPACK_DEBIAN_STOREFUSE_INFER_PROGRAM_PACKAGE_NAME storefuse-infer)
set(CPACK_DEBIAN_STOREFUSE_INFER_PACKAGE_NAME storefuse-infer-dev)
set(CPACK_DEBIAN_STOREFUSE_INFER_PACKAGE_DEPENDS
  "libprotobuf-dev, libonnx-dev, libtbb-dev, libopenblas-pthread-dev | libopenblas-dev")
set(CPACK_COMPONENT_STOREFUSE_INFER_PROGRAM_DESCRIPTION
  "storefuse-infer check, bench, predict and serve: ONNX models of storefuse run on the CPU, features rebuilt from raw media")
set(CPACK_COMPONENT_STOREFUSE_INFER_DESCRIPTION
  "The storefuse_infer library, its headers and CMake package (find_package(storefuse_infer))")
include(CPack)
