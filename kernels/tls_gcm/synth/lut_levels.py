#!/usr/bin/env python3
# Longest register-to-register path in LUT levels, from a flattened yosys
# JSON netlist of synth_xilinx (synth.sh writes one).
#
# Counting: LUT1..LUT6 = 1 level; LUTRAM asynchronous read (address to
# data) = 1; MUXF7/8/9 and CARRY4/8 = 0 (dedicated slice logic next to the
# LUTs); INV = 0 (Vivado folds it into the neighbouring LUT or the FF's
# inverted reset). FFs, BRAM, DSP and I/O buffers start and end paths.
# (yosys `ltp -noff` counts every cell including the muxes and carries, and
# loops through LUTRAM write ports, so it overstates the depth here.)
#
# Usage: lut_levels.py netlist.json top_module
import json, sys, collections
d = json.load(open(sys.argv[1]))
mod = next(iter(d['modules'].values())) if len(d['modules']) == 1 else d['modules'][sys.argv[2]]
cells = mod['cells']
names = {}
for n, net in mod['netnames'].items():
    for b in net['bits']:
        if isinstance(b, int) and (b not in names or len(n) < len(names[b])): names[b] = n
def weight(t):
    if t.startswith('LUT') or t.startswith('RAM32M') or t.startswith('RAM64M') or t.startswith('RAM32X') or t.startswith('RAM64X'): return 1
    if t.startswith('MUXF') or t.startswith('CARRY') or t == 'INV': return 0
    return None
driver = {}
for name, c in cells.items():
    for p, dirn in c.get('port_directions', {}).items():
        if dirn == 'output':
            for b in c['connections'][p]:
                if isinstance(b, int): driver[b] = name
sys.setrecursionlimit(10000000)
memo = {}; pred = {}
def ins(name):
    c = cells[name]; t = c['type']
    for p, dirn in c['port_directions'].items():
        if dirn != 'input': continue
        if t.startswith('RAM') and not p.startswith('ADDR'): continue
        for b in c['connections'][p]:
            if isinstance(b, int) and b in driver: yield driver[b], b
def depth(name):
    if name in memo: return memo[name]
    memo[name] = -10**9  # loop guard
    w = weight(cells[name]['type'])
    best, arg = 0, None
    for dn, b in ins(name):
        if weight(cells[dn]['type']) is None: continue
        v = depth(dn)
        if v > best: best, arg = v, (dn, b)
    memo[name] = best + w; pred[name] = arg
    return memo[name]
comb = [n for n in cells if weight(cells[n]['type']) is not None]
for n in comb: depth(n)
hist = collections.Counter(memo[n] for n in comb)
print('LUT levels histogram (levels: cells):', sorted(hist.items()))
worst = max(comb, key=lambda n: memo[n])
print('worst', memo[worst])
n = worst; path = []
while n is not None:
    path.append(n); p = pred.get(n); n = p[0] if p else None
for n in reversed(path):
    c = cells[n]
    outs = [b for p,dn in c['port_directions'].items() if dn=='output' for b in c['connections'][p] if isinstance(b,int)]
    print(f"  {memo[n]:3d} {c['type']:9s} {names.get(outs[0],'?')[:110] if outs else ''}")
import re
# Where the deepest cells are, by top-level instance.
by = collections.Counter()
for n in comb:
    if memo[n] >= 9:
        m = re.match(r"\$flatten\\?(u_\w+)", n) or re.match(r"(u_\w+)", n)
        by[(m.group(1) if m else n[:40], memo[n])] += 1
for k, v in sorted(by.items(), key=lambda kv: -kv[1])[:25]: print(k, v)
