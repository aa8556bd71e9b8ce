// tls_gcm_combine: the GCM core. Per job, in job order:
//   bad job   -> a result request (status, zero tag) to the writer
//   good job  -> a payload write request, then: H from the keystream (H
//                and H^2 loaded into ghash_pipe), E_K(J0) (the AAD block
//                goes to GHASH in the same cycle), each payload block XORed
//                with its keystream
//                block (to the writer; its ciphertext to GHASH), and the
//                length block; the job's GHASH comes out of ghash_pipe a few
//                cycles later and becomes the tag.
// When a job's GHASH is out: encrypt -> result with the tag; decrypt ->
// compare with the received tag; on mismatch the result is kAuthFailed and
// the writer zeroes the payload (after the plaintext writes, which it has
// in the same order). The decrypt result's tag is zero.
//
// Throughput: one payload block per cycle; per job two cycles more: H (in
// the same cycle as the previous job's length block) and J0 (with the AAD
// block). So the keystream (n + 2 blocks a job) and GHASH (AAD, n blocks,
// length) are both busy every cycle. Jobs overlap in GHASH: the next job
// starts while the previous job's last products are in flight.
//
// Output blocks go to the writer already rotated by the payload address
// mod 16 (byte j of the block at byte (j + address) mod 16), the bytes past the
// payload's end zero: the writer only places them. The byte count of the
// current block is kept as a mask in a register, decided a block ahead.
`default_nettype none

module tls_gcm_combine #(
  // Entries of the writer's result FIFO fed from here (credit for results
  // whose GHASH is in flight). Legal: 4..64.
  parameter int unsigned RESULT_DEPTH = 4
) (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              comb_valid,
  output logic                                   comb_ready,
  input  wire logic [tls_gcm_pkg::COMB_W-1:0]    comb,
  input  wire logic                              keystream_valid,
  output logic                                   keystream_ready,
  input  wire logic [127:0]                      keystream,
  input  wire logic                              block_valid,
  output logic                                   block_ready,
  input  wire logic [127:0]                      block,        // memory order
  // payload write request and blocks (writer port A)
  output logic                                   wreq_valid,
  input  wire logic                              wreq_ready,
  output logic [tls_gcm_pkg::WREQ_W-1:0]         wreq,
  output logic                                   out_valid,
  input  wire logic                              out_ready,
  output logic [127:0]                           out_block,    // memory order
  // results of good jobs (writer port B)
  output logic                                   result_valid,
  output logic [tls_gcm_pkg::WREQ_W-1:0]         result,
  input  wire logic [$clog2(RESULT_DEPTH):0]     result_count
);

  generate
    if (RESULT_DEPTH < 4 || RESULT_DEPTH > 64) begin : g_bad_depth
      $fatal(1, "tls_gcm_combine: RESULT_DEPTH must be in 4..64");
    end
  endgenerate

  localparam int unsigned RW = $clog2(RESULT_DEPTH);
  typedef enum logic [2:0] {
    S_IDLE = 3'd0, S_J0 = 3'd1, S_DATA = 3'd2, S_LEN = 3'd3
  } state_e;

  state_e state_q, state_d;
  tls_gcm_pkg::comb_t c, job_q, job_d;
  tls_gcm_pkg::wreq_t a, b;
  tls_gcm_pkg::exit_t e_in, e_out;
  logic [31:0] remaining_q, remaining_d;
  logic [127:0] ej0_q, ej0_d;

  // ghash_pipe port
  logic g_valid, g_use_h1, g_final, g_last, h1_load, g_out_valid;
  logic [127:0] g_x, g_out;
  // exit FIFO
  logic exit_in_valid, exit_in_ready, exit_out_valid;
  logic [tls_gcm_pkg::EXIT_W-1:0] exit_head;
  logic [1:0] exit_count;

  logic [127:0] p, ciphertext, mask, tag, ciphertext_mem;
  logic [255:0] ciphertext_rot2;
  logic [15:0] bmask_q, bmask_d;
  logic last_q, last_d;
  logic data_fire, last_data, has_aad, has_data, tag_ok, start_ok, length_fire;

  ghash_pipe u_ghash (
    .clk        (clk),
    .rst_n      (rst_n),
    .push_valid (g_valid),
    .push_x     (g_x),
    .push_use_h1(g_use_h1),
    .push_final (g_final),
    .push_last  (g_last),
    .h1_load    (h1_load),
    .h1_value   (keystream),
    .out_valid  (g_out_valid),
    .out_ghash  (g_out)
  );

  // Byte mask (bit i: GCM-order byte i is payload) of a block of `bytes`
  // payload bytes, 16 for 16 or more.
  function automatic logic [15:0] byte_mask(input logic [4:0] bytes);
    for (int i = 0; i < 16; i++) byte_mask[i] = 5'(i) < bytes;
  endfunction

  always_comb begin
    c = comb;
    has_aad = job_q.aad_bytes != 4'h0;
    has_data = job_q.length != 32'h0;

    // Payload block: P in GCM order, keystream, mask of the valid bytes.
    for (int i = 0; i < 16; i++) mask[127 - 8 * i -: 8] = {8{bmask_q[i]}};
    p = tls_gcm_pkg::byte_swap128(block);
    ciphertext = (p ^ keystream) & mask;
    last_data = last_q;
    // To memory order, rotated by the payload address mod 16 (the writer's
    // placement within a beat).
    ciphertext_mem = tls_gcm_pkg::byte_swap128(ciphertext);
    ciphertext_rot2 = {ciphertext_mem, ciphertext_mem} << {job_q.address[3:0], 3'b000};

    state_d = state_q;
    job_d = job_q;
    remaining_d = remaining_q;
    bmask_d = bmask_q;
    last_d = last_q;
    ej0_d = ej0_q;
    comb_ready = 1'b0;
    keystream_ready = 1'b0;
    block_ready = 1'b0;
    wreq_valid = 1'b0;
    a = '0;
    a.index = c.index;
    out_valid = 1'b0;
    out_block = ciphertext_rot2[255:128];
    g_valid = 1'b0;
    g_x = 128'h0;
    g_use_h1 = 1'b0;
    g_final = 1'b0;
    g_last = 1'b0;
    h1_load = 1'b0;
    exit_in_valid = 1'b0;
    data_fire = 1'b0;
    length_fire = 1'b0;

    // The length block: room for the result when this GHASH comes out.
    if (state_q == S_LEN && exit_in_ready &&
        ({1'b0, result_count} + (RW + 2)'(exit_count)) < (RW + 2)'(RESULT_DEPTH)) begin
      length_fire = 1'b1;
      g_valid = 1'b1;
      g_x = {57'h0, job_q.aad_bytes, 3'b000, 29'h0, job_q.length, 3'b000};
      g_use_h1 = 1'b1;
      g_final = 1'b1;
      g_last = 1'b1;
      exit_in_valid = 1'b1;
      state_d = S_IDLE;
    end

    // Taking the next job: when idle, or in the cycle of the length block
    // (ghash_pipe gives that block the old H).
    start_ok = state_q == S_IDLE || length_fire;
    if (start_ok && comb_valid) begin
      if (c.status != tls_gcm_pkg::STATUS_OK) begin
        a.result_valid = 1'b1;
        a.status = c.status;
        wreq_valid = 1'b1;
        comb_ready = wreq_ready;
      end else if (keystream_valid) begin
        // H = E_K(0) is at the head of the keystream: take the job and
        // load H (and H^2) into GHASH.
        a.range_valid = 1'b1;
        a.range_address = c.address;
        a.range_length = c.length;
        wreq_valid = c.length != 32'h0;
        if (c.length == 32'h0 || wreq_ready) begin
          comb_ready = 1'b1;
          keystream_ready = 1'b1;
          h1_load = 1'b1;
          job_d = c;
          remaining_d = c.length;
          bmask_d = byte_mask(c.length[31:4] != 28'h0 ? 5'd16 : c.length[4:0]);
          last_d = c.length <= 32'd16;
          state_d = S_J0;
        end
      end
    end

    case (state_q)
      S_J0: begin
        // E_K(J0) for the tag; the AAD block (if any) goes to GHASH meanwhile.
        // GHASH blocks: [AAD] payload... length; only the last two are final.
        if (keystream_valid) begin
          keystream_ready = 1'b1;
          ej0_d = keystream;
          if (has_aad) begin
            g_valid = 1'b1;
            g_x = job_q.aad;
            g_final = !has_data;
          end
          state_d = has_data ? S_DATA : S_LEN;
        end
      end
      S_DATA: begin
        data_fire = block_valid && keystream_valid && out_ready;
        if (data_fire) begin
          block_ready = 1'b1;
          keystream_ready = 1'b1;
          out_valid = 1'b1;
          g_valid = 1'b1;
          g_x = job_q.decrypt ? (p & mask) : ciphertext;
          g_final = last_data;
          remaining_d = remaining_q - 32'd16;
          // The next block: 16 bytes while 32 or more are left now.
          bmask_d = byte_mask(remaining_q[31:5] != 27'h0 ? 5'd16 : {1'b0, remaining_q[3:0]});
          last_d = remaining_q <= 32'd32;
          if (last_data) state_d = S_LEN;
        end
      end
      default: ;
    endcase
    wreq = a;

    e_in.index = job_q.index;
    e_in.decrypt = job_q.decrypt;
    e_in.tag = job_q.tag;
    e_in.ej0 = ej0_q;
    e_in.address = job_q.address;
    e_in.length = job_q.length;

    // A job's GHASH is out: finish its tag and result.
    e_out = exit_head;
    tag = g_out ^ e_out.ej0;
    tag_ok = !e_out.decrypt || tag == e_out.tag;
    b = '0;
    b.index = e_out.index;
    b.result_valid = 1'b1;
    b.status = tag_ok ? tls_gcm_pkg::STATUS_OK : tls_gcm_pkg::STATUS_AUTH_FAILED;
    b.tag = e_out.decrypt ? 128'h0 : tag;
    b.range_valid = !tag_ok && e_out.length != 32'h0;
    b.range_zero = 1'b1;
    b.range_address = e_out.address;
    b.range_length = e_out.length;
    result_valid = g_out_valid;
    result = b;
  end

  sync_fifo #(
    .WIDTH(tls_gcm_pkg::EXIT_W),
    .DEPTH(2)
  ) u_exit (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (exit_in_valid),
    .in_ready (exit_in_ready),
    .in_data  (e_in),
    .out_valid(exit_out_valid),
    .out_ready(g_out_valid),
    .out_data (exit_head),
    .count    (exit_count)
  );

  // A GHASH result always has its exit entry (pushed with the length block).
  logic unused_exit_valid;
  assign unused_exit_valid = ^{exit_out_valid, ciphertext_rot2[127:0]};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state_q <= S_IDLE;
      remaining_q <= 32'h0;
      bmask_q <= 16'h0;
      last_q <= 1'b0;
    end else begin
      state_q <= state_d;
      remaining_q <= remaining_d;
      bmask_q <= bmask_d;
      last_q <= last_d;
    end
  end

  always_ff @(posedge clk) begin
    job_q <= job_d;
    ej0_q <= ej0_d;
  end

endmodule

`default_nettype wire
