// aes_round: one registered stage of the unrolled AES-128/256 encryption
// pipeline (aes_pipe), data round and key schedule side by side.
//
// Every block carries its own key schedule state through the pipeline, so
// blocks of different records and keys follow each other with no bubble and
// there is no round-key table to load or switch between records.
//
// Stage numbering (aes_pipe): the initial AddRoundKey happens before stage
// 1; stage s applies one round with round key rk[s] for AES-256 (rounds
// 1..14). AES-128 runs its rounds 1..10 in stages 5..14 and passes stages
// 1..4 through, so both key sizes have the same latency and the last stage
// is the final round (no MixColumns) for both.
//
// Key state entering stage s: `cur` is the round key this stage uses; `prev`
// the one before it (AES-256 builds rk[s+1] from rk[s-1] and rk[s]). AES-128
// keeps rk0 in `cur` through stages 1..3 and derives rk128[1] in stage 4.
`default_nettype none

module aes_round #(
  // Pipeline position. Legal: 1..14 (14 is the final round).
  parameter int unsigned STAGE = 1,
  // Sideband bits carried alongside the block. Legal: 1 and more.
  parameter int unsigned TAG_W = 1
) (
  input  wire logic              clk,
  input  wire logic              rst_n,
  input  wire logic              in_valid,
  input  wire logic [127:0]      in_state,
  input  wire logic [127:0]      in_previous,
  input  wire logic [127:0]      in_current,
  input  wire logic              in_is256,
  input  wire logic [TAG_W-1:0]  in_tag,
  output logic                   out_valid,
  output logic [127:0]           out_state,
  output logic [127:0]           out_previous,
  output logic [127:0]           out_current,
  output logic                   out_is256,
  output logic [TAG_W-1:0]       out_tag
);

  generate
    if (STAGE < 1 || STAGE > 14) begin : g_bad_stage
      $fatal(1, "aes_round: STAGE must be in 1..14");
    end
    if (TAG_W < 1) begin : g_bad_tag
      $fatal(1, "aes_round: TAG_W must be at least 1");
    end
  endgenerate

  // Static per-stage key-schedule choices.
  // AES-256 makes rk[s+1]: RotWord+Rcon when s+1 is even, else SubWord only.
  localparam logic ROT256 = ((STAGE + 1) % 2) == 0;
  localparam logic [7:0] RC256 = tls_gcm_pkg::rcon((STAGE + 1) / 2);
  // AES-128 makes rk128[s-3] from stage 4 on.
  localparam logic EXPAND128 = STAGE >= 4;
  localparam logic [7:0] RC128 = tls_gcm_pkg::rcon(STAGE >= 4 ? STAGE - 3 : 0);
  // Stages 1..4 are pass-through for AES-128.
  localparam logic BYPASS128 = STAGE <= 4;
  localparam logic FINAL = STAGE == 14;

  logic [127:0] subbed, sub_shifted, round_out, state_d, next_key, current_d, previous_d;
  logic [127:0] expand_source;
  logic expand_rotate;
  logic [7:0] expand_rc;
  logic [31:0] key_word, key_t_in, key_t_sub, key_t;

  // S-box inputs of the key schedule: the last word of the current round
  // key, rotated first where the step calls for RotWord.
  assign expand_rotate = in_is256 ? ROT256 : 1'b1;
  assign key_word = in_current[31:0];
  assign key_t_in = expand_rotate ? {key_word[23:0], key_word[31:24]} : key_word;

  // The 16 data S-boxes and the 4 key-schedule S-boxes.
  for (genvar i = 0; i < 16; i++) begin : g_data_sbox
    aes_sbox u_sbox (
      .x(in_state[8 * i +: 8]),
      .y(subbed[8 * i +: 8])
    );
  end
  for (genvar i = 0; i < 4; i++) begin : g_key_sbox
    aes_sbox u_sbox (
      .x(key_t_in[8 * i +: 8]),
      .y(key_t_sub[8 * i +: 8])
    );
  end

  always_comb begin
    // ShiftRows on the substituted state (GCM order: byte 4c+r is row r of
    // column c; row r moves left by r columns).
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        sub_shifted[127 - 8 * (4 * c + r) -: 8] = subbed[127 - 8 * (4 * ((c + r) % 4) + r) -: 8];
      end
    end
    if (FINAL) begin
      round_out = sub_shifted ^ in_current;
    end else begin
      round_out = tls_gcm_pkg::mix_columns(sub_shifted) ^ in_current;
    end
    state_d = (BYPASS128 && !in_is256) ? in_state : round_out;

    // Key schedule: one expansion step shared by both key sizes (the four
    // S-boxes are the costly part).
    // w[i] = w[i-Nk] ^ T, T = SubWord(RotWord(last)) ^ Rcon, or SubWord(last)
    // in AES-256's middle step; the rotation comes before the S-boxes.
    expand_source = in_is256 ? in_previous : in_current;
    expand_rc = in_is256 ? RC256 : RC128;
    key_t = key_t_sub ^ (expand_rotate ? {expand_rc, 24'h000000} : 32'h00000000);
    next_key[127:96] = expand_source[127:96] ^ key_t;
    next_key[95:64] = expand_source[95:64] ^ next_key[127:96];
    next_key[63:32] = expand_source[63:32] ^ next_key[95:64];
    next_key[31:0] = expand_source[31:0] ^ next_key[63:32];
    previous_d = in_current;
    if (FINAL) begin
      current_d = in_current;  // nothing follows the final round
    end else if (in_is256 || EXPAND128) begin
      current_d = next_key;
    end else begin
      current_d = in_current;
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      out_valid <= 1'b0;
    end else begin
      out_valid <= in_valid;
    end
  end

  always_ff @(posedge clk) begin
    out_state <= state_d;
    out_previous <= previous_d;
    out_current <= current_d;
    out_is256 <= in_is256;
    out_tag <= in_tag;
  end

endmodule

`default_nettype wire
