#!/usr/bin/env python3
"""Logic levels of a yosys JSON netlist after synth_xilinx -flatten: the
longest chain of combinational cells (LUT1-6, INV, MUXF7/8/9, CARRY4/8)
between sequential cells (FD*, RAM*, SRL*, DSP*), ports and constants.
Every cell counts as one level, a CARRY4 too (pessimistic: a carry chain is
fast). Prints the depth, a histogram of endpoint depths, and the worst path.
  levels.py NETLIST.json [--no-carry]"""
import json, sys, collections

net = json.load(open(sys.argv[1]))
no_carry = "--no-carry" in sys.argv
mods = net["modules"]
top = [m for m in mods if mods[m].get("attributes", {}).get("top")] or list(mods)
mod = mods[top[0]]
COMB = ("LUT", "INV", "MUXF", "CARRY")
def comb(t): return t.startswith(COMB)

driver = {}   # bit -> cell
inputs = {}   # cell -> list of input bits
for name, c in mod["cells"].items():
    if not comb(c["type"]):
        continue
    ins = []
    for port, bits in c["connections"].items():
        d = c["port_directions"].get(port, "input")
        for b in bits:
            if isinstance(b, str):
                continue
            if d == "output":
                driver[b] = name
            else:
                ins.append(b)
    inputs[name] = ins

sys.setrecursionlimit(1000000)
depth = {}
via = {}
def level(cell):
    if cell in depth:
        return depth[cell]
    depth[cell] = -10**9  # loop guard
    best, arg = 0, None
    for b in inputs[cell]:
        p = driver.get(b)
        if p is not None:
            l = level(p)
            if l > best:
                best, arg = l, p
    w = 0 if (no_carry and mod["cells"][cell]["type"].startswith("CARRY")) else 1
    depth[cell] = best + w
    via[cell] = arg
    return depth[cell]

for c in inputs:
    level(c)
worst = max(depth, key=depth.get)
print("levels:", depth[worst], "(carry cells %s)" % ("not counted" if no_carry else "counted"))
hist = collections.Counter(depth.values())
print("cells per level:", dict(sorted(hist.items())))
path, c = [], worst
while c is not None:
    path.append((c, mod["cells"][c]["type"]))
    c = via[c]
for n, t in reversed(path):
    print("  ", t, n[:150])
