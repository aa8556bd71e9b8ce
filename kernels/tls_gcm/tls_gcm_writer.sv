// tls_gcm_writer: the write side of m_axi_gmem. Takes write requests from
// two sources and turns each into AXI bursts:
//   port A (combiner, job order): payload ranges, whose 16-byte blocks come
//     from the combiner's block FIFO, and results of bad jobs;
//   port B (GHASH done): results of good jobs, each possibly preceded by a
//     zero fill of its payload (failed decrypt).
// A port B request for job i is taken only when port A holds nothing of job
// i or earlier, so a zero fill always follows that job's plaintext writes.
//
// A request is planned twice, in step: the AW side walks its ranges in
// bursts (ending at 4 KiB boundaries and at the end of the range, so never
// more than 64 beats), the W side packs blocks into 64-byte beats with byte
// strobes (a 16-byte block at any byte position may straddle two beats) and
// sets wlast by the same rule. A W burst starts only after its AW handshake.
//
// `results_done` counts result records written (their W beat accepted);
// `idle` says nothing is queued, in flight or unacknowledged.
`default_nettype none

module tls_gcm_writer #(
  // Request FIFO entries per side (AW, W). Legal: a power of two, 2..64.
  parameter int unsigned REQ_DEPTH = 4
) (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              run_start,
  input  wire logic [63:0]                       results,
  input  wire logic                              a_valid,
  output logic                                   a_ready,
  input  wire logic [tls_gcm_pkg::WREQ_W-1:0]    a_request,
  input  wire logic                              b_valid,
  output logic                                   b_ready,
  input  wire logic [tls_gcm_pkg::WREQ_W-1:0]    b_request,
  input  wire logic                              block_valid,
  output logic                                   block_ready,
  input  wire logic [127:0]                      block,      // memory order
  output logic [31:0]                            results_done,
  output logic                                   idle,
  // m_axi_gmem write channels
  output logic                                   awvalid,
  input  wire logic                              awready,
  output logic [63:0]                            awaddr,
  output logic [7:0]                             awlen,
  output logic [2:0]                             awsize,
  output logic [1:0]                             awburst,
  output logic                                   wvalid,
  input  wire logic                              wready,
  output logic [511:0]                           wdata,
  output logic [63:0]                            wstrb,
  output logic                                   wlast,
  input  wire logic                              bvalid,
  output logic                                   bready,
  input  wire logic [1:0]                        bresp
);

  generate
    if (REQ_DEPTH < 2 || REQ_DEPTH > 64 || (REQ_DEPTH & (REQ_DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "tls_gcm_writer: REQ_DEPTH must be a power of two in 2..64");
    end
  endgenerate

  localparam int unsigned QW = $clog2(REQ_DEPTH);

  // ---- merge ----------------------------------------------------------------
  tls_gcm_pkg::wreq_t ra, rb, pick;
  logic take_b, merge_fire, awq_in_ready, wq_in_ready;

  always_comb begin
    ra = a_request;
    rb = b_request;
    take_b = b_valid && (!a_valid || ra.index > rb.index);
    pick = take_b ? rb : ra;
    merge_fire = (a_valid || b_valid) && awq_in_ready && wq_in_ready;
    a_ready = merge_fire && !take_b;
    b_ready = merge_fire && take_b;
  end

  logic awq_valid, awq_ready, wq_valid, wq_ready;
  logic [tls_gcm_pkg::WREQ_W-1:0] awq_head, wq_head;
  logic [QW:0] awq_count, wq_count;

  sync_fifo #(
    .WIDTH(tls_gcm_pkg::WREQ_W),
    .DEPTH(REQ_DEPTH)
  ) u_awq (
    .clk(clk), .rst_n(rst_n), .clear(1'b0),
    .in_valid(merge_fire), .in_ready(awq_in_ready), .in_data(pick),
    .out_valid(awq_valid), .out_ready(awq_ready), .out_data(awq_head),
    .count(awq_count)
  );

  sync_fifo #(
    .WIDTH(tls_gcm_pkg::WREQ_W),
    .DEPTH(REQ_DEPTH)
  ) u_wq (
    .clk(clk), .rst_n(rst_n), .clear(1'b0),
    .in_valid(merge_fire), .in_ready(wq_in_ready), .in_data(pick),
    .out_valid(wq_valid), .out_ready(wq_ready), .out_data(wq_head),
    .count(wq_count)
  );

  // ---- AW side ------------------------------------------------------------------
  typedef enum logic [1:0] {P_IDLE = 2'd0, P_RANGE = 2'd1, P_RESULT = 2'd2, P_FLUSH = 2'd3} phase_e;

  tls_gcm_pkg::wreq_t aw_r;
  phase_e aw_phase_q, aw_phase_d;
  logic [57:0] aw_beat_q, aw_beat_d;
  logic [26:0] aw_left_q, aw_left_d;
  logic awvalid_q, awvalid_d;
  logic [63:0] awaddr_q, awaddr_d, aw_result_address;
  logic [7:0] awlen_q, awlen_d;
  logic [31:0] aw_done_q, aw_done_d, b_done_q, b_done_d;
  logic [6:0] aw_burst;
  logic [32:0] aw_span;
  logic aw_free, aw_load;
  logic [63:0] aw_load_address;
  logic [7:0] aw_load_length;

  always_comb begin
    aw_r = awq_head;
    aw_span = {27'h0, aw_r.range_address[5:0]} + {1'b0, aw_r.range_length} + 33'd63;
    aw_result_address = results + {27'h0, aw_r.index, 5'h00};
    aw_free = !awvalid_q || awready;
    // Beats to the next 4 KiB boundary, at most what is left.
    aw_burst = 7'd64 - {1'b0, aw_beat_q[5:0]};
    if (aw_left_q < {20'h0, aw_burst}) aw_burst = aw_left_q[6:0];

    aw_phase_d = aw_phase_q;
    aw_beat_d = aw_beat_q;
    aw_left_d = aw_left_q;
    awq_ready = 1'b0;
    aw_load = 1'b0;
    aw_load_address = {aw_beat_q, 6'h00};
    aw_load_length = 8'(aw_burst - 7'd1);
    case (aw_phase_q)
      P_IDLE: begin
        if (awq_valid) begin
          if (aw_r.range_valid && aw_r.range_length != 32'h0) begin
            aw_phase_d = P_RANGE;
            aw_beat_d = aw_r.range_address[63:6];
            aw_left_d = aw_span[32:6];
          end else if (aw_r.result_valid) begin
            aw_phase_d = P_RESULT;
          end else begin
            awq_ready = 1'b1;
          end
        end
      end
      P_RANGE: begin
        if (aw_free) begin
          aw_load = 1'b1;
          aw_beat_d = aw_beat_q + {51'h0, aw_burst};
          aw_left_d = aw_left_q - {20'h0, aw_burst};
          if (aw_left_q == {20'h0, aw_burst}) begin
            if (aw_r.result_valid) begin
              aw_phase_d = P_RESULT;
            end else begin
              aw_phase_d = P_IDLE;
              awq_ready = 1'b1;
            end
          end
        end
      end
      P_RESULT: begin
        aw_load_address = {aw_result_address[63:6], 6'h00};
        aw_load_length = 8'h00;
        if (aw_free) begin
          aw_load = 1'b1;
          aw_phase_d = P_IDLE;
          awq_ready = 1'b1;
        end
      end
      default: aw_phase_d = P_IDLE;
    endcase

    awvalid_d = awvalid_q && !awready;
    awaddr_d = awaddr_q;
    awlen_d = awlen_q;
    if (aw_load) begin
      awvalid_d = 1'b1;
      awaddr_d = aw_load_address;
      awlen_d = aw_load_length;
    end
    aw_done_d = aw_done_q + {31'h0, awvalid_q && awready};
    b_done_d = b_done_q + {31'h0, bvalid};
    if (run_start) begin
      aw_done_d = 32'h0;
      b_done_d = 32'h0;
    end

    awvalid = awvalid_q;
    awaddr = awaddr_q;
    awlen = awlen_q;
    awsize = 3'd6;     // 64 bytes per beat
    awburst = 2'b01;   // INCR
    bready = 1'b1;
  end

  // ---- W side -------------------------------------------------------------------
  // The head of the W queue is decoded into `nx` (a register stage that does
  // the per-request arithmetic), which becomes the current request as soon
  // as the one before is done, with no idle cycle in between. Payload blocks
  // arrive already rotated by the range's address mod 16 (r) and zero past
  // the payload's end (tls_gcm_combine), so a block at byte position = 16q + r of
  // a two-beat field goes in two pieces: its bytes from r up to chunk q, the
  // bytes below r to chunk q+1. Every block but a range's last is 16 bytes;
  // the last one's strobes and whether it ends or crosses its beat are
  // decided with the request. Result records are 32 bytes at a 32-byte
  // aligned address (the results buffer is 4 KiB aligned): half a beat, in
  // one cycle.
  typedef struct packed {
    logic         range;       // a byte range to write (payload or zeros)
    logic         zero;        // ... of zeros
    logic [5:0]   position;         // the range's first byte in its beat
    logic [57:0]  beat;        // the range's first beat (address / 64)
    logic [31:0]  remaining;         // the range's bytes
    logic         last;        // the range is one block
    logic [15:0]  upper;       // block bytes that go to chunk q: 16'hffff << r
    logic [15:0]  last_strb;   // strobes of the (rotated) last block
    logic         last_full;   // the last block reaches the end of its beat
    logic         last_over;   // ... and crosses into the next beat
    logic         result;      // then a result record
    logic         result_half;    // the record's half of its beat (address bit 5)
    logic [255:0] result_data;    // the record, memory order
  } wcur_t;

  tls_gcm_pkg::wreq_t w_r;
  wcur_t nx_d, nx_q, cu_q, cu_d;
  logic nx_valid_q, nx_valid_d, nx_load, cu_load, cu_done;
  phase_e w_phase_q, w_phase_d;
  logic [5:0] position_q, position_d, x_end;
  logic [31:0] remaining_q, remaining_d;
  logic last_q, last_d;
  logic [57:0] w_beat_q, w_beat_d;
  logic [511:0] accumulator_q, accumulator_d;
  logic [63:0] accumulator_strb_q, accumulator_strb_d;
  logic wvalid_q, wvalid_d, wlast_q, wlast_d, wresult_q, wresult_d;
  logic [511:0] wdata_q, wdata_d;
  logic [63:0] wstrb_q, wstrb_d;
  logic [31:0] results_done_q, results_done_d;
  logic burst_open_q, burst_open_d, aw_ahead_q, aw_ahead_d, idle_q, idle_d;
  logic [15:0] aw_ahead_count_q, aw_ahead_count_d;
  logic aw_ahead_increment, aw_ahead_decrement;
  logic out_free, w_handshake, source_valid, step, beat_full, overflow;
  logic [4:0] take_last;
  logic [15:0] strb, last_mask;
  logic [31:0] last_strb2;
  logic [127:0] source, upper_data, lower_data;
  logic [15:0] upper_strb, lower_strb;
  logic [1023:0] placed;
  logic [127:0] placed_strb;
  logic [511:0] new_lo, new_hi;
  logic [63:0] new_lo_strb, new_hi_strb;

  always_comb begin
    // ---- decode the next request
    w_r = wq_head;
    nx_d.range = w_r.range_valid && w_r.range_length != 32'h0;
    nx_d.zero = w_r.range_zero;
    nx_d.position = w_r.range_address[5:0];
    nx_d.beat = w_r.range_address[63:6];
    nx_d.remaining = w_r.range_length;
    nx_d.last = w_r.range_length <= 32'd16;
    nx_d.upper = 16'hffff << w_r.range_address[3:0];
    take_last = w_r.range_length[3:0] == 4'h0 ? 5'd16 : {1'b0, w_r.range_length[3:0]};
    for (int i = 0; i < 16; i++) last_mask[i] = 5'(i) < take_last;
    last_strb2 = {last_mask, last_mask} << w_r.range_address[3:0];
    nx_d.last_strb = last_strb2[31:16];
    // The last block ends at x_end (mod 64) = (address + length) mod 64; it
    // reached the end of its beat if x_end < its bytes.
    x_end = w_r.range_address[5:0] + w_r.range_length[5:0];
    nx_d.last_full = {1'b0, x_end} < {2'b0, take_last};
    nx_d.last_over = x_end != 6'h0 && {1'b0, x_end} < {2'b0, take_last};
    nx_d.result = w_r.result_valid;
    nx_d.result_half = results[5] ^ w_r.index[0];
    nx_d.result_data = {tls_gcm_pkg::byte_swap128(w_r.tag), 120'h0, 6'h00, w_r.status};
    nx_load = wq_valid && !nx_valid_q;
    wq_ready = nx_load;

    // A beat that opens a burst waits for that burst's AW handshake
    // (aw_ahead_q: AW handshakes not yet matched by an opened W burst).
    wvalid = wvalid_q && (burst_open_q || aw_ahead_q);
    w_handshake = wvalid && wready;
    out_free = !wvalid_q || w_handshake;

    // ---- place the current block
    source_valid = cu_q.zero || block_valid;
    source = cu_q.zero ? 128'h0 : block;
    strb = last_q ? cu_q.last_strb : 16'hffff;
    for (int i = 0; i < 16; i++) begin
      upper_data[8 * i +: 8] = cu_q.upper[i] ? source[8 * i +: 8] : 8'h00;
      lower_data[8 * i +: 8] = cu_q.upper[i] ? 8'h00 : source[8 * i +: 8];
    end
    upper_strb = strb & cu_q.upper;
    lower_strb = strb & ~cu_q.upper;
    placed = '0;
    placed_strb = '0;
    for (int c = 0; c < 5; c++) begin
      if (position_q[5:4] == 2'(c)) begin
        placed[128 * c +: 128] = upper_data;
        placed_strb[16 * c +: 16] = upper_strb;
      end else if (c > 0 && position_q[5:4] == 2'(c - 1)) begin
        placed[128 * c +: 128] = lower_data;
        placed_strb[16 * c +: 16] = lower_strb;
      end
    end
    new_lo = accumulator_q | placed[511:0];
    new_hi = placed[1023:512];
    new_lo_strb = accumulator_strb_q | placed_strb[63:0];
    new_hi_strb = placed_strb[127:64];
    beat_full = last_q ? cu_q.last_full : position_q[5:4] == 2'd3;
    overflow = last_q && cu_q.last_over;

    w_phase_d = w_phase_q;
    cu_d = cu_q;
    position_d = position_q;
    remaining_d = remaining_q;
    last_d = last_q;
    w_beat_d = w_beat_q;
    accumulator_d = accumulator_q;
    accumulator_strb_d = accumulator_strb_q;
    block_ready = 1'b0;
    step = 1'b0;
    cu_done = 1'b0;
    wvalid_d = wvalid_q && !w_handshake;
    wdata_d = wdata_q;
    wstrb_d = wstrb_q;
    wlast_d = wlast_q;
    wresult_d = wresult_q;

    case (w_phase_q)
      P_RANGE: begin
        step = source_valid && out_free;
        if (step) begin
          block_ready = !cu_q.zero;
          position_d = {position_q[5:4] + 2'd1, position_q[3:0]};
          remaining_d = remaining_q - 32'd16;
          last_d = remaining_q <= 32'd32;
          if (beat_full || last_q) begin
            // Emit the beat; keep what spilled into the next one.
            wvalid_d = 1'b1;
            wdata_d = new_lo;
            wstrb_d = new_lo_strb;
            wlast_d = (last_q && !overflow) || w_beat_q[5:0] == 6'h3f;
            wresult_d = 1'b0;
            w_beat_d = w_beat_q + 58'h1;
            accumulator_d = new_hi;
            accumulator_strb_d = new_hi_strb;
          end else begin
            accumulator_d = new_lo;
            accumulator_strb_d = new_lo_strb;
          end
          if (last_q) begin
            if (overflow) begin
              w_phase_d = P_FLUSH;
            end else if (cu_q.result) begin
              w_phase_d = P_RESULT;
            end else begin
              cu_done = 1'b1;
            end
          end
        end
      end
      P_FLUSH: begin
        // The last block crossed into one more beat.
        if (out_free) begin
          wvalid_d = 1'b1;
          wdata_d = accumulator_q;
          wstrb_d = accumulator_strb_q;
          wlast_d = 1'b1;
          wresult_d = 1'b0;
          if (cu_q.result) begin
            w_phase_d = P_RESULT;
          end else begin
            cu_done = 1'b1;
          end
        end
      end
      P_RESULT: begin
        if (out_free) begin
          wvalid_d = 1'b1;
          wdata_d = cu_q.result_half ? {cu_q.result_data, 256'h0} : {256'h0, cu_q.result_data};
          wstrb_d = cu_q.result_half ? {32'hffffffff, 32'h0} : {32'h0, 32'hffffffff};
          wlast_d = 1'b1;
          wresult_d = 1'b1;
          cu_done = 1'b1;
        end
      end
      default: ;
    endcase

    // The next request becomes current when the current one is done (or
    // there is none).
    if (cu_done) w_phase_d = P_IDLE;
    cu_load = nx_valid_q && (w_phase_q == P_IDLE || cu_done);
    if (cu_load) begin
      cu_d = nx_q;
      w_phase_d = nx_q.range ? P_RANGE : (nx_q.result ? P_RESULT : P_IDLE);
      position_d = nx_q.position;
      remaining_d = nx_q.remaining;
      last_d = nx_q.last;
      w_beat_d = nx_q.beat;
    end
    if (cu_load || w_phase_d == P_RESULT) begin
      accumulator_d = 512'h0;
      accumulator_strb_d = 64'h0;
    end
    nx_valid_d = nx_load || (nx_valid_q && !cu_load);

    aw_ahead_increment = awvalid_q && awready;
    aw_ahead_decrement = w_handshake && !burst_open_q;
    aw_ahead_count_d = aw_ahead_count_q + {15'h0, aw_ahead_increment} - {15'h0, aw_ahead_decrement};
    // aw_ahead_count_d != 0, from the register's value (no adder on the path)
    if (aw_ahead_increment && !aw_ahead_decrement) aw_ahead_d = 1'b1;
    else if (!aw_ahead_increment && aw_ahead_decrement) aw_ahead_d = aw_ahead_count_q != 16'h1;
    else aw_ahead_d = aw_ahead_q;
    burst_open_d = w_handshake ? !wlast_q : burst_open_q;
    results_done_d = results_done_q + {31'h0, w_handshake && wresult_q};
    if (run_start) begin
      results_done_d = 32'h0;
    end

    wdata = wdata_q;
    wstrb = wstrb_q;
    wlast = wlast_q;
    results_done = results_done_q;
    // Registered: its users (run done, overlap drain) only need to see the
    // writer idle once nothing more can arrive, and a cycle late is fine.
    idle_d = !awq_valid && !wq_valid && !nx_valid_q && aw_phase_q == P_IDLE && w_phase_q == P_IDLE && !awvalid_q &&
             !wvalid_q && aw_done_q == b_done_q && !a_valid && !b_valid;
    idle = idle_q;
  end

  // Write errors are not expected from device memory and cannot be reported
  // per job; they are ignored. Queue counts are not needed (valid/ready).
  logic unused_w;
  assign unused_w = ^{bresp, awq_count, wq_count, step, aw_span[5:0], aw_result_address[5:0], aw_r,
                      last_strb2[15:0], results[63:6], results[4:0], w_r.index[31:1]};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      aw_phase_q <= P_IDLE;
      awvalid_q <= 1'b0;
      aw_done_q <= 32'h0;
      b_done_q <= 32'h0;
      w_phase_q <= P_IDLE;
      nx_valid_q <= 1'b0;
      wvalid_q <= 1'b0;
      results_done_q <= 32'h0;
      burst_open_q <= 1'b0;
      aw_ahead_q <= 1'b0;
      aw_ahead_count_q <= 16'h0;
      idle_q <= 1'b1;
    end else begin
      aw_phase_q <= aw_phase_d;
      awvalid_q <= awvalid_d;
      aw_done_q <= aw_done_d;
      b_done_q <= b_done_d;
      w_phase_q <= w_phase_d;
      nx_valid_q <= nx_valid_d;
      wvalid_q <= wvalid_d;
      results_done_q <= results_done_d;
      burst_open_q <= burst_open_d;
      aw_ahead_q <= aw_ahead_d;
      aw_ahead_count_q <= aw_ahead_count_d;
      idle_q <= idle_d;
    end
  end

  always_ff @(posedge clk) begin
    aw_beat_q <= aw_beat_d;
    aw_left_q <= aw_left_d;
    awaddr_q <= awaddr_d;
    awlen_q <= awlen_d;
    if (nx_load) nx_q <= nx_d;
    cu_q <= cu_d;
    position_q <= position_d;
    remaining_q <= remaining_d;
    last_q <= last_d;
    w_beat_q <= w_beat_d;
    accumulator_q <= accumulator_d;
    accumulator_strb_q <= accumulator_strb_d;
    wdata_q <= wdata_d;
    wstrb_q <= wstrb_d;
    wlast_q <= wlast_d;
    wresult_q <= wresult_d;
  end

endmodule

`default_nettype wire
