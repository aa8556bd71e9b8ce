#!/usr/bin/env bash
# Synthesises tls_gcm with yosys as the budget check asks
# (read_verilog -sv; synth_xilinx -family xcup -top tls_gcm) and reports
# cells (LUT/FF/LUTRAM/BRAM/DSP) and LUT levels (lut_levels.py).
# Usage: kernels/tls_gcm/synth/synth.sh [out_dir]   (a few minutes)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(dirname "$here")"
out="${1:-$(mktemp -d /tmp/tls_gcm_synth.XXXXXX)}"
mkdir -p "$out"
# Package first, then the modules.
files="$src/tls_gcm_pkg.sv $(ls "$src"/*.sv | grep -v '_pkg\.sv$' | tr '\n' ' ')"
cat > "$out/tls_gcm.ys" <<YS
read_verilog -sv $files
synth_xilinx -family xcup -top tls_gcm
tee -o $out/stat.txt stat
flatten
tee -o $out/stat_flat.txt stat
write_json $out/tls_gcm_flat.json
YS
yosys -q -l "$out/yosys.log" -s "$out/tls_gcm.ys" > /dev/null
grep -E '^\s+(LUT|INV|FD|RAM|MUXF|CARRY|DSP)' "$out/stat_flat.txt"
awk '/^[[:space:]]+LUT[1-6]/ {l += $2} /RAM(32|64)M/ {r += 8 * $2} END {printf "LUT1-6: %d, LUTRAM (8 LUTs per RAM32M16/RAM64M8): %d, total: %d\n", l, r, l + r}' "$out/stat_flat.txt"
python3 "$here/lut_levels.py" "$out/tls_gcm_flat.json" tls_gcm | head -2
echo "netlist and logs in $out"
