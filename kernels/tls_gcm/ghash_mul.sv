// ghash_mul: GF(2^128) multiplication of GCM (polynomial x^128 + x^7 + x^2 +
// x + 1, bits numbered from the most significant end), two register stages
// with a common advance enable, so that the caller can hold the pipeline in
// lock step with its own accumulator slots (ghash_pipe).
//
// Stage 1: four 32x128 carry-less partial products (operand `a` split in
// four slices), registered. Stage 2: their sum and the reduction modulo the
// GCM polynomial, registered. Splitting the 128x128 product this way keeps
// each stage at a few LUT levels.
`default_nettype none

module ghash_mul (
  input  wire logic          clk,
  input  wire logic          enable,       // advance both stages
  input  wire logic [127:0]  a,        // GCM order
  input  wire logic [127:0]  b,        // GCM order
  output logic [127:0]       z         // a*b, GCM order, two advances later
);

  localparam int unsigned SLICES = 4;
  localparam int unsigned SLICE_W = 128 / SLICES;
  localparam int unsigned PP_W = SLICE_W + 127;  // 32x128 carry-less product

  logic [PP_W-1:0] pp_d [SLICES];
  logic [PP_W-1:0] pp_q [SLICES];
  logic [127:0] pa, pb, reduced, z_d;
  logic [254:0] full;

  // Stage 1: partial products, polynomial order (bit i = coefficient of x^i).
  // Each product bit is the XOR of up to 32 AND terms. The terms are summed
  // three at a time in kept nets (one LUT6 each: 3 x (a_i & b_j)), then the
  // groups are XORed: without the explicit grouping, synthesis packs about
  // two terms per LUT and the multiplier comes out ~60% bigger.
  assign pa = tls_gcm_pkg::bit_reverse128(a);
  assign pb = tls_gcm_pkg::bit_reverse128(b);

  for (genvar s = 0; s < SLICES; s++) begin : g_slice
    for (genvar k = 0; k < PP_W; k++) begin : g_bit
      // terms pa[s*SLICE_W + i] & pb[k - i] for i in [LO, HI]
      localparam int LO = k > 127 ? k - 127 : 0;
      localparam int HI = k < SLICE_W - 1 ? k : SLICE_W - 1;
      localparam int GROUPS = (HI - LO + 3) / 3;
      (* keep *) logic [GROUPS-1:0] group;
      for (genvar g = 0; g < GROUPS; g++) begin : g_group
        localparam int I0 = LO + 3 * g;
        if (I0 + 2 <= HI) begin : g_three
          assign group[g] = (pa[s * SLICE_W + I0] & pb[k - I0]) ^ (pa[s * SLICE_W + I0 + 1] & pb[k - I0 - 1]) ^
                          (pa[s * SLICE_W + I0 + 2] & pb[k - I0 - 2]);
        end else if (I0 + 1 <= HI) begin : g_two
          assign group[g] = (pa[s * SLICE_W + I0] & pb[k - I0]) ^ (pa[s * SLICE_W + I0 + 1] & pb[k - I0 - 1]);
        end else begin : g_one
          assign group[g] = pa[s * SLICE_W + I0] & pb[k - I0];
        end
      end
      assign pp_d[s][k] = ^group;
    end
  end

  // Stage 2: sum of the shifted partial products, then the reduction.
  always_comb begin
    full = '0;
    for (int s = 0; s < SLICES; s++) begin
      full = full ^ ({{(255 - PP_W){1'b0}}, pp_q[s]} << (s * SLICE_W));
    end
    reduced = tls_gcm_pkg::gf128_reduce(full);
    z_d = tls_gcm_pkg::bit_reverse128(reduced);
  end

  always_ff @(posedge clk) begin
    if (enable) begin
      for (int s = 0; s < SLICES; s++) pp_q[s] <= pp_d[s];
      z <= z_d;
    end
  end

endmodule

`default_nettype wire
