// aes_pipe: AES-128/256 encryption, fully unrolled, one block per cycle,
// 15 cycles from input to output (the initial AddRoundKey register plus 14
// aes_round stages). No stall: the producer keeps room for every block it
// issues (credit) at the output.
//
// Block and key in GCM order (tls_gcm_pkg): key byte 0 in bits [255:248];
// an AES-128 key sits in bits [255:128] (the rest is ignored).
`default_nettype none

module aes_pipe #(
  // Sideband bits carried with each block. Legal: 1 and more.
  parameter int unsigned TAG_W = 1
) (
  input  wire logic              clk,
  input  wire logic              rst_n,
  input  wire logic              in_valid,
  input  wire logic [127:0]      in_block,
  input  wire logic [255:0]      in_key,
  input  wire logic              in_is256,
  input  wire logic [TAG_W-1:0]  in_tag,
  output logic                   out_valid,
  output logic [127:0]           out_block,
  output logic [TAG_W-1:0]       out_tag
);

  generate
    if (TAG_W < 1) begin : g_bad_tag
      $fatal(1, "aes_pipe: TAG_W must be at least 1");
    end
  endgenerate

  localparam int unsigned ROUNDS = 14;

  logic               valid [ROUNDS + 1];
  logic [127:0]       state [ROUNDS + 1];
  logic [127:0]       previous  [ROUNDS + 1];
  logic [127:0]       current   [ROUNDS + 1];
  logic               is256 [ROUNDS + 1];
  logic [TAG_W-1:0]   tag   [ROUNDS + 1];

  logic [127:0] white_d, previous_d, current_d;
  logic valid0_q;
  logic [127:0] state0_q, prev0_q, cur0_q;
  logic is256_0_q;
  logic [TAG_W-1:0] tag0_q;

  // Stage 0: initial AddRoundKey with rk0 (the first 16 key bytes). The key
  // state entering stage 1 is (rk0, rk1) for AES-256 and (rk0, rk0) for
  // AES-128.
  always_comb begin
    white_d = in_block ^ in_key[255:128];
    previous_d = in_key[255:128];
    current_d = in_is256 ? in_key[127:0] : in_key[255:128];
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      valid0_q <= 1'b0;
    end else begin
      valid0_q <= in_valid;
    end
  end

  always_ff @(posedge clk) begin
    state0_q <= white_d;
    prev0_q <= previous_d;
    cur0_q <= current_d;
    is256_0_q <= in_is256;
    tag0_q <= in_tag;
  end

  // Stage arrays are driven by continuous assignments only (stage 0 here,
  // the rounds through their output ports).
  assign valid[0] = valid0_q;
  assign state[0] = state0_q;
  assign previous[0] = prev0_q;
  assign current[0] = cur0_q;
  assign is256[0] = is256_0_q;
  assign tag[0] = tag0_q;

  for (genvar s = 1; s <= ROUNDS; s++) begin : g_round
    aes_round #(
      .STAGE(s),
      .TAG_W(TAG_W)
    ) u_round (
      .clk      (clk),
      .rst_n    (rst_n),
      .in_valid (valid[s-1]),
      .in_state (state[s-1]),
      .in_previous  (previous[s-1]),
      .in_current   (current[s-1]),
      .in_is256 (is256[s-1]),
      .in_tag   (tag[s-1]),
      .out_valid(valid[s]),
      .out_state(state[s]),
      .out_previous (previous[s]),
      .out_current  (current[s]),
      .out_is256(is256[s]),
      .out_tag  (tag[s])
    );
  end

  assign out_valid = valid[ROUNDS];
  assign out_block = state[ROUNDS];
  assign out_tag = tag[ROUNDS];

endmodule

`default_nettype wire
