# FindXRT: the Xilinx Runtime's native C++ API (xrt::device, xrt::kernel,
# xrt::bo, xrt::run, xrt::xclbin) for the xrt offload backend.
#
# Two layouts are supported:
#   - Debian/Ubuntu's libxrt-dev: headers in /usr/include/xrt (xrt/xrt_device.h,
#     experimental/xrt_xclbin.h, xclbin.h, ...), libraries in the multiarch
#     directory. The package ships no CMake config and its xrt.pc is broken
#     (prefix=/usr//usr), so neither find_package(XRT CONFIG) nor pkg-config
#     can be used.
#   - AMD's own XRT packages: everything under $XILINX_XRT (normally
#     /opt/xilinx/xrt, set by /opt/xilinx/xrt/setup.sh): include/, lib/.
#
# Result:
#   XRT_FOUND, XRT_VERSION, XRT_INCLUDE_DIR, XRT_COREUTIL_LIBRARY, XRT_UUID_LIBRARY
#   imported target XRT::coreutil (headers + libxrt_coreutil + libuuid); the
#   native C++ API lives in libxrt_coreutil, which loads the device shim
#   (libxrt_core for a card, libxrt_noop / libxrt_hwemu / libxrt_swemu for
#   emulation) at run time from $XILINX_XRT/lib.

set(_xrt_hints)
if(DEFINED ENV{XILINX_XRT})
  list(APPEND _xrt_hints "$ENV{XILINX_XRT}")
endif()
list(APPEND _xrt_hints /opt/xilinx/xrt)

# xrt/xrt_device.h is in <root>/include/xrt/ (AMD) or /usr/include/xrt/xrt/
# (Debian); the include directory is the one holding xrt/ and xclbin.h.
find_path(XRT_INCLUDE_DIR
  NAMES xrt/xrt_device.h
  HINTS ${_xrt_hints}
  PATH_SUFFIXES include include/xrt xrt)
find_library(XRT_COREUTIL_LIBRARY
  NAMES xrt_coreutil
  HINTS ${_xrt_hints}
  PATH_SUFFIXES lib lib64)
# libuuid: xclbin.h uses uuid_t; libxrt_coreutil needs it at link time.
find_library(XRT_UUID_LIBRARY NAMES uuid)
find_path(XRT_UUID_INCLUDE_DIR NAMES uuid/uuid.h)

if(XRT_INCLUDE_DIR AND EXISTS "${XRT_INCLUDE_DIR}/version.h")
  file(STRINGS "${XRT_INCLUDE_DIR}/version.h" _xrt_version_line
       REGEX "xrt_build_version\\[\\] *= *\"[0-9.]+\"")
  if(_xrt_version_line MATCHES "\"([0-9.]+)\"")
    set(XRT_VERSION "${CMAKE_MATCH_1}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(XRT
  REQUIRED_VARS XRT_INCLUDE_DIR XRT_COREUTIL_LIBRARY XRT_UUID_LIBRARY XRT_UUID_INCLUDE_DIR
  VERSION_VAR XRT_VERSION)

if(XRT_FOUND AND NOT TARGET XRT::coreutil)
  add_library(XRT::coreutil UNKNOWN IMPORTED)
  set_target_properties(XRT::coreutil PROPERTIES
    IMPORTED_LOCATION "${XRT_COREUTIL_LIBRARY}"
    # Imported include directories are treated as system headers, so XRT's
    # own warnings do not break -Werror builds.
    INTERFACE_INCLUDE_DIRECTORIES "${XRT_INCLUDE_DIR};${XRT_UUID_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${XRT_UUID_LIBRARY}")
endif()

mark_as_advanced(XRT_INCLUDE_DIR XRT_COREUTIL_LIBRARY XRT_UUID_LIBRARY XRT_UUID_INCLUDE_DIR)
