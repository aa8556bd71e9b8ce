#!/bin/sh
# Builds the stand-alone RTL testbench: tests/sim/sip_parse_tb_build.sh [BUILD_DIR] [extra verilator args]
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-rtl-sip/tb}
[ $# -gt 0 ] && shift
cd "$root/kernels/sip_parse"
verilator --cc --exe --build -j 2 -Wno-fatal -f sip_parse.f --top-module sip_parse --public-flat-rw \
  --Mdir "$out" -o sip_parse_tb "$@" \
  -CFLAGS "-std=c++20 -O1 -DSIP_PARSE_TB_DEBUG -I$root/host -I$root/tests/sim" \
  "$root/tests/sim/sip_parse_tb.cpp" "$root/host/offload/cpu_sip_parse_engine.cpp" "$root/host/offload/sip_index.cpp"
