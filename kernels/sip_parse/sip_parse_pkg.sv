// sip_parse_pkg: constants and bit-vector helpers shared by the sip_parse
// kernel. Yosys 0.23 subset: functions assign to their own name (no return),
// callers name them with an explicit sip_parse_pkg:: scope.
`default_nettype none

package sip_parse_pkg;

  // Width of a position (a stream coordinate): a segment's byte position plus
  // the offset of the segment within its first 64-byte beat, plus room for
  // message start + max_message_bytes (both below 2^32).
  localparam int unsigned POSITION_W = 34;

  // Token kinds on the chunker -> analyzer -> walker pipeline.
  localparam logic [2:0] TOKEN_CHUNK         = 3'd0;  // a window of (part of) one line
  localparam logic [2:0] TOKEN_SEGMENT_BEGIN = 3'd1;  // a segment begins
  localparam logic [2:0] TOKEN_MESSAGE_BEGIN = 3'd2;  // a message begins (position = its start)
  localparam logic [2:0] TOKEN_SEGMENT_END   = 3'd3;  // no further message (position = consumed end)
  localparam logic [2:0] TOKEN_RUN_END       = 3'd4;  // the last segment of the run is done

  // ParseError values (host/offload/sip_index.h).
  localparam logic [7:0] ERROR_NONE                   = 8'd0;
  localparam logic [7:0] ERROR_MISSING_CONTENT_LENGTH = 8'd1;
  localparam logic [7:0] ERROR_BAD_START_LINE         = 8'd2;
  localparam logic [7:0] ERROR_BARE_LF                = 8'd3;
  localparam logic [7:0] ERROR_HEADER_TOO_LONG        = 8'd4;
  localparam logic [7:0] ERROR_BAD_HEADER_LINE        = 8'd5;
  localparam logic [7:0] ERROR_BAD_CONTENT_LENGTH     = 8'd6;
  localparam logic [7:0] ERROR_TOO_MANY_HEADERS       = 8'd7;
  localparam logic [7:0] ERROR_BODY_TRUNCATED         = 8'd8;
  localparam logic [7:0] ERROR_MESSAGE_TOO_LARGE      = 8'd9;
  localparam logic [7:0] ERROR_BAD_BYTES              = 8'd10;

  localparam int unsigned MAX_HEADERS = 256;  // kMaxHeadersPerMessage
  localparam logic [5:0]  ID_CONTENT_LENGTH = 6'd7;

  // Start-line scanner state (sip_parse_start_line). The word states track
  // the current SP-delimited word against "SIP/" 1*DIGIT "." 1*DIGIT.
  localparam logic [3:0] WORD_START = 4'd0, WORD_SLASH = 4'd4, WORD_ACCEPT = 4'd7, WORD_INVALID = 4'd8;
  typedef struct packed {
    logic        first_space_found;  // first SP seen
    logic [31:0] first_space;        // its position
    logic        response;           // bytes 0..3 are "SIP/" (case-insensitive SIP)
    logic        token_ok;           // every byte before first_space is a token character
    logic [3:0]  word;               // current word
    logic [3:0]  first_word;         // the word before first_space
    logic [2:0]  after_space;        // bytes after first_space (saturating)
    logic [11:0] code;               // the three code digits' low nibbles, first in [11:8]
    logic        code_ok;
    logic        code_space;         // the byte at first_space + 4 is SP
    logic [31:0] text_end;           // one past the last non-SP/HTAB byte after first_space
    logic [31:0] after_last_space;   // one past the most recent SP
    logic [31:0] last_word;          // after_last_space as it was at the last non-SP/HTAB byte
    logic [3:0]  word_at_text_end;   // the word as it was at that byte
  } start_line_state_t;

  // $bits(start_line_state_t), spelt out for yosys (checked in sip_parse_start_line_step)
  localparam int unsigned START_LINE_STATE_BITS = 160;

  // bit i = OR of mask[0..i]
  function automatic logic [63:0] prefix_or(input logic [63:0] mask);
    logic [63:0] result;
    result = mask;
    for (int s = 1; s < 64; s = s * 2) result = result | (result << s);
    prefix_or = result;
  endfunction

  // bit i = OR of mask[i..63]
  function automatic logic [63:0] suffix_or(input logic [63:0] mask);
    logic [63:0] result;
    result = mask;
    for (int s = 1; s < 64; s = s * 2) result = result | (result >> s);
    suffix_or = result;
  endfunction

  // Index of the lowest set bit (0 when empty), as a two-level 8x8 search:
  // the lowest non-empty byte and, in parallel, the lowest bit of every byte.
  function automatic logic [5:0] first_index(input logic [63:0] mask);
    logic [7:0] byte_set;
    logic [23:0] bit_in_byte;  // 3 bits per byte (no arrays in functions for yosys 0.23)
    logic [2:0] byte_index;
    for (int k = 0; k < 8; k++) begin
      byte_set[k] = |mask[k*8 +: 8];
      bit_in_byte[k*3 +: 3] = 3'd0;
      for (int j = 7; j >= 0; j--) if (mask[k*8 + j]) bit_in_byte[k*3 +: 3] = 3'(j);
    end
    byte_index = 3'd0;
    for (int k = 7; k >= 0; k--) if (byte_set[k]) byte_index = 3'(k);
    first_index = {byte_index, bit_in_byte[byte_index*3 +: 3]};
  endfunction

  // Index of the highest set bit (0 when empty), the same way.
  function automatic logic [5:0] last_index(input logic [63:0] mask);
    logic [7:0] byte_set;
    logic [23:0] bit_in_byte;
    logic [2:0] byte_index;
    for (int k = 0; k < 8; k++) begin
      byte_set[k] = |mask[k*8 +: 8];
      bit_in_byte[k*3 +: 3] = 3'd0;
      for (int j = 0; j < 8; j++) if (mask[k*8 + j]) bit_in_byte[k*3 +: 3] = 3'(j);
    end
    byte_index = 3'd0;
    for (int k = 0; k < 8; k++) if (byte_set[k]) byte_index = 3'(k);
    last_index = {byte_index, bit_in_byte[byte_index*3 +: 3]};
  endfunction

  // Bits [0, count) set, count in 0..64.
  function automatic logic [63:0] below(input logic [6:0] count);
    logic [63:0] result;
    for (int i = 0; i < 64; i++) result[i] = (7'(i) < count);
    below = result;
  endfunction

  // RFC 3261 token character.
  function automatic logic is_token(input logic [7:0] character);
    is_token = (character >= 8'h30 && character <= 8'h39) || (character >= 8'h41 && character <= 8'h5A) ||
               (character >= 8'h61 && character <= 8'h7A) || character == 8'h2D || character == 8'h2E ||
               character == 8'h21 || character == 8'h25 || character == 8'h2A || character == 8'h5F ||
               character == 8'h2B || character == 8'h60 || character == 8'h27 || character == 8'h7E;
  endfunction

  function automatic logic is_digit(input logic [7:0] character);
    is_digit = (character >= 8'h30 && character <= 8'h39);
  endfunction

  // Classes of a start-line byte, worked out a cycle before the step (bit
  // vectors, not a struct: yosys 0.23 mishandles structs in functions).
  localparam int unsigned START_LINE_CLASS_BITS = 13;
  localparam int unsigned CLASS_SP = 4, CLASS_WHITESPACE = 5, CLASS_TOKEN = 6, CLASS_DIGIT = 7, CLASS_S = 8,
                          CLASS_I = 9, CLASS_P = 10, CLASS_SLASH = 11, CLASS_DOT = 12;  // [3:0]: character[3:0]

  function automatic logic [START_LINE_CLASS_BITS-1:0] start_line_classes(input logic [7:0] character);
    logic [START_LINE_CLASS_BITS-1:0] result;
    result[3:0] = character[3:0];
    result[CLASS_SP] = (character == 8'h20);
    result[CLASS_WHITESPACE] = (character == 8'h20) || (character == 8'h09);
    result[CLASS_TOKEN] = is_token(character);
    result[CLASS_DIGIT] = is_digit(character);
    result[CLASS_S] = ((character | 8'h20) == 8'h73);
    result[CLASS_I] = ((character | 8'h20) == 8'h69);
    result[CLASS_P] = ((character | 8'h20) == 8'h70);
    result[CLASS_SLASH] = (character == 8'h2F);
    result[CLASS_DOT] = (character == 8'h2E);
    start_line_classes = result;
  endfunction

  // The word state after one more byte, given as its classes.
  function automatic logic [3:0] word_step(input logic [3:0] word,
                                           input logic [START_LINE_CLASS_BITS-1:0] classes);
    logic [3:0] result;
    result = WORD_INVALID;
    case (word)
      4'd0: if (classes[CLASS_S]) result = 4'd1;
      4'd1: if (classes[CLASS_I]) result = 4'd2;
      4'd2: if (classes[CLASS_P]) result = 4'd3;
      4'd3: if (classes[CLASS_SLASH]) result = 4'd4;
      4'd4: if (classes[CLASS_DIGIT]) result = 4'd5;
      4'd5: if (classes[CLASS_DIGIT]) result = 4'd5; else if (classes[CLASS_DOT]) result = 4'd6;
      4'd6: if (classes[CLASS_DIGIT]) result = 4'd7;
      4'd7: if (classes[CLASS_DIGIT]) result = 4'd7;
      default: result = WORD_INVALID;
    endcase
    word_step = result;
  endfunction

endpackage

`default_nettype wire
