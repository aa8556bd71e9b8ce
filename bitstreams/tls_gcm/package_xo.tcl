# Packages kernels/tls_gcm/ as tls_gcm.xo for v++ (see bitstreams/package_kernel.tcl):
#   vivado -mode batch -nojournal -nolog -source bitstreams/tls_gcm/package_xo.tcl \
#     -tclargs <out.xo> <repo root>
# The Makefile's `make xo` / `make xclbin` run this.
set kernel tls_gcm
source [file join [file dirname [file normalize [info script]]] .. package_kernel.tcl]
