# Packages one RTL kernel of kernels/ as a Vitis kernel object (.xo), with
# Vivado in batch mode. Not run directly: bitstreams/<kernel>/package_xo.tcl
# sets `kernel` and sources this file (the Makefile's `xo` rule does that):
#
#   vivado -mode batch -nojournal -nolog \
#     -source bitstreams/<kernel>/package_xo.tcl -tclargs <out.xo> <repo root>
#
# The sources are scripts/kernel-sources <kernel> (kernels/common/ and
# kernels/<kernel>/), the very files and order the Verilator harness (sim/)
# runs; the top module is named after the folder.
# The register map comes from bitstreams/<kernel>/kernel.xml, which
# tests/unit/offload/kernel_registers_test.cpp holds to
# host/offload/kernel_registers.h (docs/kernels.md).

if {$argc != 2} {
  error "usage: vivado -mode batch -source bitstreams/$kernel/package_xo.tcl -tclargs <out.xo> <repo root>"
}
set xo_path   [file normalize [lindex $argv 0]]
set repo      [file normalize [lindex $argv 1]]
set hdl_dir   [file join $repo kernels $kernel]
set xml_path  [file join $repo bitstreams $kernel kernel.xml]
set work_dir  [file join [file dirname $xo_path] ${kernel}_pack]
set ip_dir    [file join $work_dir ip]

# kernels/common/ then the kernel's own files, in the order every tool uses
# (scripts/kernel-sources; it fails if the kernel has no top file).
if {![file exists [file join $hdl_dir $kernel.sv]]} {
  error "no top file $hdl_dir/$kernel.sv"
}
set sources [split [string trim [exec [file join $repo scripts kernel-sources] \
  --kernels-dir [file join $repo kernels] $kernel]] "\n"]

file delete -force $work_dir
create_project -force ${kernel}_pack [file join $work_dir project]
add_files -norecurse $sources
set_property file_type SystemVerilog [get_files $sources]
set_property top $kernel [current_fileset]
update_compile_order -fileset sources_1

# The IP: ports inferred by name (ap_clk, ap_rst_n, interrupt, s_axi_control_*,
# m_axi_gmem_*), the sources copied into the IP.
ipx::package_project -root_dir $ip_dir -vendor sipnic -library kernel -taxonomy /KernelIP \
  -import_files -set_current false
ipx::unload_core [file join $ip_dir component.xml]
ipx::edit_ip_in_project -upgrade true -name ${kernel}_edit -directory [file join $work_dir edit] \
  [file join $ip_dir component.xml]
set core [ipx::current_core]

set_property core_revision 1 $core
set_property version 1.0 $core
set_property display_name $kernel $core
set_property description "sipnic $kernel RTL kernel (docs/kernels.md)" $core

# Clock, reset and interrupt. package_project infers most interfaces by port
# name already; these helpers add what it did not and overwrite parameters.
proc ensure_busif {core name vlnv} {
  if {[llength [ipx::get_bus_interfaces -quiet $name -of_objects $core]] == 0} {
    ipx::infer_bus_interface $name $vlnv $core
  }
}
proc set_bus_param {core busif name value} {
  set bif [ipx::get_bus_interfaces $busif -of_objects $core]
  set p [ipx::get_bus_parameters -quiet $name -of_objects $bif]
  if {[llength $p] == 0} {
    set p [ipx::add_bus_parameter $name $bif]
  }
  set_property value $value $p
}
ensure_busif $core ap_clk xilinx.com:signal:clock_rtl:1.0
ensure_busif $core ap_rst_n xilinx.com:signal:reset_rtl:1.0
ensure_busif $core interrupt xilinx.com:signal:interrupt_rtl:1.0
set_bus_param $core ap_rst_n POLARITY ACTIVE_LOW
set_bus_param $core interrupt SENSITIVITY LEVEL_HIGH
ipx::associate_bus_interfaces -busif s_axi_control -clock ap_clk $core
ipx::associate_bus_interfaces -busif m_axi_gmem -clock ap_clk $core
ipx::associate_bus_interfaces -clock ap_clk -reset ap_rst_n $core

# s_axi_control: one 4 KiB address block (the kernel decodes 7 bits; the
# registers alias within the block).
set mem_map [ipx::add_memory_map -quiet s_axi_control $core]
set addr_block [ipx::add_address_block -quiet reg0 $mem_map]
set_property range 0x1000 $addr_block
set_property slave_memory_map_ref s_axi_control [ipx::get_bus_interfaces s_axi_control -of_objects $core]

# m_axi_gmem: 64-bit addresses, 512-bit data (docs/kernels.md).
set_bus_param $core m_axi_gmem ADDR_WIDTH 64
set_bus_param $core m_axi_gmem DATA_WIDTH 512

# A Vitis RTL kernel.
set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property ipi_drc {ignore_freq_hz true} $core
set_property supported_families {} $core
set_property auto_family_support_level level_2 $core

ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity -kernel $core
ipx::save_core $core
close_project -delete

file delete -force $xo_path
package_xo -force -xo_path $xo_path -kernel_name $kernel -ip_directory $ip_dir -kernel_xml $xml_path
puts "packaged $kernel -> $xo_path"
