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
  // Bit k of slice s's product is the XOR of up to 32 AND terms
  // pa[32s + i] & pb[k - i]. The terms are summed three at a time in kept
  // nets (one LUT6 each: 3 x (a_i & b_j)), then the groups are XORed:
  // without the explicit grouping, synthesis packs about two terms per LUT
  // and the multiplier comes out ~60% bigger. A bit's groups start at its
  // lowest term: for k <= 127 that is i = 0, so the groups are triples of
  // a's bits (i = 3t, 3t+1, 3t+2); above, it is i = k - 127, that is b's
  // bit 127, so the groups are triples of b's bits (127 - 3u - j). Each
  // kind of triple is one word-wide kept net, masked to the bits it groups:
  // the grouping of a bit-by-bit description, in a few dozen wide
  // operations instead of thousands of one-bit nets in the Verilated model
  // (which made that several times larger and slower to compile). yosys
  // 0.23 maps the kernel to 39,091 LUTs with this form against 38,502 with
  // one kept net per group bit (+1.5%), in the same 8 LUT levels.
  localparam int unsigned TRIPLES = (SLICE_W + 2) / 3;  // triples of a slice's 32 bits of a, and of b's top 32 bits

  assign pa = tls_gcm_pkg::bit_reverse128(a);
  assign pb = tls_gcm_pkg::bit_reverse128(b);

  logic [PP_W-1:0] pb_wide, low_bits, high_bits;
  assign pb_wide = {{(PP_W - 128){1'b0}}, pb};
  assign low_bits = {{(PP_W - 128){1'b0}}, {128{1'b1}}};  // k <= 127
  assign high_bits = ~low_bits;                             // k >= 128

  for (genvar s = 0; s < SLICES; s++) begin : g_slice
    logic [PP_W-1:0] pa_wide;  // the slice of a, at bit 0
    assign pa_wide = {{(PP_W - SLICE_W){1'b0}}, pa[s * SLICE_W +: SLICE_W]};
    logic [2 * TRIPLES * PP_W - 1:0] groups;  // group g in [g*PP_W +: PP_W]: a's triples, then b's
    for (genvar t = 0; t < TRIPLES; t++) begin : g_triple
      localparam int unsigned I0 = s * SLICE_W + 3 * t;  // a's first bit of this triple
      localparam int unsigned J0 = 127 - 3 * t;          // b's first bit of this triple
      (* keep *) logic [PP_W-1:0] of_a, of_b;
      if (3 * t + 2 < SLICE_W) begin : g_three
        assign of_a = low_bits & (({PP_W{pa[I0]}} & (pb_wide << (3 * t))) ^
                                  ({PP_W{pa[I0 + 1]}} & (pb_wide << (3 * t + 1))) ^
                                  ({PP_W{pa[I0 + 2]}} & (pb_wide << (3 * t + 2))));
      end else begin : g_partial  // SLICE_W = 32: the last triple has two bits
        assign of_a = low_bits & (({PP_W{pa[I0]}} & (pb_wide << (3 * t))) ^
                                  ({PP_W{pa[I0 + 1]}} & (pb_wide << (3 * t + 1))));
      end
      assign of_b = high_bits & (({PP_W{pb[J0]}} & (pa_wide << J0)) ^ ({PP_W{pb[J0 - 1]}} & (pa_wide << (J0 - 1))) ^
                                 ({PP_W{pb[J0 - 2]}} & (pa_wide << (J0 - 2))));
      assign groups[t * PP_W +: PP_W] = of_a;
      assign groups[(TRIPLES + t) * PP_W +: PP_W] = of_b;
    end
    always_comb begin
      pp_d[s] = '0;
      for (int g = 0; g < 2 * TRIPLES; g++) pp_d[s] = pp_d[s] ^ groups[g * PP_W +: PP_W];
    end
  end

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
