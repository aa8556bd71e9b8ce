// ghash_pipe: GHASH of a stream of records at one block per cycle, on one
// pipelined multiplier (ghash_mul, latency L = 2) with L interleaved
// accumulator slots and H-power aggregation.
//
// For a record's blocks X_1..X_n, GHASH = sum X_i * H^(n-i+1). Block i enters
// the multiplier together with the result of block i-L (its slot's
// accumulator) and is multiplied by H^2 while at least L blocks of the
// record follow it (non-final); the last two blocks are final and multiplied
// by H^2 (block n-1) and H (block n), and their products are summed into the
// record's result instead of being fed back. The caller picks the power per
// block (push_use_h1 for the last one) and marks the final ones.
//
// Lock step: the multiplier advances when a block enters, or when no
// non-final product is in flight (then bubbles are harmless). So a
// non-final product always meets the very block it must be added to, and
// records follow each other with no gap: a record's first blocks enter
// while the previous record's final products are still in flight.
//
// A new key: h1_load sets H and H^2 (a fixed XOR network, squaring being
// linear), usable by the block pushed in the next cycle. A block pushed in
// the same cycle as h1_load, or before, still sees the old powers: the power
// is picked when a block is pushed and travels with it in s0, so a record's
// last block and the next record's key can be pushed in the same cycle.
//
// s0 is an input register that empties every cycle it is full, so a push is
// accepted every cycle.
`default_nettype none

module ghash_pipe (
  input  wire logic          clk,
  input  wire logic          rst_n,
  input  wire logic          push_valid,
  input  wire logic [127:0]  push_x,       // GCM order
  input  wire logic          push_use_h1,  // multiply by H (else by H^2)
  input  wire logic          push_final,   // one of the record's last two blocks
  input  wire logic          push_last,    // the record's last block
  input  wire logic          h1_load,
  input  wire logic [127:0]  h1_value,
  output logic               out_valid,    // a record's GHASH, one cycle
  output logic [127:0]       out_ghash
);

  logic s0_valid_q, s0_final_q, s0_last_q;
  logic [127:0] s0_x_q, s0_h_q, s0_h_d;
  assign s0_h_d = push_use_h1 ? h1_q : h2_q;
  logic s1_valid_q, s1_final_q, s1_last_q;
  logic s2_valid_q, s2_final_q, s2_last_q;
  logic [127:0] h1_q, h2_q, accumulator_q, z;
  logic out_valid_q;
  logic [127:0] out_ghash_q;

  logic s1_nonfinal, s2_nonfinal, enable;
  logic [127:0] feedback, mul_a, mul_b;
  logic [127:0] h1_d, h2_d, accumulator_d, out_ghash_d;
  logic out_valid_d;

  ghash_mul u_mul (
    .clk(clk),
    .enable (enable),
    .a  (mul_a),
    .b  (mul_b),
    .z  (z)
  );

  always_comb begin
    s1_nonfinal = s1_valid_q && !s1_final_q;
    s2_nonfinal = s2_valid_q && !s2_final_q;
    enable = s0_valid_q || !(s1_nonfinal || s2_nonfinal);
    feedback = s2_nonfinal ? z : 128'h0;
    mul_a = s0_x_q ^ feedback;
    mul_b = s0_h_q;

    h1_d = h1_load ? h1_value : h1_q;
    h2_d = h1_load ? tls_gcm_pkg::gf128_square(h1_value) : h2_q;
    accumulator_d = accumulator_q;
    out_valid_d = 1'b0;
    out_ghash_d = out_ghash_q;
    if (enable && s2_valid_q && s2_final_q) begin
      if (s2_last_q) begin
        out_valid_d = 1'b1;
        out_ghash_d = accumulator_q ^ z;
        accumulator_d = 128'h0;
      end else begin
        accumulator_d = accumulator_q ^ z;
      end
    end
  end

  assign out_valid = out_valid_q;
  assign out_ghash = out_ghash_q;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      s0_valid_q <= 1'b0;
      s1_valid_q <= 1'b0;
      s2_valid_q <= 1'b0;
      out_valid_q <= 1'b0;
      accumulator_q <= 128'h0;
    end else begin
      s0_valid_q <= push_valid;
      if (enable) begin
        s1_valid_q <= s0_valid_q;
        s2_valid_q <= s1_valid_q;
      end
      out_valid_q <= out_valid_d;
      accumulator_q <= accumulator_d;
    end
  end

  always_ff @(posedge clk) begin
    s0_x_q <= push_x;
    s0_h_q <= s0_h_d;
    s0_final_q <= push_final;
    s0_last_q <= push_last;
    if (enable) begin
      s1_final_q <= s0_final_q;
      s1_last_q <= s0_last_q;
      s2_final_q <= s1_final_q;
      s2_last_q <= s1_last_q;
    end
    h1_q <= h1_d;
    h2_q <= h2_d;
    out_ghash_q <= out_ghash_d;
  end

endmodule

`default_nettype wire
