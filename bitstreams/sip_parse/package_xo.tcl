# Packages kernels/sip_parse/ as sip_parse.xo for v++ (see bitstreams/package_kernel.tcl):
#   vivado -mode batch -nojournal -nolog -source bitstreams/sip_parse/package_xo.tcl \
#     -tclargs <out.xo> <repo root>
# The Makefile's `make xo` / `make xclbin` run this.
set kernel sip_parse
source [file join [file dirname [file normalize [info script]]] .. package_kernel.tcl]
