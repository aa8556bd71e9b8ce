// sip_parse: Vitis RTL kernel that writes the SIP header index of
// host/offload/sip_index.h for a batch of stream segments, byte for byte what
// CpuSipParseEngine writes (docs/kernels.md, docs/header-index.md).
//
//   reader ---> chunker ---> analyzer (3 stages, queue) ---> walker ---> writer
//   (m_axi)     line chunks   bitmasks -> positions  credits   |  ^   (FIFOs, m_axi)
//                  ^                                          v  |
//                  +------ next message / drop ---------  start_line
//
// One 64-byte chunk per cycle: the chunker cuts lines at the LFs of the beat
// bitmasks, the analyzer classifies (LF, CR, ':', SP/HTAB, control, token)
// and reduces to positions, the walker applies the line rules and writes
// records. The start line is checked by a separate scanner that runs beside
// the header lines. Every hand-off waits on registered state only (analyzer
// credits, FIFO fill levels), so no ready signal runs through several units.
`default_nettype none

module sip_parse #(
  // Control address width (0x00-0x7F). Legal: 7.
  parameter int unsigned C_S_AXI_CONTROL_ADDR_WIDTH = 7,
  // Device data width. Legal: 512.
  parameter int unsigned C_M_AXI_GMEM_DATA_WIDTH = 512,
  // Bytes of the start line scanned per cycle. Legal: 1, 2, 4 or 8.
  parameter int unsigned START_LINE_BYTES_PER_CYCLE = 2,
  // Read-ahead queue of segment beats. Legal: a power of two, 64..1024.
  parameter int unsigned READ_QUEUE_BEATS = 128
) (
  input  wire logic                                 ap_clk,
  input  wire logic                                 ap_rst_n,
  /* verilator lint_off SYMRSVDWORD */  // the port name is fixed by docs/kernels.md
  output logic                                      interrupt,
  /* verilator lint_on SYMRSVDWORD */
  // s_axi_control
  input  wire logic                                 s_axi_control_awvalid,
  output logic                                      s_axi_control_awready,
  input  wire logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_awaddr,
  input  wire logic                                 s_axi_control_wvalid,
  output logic                                      s_axi_control_wready,
  input  wire logic [31:0]                          s_axi_control_wdata,
  input  wire logic [3:0]                           s_axi_control_wstrb,
  output logic                                      s_axi_control_bvalid,
  input  wire logic                                 s_axi_control_bready,
  output logic [1:0]                                s_axi_control_bresp,
  input  wire logic                                 s_axi_control_arvalid,
  output logic                                      s_axi_control_arready,
  input  wire logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_araddr,
  output logic                                      s_axi_control_rvalid,
  input  wire logic                                 s_axi_control_rready,
  output logic [31:0]                               s_axi_control_rdata,
  output logic [1:0]                                s_axi_control_rresp,
  // m_axi_gmem
  output logic                                      m_axi_gmem_awvalid,
  input  wire logic                                 m_axi_gmem_awready,
  output logic [63:0]                               m_axi_gmem_awaddr,
  output logic [7:0]                                m_axi_gmem_awlen,
  output logic [2:0]                                m_axi_gmem_awsize,
  output logic [1:0]                                m_axi_gmem_awburst,
  output logic                                      m_axi_gmem_wvalid,
  input  wire logic                                 m_axi_gmem_wready,
  output logic [C_M_AXI_GMEM_DATA_WIDTH-1:0]        m_axi_gmem_wdata,
  output logic [C_M_AXI_GMEM_DATA_WIDTH/8-1:0]      m_axi_gmem_wstrb,
  output logic                                      m_axi_gmem_wlast,
  input  wire logic                                 m_axi_gmem_bvalid,
  output logic                                      m_axi_gmem_bready,
  input  wire logic [1:0]                           m_axi_gmem_bresp,
  output logic                                      m_axi_gmem_arvalid,
  input  wire logic                                 m_axi_gmem_arready,
  output logic [63:0]                               m_axi_gmem_araddr,
  output logic [7:0]                                m_axi_gmem_arlen,
  output logic [2:0]                                m_axi_gmem_arsize,
  output logic [1:0]                                m_axi_gmem_arburst,
  input  wire logic                                 m_axi_gmem_rvalid,
  output logic                                      m_axi_gmem_rready,
  input  wire logic [C_M_AXI_GMEM_DATA_WIDTH-1:0]   m_axi_gmem_rdata,
  input  wire logic                                 m_axi_gmem_rlast,
  input  wire logic [1:0]                           m_axi_gmem_rresp
);

  generate
    if (C_S_AXI_CONTROL_ADDR_WIDTH != 7) begin : g_bad_control_address
      $fatal(1, "sip_parse: C_S_AXI_CONTROL_ADDR_WIDTH must be 7");
    end
    if (C_M_AXI_GMEM_DATA_WIDTH != 512) begin : g_bad_gmem_data
      $fatal(1, "sip_parse: C_M_AXI_GMEM_DATA_WIDTH must be 512");
    end
    if (START_LINE_BYTES_PER_CYCLE != 1 && START_LINE_BYTES_PER_CYCLE != 2 && START_LINE_BYTES_PER_CYCLE != 4 &&
        START_LINE_BYTES_PER_CYCLE != 8) begin : g_bad_start_line_bytes
      $fatal(1, "sip_parse: START_LINE_BYTES_PER_CYCLE must be 1, 2, 4 or 8");
    end
    if (READ_QUEUE_BEATS < 64 || READ_QUEUE_BEATS > 1024 ||
        (READ_QUEUE_BEATS & (READ_QUEUE_BEATS - 1)) != 0) begin : g_bad_read_queue
      $fatal(1, "sip_parse: READ_QUEUE_BEATS must be a power of two in 64..1024");
    end
  endgenerate

  localparam int unsigned POSITION_W = sip_parse_pkg::POSITION_W;

  // ---------------------------------------------------------------- control
  logic run_start, run_done;
  logic [63:0] bytes, segments, segment_results, messages, headers;
  logic [31:0] segment_count, max_message_bytes, message_capacity, header_capacity;

  // Argument words from 0x10 (docs/kernels.md "sip_parse"): bytes 0-1,
  // segments 3-4, segment_results 6-7, messages 9-10, headers 12-13 (64-bit
  // pointers, third word reserved), segment_count 15, max_message_bytes 17,
  // message_capacity 19, header_capacity 21 (scalars, second word reserved).
  localparam int unsigned ARG_WORDS = 23;
  localparam logic [ARG_WORDS-1:0] ARG_MAPPED = 23'b010_1010_1011_0110_1101_1011;
  /* verilator lint_off UNUSEDSIGNAL */  // the reserved words (constant 0)
  logic [32*ARG_WORDS-1:0] args;
  /* verilator lint_on UNUSEDSIGNAL */

  vitis_control_s_axi #(
    .C_S_AXI_CONTROL_ADDR_WIDTH(C_S_AXI_CONTROL_ADDR_WIDTH),
    .C_S_AXI_CONTROL_DATA_WIDTH(32),
    .ARG_WORDS                 (ARG_WORDS),
    .ARG_MAPPED                (ARG_MAPPED)
  ) u_control (
    .ap_clk               (ap_clk),
    .ap_rst_n             (ap_rst_n),
    .s_axi_control_awvalid(s_axi_control_awvalid),
    .s_axi_control_awready(s_axi_control_awready),
    .s_axi_control_awaddr (s_axi_control_awaddr),
    .s_axi_control_wvalid (s_axi_control_wvalid),
    .s_axi_control_wready (s_axi_control_wready),
    .s_axi_control_wdata  (s_axi_control_wdata),
    .s_axi_control_wstrb  (s_axi_control_wstrb),
    .s_axi_control_bvalid (s_axi_control_bvalid),
    .s_axi_control_bready (s_axi_control_bready),
    .s_axi_control_bresp  (s_axi_control_bresp),
    .s_axi_control_arvalid(s_axi_control_arvalid),
    .s_axi_control_arready(s_axi_control_arready),
    .s_axi_control_araddr (s_axi_control_araddr),
    .s_axi_control_rvalid (s_axi_control_rvalid),
    .s_axi_control_rready (s_axi_control_rready),
    .s_axi_control_rdata  (s_axi_control_rdata),
    .s_axi_control_rresp  (s_axi_control_rresp),
    .interrupt            (interrupt),
    .run_start            (run_start),
    .run_done             (run_done),
    .args                 (args)
  );
  assign bytes = args[32 * 0 +: 64];
  assign segments = args[32 * 3 +: 64];
  assign segment_results = args[32 * 6 +: 64];
  assign messages = args[32 * 9 +: 64];
  assign headers = args[32 * 12 +: 64];
  assign segment_count = args[32 * 15 +: 32];
  assign max_message_bytes = args[32 * 17 +: 32];
  assign message_capacity = args[32 * 19 +: 32];
  assign header_capacity = args[32 * 21 +: 32];

  // ---------------------------------------------------------------- reader
  logic busy_q, busy_d, done_q, done_d;
  logic segment_valid, segment_ready, segment_stream, beat_valid, beat_ready;
  logic [5:0] segment_offset;
  logic [31:0] segment_length;
  logic [511:0] beat_data;

  sip_parse_reader #(
    .DATA_DEPTH      (READ_QUEUE_BEATS),
    .DESCRIPTOR_DEPTH(4)
  ) u_reader (
    .clk             (ap_clk),
    .rst_n           (ap_rst_n),
    .run_start       (run_start),
    .running         (busy_q),
    .bytes_address   (bytes),
    .segments_address(segments),
    .segment_count   (segment_count),
    .arvalid         (m_axi_gmem_arvalid),
    .arready         (m_axi_gmem_arready),
    .araddr          (m_axi_gmem_araddr),
    .arlen           (m_axi_gmem_arlen),
    .rvalid          (m_axi_gmem_rvalid),
    .rready          (m_axi_gmem_rready),
    .rdata           (m_axi_gmem_rdata),
    .rlast           (m_axi_gmem_rlast),
    .segment_valid   (segment_valid),
    .segment_ready   (segment_ready),
    .segment_offset  (segment_offset),
    .segment_length  (segment_length),
    .segment_stream  (segment_stream),
    .beat_valid      (beat_valid),
    .beat_ready      (beat_ready),
    .beat_data       (beat_data)
  );
  assign m_axi_gmem_arsize = 3'd6;   // 64-byte beats
  assign m_axi_gmem_arburst = 2'b01;  // INCR

  // ---------------------------------------------------------------- chunker
  logic commit, token_credit, command_valid, command_epoch, command_jump;
  logic [POSITION_W-1:0] command_target;
  logic token_valid, token_epoch, token_first, token_start_line, token_stream;
  logic [2:0] token_kind;
  logic [POSITION_W-1:0] token_position, token_segment_end;
  logic [6:0] token_limit;
  logic [66*8-1:0] token_window;
  logic [63:0] token_lf_visible;
  logic [5:0] token_segment_offset;

  sip_parse_chunker #(
    .POSITION_W(POSITION_W)
  ) u_chunker (
    .clk                 (ap_clk),
    .rst_n               (ap_rst_n),
    .run_start           (run_start),
    .segment_count       (segment_count),
    .max_message_bytes   (max_message_bytes),
    .segment_valid       (segment_valid),
    .segment_ready       (segment_ready),
    .segment_offset      (segment_offset),
    .segment_length      (segment_length),
    .segment_stream      (segment_stream),
    .beat_valid          (beat_valid),
    .beat_ready          (beat_ready),
    .beat_data           (beat_data),
    .command_valid       (command_valid),
    .command_epoch       (command_epoch),
    .command_jump        (command_jump),
    .command_target      (command_target),
    .token_credit        (token_credit),
    .token_valid         (token_valid),
    .token_epoch         (token_epoch),
    .token_kind          (token_kind),
    .token_position      (token_position),
    .token_first         (token_first),
    .token_start_line    (token_start_line),
    .token_limit         (token_limit),
    .token_window        (token_window),
    .token_lf_visible    (token_lf_visible),
    .token_stream        (token_stream),
    .token_segment_offset(token_segment_offset),
    .token_segment_end   (token_segment_end)
  );

  // ---------------------------------------------------------------- analyzer
  logic summary_valid, summary_epoch, summary_first, summary_start_line, summary_stream, summary_byte0_cr;
  logic summary_byte0_lf, summary_byte0_whitespace, summary_byte1_lf, summary_byte63_crlf, summary_has_lf;
  logic summary_cr_before_lf, summary_bad_found, summary_colon_found, summary_name_byte_found;
  logic summary_non_token_found, summary_non_token_in_name, summary_name_length_overflow;
  logic summary_name_length_one, summary_limit_is_0, summary_limit_is_1, summary_limit_is_64;
  logic summary_line_value_found, summary_colon_value_found;
  logic [15:0] summary_line_offset;
  logic [2:0] summary_kind;
  logic [511:0] summary_bytes;
  logic [5:0] summary_segment_offset, summary_lf_index, summary_colon_index, summary_header_id;
  logic [5:0] summary_line_value_first, summary_line_value_last, summary_colon_value_first;
  logic [5:0] summary_colon_value_last, summary_line_value_first_class, summary_colon_value_first_class;
  logic [63:0] summary_digit_mask, summary_space_mask;
  logic [6:0] summary_name_end_index;
  logic [POSITION_W-1:0] summary_position, summary_segment_end, summary_lf_position, summary_bad_position;
  logic [POSITION_W-1:0] summary_colon_position, summary_line_value_first_position;
  logic [POSITION_W-1:0] summary_line_value_end_position, summary_colon_value_first_position;
  logic [POSITION_W-1:0] summary_colon_value_end_position, summary_position_plus_2;
  logic summary_ready;

  sip_parse_analyzer #(
    .POSITION_W(POSITION_W)
  ) u_analyzer (
    .clk                               (ap_clk),
    .rst_n                             (ap_rst_n),
    .run_start                         (run_start),
    .token_credit                      (token_credit),
    .token_valid                       (token_valid),
    .token_epoch                       (token_epoch),
    .token_kind                        (token_kind),
    .token_position                    (token_position),
    .token_first                       (token_first),
    .token_start_line                  (token_start_line),
    .token_limit                       (token_limit),
    .token_lf_visible                  (token_lf_visible),
    .token_window                      (token_window),
    .token_stream                      (token_stream),
    .token_segment_offset              (token_segment_offset),
    .token_segment_end                 (token_segment_end),
    .summary_valid                     (summary_valid),
    .summary_ready                     (summary_ready),
    .summary_epoch                     (summary_epoch),
    .summary_kind                      (summary_kind),
    .summary_position                  (summary_position),
    .summary_first                     (summary_first),
    .summary_start_line                (summary_start_line),
    .summary_bytes                     (summary_bytes),
    .summary_stream                    (summary_stream),
    .summary_segment_offset            (summary_segment_offset),
    .summary_segment_end               (summary_segment_end),
    .summary_byte0_cr                  (summary_byte0_cr),
    .summary_byte0_lf                  (summary_byte0_lf),
    .summary_byte0_whitespace          (summary_byte0_whitespace),
    .summary_byte1_lf                  (summary_byte1_lf),
    .summary_byte63_crlf               (summary_byte63_crlf),
    .summary_has_lf                    (summary_has_lf),
    .summary_lf_index                  (summary_lf_index),
    .summary_cr_before_lf              (summary_cr_before_lf),
    .summary_bad_found                 (summary_bad_found),
    .summary_colon_found               (summary_colon_found),
    .summary_colon_index               (summary_colon_index),
    .summary_name_byte_found           (summary_name_byte_found),
    .summary_non_token_found           (summary_non_token_found),
    .summary_non_token_in_name         (summary_non_token_in_name),
    .summary_name_end_index            (summary_name_end_index),
    .summary_line_offset               (summary_line_offset),
    .summary_name_length_overflow      (summary_name_length_overflow),
    .summary_header_id                 (summary_header_id),
    .summary_name_length_one           (summary_name_length_one),
    .summary_limit_is_0                (summary_limit_is_0),
    .summary_limit_is_1                (summary_limit_is_1),
    .summary_limit_is_64               (summary_limit_is_64),
    .summary_line_value_found          (summary_line_value_found),
    .summary_line_value_first          (summary_line_value_first),
    .summary_line_value_last           (summary_line_value_last),
    .summary_colon_value_found         (summary_colon_value_found),
    .summary_colon_value_first         (summary_colon_value_first),
    .summary_colon_value_last          (summary_colon_value_last),
    .summary_digit_mask                (summary_digit_mask),
    .summary_space_mask                (summary_space_mask),
    .summary_line_value_first_class    (summary_line_value_first_class),
    .summary_colon_value_first_class   (summary_colon_value_first_class),
    .summary_lf_position               (summary_lf_position),
    .summary_bad_position              (summary_bad_position),
    .summary_colon_position            (summary_colon_position),
    .summary_line_value_first_position (summary_line_value_first_position),
    .summary_line_value_end_position   (summary_line_value_end_position),
    .summary_colon_value_first_position(summary_colon_value_first_position),
    .summary_colon_value_end_position  (summary_colon_value_end_position),
    .summary_position_plus_2           (summary_position_plus_2)
  );

  // ---------------------------------------------------------------- start line
  logic start_line_window_valid, start_line_window_last, start_line_window_ready, start_line_flush;
  logic start_line_result_valid, start_line_result_ok, start_line_result_request;
  logic [511:0] start_line_window_bytes;
  logic [6:0] start_line_window_count;
  logic [31:0] start_line_method_length, start_line_uri_length, start_line_version_offset;
  logic [31:0] start_line_version_length, start_line_reason_offset, start_line_reason_length;
  logic [15:0] start_line_status;

  sip_parse_start_line #(
    .DEPTH          (4),
    .BYTES_PER_CYCLE(START_LINE_BYTES_PER_CYCLE)
  ) u_start_line (
    .clk                  (ap_clk),
    .rst_n                (ap_rst_n),
    .flush                (start_line_flush || run_start),
    .window_valid         (start_line_window_valid && commit),
    .window_ready         (start_line_window_ready),
    .window_bytes         (start_line_window_bytes),
    .window_count         (start_line_window_count),
    .window_last          (start_line_window_last),
    .result_valid         (start_line_result_valid),
    .result_ok            (start_line_result_ok),
    .result_request       (start_line_result_request),
    .result_method_length (start_line_method_length),
    .result_uri_length    (start_line_uri_length),
    .result_version_offset(start_line_version_offset),
    .result_version_length(start_line_version_length),
    .result_reason_offset (start_line_reason_offset),
    .result_reason_length (start_line_reason_length),
    .result_status        (start_line_status)
  );

  // ---------------------------------------------------------------- walker
  logic header_valid, header_ready, message_valid, message_ready, segment_result_valid, segment_result_ready, run_end;
  logic [31:0] header_index, message_index, segment_result_index;
  logic [127:0] header_data;
  logic [511:0] message_data;
  logic [255:0] segment_result_data;

  sip_parse_walker #(
    .POSITION_W(POSITION_W)
  ) u_walker (
    .clk                               (ap_clk),
    .rst_n                             (ap_rst_n),
    .run_start                         (run_start),
    .max_message_bytes                 (max_message_bytes),
    .message_capacity                  (message_capacity),
    .header_capacity                   (header_capacity),
    .commit                            (commit),
    .summary_valid                     (summary_valid),
    .summary_ready                     (summary_ready),
    .summary_epoch                     (summary_epoch),
    .summary_kind                      (summary_kind),
    .summary_position                  (summary_position),
    .summary_first                     (summary_first),
    .summary_start_line                (summary_start_line),
    .summary_bytes                     (summary_bytes),
    .summary_stream                    (summary_stream),
    .summary_segment_offset            (summary_segment_offset),
    .summary_segment_end               (summary_segment_end),
    .summary_byte0_cr                  (summary_byte0_cr),
    .summary_byte0_lf                  (summary_byte0_lf),
    .summary_byte0_whitespace          (summary_byte0_whitespace),
    .summary_byte1_lf                  (summary_byte1_lf),
    .summary_byte63_crlf               (summary_byte63_crlf),
    .summary_has_lf                    (summary_has_lf),
    .summary_lf_index                  (summary_lf_index),
    .summary_cr_before_lf              (summary_cr_before_lf),
    .summary_bad_found                 (summary_bad_found),
    .summary_colon_found               (summary_colon_found),
    .summary_colon_index               (summary_colon_index),
    .summary_name_byte_found           (summary_name_byte_found),
    .summary_non_token_found           (summary_non_token_found),
    .summary_non_token_in_name         (summary_non_token_in_name),
    .summary_name_end_index            (summary_name_end_index),
    .summary_line_offset               (summary_line_offset),
    .summary_name_length_overflow      (summary_name_length_overflow),
    .summary_header_id                 (summary_header_id),
    .summary_name_length_one           (summary_name_length_one),
    .summary_limit_is_0                (summary_limit_is_0),
    .summary_limit_is_1                (summary_limit_is_1),
    .summary_limit_is_64               (summary_limit_is_64),
    .summary_line_value_found          (summary_line_value_found),
    .summary_line_value_first          (summary_line_value_first),
    .summary_line_value_last           (summary_line_value_last),
    .summary_colon_value_found         (summary_colon_value_found),
    .summary_colon_value_first         (summary_colon_value_first),
    .summary_colon_value_last          (summary_colon_value_last),
    .summary_digit_mask                (summary_digit_mask),
    .summary_space_mask                (summary_space_mask),
    .summary_line_value_first_class    (summary_line_value_first_class),
    .summary_colon_value_first_class   (summary_colon_value_first_class),
    .summary_lf_position               (summary_lf_position),
    .summary_bad_position              (summary_bad_position),
    .summary_colon_position            (summary_colon_position),
    .summary_line_value_first_position (summary_line_value_first_position),
    .summary_line_value_end_position   (summary_line_value_end_position),
    .summary_colon_value_first_position(summary_colon_value_first_position),
    .summary_colon_value_end_position  (summary_colon_value_end_position),
    .summary_position_plus_2           (summary_position_plus_2),
    .command_valid                     (command_valid),
    .command_epoch                     (command_epoch),
    .command_jump                      (command_jump),
    .command_target                    (command_target),
    .start_line_window_valid           (start_line_window_valid),
    .start_line_window_ready           (start_line_window_ready),
    .start_line_window_bytes           (start_line_window_bytes),
    .start_line_window_count           (start_line_window_count),
    .start_line_window_last            (start_line_window_last),
    .start_line_flush                  (start_line_flush),
    .start_line_result_valid           (start_line_result_valid),
    .start_line_result_ok              (start_line_result_ok),
    .start_line_result_request         (start_line_result_request),
    .start_line_method_length          (start_line_method_length),
    .start_line_uri_length             (start_line_uri_length),
    .start_line_version_offset         (start_line_version_offset),
    .start_line_version_length         (start_line_version_length),
    .start_line_reason_offset          (start_line_reason_offset),
    .start_line_reason_length          (start_line_reason_length),
    .start_line_status                 (start_line_status),
    .header_valid                      (header_valid),
    .header_ready                      (header_ready),
    .header_index                      (header_index),
    .header_data                       (header_data),
    .message_valid                     (message_valid),
    .message_ready                     (message_ready),
    .message_index                     (message_index),
    .message_data                      (message_data),
    .segment_result_valid              (segment_result_valid),
    .segment_result_ready              (segment_result_ready),
    .segment_result_index              (segment_result_index),
    .segment_result_data               (segment_result_data),
    .run_end                           (run_end)
  );

  // ---------------------------------------------------------------- writer
  logic all_written;
  sip_parse_writer #(
    .GROUP_BEATS(4)
  ) u_writer (
    .clk                    (ap_clk),
    .rst_n                  (ap_rst_n),
    .run_start              (run_start),
    .segment_results_address(segment_results),
    .messages_address       (messages),
    .headers_address        (headers),
    .flush                  (run_end),
    .segment_result_valid   (segment_result_valid && commit),
    .segment_result_ready   (segment_result_ready),
    .segment_result_index   (segment_result_index),
    .segment_result_data    (segment_result_data),
    .message_valid          (message_valid && commit),
    .message_ready          (message_ready),
    .message_index          (message_index),
    .message_data           (message_data),
    .header_valid           (header_valid && commit),
    .header_ready           (header_ready),
    .header_index           (header_index),
    .header_data            (header_data),
    .all_written            (all_written),
    .awvalid                (m_axi_gmem_awvalid),
    .awready                (m_axi_gmem_awready),
    .awaddr                 (m_axi_gmem_awaddr),
    .awlen                  (m_axi_gmem_awlen),
    .wvalid                 (m_axi_gmem_wvalid),
    .wready                 (m_axi_gmem_wready),
    .wdata                  (m_axi_gmem_wdata),
    .wstrb                  (m_axi_gmem_wstrb),
    .wlast                  (m_axi_gmem_wlast),
    .bvalid                 (m_axi_gmem_bvalid),
    .bready                 (m_axi_gmem_bready),
    .bresp                  (m_axi_gmem_bresp)
  );
  assign m_axi_gmem_awsize = 3'd6;   // 64-byte beats
  assign m_axi_gmem_awburst = 2'b01;  // INCR

  // ---------------------------------------------------------------- done
  always_comb begin
    done_d = 1'b0;
    busy_d = busy_q;
    if (run_start) begin
      busy_d = 1'b1;
    end else if (busy_q && run_end && all_written && !done_q) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
  end
  assign run_done = done_q;

  always_ff @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
    end else begin
      busy_q <= busy_d;
      done_q <= done_d;
    end
  end

  // Error responses are not expected from device memory; the kernel has no
  // way to report them per segment, so they are ignored.
  logic unused_rresp;
  assign unused_rresp = ^m_axi_gmem_rresp;

endmodule

`default_nettype wire
