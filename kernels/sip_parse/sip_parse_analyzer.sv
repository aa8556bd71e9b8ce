// sip_parse_analyzer: three pipeline stages that turn one chunk window into
// the summary the walker needs, simdjson stage-1 style, and a token queue.
// Stage 1 classifies the 64 bytes into bitmasks (CR, ':', SP/HTAB, control
// bytes, token, '\'; the visible LFs come from the chunker), takes the
// prefix-ORs "before the first LF" and "up to the first colon" and compares
// the name against the known header names; stage 2 combines them into the
// regions and reduces the masks to first/last positions (two-level 8x8
// searches); stage 3 makes the positions absolute and works out what the
// walker would otherwise compute (the name's HeaderId by a one-hot length, the
// line offset of the chunk, limit flags), so that the walker's per-chunk rules
// stay a few LUT levels deep. The stages never wait: the chunker sends a token
// only against a credit, and the queue holds what the walker has not taken.
//
// An index is a byte's place in the chunk window (W[index], 0..63), a
// position its stream coordinate (the chunk's position + index).
`default_nettype none

module sip_parse_analyzer #(
  // Width of a position. Legal: sip_parse_pkg::POSITION_W.
  parameter int unsigned POSITION_W = 34
) (
  input  wire logic                  clk,
  input  wire logic                  rst_n,
  input  wire logic                  run_start,
  // tokens from the chunker
  output logic                       token_credit,                 // the chunker may send a token this cycle
  input  wire logic                  token_valid,
  input  wire logic                  token_epoch,
  input  wire logic [2:0]            token_kind,
  input  wire logic [POSITION_W-1:0] token_position,
  input  wire logic                  token_first,
  input  wire logic                  token_start_line,
  input  wire logic [6:0]            token_limit,
  input  wire logic [63:0]           token_lf_visible,             // bit j: W[j] is an LF before the limit
  input  wire logic [66*8-1:0]       token_window,
  input  wire logic                  token_stream,
  input  wire logic [5:0]            token_segment_offset,
  input  wire logic [POSITION_W-1:0] token_segment_end,
  // summaries for the walker (from the queue's head register)
  output logic                       summary_valid,
  input  wire logic                  summary_ready,
  output logic                       summary_epoch,
  output logic [2:0]                 summary_kind,
  output logic [POSITION_W-1:0]      summary_position,
  output logic                       summary_first,
  output logic                       summary_start_line,
  output logic [511:0]               summary_bytes,                // W[0..63]
  output logic                       summary_stream,
  output logic [5:0]                 summary_segment_offset,
  output logic [POSITION_W-1:0]      summary_segment_end,
  output logic                       summary_byte0_cr,             // W[0] is CR / LF / SP-HTAB
  output logic                       summary_byte0_lf,
  output logic                       summary_byte0_whitespace,
  output logic                       summary_byte1_lf,             // W[1] is a visible LF
  output logic                       summary_byte63_crlf,          // W[63] CR and W[64] LF
  output logic                       summary_has_lf,               // a visible LF; the line ends here
  output logic [5:0]                 summary_lf_index,
  output logic                       summary_cr_before_lf,         // the byte before that LF is CR
  output logic                       summary_bad_found,            // a control byte (not excused) before the LF
  output logic                       summary_colon_found,          // a ':' before the LF
  output logic [5:0]                 summary_colon_index,          // ... the first
  output logic                       summary_name_byte_found,      // a non-SP/HTAB byte before the colon
  output logic                       summary_non_token_found,      // a non-token byte before the colon
  output logic                       summary_non_token_in_name,    // ... at or before the last name byte
  output logic [6:0]                 summary_name_end_index,       // one past the last name byte (1..64)
  output logic [15:0]                summary_line_offset,          // offset of the chunk from the line start (low 16 bits)
  output logic                       summary_name_length_overflow, // line_offset + name_end_index > 0xFFFF
  output logic [5:0]                 summary_header_id,            // HeaderId of a name that ends in this chunk (first chunks)
  output logic                       summary_name_length_one,      // that name is one byte long
  output logic                       summary_limit_is_0,           // the token's limit is 0, 1, 64
  output logic                       summary_limit_is_1,
  output logic                       summary_limit_is_64,
  output logic                       summary_line_value_found,     // value bytes (not SP/HTAB/CR) before the LF
  output logic [5:0]                 summary_line_value_first,
  output logic [5:0]                 summary_line_value_last,
  output logic                       summary_colon_value_found,    // value bytes after the first colon
  output logic [5:0]                 summary_colon_value_first,
  output logic [5:0]                 summary_colon_value_last,
  output logic [63:0]                summary_digit_mask,           // bytes that are digits
  output logic [63:0]                summary_space_mask,           // bytes that are SP, HTAB or CR
  // {digit, SP/HTAB/CR, low nibble} of the byte at line_value_first, colon_value_first
  output logic [5:0]                 summary_line_value_first_class,
  output logic [5:0]                 summary_colon_value_first_class,
  // the indexes above as positions, so the walker adds nothing
  output logic [POSITION_W-1:0]      summary_lf_position,
  output logic [POSITION_W-1:0]      summary_bad_position,
  output logic [POSITION_W-1:0]      summary_colon_position,
  output logic [POSITION_W-1:0]      summary_line_value_first_position,
  output logic [POSITION_W-1:0]      summary_line_value_end_position,   // line_value_last + 1
  output logic [POSITION_W-1:0]      summary_colon_value_first_position,
  output logic [POSITION_W-1:0]      summary_colon_value_end_position,  // colon_value_last + 1
  output logic [POSITION_W-1:0]      summary_position_plus_2
);

  generate
    if (POSITION_W != sip_parse_pkg::POSITION_W) begin : g_bad_position_width
      $fatal(1, "sip_parse_analyzer: POSITION_W must be sip_parse_pkg::POSITION_W");
    end
  endgenerate

  // ------------------------------------------------------------ stage 1
  logic [7:0] window_byte [66];  // window_byte[k] = W[k-1]
  always_comb begin
    for (int k = 0; k < 66; k++) window_byte[k] = token_window[k*8 +: 8];
  end

  logic [63:0] cr, colon, whitespace, bad, token_byte, backslash_before, cr_before, lf_after;
  always_comb begin
    for (int i = 0; i < 64; i++) begin
      logic [7:0] character;
      character = window_byte[i + 1];
      cr[i] = (character == 8'h0D);
      colon[i] = (character == 8'h3A);
      whitespace[i] = (character == 8'h20) || (character == 8'h09);
      bad[i] = ((character <= 8'h1F) || (character == 8'h7F)) && (character != 8'h0A) && (character != 8'h09);
      token_byte[i] = sip_parse_pkg::is_token(character);
      backslash_before[i] = (window_byte[i] == 8'h5C);
      cr_before[i] = (window_byte[i] == 8'h0D);
      lf_after[i] = (window_byte[i + 2] == 8'h0A);
    end
  end

  logic [63:0] region, escape_ok, bad_unexcused, colon_prefix, value_byte, non_token;
  logic byte0_lf, byte63_crlf;
  always_comb begin
    region = ~sip_parse_pkg::prefix_or(token_lf_visible);
    escape_ok = token_start_line ? 64'd0 : (token_first ? {{63{1'b1}}, 1'b0} : {64{1'b1}});
    bad_unexcused = bad & ~(cr & lf_after) & ~(backslash_before & ~cr & escape_ok);
    // inside the region, a prefix-OR of the colons there is one of all colons
    colon_prefix = sip_parse_pkg::prefix_or(colon);
    value_byte = ~whitespace & ~cr;
    non_token = ~token_byte;
    byte0_lf = (window_byte[1] == 8'h0A);
    byte63_crlf = cr[63] && lf_after[63];
  end

  logic [46:0] match;
  logic [5:0] compact;
  sip_parse_names u_names (
    .name   (token_window[8 +: 19*8]),
    .match  (match),
    .compact(compact)
  );

  // A chunk that is not a line's first lies 64 bytes after the previous
  // chunk token (sip_parse_chunker), so the line offset follows from the
  // token stream alone. In 64-byte units:
  logic [POSITION_W-7:0] line_offset_q, line_offset_d;  // ... of the last chunk token
  logic [POSITION_W-7:0] line_offset;                   // ... of this token
  logic [POSITION_W-7:0] next_beat;                     // position[POSITION_W-1:6] + 1
  always_comb begin
    line_offset = token_first ? '0 : line_offset_q + (POSITION_W-6)'(1);
    line_offset_d = line_offset_q;
    if (token_valid && token_kind == sip_parse_pkg::TOKEN_CHUNK) line_offset_d = line_offset;
    next_beat = token_position[POSITION_W-1:6] + (POSITION_W-6)'(1);
  end

  // stage-1 registers: the token, the classes and the two prefix-ORs
  logic s1_valid_q, s1_epoch_q, s1_first_q, s1_start_line_q, s1_stream_q;
  logic [2:0] s1_kind_q;
  logic [POSITION_W-1:0] s1_position_q, s1_segment_end_q;
  logic [6:0] s1_limit_q;
  logic [5:0] s1_segment_offset_q, s1_compact_q;
  logic [511:0] s1_bytes_q;
  logic s1_byte0_cr_q, s1_byte0_lf_q, s1_byte0_whitespace_q, s1_byte1_lf_q, s1_byte63_crlf_q;
  logic [63:0] s1_lf_visible_q, s1_cr_before_q;
  logic [63:0] s1_region_q, s1_colon_prefix_q, s1_colon_q, s1_bad_q, s1_whitespace_q, s1_value_byte_q;
  logic [63:0] s1_non_token_q;
  logic [46:0] s1_match_q;
  logic [POSITION_W-7:0] s1_next_beat_q, s1_line_offset_q;

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      s1_valid_q <= 1'b0;
      line_offset_q <= '0;
    end else begin
      s1_valid_q <= token_valid;
      line_offset_q <= line_offset_d;
    end
  end

  always_ff @(posedge clk) begin
    s1_epoch_q <= token_epoch;
    s1_kind_q <= token_kind;
    s1_position_q <= token_position;
    s1_first_q <= token_first;
    s1_start_line_q <= token_start_line;
    s1_limit_q <= token_limit;
    s1_stream_q <= token_stream;
    s1_segment_offset_q <= token_segment_offset;
    s1_segment_end_q <= token_segment_end;
    s1_bytes_q <= token_window[8 +: 512];
    s1_byte0_cr_q <= cr[0];
    s1_byte0_lf_q <= byte0_lf;
    s1_byte0_whitespace_q <= whitespace[0];
    s1_byte1_lf_q <= token_lf_visible[1];
    s1_byte63_crlf_q <= byte63_crlf;
    s1_cr_before_q <= cr_before;
    s1_lf_visible_q <= token_lf_visible;
    s1_region_q <= region;
    s1_colon_prefix_q <= colon_prefix;
    s1_colon_q <= colon;
    s1_bad_q <= bad_unexcused;
    s1_whitespace_q <= whitespace;
    s1_value_byte_q <= value_byte;
    s1_non_token_q <= non_token;
    s1_match_q <= match;
    s1_compact_q <= compact;
    s1_next_beat_q <= next_beat;
    s1_line_offset_q <= line_offset;
  end

  // ------------------------------------------------------------ stage 2
  // the regions: before the LF, and before / after the first colon there
  logic [63:0] name_part, value_part, bad_mask, colon_mask, name_mask, non_token_mask;
  logic [63:0] line_value_mask, colon_value_mask;
  always_comb begin
    name_part = s1_region_q & ~s1_colon_prefix_q;
    value_part = s1_region_q & (s1_colon_prefix_q << 1);
    bad_mask = s1_bad_q & s1_region_q;
    colon_mask = s1_colon_q & s1_region_q;
    name_mask = ~s1_whitespace_q & name_part;
    non_token_mask = s1_non_token_q & name_part;
    line_value_mask = s1_value_byte_q & s1_region_q;
    colon_value_mask = s1_value_byte_q & value_part;
  end

  // chunk_position + index (+ plus_one) for index < 64: the carry out of the
  // low six bits picks chunk_position[POSITION_W-1:6] or chunk_next_beat.
  function automatic logic [POSITION_W-1:0] absolute(input logic [POSITION_W-1:0] chunk_position,
                                                     input logic [POSITION_W-7:0] chunk_next_beat,
                                                     input logic [5:0] index, input logic plus_one);
    logic [6:0] low;
    low = {1'b0, chunk_position[5:0]} + {1'b0, index} + {6'd0, plus_one};
    absolute = low[6] ? {chunk_next_beat, low[5:0]} : {chunk_position[POSITION_W-1:6], low[5:0]};
  endfunction

  logic [5:0] lf_index, bad_index, colon_index, name_last_index, line_value_first, line_value_last;
  logic [5:0] colon_value_first, colon_value_last;

  // Name length as a one-hot vector: length_one_hot[length] = the last name byte is at length-1.
  logic [63:0] name_suffix;
  logic [19:1] length_one_hot;
  always_comb begin
    name_suffix = sip_parse_pkg::suffix_or(name_mask);
    for (int length = 1; length <= 19; length++) length_one_hot[length] = name_mask[length - 1] && !name_suffix[length];
  end
  assign lf_index = sip_parse_pkg::first_index(s1_lf_visible_q);
  assign bad_index = sip_parse_pkg::first_index(bad_mask);
  assign colon_index = sip_parse_pkg::first_index(colon_mask);
  assign name_last_index = sip_parse_pkg::last_index(name_mask);
  assign line_value_first = sip_parse_pkg::first_index(line_value_mask);
  assign line_value_last = sip_parse_pkg::last_index(line_value_mask);
  assign colon_value_first = sip_parse_pkg::first_index(colon_value_mask);
  assign colon_value_last = sip_parse_pkg::last_index(colon_value_mask);

  // digits and SP/HTAB/CR, for the walker's Content-Length scan
  logic [63:0] digit_mask, space_mask;
  always_comb begin
    for (int i = 0; i < 64; i++) begin
      logic [7:0] character;
      character = s1_bytes_q[i*8 +: 8];
      digit_mask[i] = sip_parse_pkg::is_digit(character);
      space_mask[i] = (character == 8'h20) || (character == 8'h09) || (character == 8'h0D);
    end
  end

  // the flags of the regions
  logic cr_before_lf, has_lf, bad_found, colon_found, name_byte_found, non_token_found;
  logic line_value_found, colon_value_found, name_length_overflow, limit_is_0, limit_is_1, limit_is_64;
  logic [15:0] line_offset_bytes;
  always_comb begin
    // the byte before the first visible LF is CR
    cr_before_lf = |(s1_lf_visible_q & s1_cr_before_q & ~(sip_parse_pkg::prefix_or(s1_lf_visible_q) << 1));
    has_lf = |s1_lf_visible_q;
    bad_found = |bad_mask;
    colon_found = |colon_mask;
    name_byte_found = |name_mask;
    non_token_found = |non_token_mask;
    line_value_found = |line_value_mask;
    colon_value_found = |colon_value_mask;
    line_offset_bytes = {s1_line_offset_q[9:0], 6'd0};
    name_length_overflow = (|s1_line_offset_q[POSITION_W-7:10]) || (&s1_line_offset_q[9:0] && name_mask[63]);
    limit_is_0 = (s1_limit_q == 7'd0);
    limit_is_1 = (s1_limit_q == 7'd1);
    limit_is_64 = (s1_limit_q == 7'd64);
  end

  // stage-2 registers: positions, flags, masks
  logic s2_valid_q, s2_epoch_q, s2_first_q, s2_start_line_q, s2_stream_q;
  logic [2:0] s2_kind_q;
  logic [POSITION_W-1:0] s2_position_q, s2_segment_end_q;
  logic [5:0] s2_segment_offset_q, s2_compact_q;
  logic [511:0] s2_bytes_q;
  logic s2_byte0_cr_q, s2_byte0_lf_q, s2_byte0_whitespace_q, s2_byte1_lf_q, s2_byte63_crlf_q, s2_cr_before_lf_q;
  logic [46:0] s2_match_q;
  logic [POSITION_W-7:0] s2_next_beat_q;
  logic s2_has_lf_q, s2_bad_found_q, s2_colon_found_q, s2_name_byte_found_q, s2_non_token_found_q;
  logic s2_name_length_overflow_q, s2_line_value_found_q, s2_colon_value_found_q;
  logic [63:0] s2_non_token_mask_q, s2_name_suffix_q;
  logic s2_limit_is_0_q, s2_limit_is_1_q, s2_limit_is_64_q;
  logic [5:0] s2_lf_index_q, s2_bad_index_q, s2_colon_index_q, s2_name_last_index_q;
  logic [5:0] s2_line_value_first_q, s2_line_value_last_q, s2_colon_value_first_q, s2_colon_value_last_q;
  logic [15:0] s2_line_offset_q;
  logic [19:1] s2_length_one_hot_q;
  logic [63:0] s2_digit_mask_q, s2_space_mask_q;

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) s2_valid_q <= 1'b0;
    else s2_valid_q <= s1_valid_q;
  end

  always_ff @(posedge clk) begin
    s2_epoch_q <= s1_epoch_q;
    s2_kind_q <= s1_kind_q;
    s2_position_q <= s1_position_q;
    s2_first_q <= s1_first_q;
    s2_start_line_q <= s1_start_line_q;
    s2_bytes_q <= s1_bytes_q;
    s2_stream_q <= s1_stream_q;
    s2_segment_offset_q <= s1_segment_offset_q;
    s2_segment_end_q <= s1_segment_end_q;
    s2_byte0_cr_q <= s1_byte0_cr_q;
    s2_byte0_lf_q <= s1_byte0_lf_q;
    s2_byte0_whitespace_q <= s1_byte0_whitespace_q;
    s2_byte1_lf_q <= s1_byte1_lf_q;
    s2_byte63_crlf_q <= s1_byte63_crlf_q;
    s2_match_q <= s1_match_q;
    s2_compact_q <= s1_compact_q;
    s2_next_beat_q <= s1_next_beat_q;
    s2_cr_before_lf_q <= cr_before_lf;
    s2_has_lf_q <= has_lf;
    s2_bad_found_q <= bad_found;
    s2_colon_found_q <= colon_found;
    s2_name_byte_found_q <= name_byte_found;
    s2_non_token_found_q <= non_token_found;
    s2_non_token_mask_q <= non_token_mask;
    s2_name_suffix_q <= name_suffix;
    s2_line_value_found_q <= line_value_found;
    s2_colon_value_found_q <= colon_value_found;
    s2_line_offset_q <= line_offset_bytes;
    s2_name_length_overflow_q <= name_length_overflow;
    s2_length_one_hot_q <= length_one_hot;
    s2_limit_is_0_q <= limit_is_0;
    s2_limit_is_1_q <= limit_is_1;
    s2_limit_is_64_q <= limit_is_64;
    s2_lf_index_q <= lf_index;
    s2_bad_index_q <= bad_index;
    s2_colon_index_q <= colon_index;
    s2_name_last_index_q <= name_last_index;
    s2_line_value_first_q <= line_value_first;
    s2_line_value_last_q <= line_value_last;
    s2_colon_value_first_q <= colon_value_first;
    s2_colon_value_last_q <= colon_value_last;
    s2_digit_mask_q <= digit_mask;
    s2_space_mask_q <= space_mask;
  end

  // ------------------------------------------------------------ stage 3
  // the summary of the token in stage 3: absolute positions, the name's HeaderId
  logic s3_non_token_in_name;
  logic [6:0] s3_name_end_index;
  logic [5:0] s3_header_id, s3_line_value_first_class, s3_colon_value_first_class;
  logic [POSITION_W-1:0] s3_lf_position, s3_bad_position, s3_colon_position;
  logic [POSITION_W-1:0] s3_line_value_first_position, s3_line_value_end_position;
  logic [POSITION_W-1:0] s3_colon_value_first_position, s3_colon_value_end_position, s3_position_plus_2;
  always_comb begin
    s3_lf_position = absolute(s2_position_q, s2_next_beat_q, s2_lf_index_q, 1'b0);
    s3_bad_position = absolute(s2_position_q, s2_next_beat_q, s2_bad_index_q, 1'b0);
    s3_colon_position = absolute(s2_position_q, s2_next_beat_q, s2_colon_index_q, 1'b0);
    s3_non_token_in_name = |(s2_non_token_mask_q & s2_name_suffix_q);
    s3_name_end_index = {1'b0, s2_name_last_index_q} + 7'd1;
    s3_header_id = sip_parse_names_pkg::header_id(s2_match_q, s2_compact_q, s2_length_one_hot_q);
    s3_line_value_first_position = absolute(s2_position_q, s2_next_beat_q, s2_line_value_first_q, 1'b0);
    s3_line_value_end_position = absolute(s2_position_q, s2_next_beat_q, s2_line_value_last_q, 1'b1);
    s3_colon_value_first_position = absolute(s2_position_q, s2_next_beat_q, s2_colon_value_first_q, 1'b0);
    s3_colon_value_end_position = absolute(s2_position_q, s2_next_beat_q, s2_colon_value_last_q, 1'b1);
    s3_position_plus_2 = absolute(s2_position_q, s2_next_beat_q, 6'd2, 1'b0);
    s3_line_value_first_class = {s2_digit_mask_q[s2_line_value_first_q], s2_space_mask_q[s2_line_value_first_q],
                                 s2_bytes_q[s2_line_value_first_q*8 +: 4]};
    s3_colon_value_first_class = {s2_digit_mask_q[s2_colon_value_first_q], s2_space_mask_q[s2_colon_value_first_q],
                                  s2_bytes_q[s2_colon_value_first_q*8 +: 4]};
  end

  // ------------------------------------------------------------ token queue
  // Stages 1 to 3 never wait: every token goes to the queue (QUEUE_DEPTH
  // entries, distributed RAM), and the head register summary_q takes the
  // oldest one, straight from stage 3 when the queue holds nothing older (no
  // added latency). The chunker sends a token only when the tokens counted
  // beyond it fit the queue (credits), so the walker's hold reaches no
  // further than the head.
  // One summary: 749 bits of flags, indexes and masks and ten positions.
  localparam int unsigned QUEUE_W = 749 + 10 * POSITION_W;
  localparam int unsigned QUEUE_DEPTH = 16;
  localparam int unsigned QUEUE_POINTER_W = $clog2(QUEUE_DEPTH);
  logic [QUEUE_W-1:0] s3_summary, queue_memory [QUEUE_DEPTH], summary_q, summary_d;
  logic [QUEUE_POINTER_W:0] write_pointer_q, write_pointer_d, read_pointer_q, read_pointer_d;
  // tokens taken from the chunker and not yet popped (pops a cycle late)
  logic [QUEUE_POINTER_W:0] count_q, count_d;
  logic summary_valid_q, summary_valid_d, popped_q, popped_d;
  logic pop, queue_not_empty, load;
  assign s3_summary = {s2_epoch_q, s2_kind_q, s2_position_q, s2_first_q, s2_start_line_q, s2_bytes_q, s2_stream_q,
                       s2_segment_offset_q, s2_segment_end_q, s2_byte0_cr_q, s2_byte0_lf_q, s2_byte0_whitespace_q,
                       s2_byte1_lf_q, s2_byte63_crlf_q, s2_cr_before_lf_q, s2_has_lf_q, s2_lf_index_q,
                       s3_lf_position, s2_bad_found_q, s3_bad_position, s2_colon_found_q, s2_colon_index_q,
                       s3_colon_position, s2_name_byte_found_q, s2_non_token_found_q, s3_non_token_in_name,
                       s3_name_end_index, s2_line_offset_q, s2_name_length_overflow_q, s3_header_id,
                       s2_length_one_hot_q[1], s2_limit_is_0_q, s2_limit_is_1_q, s2_limit_is_64_q,
                       s2_line_value_found_q, s2_line_value_first_q, s3_line_value_first_position,
                       s2_line_value_last_q, s3_line_value_end_position, s2_colon_value_found_q,
                       s2_colon_value_first_q, s3_colon_value_first_position, s2_colon_value_last_q,
                       s3_colon_value_end_position, s3_position_plus_2, s2_digit_mask_q, s2_space_mask_q,
                       s3_line_value_first_class, s3_colon_value_first_class};
  assign {summary_epoch, summary_kind, summary_position, summary_first, summary_start_line, summary_bytes,
          summary_stream, summary_segment_offset, summary_segment_end, summary_byte0_cr, summary_byte0_lf,
          summary_byte0_whitespace, summary_byte1_lf, summary_byte63_crlf, summary_cr_before_lf, summary_has_lf,
          summary_lf_index, summary_lf_position, summary_bad_found, summary_bad_position, summary_colon_found,
          summary_colon_index, summary_colon_position, summary_name_byte_found, summary_non_token_found,
          summary_non_token_in_name, summary_name_end_index, summary_line_offset, summary_name_length_overflow,
          summary_header_id, summary_name_length_one, summary_limit_is_0, summary_limit_is_1, summary_limit_is_64,
          summary_line_value_found, summary_line_value_first, summary_line_value_first_position,
          summary_line_value_last, summary_line_value_end_position, summary_colon_value_found,
          summary_colon_value_first, summary_colon_value_first_position, summary_colon_value_last,
          summary_colon_value_end_position, summary_position_plus_2, summary_digit_mask, summary_space_mask,
          summary_line_value_first_class, summary_colon_value_first_class} = summary_q;
  assign summary_valid = summary_valid_q;

  always_comb begin
    queue_not_empty = (write_pointer_q != read_pointer_q);
    pop = summary_valid_q && summary_ready;
    load = !summary_valid_q || pop;
    // room for the token in the chunker's register and one more
    token_credit = token_valid ? (count_q < (QUEUE_POINTER_W+1)'(QUEUE_DEPTH - 1))
                               : (count_q < (QUEUE_POINTER_W+1)'(QUEUE_DEPTH));

    write_pointer_d = write_pointer_q;
    if (s2_valid_q) write_pointer_d = write_pointer_q + (QUEUE_POINTER_W+1)'(1);
    read_pointer_d = read_pointer_q;
    summary_valid_d = summary_valid_q;
    summary_d = summary_q;
    if (load) begin
      summary_valid_d = queue_not_empty || s2_valid_q;
      if (queue_not_empty || s2_valid_q) read_pointer_d = read_pointer_q + (QUEUE_POINTER_W+1)'(1);
      summary_d = queue_not_empty ? queue_memory[read_pointer_q[QUEUE_POINTER_W-1:0]] : s3_summary;
    end
    popped_d = pop;
    count_d = count_q + (QUEUE_POINTER_W+1)'(token_valid) - (QUEUE_POINTER_W+1)'(popped_q);
  end

  // The queue's array (no reset: distributed RAM).
  always_ff @(posedge clk) begin
    if (s2_valid_q) queue_memory[write_pointer_q[QUEUE_POINTER_W-1:0]] <= s3_summary;
  end

  always_ff @(posedge clk) begin
    summary_q <= summary_d;
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      summary_valid_q <= 1'b0;
      write_pointer_q <= '0;
      read_pointer_q <= '0;
      count_q <= '0;
      popped_q <= 1'b0;
    end else begin
      summary_valid_q <= summary_valid_d;
      write_pointer_q <= write_pointer_d;
      read_pointer_q <= read_pointer_d;
      count_q <= count_d;
      popped_q <= popped_d;
    end
  end

endmodule

`default_nettype wire
