// tls_gcm_payload_reader: reads each job's payload bytes from device memory
// as whole beats (64-byte aligned), in bursts of up to 16 beats that never
// cross a 1 KiB boundary, into a beat FIFO for the unpacker. A burst is
// requested only when the FIFO has room for all its beats (credits), so R
// never waits; with BEAT_DEPTH = 64 four bursts are in flight, enough to
// cover ~100 cycles of memory latency at the one beat per four cycles that
// one block per cycle consumes.
//
// The next burst's length and whether the FIFO has room for it are worked
// out in registers over two cycles after every change (a request at most
// every third cycle, far more than the beats a cycle need).
`default_nettype none

module tls_gcm_payload_reader #(
  // Beat FIFO entries. Legal: a power of two, 16..1024.
  parameter int unsigned BEAT_DEPTH = 64
) (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              range_valid,
  output logic                                   range_ready,
  input  wire logic [tls_gcm_pkg::RANGE_W-1:0]   range_in,
  output logic                                   request_valid,
  input  wire logic                              request_ready,
  output logic [63:0]                            request_address,
  output logic [7:0]                             request_length,
  input  wire logic                              beat_in_valid,
  input  wire logic [511:0]                      beat_in,
  output logic                                   beat_valid,
  input  wire logic                              beat_ready,
  output logic [511:0]                           beat
);

  generate
    if (BEAT_DEPTH < 16 || BEAT_DEPTH > 1024 || (BEAT_DEPTH & (BEAT_DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "tls_gcm_payload_reader: BEAT_DEPTH must be a power of two in 16..1024");
    end
  endgenerate

  localparam int unsigned BW = $clog2(BEAT_DEPTH);

  tls_gcm_pkg::range_t r;
  logic active_q, active_d;
  logic [57:0] beat_address_q, beat_address_d;   // address / 64
  logic [26:0] beats_left_q, beats_left_d;
  logic [BW:0] reserved_q, reserved_d;
  logic [4:0] burst, burst_q;
  logic fits_q, fits_d;
  logic [1:0] settle_q, settle_d;
  logic [32:0] span;
  logic fifo_in_ready, load;
  logic request_valid_q, request_valid_d;
  logic [63:0] request_address_q, request_address_d;
  logic [7:0] request_length_q, request_length_d;
  logic [BW:0] fifo_count;

  always_comb begin
    r = range_in;
    // Beats covering [address, address + length).
    span = {27'h0, r.address[5:0]} + {1'b0, r.length} + 33'd63;
    range_ready = !active_q;

    burst = 5'd16 - {1'b0, beat_address_q[3:0]};
    if (beats_left_q[26:4] == 23'h0 && beats_left_q[4:0] < burst) burst = beats_left_q[4:0];
    // The request waits in a register for the reader (credits move when it
    // is loaded), so the reader's arbitration never depends on this logic.
    fits_d = ({1'b0, reserved_q} + {{(BW - 4){1'b0}}, burst_q}) <= (BW + 2)'(BEAT_DEPTH);
    // Only into an empty request register: the reader's handshake stays off
    // this path.
    load = active_q && settle_q == 2'd0 && fits_q && !request_valid_q;
    request_valid = request_valid_q;
    request_address = request_address_q;
    request_length = request_length_q;
  end

  always_comb begin
    active_d = active_q;
    beat_address_d = beat_address_q;
    beats_left_d = beats_left_q;
    reserved_d = reserved_q;
    request_valid_d = request_valid_q && !request_ready;
    request_address_d = request_address_q;
    request_length_d = request_length_q;
    settle_d = settle_q == 2'd0 ? 2'd0 : settle_q - 2'd1;
    if (range_valid && range_ready || load) settle_d = 2'd2;
    if (range_valid && range_ready) begin
      active_d = 1'b1;  // length > 0: the dispatcher sends no empty ranges
      beat_address_d = r.address[63:6];
      beats_left_d = span[32:6];
    end
    if (load) begin
      request_valid_d = 1'b1;
      request_address_d = {beat_address_q, 6'h00};
      request_length_d = {3'h0, burst_q - 5'd1};
      beat_address_d = beat_address_q + {53'h0, burst_q};
      beats_left_d = beats_left_q - {22'h0, burst_q};
      reserved_d = reserved_d + {{(BW - 4){1'b0}}, burst_q};
      if (beats_left_q == {22'h0, burst_q}) active_d = 1'b0;
    end
    if (beat_valid && beat_ready) reserved_d = reserved_d - 1'b1;
  end

  sync_fifo #(
    .WIDTH(512),
    .DEPTH(BEAT_DEPTH)
  ) u_beats (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (beat_in_valid),
    .in_ready (fifo_in_ready),
    .in_data  (beat_in),
    .out_valid(beat_valid),
    .out_ready(beat_ready),
    .out_data (beat),
    .count    (fifo_count)
  );

  // Room for every beat was reserved before its burst was requested.
  logic unused_fifo_status;
  assign unused_fifo_status = ^{fifo_in_ready, fifo_count, span[5:0]};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      active_q <= 1'b0;
      beat_address_q <= 58'h0;
      beats_left_q <= 27'h0;
      reserved_q <= '0;
      request_valid_q <= 1'b0;
      request_address_q <= 64'h0;
      request_length_q <= 8'h0;
      settle_q <= 2'd0;
      fits_q <= 1'b0;
      burst_q <= 5'h0;
    end else begin
      settle_q <= settle_d;
      fits_q <= fits_d;
      burst_q <= burst;
      active_q <= active_d;
      beat_address_q <= beat_address_d;
      beats_left_q <= beats_left_d;
      reserved_q <= reserved_d;
      request_valid_q <= request_valid_d;
      request_address_q <= request_address_d;
      request_length_q <= request_length_d;
    end
  end

endmodule

`default_nettype wire
