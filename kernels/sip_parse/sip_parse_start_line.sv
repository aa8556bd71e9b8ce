// sip_parse_start_line: checks the start line of each message and splits it
// (Request-Line: method, URI, version; Status-Line: version, code, reason),
// exactly as CpuSipParseEngine's parse_start_line. The walker pushes the
// line's chunk windows into a small FIFO as they pass; this unit scans them,
// BYTES_PER_CYCLE bytes per cycle, while the walker goes on with the header
// lines. The verdict is read at the message end; a flush clears everything
// for the next message.
//
// Three steps, each from registers: fetch (BYTES_PER_CYCLE bytes of the head
// window, as their classes), step (the scanner state through those bytes),
// verdict (registered; result_valid a cycle after the last step).
`default_nettype none

module sip_parse_start_line #(
  // Windows the FIFO holds. Legal: a power of two, 2..16.
  parameter int unsigned DEPTH = 4,
  // Bytes scanned per cycle. Legal: 1, 2, 4 or 8.
  parameter int unsigned BYTES_PER_CYCLE = 2
) (
  input  wire logic         clk,
  input  wire logic         rst_n,
  input  wire logic         flush,
  // the start line's windows
  input  wire logic         window_valid,
  output logic              window_ready,
  input  wire logic [511:0] window_bytes,
  input  wire logic [6:0]   window_count,          // bytes of the line in this window (0..64)
  input  wire logic         window_last,           // the window holds the line's end
  // the verdict, held until the flush
  output logic              result_valid,
  output logic              result_ok,
  output logic              result_request,
  output logic [31:0]       result_method_length,  // request: method {0, method_length}, URI after it
  output logic [31:0]       result_uri_length,
  output logic [31:0]       result_version_offset,
  output logic [31:0]       result_version_length,
  output logic [31:0]       result_reason_offset,
  output logic [31:0]       result_reason_length,
  output logic [15:0]       result_status
);

  generate
    if (DEPTH < 2 || DEPTH > 16 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "sip_parse_start_line: DEPTH must be a power of two in 2..16");
    end
    if (BYTES_PER_CYCLE != 1 && BYTES_PER_CYCLE != 2 && BYTES_PER_CYCLE != 4 &&
        BYTES_PER_CYCLE != 8) begin : g_bad_bytes_per_cycle
      $fatal(1, "sip_parse_start_line: BYTES_PER_CYCLE must be 1, 2, 4 or 8");
    end
  endgenerate

  // ------------------------------------------------------------ window FIFO
  // {last, count, bytes}, read asynchronously at the head (LUTRAM)
  logic head_valid, pop;
  logic [519:0] head;
  logic [511:0] head_bytes;
  logic [6:0] head_count;
  logic head_last;
  logic [$clog2(DEPTH):0] window_queue_count;

  sync_fifo #(
    .WIDTH          (520),
    .DEPTH          (DEPTH),
    .REGISTERED_READ(0)
  ) u_window (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (flush),
    .in_valid (window_valid),
    .in_ready (window_ready),
    .in_data  ({window_last, window_count, window_bytes}),
    .out_valid(head_valid),
    .out_ready(pop),
    .out_data (head),
    .count    (window_queue_count)
  );
  assign {head_last, head_count, head_bytes} = head;

  logic unused_window_queue_count;
  assign unused_window_queue_count = ^window_queue_count;

  // ------------------------------------------------------------ scanner
  logic [6:0] byte_index_q, byte_index_d;          // next byte of the head window
  sip_parse_pkg::start_line_state_t state_q, state_d, initial_state;
  logic [31:0] line_position_q, line_position_d;   // bytes of the line scanned
  logic done_q, done_d, fetch_done_q, fetch_done_d, result_valid_q, result_valid_d;
  // fetch register
  logic [sip_parse_pkg::START_LINE_CLASS_BITS-1:0] fetched_classes_q [BYTES_PER_CYCLE];
  logic [sip_parse_pkg::START_LINE_CLASS_BITS-1:0] fetched_classes_d [BYTES_PER_CYCLE];
  logic [BYTES_PER_CYCLE-1:0] fetched_in_line_q, fetched_in_line_d;  // lane k holds a byte of the line
  logic fetched_last_q, fetched_last_d;

  always_comb begin
    initial_state = '0;
    initial_state.token_ok = 1'b1;
    initial_state.word = sip_parse_pkg::WORD_START;
    initial_state.first_word = sip_parse_pkg::WORD_INVALID;
    initial_state.word_at_text_end = sip_parse_pkg::WORD_INVALID;
    initial_state.code_ok = 1'b1;
  end

  // fetch BYTES_PER_CYCLE bytes of the head window
  logic [7:0] lane_byte [BYTES_PER_CYCLE];
  logic lane_in_line [BYTES_PER_CYCLE];
  logic fetching;
  assign fetching = head_valid && !fetch_done_q;
  always_comb begin
    for (int k = 0; k < BYTES_PER_CYCLE; k++) begin
      lane_byte[k] = head_bytes[(32'(byte_index_q) + k) * 8 +: 8];
      lane_in_line[k] = fetching && (32'(byte_index_q) + k < 32'(head_count));
    end
  end
  // lane k: state after the bytes of lanes 0..k that are in the line
  for (genvar k = 0; k < BYTES_PER_CYCLE; k++) begin : g_lane
    logic [sip_parse_pkg::START_LINE_STATE_BITS-1:0] state_in, state_step, state_out;
    if (k == 0) begin : g_first
      assign state_in = state_q;
    end else begin : g_next
      assign state_in = g_lane[k - 1].state_out;
    end
    // the step is computed unconditionally for every lane and selected after
    sip_parse_start_line_step u_step (
      .state_in       (state_in),
      .classes        (fetched_classes_q[k]),
      .at_byte3       (line_position_q == 32'(3 - k)),
      .position       (line_position_q + 32'(k)),
      .position_plus_1(line_position_q + 32'(k + 1)),
      .state_out      (state_step)
    );
    assign state_out = fetched_in_line_q[k] ? state_step : state_in;
  end

  always_comb begin
    logic [6:0] scanned;
    scanned = 7'd0;
    for (int k = 0; k < BYTES_PER_CYCLE; k++) scanned = scanned + 7'(fetched_in_line_q[k]);
    state_d = g_lane[BYTES_PER_CYCLE - 1].state_out;
    line_position_d = line_position_q + 32'(scanned);
    done_d = done_q || fetched_last_q;
    result_valid_d = done_q;
    pop = fetching && 32'(byte_index_q) + BYTES_PER_CYCLE >= 32'(head_count);
    byte_index_d = byte_index_q;
    if (pop) byte_index_d = 7'd0;
    else if (fetching) byte_index_d = byte_index_q + 7'(BYTES_PER_CYCLE);
    for (int k = 0; k < BYTES_PER_CYCLE; k++) begin
      fetched_in_line_d[k] = lane_in_line[k];
      fetched_classes_d[k] = sip_parse_pkg::start_line_classes(lane_byte[k]);
    end
    fetched_last_d = pop && head_last;
    fetch_done_d = fetch_done_q;
    if (pop && head_last) fetch_done_d = 1'b1;
  end

  always_ff @(posedge clk) begin
    if (!rst_n || flush) begin
      byte_index_q <= 7'd0;
      state_q <= initial_state;
      line_position_q <= 32'd0;
      done_q <= 1'b0;
      fetch_done_q <= 1'b0;
      fetched_in_line_q <= '0;
      fetched_last_q <= 1'b0;
      result_valid_q <= 1'b0;
    end else begin
      byte_index_q <= byte_index_d;
      state_q <= state_d;
      line_position_q <= line_position_d;
      done_q <= done_d;
      fetch_done_q <= fetch_done_d;
      fetched_in_line_q <= fetched_in_line_d;
      fetched_last_q <= fetched_last_d;
      result_valid_q <= result_valid_d;
      // data, held while the flush is applied
      for (int k = 0; k < BYTES_PER_CYCLE; k++) fetched_classes_q[k] <= fetched_classes_d[k];
    end
  end

  // ------------------------------------------------------------ verdict
  // CpuSipParseEngine::parse_start_line, registered
  logic result_ok_q, result_ok_d, result_request_q, result_request_d;
  logic [31:0] result_method_length_q, result_method_length_d, result_uri_length_q, result_uri_length_d;
  logic [31:0] result_version_offset_q, result_version_offset_d, result_version_length_q, result_version_length_d;
  logic [31:0] result_reason_offset_q, result_reason_offset_d, result_reason_length_q, result_reason_length_d;
  logic [15:0] result_status_q, result_status_d;

  always_comb begin
    logic response_ok, request_ok;
    response_ok = state_q.first_space_found && state_q.first_word == sip_parse_pkg::WORD_ACCEPT &&
                  state_q.after_space >= 3'd3 && state_q.code_ok &&
                  (state_q.after_space == 3'd3 || state_q.code_space);
    request_ok = state_q.first_space_found && state_q.first_space != 32'd0 && state_q.token_ok &&
                 {1'b0, state_q.last_word} >= {1'b0, state_q.first_space} + 33'd3 &&
                 state_q.word_at_text_end == sip_parse_pkg::WORD_ACCEPT;
    result_request_d = !state_q.response;
    result_ok_d = state_q.response ? response_ok : request_ok;
    result_method_length_d = state_q.first_space;
    result_uri_length_d = state_q.last_word - state_q.first_space - 32'd2;
    if (state_q.response) begin
      result_version_offset_d = 32'd0;
      result_version_length_d = state_q.first_space;
      result_reason_offset_d = (state_q.after_space >= 3'd4) ? state_q.first_space + 32'd5 : line_position_q;
      result_reason_length_d = line_position_q -
                               ((state_q.after_space >= 3'd4) ? state_q.first_space + 32'd5 : line_position_q);
      // digits x 100 + x 10 + x 1, by shifts (no multiplier)
      result_status_d = ({6'd0, state_q.code[11:8], 6'd0} + {7'd0, state_q.code[11:8], 5'd0} +
                         {10'd0, state_q.code[11:8], 2'd0}) +
                        ({9'd0, state_q.code[7:4], 3'd0} + {11'd0, state_q.code[7:4], 1'd0}) +
                        {12'd0, state_q.code[3:0]};
    end else begin
      result_version_offset_d = state_q.last_word;
      result_version_length_d = state_q.text_end - state_q.last_word;
      result_reason_offset_d = 32'd0;
      result_reason_length_d = 32'd0;
      result_status_d = 16'd0;
    end
  end

  always_ff @(posedge clk) begin
    result_request_q <= result_request_d;
    result_ok_q <= result_ok_d;
    result_method_length_q <= result_method_length_d;
    result_uri_length_q <= result_uri_length_d;
    result_version_offset_q <= result_version_offset_d;
    result_version_length_q <= result_version_length_d;
    result_reason_offset_q <= result_reason_offset_d;
    result_reason_length_q <= result_reason_length_d;
    result_status_q <= result_status_d;
  end

  assign result_valid = result_valid_q;
  assign result_ok = result_ok_q;
  assign result_request = result_request_q;
  assign result_method_length = result_method_length_q;
  assign result_uri_length = result_uri_length_q;
  assign result_version_offset = result_version_offset_q;
  assign result_version_length = result_version_length_q;
  assign result_reason_offset = result_reason_offset_q;
  assign result_reason_length = result_reason_length_q;
  assign result_status = result_status_q;

endmodule

`default_nettype wire
