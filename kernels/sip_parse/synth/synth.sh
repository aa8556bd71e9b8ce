#!/bin/sh
# Synthesis check of the sip_parse kernel with yosys 0.23 (docs/kernels.md
# budget: <= 25,000 LUTs, <= 8 LUT levels). Writes OUT_DIR/{synth.log,stat.txt,ltp.txt}.
#   kernels/sip_parse/synth/synth.sh [OUT_DIR]
# Levels: `ltp -noff` only knows yosys' internal FF types as sequential, not
# the Xilinx FDRE/FDSE/RAMB*/RAM32M* cells synth_xilinx leaves (it reports
# loops through them), so synth/levels.py measures the longest chain of
# combinational cells (LUT*, MUXF*, CARRY*, INV) on the JSON netlist; every
# cell counts as one level (a CARRY4 too, pessimistically; also printed
# without carries).
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/../../build-rtl-sip/yosys}
mkdir -p "$out"
files=$(sed "s|^|$here/|" "$here/sip_parse.f" | tr '\n' ' ')
yosys -q -l "$out/synth.log" -p "read_verilog -sv $files; synth_xilinx -family xcup -top sip_parse -flatten -noiopad -noclkbuf; tee -o $out/stat.txt stat; write_json $out/sip_parse.json"
grep -E "Number of cells|LUT|FD|RAM|DSP|CARRY|MUXF|INV" "$out/stat.txt"
python3 "$here/synth/levels.py" "$out/sip_parse.json" | tee "$out/levels.txt" | head -3
python3 "$here/synth/levels.py" "$out/sip_parse.json" --no-carry | head -1
