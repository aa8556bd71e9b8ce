// sip_parse_walker: the per-line rules of CpuSipParseEngine (docs/header-index.md),
// one chunk summary per cycle. It keeps the state of the current line, message
// and segment, writes HeaderRecords (a header is written when the next line
// proves it complete), MessageRecords and SegmentResults, and tells the
// chunker where the next message starts. The start line goes to the
// sip_parse_start_line unit, whose verdict is consumed at the message end; the
// first Content-Length value is checked byte by byte here (a few digits).
`default_nettype none

module sip_parse_walker #(
  // Width of a position. Legal: sip_parse_pkg::POSITION_W.
  parameter int unsigned POSITION_W = 34
) (
  input  wire logic                  clk,
  input  wire logic                  rst_n,
  input  wire logic                  run_start,
  input  wire logic [31:0]           max_message_bytes,
  input  wire logic [31:0]           message_capacity,
  input  wire logic [31:0]           header_capacity,
  output logic                       commit,                  // records, start-line windows and commands of this cycle count
  // chunk summaries (sip_parse_analyzer); see there for the fields
  input  wire logic                  summary_valid,
  output logic                       summary_ready,
  input  wire logic                  summary_epoch,
  input  wire logic [2:0]            summary_kind,
  input  wire logic [POSITION_W-1:0] summary_position,
  input  wire logic                  summary_first,
  input  wire logic                  summary_start_line,
  input  wire logic [511:0]          summary_bytes,
  input  wire logic                  summary_stream,
  input  wire logic [5:0]            summary_segment_offset,
  input  wire logic [POSITION_W-1:0] summary_segment_end,
  input  wire logic                  summary_byte0_cr,
  input  wire logic                  summary_byte0_lf,
  input  wire logic                  summary_byte0_whitespace,
  input  wire logic                  summary_byte1_lf,
  input  wire logic                  summary_byte63_crlf,
  input  wire logic                  summary_has_lf,
  input  wire logic [5:0]            summary_lf_index,
  input  wire logic                  summary_cr_before_lf,
  input  wire logic                  summary_bad_found,
  input  wire logic                  summary_colon_found,
  input  wire logic [5:0]            summary_colon_index,
  input  wire logic                  summary_name_byte_found,
  input  wire logic                  summary_non_token_found,
  input  wire logic                  summary_non_token_in_name,
  input  wire logic [6:0]            summary_name_end_index,
  input  wire logic [15:0]           summary_line_offset,
  input  wire logic                  summary_name_length_overflow,
  input  wire logic [5:0]            summary_header_id,
  input  wire logic                  summary_name_length_one,
  input  wire logic                  summary_limit_is_0,
  input  wire logic                  summary_limit_is_1,
  input  wire logic                  summary_limit_is_64,
  input  wire logic                  summary_line_value_found,
  input  wire logic [5:0]            summary_line_value_first,
  input  wire logic [5:0]            summary_line_value_last,
  input  wire logic                  summary_colon_value_found,
  input  wire logic [5:0]            summary_colon_value_first,
  input  wire logic [5:0]            summary_colon_value_last,
  input  wire logic [63:0]           summary_digit_mask,
  input  wire logic [63:0]           summary_space_mask,
  input  wire logic [5:0]            summary_line_value_first_class,
  input  wire logic [5:0]            summary_colon_value_first_class,
  input  wire logic [POSITION_W-1:0] summary_lf_position,
  input  wire logic [POSITION_W-1:0] summary_bad_position,
  input  wire logic [POSITION_W-1:0] summary_colon_position,
  input  wire logic [POSITION_W-1:0] summary_line_value_first_position,
  input  wire logic [POSITION_W-1:0] summary_line_value_end_position,
  input  wire logic [POSITION_W-1:0] summary_colon_value_first_position,
  input  wire logic [POSITION_W-1:0] summary_colon_value_end_position,
  input  wire logic [POSITION_W-1:0] summary_position_plus_2,
  // chunker command
  output logic                       command_valid,
  output logic                       command_epoch,
  output logic                       command_jump,
  output logic [POSITION_W-1:0]      command_target,
  // start-line unit
  output logic                       start_line_window_valid, // (the top gates it with commit)
  input  wire logic                  start_line_window_ready,
  output logic [511:0]               start_line_window_bytes,
  output logic [6:0]                 start_line_window_count,
  output logic                       start_line_window_last,
  output logic                       start_line_flush,
  input  wire logic                  start_line_result_valid,
  input  wire logic                  start_line_result_ok,
  input  wire logic                  start_line_result_request,
  // request: method {0, method_length}; URI {method_length + 1, uri_length}
  input  wire logic [31:0]           start_line_method_length,
  input  wire logic [31:0]           start_line_uri_length,
  input  wire logic [31:0]           start_line_version_offset,
  input  wire logic [31:0]           start_line_version_length,
  input  wire logic [31:0]           start_line_reason_offset,
  input  wire logic [31:0]           start_line_reason_length,
  input  wire logic [15:0]           start_line_status,
  // records (the top adds commit to the valids)
  output logic                       header_valid,
  input  wire logic                  header_ready,
  output logic [31:0]                header_index,
  output logic [127:0]               header_data,
  output logic                       message_valid,
  input  wire logic                  message_ready,
  output logic [31:0]                message_index,
  output logic [511:0]               message_data,
  output logic                       segment_result_valid,
  input  wire logic                  segment_result_ready,
  output logic [31:0]                segment_result_index,
  output logic [255:0]               segment_result_data,
  output logic                       run_end                  // level: the last segment has been written
);

  generate
    if (POSITION_W != sip_parse_pkg::POSITION_W) begin : g_bad_position_width
      $fatal(1, "sip_parse_walker: POSITION_W must be sip_parse_pkg::POSITION_W");
    end
  endgenerate

  localparam logic [46:0] SINGLETONS = (47'd1 << 4) | (47'd1 << 5) | (47'd1 << 2) | (47'd1 << 3) |
                                       (47'd1 << 9) | (47'd1 << 7) | (47'd1 << 8);
  // the Content-Length scan
  localparam logic [1:0] SCAN_LEAD = 2'd0, SCAN_DIGIT = 2'd1, SCAN_TRAIL = 2'd2, SCAN_BAD = 2'd3;

  typedef enum logic [2:0] {
    MODE_IDLE, MODE_SEGMENT, MODE_MESSAGE, MODE_END1, MODE_END2, MODE_END3, MODE_FINISHED
  } mode_t;
  typedef enum logic [1:0] {END_FAIL, END_INCOMPLETE, END_BLANK_LINE} end_kind_t;

  // ------------------------------------------------------------ state
  mode_t mode_q, mode_d;
  logic epoch_q, epoch_d;
  // segment
  logic stream_q, stream_d;
  logic [5:0] segment_offset_q, segment_offset_d;
  logic [POSITION_W-1:0] segment_end_q, segment_end_d;
  logic [31:0] segment_index_q, segment_index_d, segment_first_message_q, segment_first_message_d;
  logic [31:0] segment_messages_q, segment_messages_d, consumed_q, consumed_d;
  // run
  logic [31:0] next_message_q, next_message_d, next_header_q, next_header_d;
  // message
  logic [POSITION_W-1:0] message_start_q, message_start_d;
  logic [31:0] first_header_q, first_header_d;
  logic [8:0] header_count_q, header_count_d;
  logic [46:0] seen_singletons_q, seen_singletons_d;
  logic content_length_seen_q, content_length_seen_d;
  logic [POSITION_W-1:0] content_length_position_q, content_length_position_d;
  logic [1:0] content_length_state_q, content_length_state_d;
  logic [35:0] content_length_value_q, content_length_value_d;
  logic start_line_done_q, start_line_done_d;        // start line complete and clean (its verdict owed)
  // pending header
  logic pending_valid_q, pending_valid_d;
  logic [31:0] pending_index_q, pending_index_d;
  logic [5:0] pending_id_q, pending_id_d;
  logic [7:0] pending_flags_q, pending_flags_d;
  logic [31:0] pending_name_offset_q, pending_name_offset_d;
  logic [15:0] pending_name_length_q, pending_name_length_d;
  logic pending_value_set_q, pending_value_set_d;
  logic [POSITION_W-1:0] pending_value_start_q, pending_value_start_d, pending_value_end_q, pending_value_end_d;
  logic [POSITION_W-1:0] pending_empty_value_q, pending_empty_value_d;  // where an empty value is
  logic pending_content_length_q, pending_content_length_d;  // the pending header is the framing Content-Length
  // line
  logic [POSITION_W-1:0] line_start_q, line_start_d;
  logic line_continuation_q, line_continuation_d, line_colon_q, line_colon_d;
  logic line_name_end_valid_q, line_name_end_valid_d, line_non_token_valid_q, line_non_token_valid_d;
  logic line_bad_valid_q, line_bad_valid_d;
  logic line_non_token_in_name_q, line_non_token_in_name_d;  // the first non-token byte lies inside the name
  logic [POSITION_W-1:0] line_colon_position_q, line_colon_position_d, line_bad_position_q, line_bad_position_d;
  logic [15:0] line_name_length_q, line_name_length_d;       // name length (low 16 bits) ...
  logic line_name_too_long_q, line_name_too_long_d;          // ... above 0xFFFF
  logic [5:0] line_id_q, line_id_d;                          // HeaderId of the name
  logic line_name_length_one_q, line_name_length_one_d, line_id_zero_q, line_id_zero_d;
  logic [46:0] line_singleton_q, line_singleton_d;           // one-hot of the id among the SINGLETONS
  logic line_value_set_q, line_value_set_d;
  // line_value_end: one past the last value byte
  logic [POSITION_W-1:0] line_value_first_q, line_value_first_d, line_value_end_q, line_value_end_d;
  logic line_content_length_q, line_content_length_d;        // this line feeds the Content-Length check
  // Content-Length scan of the current chunk
  logic scan_q, scan_d, scanned_q, scanned_d;
  logic [5:0] scan_index_q, scan_index_d;
  // message end
  end_kind_t end_kind_q, end_kind_d;
  logic [7:0] end_error_q, end_error_d;
  logic [POSITION_W-1:0] end_position_q, end_position_d, header_end_q, header_end_d;
  logic [POSITION_W-1:0] body_q, body_d;
  logic [POSITION_W:0] total_q, total_d;                     // header_length + body, then compared to max
  logic [POSITION_W-1:0] header_length_q, header_length_d;   // header_end - message_start
  logic [POSITION_W-1:0] message_end_q, message_end_d;       // header_end + body: the message's end
  // END2's compares, registered in END1 beside the values they compare
  // (total and message_end are written there; segment_end, next_message and
  // the run's arguments hold until END3), so END1's second cycle and END2
  // read flags, not carry chains, on their way to the verdict
  logic message_beyond_segment_q, message_beyond_segment_d;  // message_end > segment_end
  logic total_above_maximum_q, total_above_maximum_d;        // total > max_message_bytes
  logic message_capacity_reached_q, message_capacity_reached_d;  // next_message >= message_capacity
  logic [31:0] consumed_after_q, consumed_after_d;           // message_end - segment_offset: consumed after this message
  logic [POSITION_W:0] message_limit_q, message_limit_d;     // message_start + max_message_bytes
  logic end1_again_q, end1_again_d;                          // the previous cycle was in END1 as well
  logic value_above_limit, value_at_limit;                   // content_length_value > / == 429496729 (x10 overflows 32 bits)
  assign value_above_limit = content_length_value_q > 36'd429496729;
  assign value_at_limit = content_length_value_q == 36'd429496729;
  logic has_content_length_q, has_content_length_d;
  logic body_incomplete_q, body_incomplete_d;                // END_INCOMPLETE because the body is not all there (resume point)
  logic run_end_q, run_end_d;

  // ------------------------------------------------------------ helpers

  // the scan state after an SP/HTAB byte
  function automatic logic [1:0] state_after_space(input logic [1:0] state);
    state_after_space = (state == SCAN_DIGIT) ? SCAN_TRAIL : state;
  endfunction

  // The byte at scan_index, fetched the cycle before (the chunk is held while
  // it is scanned): its classes, low nibble and whether it is the last value
  // byte.
  logic [3:0] scan_nibble_q, scan_nibble_d;
  logic scan_digit_q, scan_digit_d, scan_space_q, scan_space_d, scan_last_q, scan_last_d;

  // ------------------------------------------------------------ line view (this chunk merged)
  logic summary_current, is_chunk;
  logic [POSITION_W-1:0] line_start;
  logic continuation, colon_before, colon_seen, name_end_valid, non_token_valid, bad_valid, value_here, value_set;
  // value_end, line_value_end: one past
  logic [POSITION_W-1:0] colon_position, bad_position, value_first, value_end, line_value_first, line_value_end;
  logic [5:0] value_first_index, value_last_index;
  logic name_ends_here, non_token_valid_before, non_token_in_name_before, non_token_in_name, name_too_long;
  logic name_length_one, is_content_length, id_zero;
  logic [46:0] singleton;  // bit k: header_id == k, for k in SINGLETONS (else 0)
  logic [15:0] name_length;
  logic [5:0] header_id;
  logic content_length_chunk;
  logic [5:0] value_region_start;

  assign summary_current = summary_valid && (summary_epoch == epoch_q);
  assign is_chunk = summary_current && summary_kind == sip_parse_pkg::TOKEN_CHUNK && mode_q == MODE_MESSAGE;

  always_comb begin
    line_start = summary_first ? summary_position : line_start_q;
    continuation = summary_first ? summary_byte0_whitespace : line_continuation_q;
    colon_before = summary_first ? 1'b0 : line_colon_q;
    colon_seen = colon_before || summary_colon_found;
    colon_position = colon_before ? line_colon_position_q : summary_colon_position;
    // The name ends in this chunk when a non-SP/HTAB byte precedes the
    // colon here. A later chunk of the line lies >= 64 bytes after its start,
    // so a name that ends there is no known name (id 0); otherwise the id,
    // length and flags of the line carry over.
    name_ends_here = !colon_before && summary_name_byte_found;
    name_end_valid = name_ends_here || (!summary_first && line_name_end_valid_q);
    name_length = name_ends_here ? summary_line_offset + {9'd0, summary_name_end_index} : line_name_length_q;
    name_too_long = name_ends_here ? summary_name_length_overflow : line_name_too_long_q;
    header_id = summary_first ? summary_header_id : (name_ends_here ? 6'd0 : line_id_q);
    name_length_one = summary_first ? summary_name_length_one : (name_ends_here ? 1'b0 : line_name_length_one_q);
    id_zero = summary_first ? (summary_header_id == 6'd0) : (name_ends_here ? 1'b1 : line_id_zero_q);
    for (int k = 0; k < 47; k++) begin
      if (SINGLETONS[k]) begin
        singleton[k] = summary_first ? (summary_header_id == 6'(k)) : (name_ends_here ? 1'b0 : line_singleton_q[k]);
      end else begin
        singleton[k] = 1'b0;
      end
    end
    is_content_length = singleton[sip_parse_pkg::ID_CONTENT_LENGTH];
    // "first non-token byte < one past the last name byte", kept as a flag
    non_token_valid_before = !summary_first && line_non_token_valid_q;
    non_token_in_name_before = !summary_first && line_non_token_in_name_q;
    non_token_valid = non_token_valid_before || (!colon_before && summary_non_token_found);
    if (colon_before || !summary_name_byte_found) non_token_in_name = non_token_in_name_before;
    else non_token_in_name = non_token_valid_before || (summary_non_token_found && summary_non_token_in_name);
    bad_valid = summary_first ? 1'b0 : line_bad_valid_q;
    bad_position = line_bad_position_q;
    if (!bad_valid && summary_bad_found) begin
      bad_valid = 1'b1;
      bad_position = summary_bad_position;
    end
    // value bytes of this chunk
    if (continuation || colon_before) begin
      value_here = summary_line_value_found;
      value_first = summary_line_value_first_position;
      value_end = summary_line_value_end_position;
      value_first_index = summary_line_value_first;
      value_last_index = summary_line_value_last;
      value_region_start = 6'd0;
    end else begin
      value_here = summary_colon_found && summary_colon_value_found;
      value_first = summary_colon_value_first_position;
      value_end = summary_colon_value_end_position;
      value_first_index = summary_colon_value_first;
      value_last_index = summary_colon_value_last;
      value_region_start = summary_colon_index + 6'd1;
    end
    value_set = summary_first ? 1'b0 : line_value_set_q;
    line_value_first = line_value_first_q;
    line_value_end = line_value_end_q;
    if (value_here) begin
      if (!value_set) line_value_first = value_first;
      value_set = 1'b1;
      line_value_end = value_end;
    end
    // Does this chunk feed the Content-Length check?
    if (summary_start_line) content_length_chunk = 1'b0;
    else if (continuation) content_length_chunk = summary_first ? pending_content_length_q : line_content_length_q;
    else if (colon_before) content_length_chunk = line_content_length_q;
    else content_length_chunk = summary_colon_found && name_end_valid && !content_length_seen_q && is_content_length;
  end

  // ------------------------------------------------------------ main
  always_comb begin
    logic hold, end_message, finish_previous, new_header;
    logic [7:0] end_error;
    logic [POSITION_W-1:0] end_position;
    end_kind_t end_kind;
    logic [1:0] scan_state;
    logic [35:0] value;

    mode_d = mode_q;
    epoch_d = epoch_q;
    stream_d = stream_q;
    segment_offset_d = segment_offset_q;
    segment_end_d = segment_end_q;
    segment_index_d = segment_index_q;
    segment_first_message_d = segment_first_message_q;
    segment_messages_d = segment_messages_q;
    consumed_d = consumed_q;
    next_message_d = next_message_q;
    next_header_d = next_header_q;
    message_start_d = message_start_q;
    first_header_d = first_header_q;
    header_count_d = header_count_q;
    seen_singletons_d = seen_singletons_q;
    content_length_seen_d = content_length_seen_q;
    content_length_position_d = content_length_position_q;
    content_length_state_d = content_length_state_q;
    content_length_value_d = content_length_value_q;
    start_line_done_d = start_line_done_q;
    pending_valid_d = pending_valid_q;
    pending_index_d = pending_index_q;
    pending_id_d = pending_id_q;
    pending_flags_d = pending_flags_q;
    pending_name_offset_d = pending_name_offset_q;
    pending_name_length_d = pending_name_length_q;
    pending_value_set_d = pending_value_set_q;
    pending_value_start_d = pending_value_start_q;
    pending_value_end_d = pending_value_end_q;
    pending_empty_value_d = pending_empty_value_q;
    pending_content_length_d = pending_content_length_q;
    line_start_d = line_start_q;
    line_continuation_d = line_continuation_q;
    line_colon_d = line_colon_q;
    line_name_end_valid_d = line_name_end_valid_q;
    line_non_token_valid_d = line_non_token_valid_q;
    line_bad_valid_d = line_bad_valid_q;
    line_colon_position_d = line_colon_position_q;
    line_bad_position_d = line_bad_position_q;
    line_non_token_in_name_d = line_non_token_in_name_q;
    line_name_length_d = line_name_length_q;
    line_name_too_long_d = line_name_too_long_q;
    line_id_d = line_id_q;
    line_name_length_one_d = line_name_length_one_q;
    line_id_zero_d = line_id_zero_q;
    line_singleton_d = line_singleton_q;
    line_value_set_d = line_value_set_q;
    line_value_first_d = line_value_first_q;
    line_value_end_d = line_value_end_q;
    line_content_length_d = line_content_length_q;
    scan_d = scan_q;
    scanned_d = scanned_q;
    scan_index_d = scan_index_q;
    end_kind_d = end_kind_q;
    end_error_d = end_error_q;
    end_position_d = end_position_q;
    header_end_d = header_end_q;
    body_d = body_q;
    total_d = total_q;
    has_content_length_d = has_content_length_q;
    body_incomplete_d = body_incomplete_q;
    header_length_d = header_length_q;
    message_end_d = message_end_q;
    message_beyond_segment_d = message_beyond_segment_q;
    total_above_maximum_d = total_above_maximum_q;
    message_capacity_reached_d = message_capacity_reached_q;
    consumed_after_d = consumed_after_q;
    message_limit_d = message_limit_q;
    run_end_d = run_end_q;

    summary_ready = 1'b1;
    commit = 1'b0;
    command_valid = 1'b0;
    command_jump = 1'b0;
    command_target = '0;
    start_line_window_valid = 1'b0;
    start_line_window_bytes = summary_bytes;
    start_line_window_count = 7'd0;
    start_line_window_last = 1'b0;
    start_line_flush = 1'b0;
    header_valid = 1'b0;
    header_index = pending_index_q;
    header_data = {pending_value_set_q ? 32'(pending_value_end_q - pending_value_start_q) : 32'd0,
                   pending_value_set_q ? 32'(pending_value_start_q - message_start_q)
                                       : 32'(pending_empty_value_q - message_start_q),
                   pending_name_offset_q, pending_name_length_q,
                   pending_flags_q | (pending_value_set_q ? 8'd0 : 8'h02),
                   2'b00, pending_id_q};
    message_valid = 1'b0;
    message_index = next_message_q;
    message_data = '0;
    segment_result_valid = 1'b0;
    segment_result_index = segment_index_q;
    segment_result_data = {96'd0, 24'd0, 8'd0, 32'd0, consumed_q, segment_messages_q, segment_first_message_q};

    hold = 1'b0;
    end_message = 1'b0;
    end_error = sip_parse_pkg::ERROR_NONE;
    end_position = '0;
    end_kind = END_FAIL;
    finish_previous = 1'b0;
    new_header = 1'b0;
    scan_state = content_length_state_q;
    value = content_length_value_q;

    unique case (mode_q)
      MODE_IDLE, MODE_SEGMENT, MODE_MESSAGE: begin
        if (summary_current && summary_kind == sip_parse_pkg::TOKEN_SEGMENT_BEGIN && mode_q == MODE_IDLE) begin
          stream_d = summary_stream;
          segment_offset_d = summary_segment_offset;
          segment_end_d = summary_segment_end;
          segment_first_message_d = next_message_q;
          segment_messages_d = 32'd0;
          consumed_d = 32'd0;
          mode_d = MODE_SEGMENT;
        end else if (summary_current && summary_kind == sip_parse_pkg::TOKEN_RUN_END && mode_q == MODE_IDLE) begin
          run_end_d = 1'b1;
          mode_d = MODE_FINISHED;
        end else if (summary_current && summary_kind == sip_parse_pkg::TOKEN_SEGMENT_END && mode_q == MODE_SEGMENT) begin
          segment_result_valid = 1'b1;
          segment_result_data = {96'd0, 24'd0, 8'd0, 32'd0, 32'(summary_position - POSITION_W'(segment_offset_q)), segment_messages_q, segment_first_message_q};
          if (!segment_result_ready) begin
            hold = 1'b1;
          end else begin
            segment_index_d = segment_index_q + 32'd1;
            mode_d = MODE_IDLE;
          end
        end else if (summary_current && summary_kind == sip_parse_pkg::TOKEN_MESSAGE_BEGIN && mode_q == MODE_SEGMENT) begin
          message_start_d = summary_position;
          message_limit_d = {1'b0, summary_position} + (POSITION_W+1)'(max_message_bytes);
          consumed_d = 32'(summary_position - POSITION_W'(segment_offset_q));
          first_header_d = next_header_q;
          header_count_d = 9'd0;
          seen_singletons_d = '0;
          content_length_seen_d = 1'b0;
          content_length_state_d = SCAN_LEAD;
          content_length_value_d = '0;
          start_line_done_d = 1'b0;
          pending_valid_d = 1'b0;
          pending_content_length_d = 1'b0;
          line_content_length_d = 1'b0;
          scan_d = 1'b0;
          scanned_d = 1'b0;
          body_incomplete_d = 1'b0;
          mode_d = MODE_MESSAGE;
        end else if (is_chunk) begin
          // ---- Content-Length bytes of this chunk, one per cycle
          if (content_length_chunk && !scanned_q) begin
            hold = 1'b1;
            if (!scan_q) begin
              if (!value_here || value_first_index != value_region_start) scan_state = state_after_space(scan_state);
              if (value_here) begin
                scan_d = 1'b1;
                scan_index_d = value_first_index;
              end else begin
                if (summary_has_lf || value_last_index != 6'd63) scan_state = state_after_space(scan_state);
                scanned_d = 1'b1;
              end
            end else begin
              if (scan_space_q) begin
                scan_state = state_after_space(scan_state);
              end else if (scan_digit_q && scan_state != SCAN_TRAIL && scan_state != SCAN_BAD) begin
                value = {content_length_value_q[32:0], 3'b000} + {content_length_value_q[34:0], 1'b0} + {32'd0, scan_nibble_q};
                // value > 0xFFFFFFFF, from the old value (429496729 * 10 + 5 = 0xFFFFFFFF)
                scan_state = (value_above_limit || (value_at_limit && scan_nibble_q > 4'd5)) ? SCAN_BAD : SCAN_DIGIT;
              end else begin
                scan_state = SCAN_BAD;
              end
              scan_index_d = scan_index_q + 6'd1;
              if (scan_last_q) begin
                if (summary_has_lf || scan_index_q != 6'd63) scan_state = state_after_space(scan_state);
                scan_d = 1'b0;
                scanned_d = 1'b1;
              end
            end
            content_length_state_d = scan_state;
            content_length_value_d = value;
          end else begin
            // ---- the line rules, in CpuSipParseEngine's order
            if (summary_first && !summary_start_line && summary_limit_is_0) begin
              end_message = 1'b1; end_kind = END_INCOMPLETE; end_position = summary_position; end_error = sip_parse_pkg::ERROR_BAD_HEADER_LINE;
            end else if (summary_first && !summary_start_line && summary_byte0_cr) begin
              if (summary_limit_is_1) begin
                end_message = 1'b1; end_kind = END_INCOMPLETE; end_position = summary_position; end_error = sip_parse_pkg::ERROR_BAD_HEADER_LINE;
              end else if (!summary_byte1_lf) begin
                end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BAD_BYTES; end_position = summary_position;
              end else begin
                end_message = 1'b1; end_kind = END_BLANK_LINE; finish_previous = 1'b1;
              end
            end else if (summary_first && !summary_start_line && summary_byte0_lf) begin
              end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BARE_LF; end_position = summary_position;
            end else if (!summary_has_lf) begin
              if (!summary_limit_is_64) begin
                // out of bytes (END_INCOMPLETE resolves header-too-long / incomplete / datagram error)
                end_message = 1'b1; end_kind = END_INCOMPLETE; end_position = line_start;
                end_error = summary_start_line ? sip_parse_pkg::ERROR_BAD_START_LINE : sip_parse_pkg::ERROR_BAD_HEADER_LINE;
              end else if (summary_start_line) begin
                start_line_window_valid = 1'b1;
                start_line_window_count = summary_byte63_crlf ? 7'd63 : 7'd64;
                if (!start_line_window_ready) hold = 1'b1;
              end
            end else if (!summary_cr_before_lf) begin
              end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BARE_LF; end_position = summary_lf_position;
            end else if (bad_valid) begin
              end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BAD_BYTES; end_position = bad_position;
            end else if (summary_start_line) begin
              start_line_window_valid = 1'b1;
              start_line_window_count = (summary_lf_index == 6'd0) ? 7'd0 : {1'b0, summary_lf_index - 6'd1};
              start_line_window_last = 1'b1;
              if (!start_line_window_ready) hold = 1'b1;
              else start_line_done_d = 1'b1;
            end else if (continuation) begin
              if (!pending_valid_q) begin
                end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BAD_HEADER_LINE; end_position = line_start;
              end else begin
                pending_flags_d = pending_flags_q | 8'h01;
                if (value_set) begin
                  if (!pending_value_set_q) pending_value_start_d = line_value_first;
                  pending_value_set_d = 1'b1;
                  pending_value_end_d = line_value_end;
                end
              end
            end else begin
              finish_previous = 1'b1;
              if (header_count_q == 9'(sip_parse_pkg::MAX_HEADERS) || next_header_q >= header_capacity) begin
                end_message = 1'b1; end_error = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; end_position = line_start;
              end else if (!colon_seen || !name_end_valid || name_too_long || (id_zero && non_token_valid && non_token_in_name)) begin
                end_message = 1'b1; end_error = sip_parse_pkg::ERROR_BAD_HEADER_LINE; end_position = line_start;
              end else begin
                new_header = 1'b1;
              end
            end

            // the previous header is complete: write it
            if (finish_previous && pending_valid_q) begin
              header_valid = 1'b1;
              if (!header_ready) hold = 1'b1;
            end
            if (hold) begin
              // nothing changes; the chunk waits
              end_message = 1'b0;
              new_header = 1'b0;
            end else begin
              scanned_d = 1'b0;
              if (finish_previous && pending_valid_q) begin
                pending_valid_d = 1'b0;
                if (pending_content_length_q) content_length_position_d = pending_value_set_q ? pending_value_start_q : pending_empty_value_q;
              end
              if (new_header) begin
                pending_valid_d = 1'b1;
                pending_index_d = next_header_q;
                next_header_d = next_header_q + 32'd1;
                header_count_d = header_count_q + 9'd1;
                pending_id_d = header_id;
                pending_flags_d = {4'd0, (!id_zero && name_length_one),
                             |(seen_singletons_q & singleton), 2'b00};
                seen_singletons_d = seen_singletons_q | singleton;   // only the SINGLETONS bits are ever read
                pending_name_offset_d = 32'(line_start - message_start_q);
                pending_name_length_d = name_length;
                pending_value_set_d = value_set;
                pending_value_start_d = line_value_first;
                pending_value_end_d = line_value_end;
                pending_empty_value_d = colon_position + POSITION_W'(1);
                pending_content_length_d = 1'b0;
                if (is_content_length && !content_length_seen_q) begin
                  content_length_seen_d = 1'b1;
                  pending_content_length_d = 1'b1;
                end
              end
              // line state for the next chunk
              line_start_d = line_start;
              line_continuation_d = continuation;
              line_colon_d = colon_seen;
              line_colon_position_d = colon_position;
              line_name_end_valid_d = name_end_valid;
              line_non_token_valid_d = non_token_valid;
              line_non_token_in_name_d = non_token_in_name;
              line_name_length_d = name_length;
              line_name_too_long_d = name_too_long;
              line_id_d = header_id;
              line_name_length_one_d = name_length_one;
              line_id_zero_d = id_zero;
              line_singleton_d = singleton;
              line_bad_valid_d = bad_valid;
              line_bad_position_d = bad_position;
              line_value_set_d = value_set;
              line_value_first_d = line_value_first;
              line_value_end_d = line_value_end;
              line_content_length_d = content_length_chunk;
              if (end_message) begin
                end_kind_d = end_kind;
                end_error_d = end_error;
                end_position_d = end_position;
                header_end_d = summary_position_plus_2;
                header_length_d = summary_position_plus_2 - message_start_q;
                mode_d = MODE_END1;
              end
            end
          end
        end
        // tokens of a stale epoch, or out of place, are dropped
        summary_ready = !hold;
        commit = !hold;
      end

      MODE_END1: begin
        summary_ready = 1'b0;
        // header_length + body and the message end, whatever the verdict
        if (content_length_seen_q) begin
          total_d = {1'b0, header_length_q} + {1'b0, POSITION_W'(content_length_value_q[31:0])};
          message_end_d = header_end_q + POSITION_W'(content_length_value_q[31:0]);
        end else begin
          total_d = {1'b0, segment_end_q - message_start_q};  // header_length + (segment end - header end)
          message_end_d = segment_end_q;
        end
        message_beyond_segment_d = message_end_d > segment_end_q;
        total_above_maximum_d = total_d > (POSITION_W+1)'(max_message_bytes);
        message_capacity_reached_d = next_message_q >= message_capacity;
        // from the second cycle on, total/message_end are registered: a late verdict
        // takes the END2 checks along and goes straight to END3
        consumed_after_d = 32'(message_end_q - POSITION_W'(segment_offset_q));
        if (start_line_done_q && !start_line_result_valid) begin
          // wait for the start-line verdict
        end else begin
          mode_d = end1_again_q ? MODE_END3 : MODE_END2;
          if (start_line_done_q && !start_line_result_ok) begin
            end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_BAD_START_LINE; end_position_d = message_start_q;
          end else if (end_kind_q == END_INCOMPLETE) begin
            if (message_limit_q <= {1'b0, segment_end_q}) begin
              end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_HEADER_TOO_LONG; end_position_d = message_start_q;
            end else if (!stream_q) begin
              end_kind_d = END_FAIL;  // the datagram error kept in end_error/end_position
            end
          end else if (end_kind_q == END_BLANK_LINE) begin
            has_content_length_d = content_length_seen_q;
            if (content_length_seen_q) begin
              body_d = POSITION_W'(content_length_value_q[31:0]);
              if (content_length_state_q != SCAN_DIGIT && content_length_state_q != SCAN_TRAIL) begin
                end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_BAD_CONTENT_LENGTH; end_position_d = content_length_position_q;
              end
            end else begin
              body_d = segment_end_q - header_end_q;
              if (stream_q) begin
                end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_MISSING_CONTENT_LENGTH; end_position_d = message_start_q;
              end
            end
            // END2's checks (has_content_length = content_length_seen_q), when they are taken along
            if (end1_again_q && !(content_length_seen_q && content_length_state_q != SCAN_DIGIT && content_length_state_q != SCAN_TRAIL) &&
                !(!content_length_seen_q && stream_q)) begin
              if (total_above_maximum_q) begin
                end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_MESSAGE_TOO_LARGE;
                end_position_d = content_length_seen_q ? content_length_position_q : message_start_q;
              end else if (content_length_seen_q && message_beyond_segment_q) begin
                if (stream_q) begin
                  end_kind_d = END_INCOMPLETE;
                  body_incomplete_d = 1'b1;
                end else begin
                  end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_BODY_TRUNCATED; end_position_d = header_end_q;
                end
              end else if (message_capacity_reached_q) begin
                end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; end_position_d = message_start_q;
              end
            end
          end
        end
      end

      MODE_END2: begin
        summary_ready = 1'b0;
        mode_d = MODE_END3;
        consumed_after_d = 32'(message_end_q - POSITION_W'(segment_offset_q));
        if (end_kind_q == END_BLANK_LINE) begin
          if (total_above_maximum_q) begin
            end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_MESSAGE_TOO_LARGE;
            end_position_d = has_content_length_q ? content_length_position_q : message_start_q;
          end else if (has_content_length_q && message_beyond_segment_q) begin
            if (stream_q) begin
              end_kind_d = END_INCOMPLETE;
              body_incomplete_d = 1'b1;
            end else begin
              end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_BODY_TRUNCATED; end_position_d = header_end_q;
            end
          end else if (message_capacity_reached_q) begin
            end_kind_d = END_FAIL; end_error_d = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; end_position_d = message_start_q;
          end
        end
      end

      MODE_END3: begin
        // The token at the input waits: it may already be the next segment's.
        summary_ready = 1'b0;
        message_data = {32'd0, 16'd0, start_line_status,
                    start_line_reason_length, start_line_reason_offset, start_line_version_length, start_line_version_offset,
                    start_line_result_request ? start_line_uri_length : 32'd0, start_line_result_request ? start_line_method_length + 32'd1 : 32'd0,
                    start_line_result_request ? start_line_method_length : 32'd0, 32'd0,
                    8'd0, {6'd0, has_content_length_q, start_line_result_request}, 16'(header_count_q), first_header_q,
                    32'(total_q), 32'(body_q), 32'(header_length_q), 32'(message_start_q - POSITION_W'(segment_offset_q))};
        if (end_kind_q == END_BLANK_LINE) begin
          // a complete message
          message_valid = 1'b1;
          if (!stream_q) begin
            segment_result_valid = 1'b1;
            segment_result_data = {96'd0, 24'd0, 8'd0, 32'd0, consumed_after_q,
                        segment_messages_q + 32'd1, segment_first_message_q};
          end
          if (message_ready && (stream_q || segment_result_ready)) begin
            commit = 1'b1;
            start_line_flush = 1'b1;
            next_message_d = next_message_q + 32'd1;
            segment_messages_d = segment_messages_q + 32'd1;
            consumed_d = consumed_after_q;
            command_valid = stream_q;   // a datagram's chunker has moved on already
            epoch_d = ~epoch_q;
            if (stream_q) begin
              command_jump = 1'b1;
              command_target = message_end_q;
              mode_d = MODE_SEGMENT;
            end else begin
              segment_index_d = segment_index_q + 32'd1;
              mode_d = MODE_IDLE;
            end
          end
        end else begin
          segment_result_valid = 1'b1;
          if (end_kind_q == END_FAIL) begin
            segment_result_data = {96'd0, 24'd0, end_error_q, 32'(end_position_q - POSITION_W'(segment_offset_q)), consumed_q, segment_messages_q, segment_first_message_q};
          end else begin
            // stream, incomplete: the resume point is the message's total
            // length once its header block framed it (total <= max_message_bytes here)
            segment_result_data = {64'd0, body_incomplete_q ? 32'(total_q) : 32'd0, 24'd0, 8'd0, 32'd0,
                        consumed_q, segment_messages_q, segment_first_message_q};
          end
          if (segment_result_ready) begin
            commit = 1'b1;
            start_line_flush = 1'b1;
            next_header_d = first_header_q;   // the failed message leaves no records
            command_valid = stream_q;   // a datagram's chunker has moved on already
            epoch_d = ~epoch_q;
            segment_index_d = segment_index_q + 32'd1;
            mode_d = MODE_IDLE;
          end
        end
      end

      MODE_FINISHED: ;
      default: mode_d = MODE_FINISHED;
    endcase

    if (run_start) begin
      mode_d = MODE_IDLE;
      epoch_d = 1'b0;
      segment_index_d = 32'd0;
      next_message_d = 32'd0;
      next_header_d = 32'd0;
      run_end_d = 1'b0;
    end
  end

  assign run_end = run_end_q;
  assign command_epoch = epoch_q;

  // next byte of the scan: the first value byte when it starts, else the one
  // after scan_index
  always_comb begin
    if (!scan_q) begin
      {scan_digit_d, scan_space_d, scan_nibble_d} = (continuation || colon_before) ? summary_line_value_first_class
                                                                                   : summary_colon_value_first_class;
      scan_last_d = (value_first_index == value_last_index);
    end else begin
      scan_digit_d = summary_digit_mask[scan_index_q + 6'd1];
      scan_space_d = summary_space_mask[scan_index_q + 6'd1];
      scan_nibble_d = summary_bytes[(scan_index_q + 6'd1)*8 +: 4];
      scan_last_d = (scan_index_q + 6'd1 == value_last_index);
    end
    end1_again_d = (mode_q == MODE_END1);
  end

  // ------------------------------------------------------------ registers
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      mode_q <= MODE_FINISHED;
      epoch_q <= 1'b0;
      run_end_q <= 1'b0;
      scan_q <= 1'b0;
      scanned_q <= 1'b0;
    end else begin
      mode_q <= mode_d;
      epoch_q <= epoch_d;
      run_end_q <= run_end_d;
      scan_q <= scan_d;
      scanned_q <= scanned_d;
    end
  end

  always_ff @(posedge clk) begin
    stream_q <= stream_d;
    segment_offset_q <= segment_offset_d;
    segment_end_q <= segment_end_d;
    segment_index_q <= segment_index_d;
    segment_first_message_q <= segment_first_message_d;
    segment_messages_q <= segment_messages_d;
    consumed_q <= consumed_d;
    next_message_q <= next_message_d;
    next_header_q <= next_header_d;
    message_start_q <= message_start_d;
    first_header_q <= first_header_d;
    header_count_q <= header_count_d;
    seen_singletons_q <= seen_singletons_d;
    content_length_seen_q <= content_length_seen_d;
    content_length_position_q <= content_length_position_d;
    content_length_state_q <= content_length_state_d;
    content_length_value_q <= content_length_value_d;
    start_line_done_q <= start_line_done_d;
    pending_valid_q <= pending_valid_d;
    pending_index_q <= pending_index_d;
    pending_id_q <= pending_id_d;
    pending_flags_q <= pending_flags_d;
    pending_name_offset_q <= pending_name_offset_d;
    pending_name_length_q <= pending_name_length_d;
    pending_value_set_q <= pending_value_set_d;
    pending_value_start_q <= pending_value_start_d;
    pending_value_end_q <= pending_value_end_d;
    pending_empty_value_q <= pending_empty_value_d;
    pending_content_length_q <= pending_content_length_d;
    line_start_q <= line_start_d;
    line_continuation_q <= line_continuation_d;
    line_colon_q <= line_colon_d;
    line_name_end_valid_q <= line_name_end_valid_d;
    line_non_token_valid_q <= line_non_token_valid_d;
    line_bad_valid_q <= line_bad_valid_d;
    line_colon_position_q <= line_colon_position_d;
    line_bad_position_q <= line_bad_position_d;
    line_non_token_in_name_q <= line_non_token_in_name_d;
    line_name_length_q <= line_name_length_d;
    line_name_too_long_q <= line_name_too_long_d;
    line_id_q <= line_id_d;
    line_name_length_one_q <= line_name_length_one_d;
    line_id_zero_q <= line_id_zero_d;
    line_singleton_q <= line_singleton_d;
    line_value_set_q <= line_value_set_d;
    line_value_first_q <= line_value_first_d;
    line_value_end_q <= line_value_end_d;
    line_content_length_q <= line_content_length_d;
    scan_index_q <= scan_index_d;
    end_kind_q <= end_kind_d;
    end_error_q <= end_error_d;
    end_position_q <= end_position_d;
    header_end_q <= header_end_d;
    body_q <= body_d;
    total_q <= total_d;
    has_content_length_q <= has_content_length_d;
    body_incomplete_q <= body_incomplete_d;
    header_length_q <= header_length_d;
    message_end_q <= message_end_d;
    message_beyond_segment_q <= message_beyond_segment_d;
    total_above_maximum_q <= total_above_maximum_d;
    message_capacity_reached_q <= message_capacity_reached_d;
    consumed_after_q <= consumed_after_d;
    message_limit_q <= message_limit_d;
    scan_digit_q <= scan_digit_d;
    scan_space_q <= scan_space_d;
    scan_nibble_q <= scan_nibble_d;
    scan_last_q <= scan_last_d;
    end1_again_q <= end1_again_d;
  end

endmodule

`default_nettype wire
