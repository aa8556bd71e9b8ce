// tls_gcm_unpack: turns a job's payload beats (64-byte aligned, as read from
// memory) into the job's 16-byte blocks, block k holding payload bytes
// 16k..16k+15 (memory order; the last block's bytes past the payload are
// don't-care). A two-beat window; one block per cycle.
//
// Block k starts at byte position = 16q + r of the window, where r (the job's
// address mod 16) is the same for every block of a job: pick 16-byte chunks
// q and q+1 (4-way), then shift the pair by r bytes (16-way). Cheaper than
// a 64-way byte shift of the whole window.
//
// Whether a block needs the next beat too is known a block ahead: every
// block but the last is 16 bytes (it needs the next beat if it starts past
// byte 48), and whether the last one crosses a beat is decided with the
// range.
`default_nettype none

module tls_gcm_unpack (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              range_valid,
  output logic                                   range_ready,
  input  wire logic [tls_gcm_pkg::RANGE_W-1:0]   range_in,
  input  wire logic                              beat_valid,
  output logic                                   beat_ready,
  input  wire logic [511:0]                      beat,
  output logic                                   block_valid,
  input  wire logic                              block_ready,
  output logic [127:0]                           block
);

  tls_gcm_pkg::range_t r;
  logic active_q, active_d;
  logic [5:0] position_q, position_d;
  logic [31:0] remaining_q, remaining_d;
  logic [26:0] beats_left_q, beats_left_d;
  logic [511:0] current_q, current_d, next_q, next_d;
  logic current_valid_q, current_valid_d, next_valid_q, next_valid_d;
  logic out_valid_q, out_valid_d;
  logic [127:0] out_q, out_d;
  logic last_q, last_d, need_last_q, need_last_d, range_taken;
  assign range_taken = range_valid && range_ready;
  logic [4:0] take_last;
  logic [5:0] x_end;
  logic [6:0] position_next;
  logic need_next, produce, out_free, last;
  logic [32:0] span;
  logic [1023:0] window;
  logic [127:0] chunk_a, chunk_b;
  logic [255:0] pair;

  always_comb begin
    r = range_in;
    span = {27'h0, r.address[5:0]} + {1'b0, r.length} + 33'd63;
    range_ready = !active_q;

    // The last block ends at x_end (mod 64); it crosses into the next beat
    // if 0 < x_end < its bytes.
    take_last = r.length[3:0] == 4'h0 ? 5'd16 : {1'b0, r.length[3:0]};
    x_end = r.address[5:0] + r.length[5:0];
    need_last_d = x_end != 6'h0 && {1'b0, x_end} < {2'b0, take_last};
    need_next = last_q ? need_last_q : (position_q[5:4] == 2'd3 && position_q[3:0] != 4'h0);
    out_free = !out_valid_q || block_ready;
    produce = active_q && current_valid_q && (!need_next || next_valid_q) && out_free;
    last = last_q;
    window = {next_q, current_q};
    chunk_a = window[128 * position_q[5:4] +: 128];
    chunk_b = window[128 * position_q[5:4] + 128 +: 128];
    pair = {chunk_b, chunk_a} >> {position_q[3:0], 3'b000};
    position_next = {1'b0, position_q} + 7'd16;

    active_d = active_q;
    position_d = position_q;
    remaining_d = remaining_q;
    last_d = last_q;
    beats_left_d = beats_left_q;
    current_d = current_q;
    next_d = next_q;
    current_valid_d = current_valid_q;
    next_valid_d = next_valid_q;
    out_valid_d = out_valid_q && !block_ready;
    out_d = out_q;

    if (range_valid && range_ready) begin
      active_d = 1'b1;  // length > 0: the dispatcher sends no empty ranges
      position_d = r.address[5:0];
      remaining_d = r.length;
      last_d = r.length <= 32'd16;
      beats_left_d = span[32:6];
    end

    if (produce) begin
      out_valid_d = 1'b1;
      out_d = pair[127:0];
      remaining_d = remaining_q - 32'd16;
      last_d = remaining_q <= 32'd32;
      position_d = position_next[5:0];
      if (last) begin
        // Every beat of the job has been loaded; drop what is left of it.
        active_d = 1'b0;
        current_valid_d = 1'b0;
        next_valid_d = 1'b0;
      end else if (position_next[6]) begin
        current_d = next_q;
        current_valid_d = next_valid_q;
        next_valid_d = 1'b0;
      end
    end

    beat_ready = active_q && !(produce && last) && beats_left_q != 27'h0 && (!current_valid_d || !next_valid_d);
    if (beat_ready && beat_valid) begin
      beats_left_d = beats_left_q - 27'h1;
      if (!current_valid_d) begin
        current_d = beat;
        current_valid_d = 1'b1;
      end else begin
        next_d = beat;
        next_valid_d = 1'b1;
      end
    end

    block_valid = out_valid_q;
    block = out_q;
  end

  logic unused_span;
  assign unused_span = ^{span[5:0], pair[255:128], window[1023:640]};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      active_q <= 1'b0;
      position_q <= 6'h0;
      remaining_q <= 32'h0;
      last_q <= 1'b0;
      beats_left_q <= 27'h0;
      current_valid_q <= 1'b0;
      next_valid_q <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      active_q <= active_d;
      position_q <= position_d;
      remaining_q <= remaining_d;
      last_q <= last_d;
      beats_left_q <= beats_left_d;
      current_valid_q <= current_valid_d;
      next_valid_q <= next_valid_d;
      out_valid_q <= out_valid_d;
    end
  end

  always_ff @(posedge clk) begin
    current_q <= current_d;
    next_q <= next_d;
    if (range_taken) need_last_q <= need_last_d;
    out_q <= out_d;
  end

endmodule

`default_nettype wire
