// sip_parse_writer: the write side of m_axi_gmem. Records come in through
// small FIFOs (so the walker sees a registered ready and its decisions reach
// no further than the FIFO); three gatherers (segment results, message
// records, header records) each offer one burst at a time; this arbiter sends
// them round-robin (AW, then the W beats) and counts the write responses
// still owed.
`default_nettype none

module sip_parse_writer #(
  // Beats per gathered group (burst length bound). Legal: 2, 4 or 8.
  parameter int unsigned GROUP_BEATS = 4
) (
  input  wire logic         clk,
  input  wire logic         rst_n,
  input  wire logic         run_start,
  input  wire logic [63:0]  segment_results_address,
  input  wire logic [63:0]  messages_address,
  input  wire logic [63:0]  headers_address,
  input  wire logic         flush,                  // level: the walker is done, send what is gathered
  input  wire logic         segment_result_valid,
  output logic              segment_result_ready,
  input  wire logic [31:0]  segment_result_index,
  input  wire logic [255:0] segment_result_data,
  input  wire logic         message_valid,
  output logic              message_ready,
  input  wire logic [31:0]  message_index,
  input  wire logic [511:0] message_data,
  input  wire logic         header_valid,
  output logic              header_ready,
  input  wire logic [31:0]  header_index,
  input  wire logic [127:0] header_data,
  output logic              all_written,            // nothing gathered, nothing in flight
  // m_axi_gmem write channels
  output logic              awvalid,
  input  wire logic         awready,
  output logic [63:0]       awaddr,
  output logic [7:0]        awlen,
  output logic              wvalid,
  input  wire logic         wready,
  output logic [511:0]      wdata,
  output logic [63:0]       wstrb,
  output logic              wlast,
  input  wire logic         bvalid,
  output logic              bready,
  input  wire logic [1:0]   bresp
);

  generate
    if (GROUP_BEATS != 2 && GROUP_BEATS != 4 && GROUP_BEATS != 8) begin : g_bad_group_beats
      $fatal(1, "sip_parse_writer: GROUP_BEATS must be 2, 4 or 8");
    end
  endgenerate

  logic [2:0] burst_valid, burst_sent, group_idle;
  logic [63:0] burst_address [3];
  logic [7:0] burst_length [3];
  logic [511:0] burst_data [3];
  logic [63:0] burst_strobes [3];
  logic [2:0] beat_q, beat_d;

  // input FIFOs: {group differs from the previous record's, index, data}
  logic segment_out_valid, segment_out_ready, message_out_valid, message_out_ready;
  logic header_out_valid, header_out_ready;
  logic [288:0] segment_head;
  logic [544:0] message_head;
  logic [160:0] header_head;
  // group of a record index: records per beat 2, 1, 4 (segment, message, header), GROUP_BEATS beats
  localparam int unsigned GROUP_SHIFT = $clog2(GROUP_BEATS);
  logic [31:0] segment_group_q, segment_group_d, message_group_q, message_group_d;
  logic [31:0] header_group_q, header_group_d;
  logic segment_new_group, message_new_group, header_new_group;
  always_comb begin
    segment_new_group = ((segment_result_index >> (1 + GROUP_SHIFT)) != segment_group_q);
    message_new_group = ((message_index >> GROUP_SHIFT) != message_group_q);
    header_new_group = ((header_index >> (2 + GROUP_SHIFT)) != header_group_q);
    segment_group_d = segment_result_valid ? segment_result_index >> (1 + GROUP_SHIFT) : segment_group_q;
    message_group_d = message_valid ? message_index >> GROUP_SHIFT : message_group_q;
    header_group_d = header_valid ? header_index >> (2 + GROUP_SHIFT) : header_group_q;
  end
  always_ff @(posedge clk) begin
    segment_group_q <= segment_group_d;
    message_group_q <= message_group_d;
    header_group_q <= header_group_d;
  end

  logic [1:0] segment_queue_count, message_queue_count;
  logic [2:0] header_queue_count;
  sync_fifo #(
    .WIDTH          (289),
    .DEPTH          (2),
    .REGISTERED_READ(1)
  ) u_segment_queue (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (segment_result_valid),
    .in_ready (segment_result_ready),
    .in_data  ({segment_new_group, segment_result_index, segment_result_data}),
    .out_valid(segment_out_valid),
    .out_ready(segment_out_ready),
    .out_data (segment_head),
    .count    (segment_queue_count)
  );
  sync_fifo #(
    .WIDTH          (545),
    .DEPTH          (2),
    .REGISTERED_READ(1)
  ) u_message_queue (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (message_valid),
    .in_ready (message_ready),
    .in_data  ({message_new_group, message_index, message_data}),
    .out_valid(message_out_valid),
    .out_ready(message_out_ready),
    .out_data (message_head),
    .count    (message_queue_count)
  );
  sync_fifo #(
    .WIDTH          (161),
    .DEPTH          (4),
    .REGISTERED_READ(1)
  ) u_header_queue (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (header_valid),
    .in_ready (header_ready),
    .in_data  ({header_new_group, header_index, header_data}),
    .out_valid(header_out_valid),
    .out_ready(header_out_ready),
    .out_data (header_head),
    .count    (header_queue_count)
  );
  logic segment_record_ready, message_record_ready, header_record_ready;
  assign segment_out_ready = segment_out_valid && segment_record_ready;
  assign message_out_ready = message_out_valid && message_record_ready;
  assign header_out_ready = header_out_valid && header_record_ready;

  sip_parse_wgroup #(
    .RECORD_BYTES(32),
    .GROUP_BEATS (GROUP_BEATS)
  ) u_segment_group (
    .clk             (clk),
    .rst_n           (rst_n),
    .run_start       (run_start),
    .base_address    (segment_results_address),
    .flush           (flush),
    .record_valid    (segment_out_valid),
    .record_ready    (segment_record_ready),
    .record_index    (segment_head[287:256]),
    .record_new_group(segment_head[288]),
    .record_data     (segment_head[255:0]),
    .idle            (group_idle[0]),
    .burst_valid     (burst_valid[0]),
    .burst_address   (burst_address[0]),
    .burst_length    (burst_length[0]),
    .beat_select     (beat_q),
    .beat_data       (burst_data[0]),
    .beat_strobes    (burst_strobes[0]),
    .burst_sent      (burst_sent[0])
  );
  sip_parse_wgroup #(
    .RECORD_BYTES(64),
    .GROUP_BEATS (GROUP_BEATS)
  ) u_message_group (
    .clk             (clk),
    .rst_n           (rst_n),
    .run_start       (run_start),
    .base_address    (messages_address),
    .flush           (flush),
    .record_valid    (message_out_valid),
    .record_ready    (message_record_ready),
    .record_index    (message_head[543:512]),
    .record_new_group(message_head[544]),
    .record_data     (message_head[511:0]),
    .idle            (group_idle[1]),
    .burst_valid     (burst_valid[1]),
    .burst_address   (burst_address[1]),
    .burst_length    (burst_length[1]),
    .beat_select     (beat_q),
    .beat_data       (burst_data[1]),
    .beat_strobes    (burst_strobes[1]),
    .burst_sent      (burst_sent[1])
  );
  sip_parse_wgroup #(
    .RECORD_BYTES(16),
    .GROUP_BEATS (GROUP_BEATS)
  ) u_header_group (
    .clk             (clk),
    .rst_n           (rst_n),
    .run_start       (run_start),
    .base_address    (headers_address),
    .flush           (flush),
    .record_valid    (header_out_valid),
    .record_ready    (header_record_ready),
    .record_index    (header_head[159:128]),
    .record_new_group(header_head[160]),
    .record_data     (header_head[127:0]),
    .idle            (group_idle[2]),
    .burst_valid     (burst_valid[2]),
    .burst_address   (burst_address[2]),
    .burst_length    (burst_length[2]),
    .beat_select     (beat_q),
    .beat_data       (burst_data[2]),
    .beat_strobes    (burst_strobes[2]),
    .burst_sent      (burst_sent[2])
  );

  typedef enum logic [1:0] {S_IDLE, S_ADDRESS, S_DATA} state_t;
  state_t state_q, state_d;
  logic [1:0] select_q, select_d, round_robin_q, round_robin_d;
  logic [15:0] responses_owed_q, responses_owed_d;  // write responses still to come

  logic [1:0] pick;
  logic any_burst;
  always_comb begin
    pick = round_robin_q;
    any_burst = 1'b0;
    for (int k = 2; k >= 0; k--) begin
      logic [1:0] candidate;
      candidate = (round_robin_q + 2'(k) >= 2'd3) ? round_robin_q + 2'(k) - 2'd3 : round_robin_q + 2'(k);
      if (burst_valid[candidate]) begin
        pick = candidate;
        any_burst = 1'b1;
      end
    end
  end

  assign awvalid = (state_q == S_ADDRESS);
  assign awaddr = burst_address[select_q];
  assign awlen = burst_length[select_q];
  assign wvalid = (state_q == S_DATA);
  assign wdata = burst_data[select_q];
  assign wstrb = burst_strobes[select_q];
  assign wlast = (8'(beat_q) == burst_length[select_q]);
  assign bready = 1'b1;
  assign all_written = (&group_idle) && state_q == S_IDLE && responses_owed_q == 16'd0 &&
                       segment_queue_count == '0 && message_queue_count == '0 && header_queue_count == '0;

  always_comb begin
    burst_sent = 3'b000;
    if (state_q == S_DATA && wready && wlast) burst_sent[select_q] = 1'b1;
  end

  always_comb begin
    state_d = state_q;
    select_d = select_q;
    round_robin_d = round_robin_q;
    beat_d = beat_q;
    responses_owed_d = responses_owed_q + 16'(awvalid && awready) - 16'(bvalid);
    unique case (state_q)
      S_IDLE: if (any_burst) begin
        select_d = pick;
        round_robin_d = (pick == 2'd2) ? 2'd0 : pick + 2'd1;
        beat_d = 3'd0;
        state_d = S_ADDRESS;
      end
      S_ADDRESS: if (awready) state_d = S_DATA;
      S_DATA: if (wready) begin
        if (wlast) state_d = S_IDLE;
        else beat_d = beat_q + 3'd1;
      end
      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      state_q <= S_IDLE;
      select_q <= 2'd0;
      round_robin_q <= 2'd0;
      responses_owed_q <= 16'd0;
      beat_q <= 3'd0;
    end else begin
      state_q <= state_d;
      select_q <= select_d;
      round_robin_q <= round_robin_d;
      responses_owed_q <= responses_owed_d;
      beat_q <= beat_d;
    end
  end

  // Error responses are not expected from device memory; the kernel has no
  // way to report them per record, so they are ignored.
  logic unused;
  assign unused = ^bresp;

endmodule

`default_nettype wire
