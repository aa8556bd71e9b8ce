// sip_parse_pkg: constants and bit-vector helpers shared by the sip_parse
// kernel. Yosys 0.23 subset: functions assign to their own name (no return),
// callers name them with an explicit sip_parse_pkg:: scope.
`default_nettype none

package sip_parse_pkg;

  // Width of a "stream coordinate": a segment's byte position plus the offset
  // of the segment within its first 64-byte beat, plus room for
  // message start + max_message_bytes (both below 2^32).
  localparam int unsigned UW = 34;

  // Token kinds on the chunker -> analyzer -> walker pipeline.
  localparam logic [2:0] TK_CHUNK = 3'd0;  // a window of (part of) one line
  localparam logic [2:0] TK_SEGB  = 3'd1;  // a segment begins
  localparam logic [2:0] TK_MSGB  = 3'd2;  // a message begins (x = its start)
  localparam logic [2:0] TK_SEGE  = 3'd3;  // no further message (x = consumed end)
  localparam logic [2:0] TK_RUNE  = 3'd4;  // the last segment of the run is done

  // ParseError values (host/offload/sip_index.h).
  localparam logic [7:0] E_NONE          = 8'd0;
  localparam logic [7:0] E_MISSING_CL    = 8'd1;
  localparam logic [7:0] E_BAD_START     = 8'd2;
  localparam logic [7:0] E_BARE_LF       = 8'd3;
  localparam logic [7:0] E_HDR_TOO_LONG  = 8'd4;
  localparam logic [7:0] E_BAD_HDR_LINE  = 8'd5;
  localparam logic [7:0] E_BAD_CL        = 8'd6;
  localparam logic [7:0] E_TOO_MANY_HDRS = 8'd7;
  localparam logic [7:0] E_BODY_TRUNC    = 8'd8;
  localparam logic [7:0] E_MSG_TOO_LARGE = 8'd9;
  localparam logic [7:0] E_BAD_BYTES     = 8'd10;

  localparam int unsigned MAX_HEADERS = 256;  // kMaxHeadersPerMessage
  localparam logic [5:0]  ID_CONTENT_LENGTH = 6'd7;

  // Start-line scanner state (sip_parse_start_line). vw* track the current
  // SP-delimited word against "SIP/" 1*DIGIT "." 1*DIGIT.
  localparam logic [3:0] VW_START = 4'd0, VW_SLASH = 4'd4, VW_ACCEPT = 4'd7, VW_INVALID = 4'd8;
  typedef struct packed {
    logic        sp1_f;     // first SP seen
    logic [31:0] sp1;       // its position
    logic        resp;      // bytes 0..3 are "SIP/" (case-insensitive SIP)
    logic        tok_ok;    // every byte before sp1 is a token character
    logic [3:0]  vw;        // current word
    logic [3:0]  vw_first;  // the word before sp1
    logic [2:0]  d;         // bytes after sp1 (saturating)
    logic [11:0] code;      // the three code digits' low nibbles, first in [11:8]
    logic        code_ok;
    logic        code_sp;   // the byte at sp1+4 is SP
    logic [31:0] t;         // one past the last non-SP/HTAB byte after sp1
    logic [31:0] last_sp;   // one past the most recent SP
    logic [31:0] last;      // last_sp as it was at the last non-SP/HTAB byte
    logic [3:0]  vw_at_t;   // the word as it was at that byte
  } sl_state_t;

  // $bits(sl_state_t), spelt out for yosys (checked in sip_parse_sl_step)
  localparam int unsigned SL_STATE_BITS = 160;

  // bit i = OR of m[0..i]
  function automatic logic [63:0] pfx_incl(input logic [63:0] m);
    logic [63:0] r;
    r = m;
    for (int s = 1; s < 64; s = s * 2) r = r | (r << s);
    pfx_incl = r;
  endfunction

  // bit i = OR of m[i..63]
  function automatic logic [63:0] sfx_incl(input logic [63:0] m);
    logic [63:0] r;
    r = m;
    for (int s = 1; s < 64; s = s * 2) r = r | (r >> s);
    sfx_incl = r;
  endfunction

  // Index of a one-hot vector (0 when empty).
  function automatic logic [5:0] enc64(input logic [63:0] oh);
    logic [5:0] r;
    r = 6'd0;
    for (int i = 0; i < 64; i++) begin
      if (oh[i]) r = r | i[5:0];
    end
    enc64 = r;
  endfunction

  // Index of the lowest set bit (0 when empty), as a two-level 8x8 search:
  // the lowest non-empty byte and, in parallel, the lowest bit of every byte.
  function automatic logic [5:0] first_idx(input logic [63:0] m);
    logic [7:0] g;
    logic [23:0] li;  // 3 bits per byte (no arrays in functions for yosys 0.23)
    logic [2:0] gi;
    for (int k = 0; k < 8; k++) begin
      g[k] = |m[k*8 +: 8];
      li[k*3 +: 3] = 3'd0;
      for (int j = 7; j >= 0; j--) if (m[k*8 + j]) li[k*3 +: 3] = 3'(j);
    end
    gi = 3'd0;
    for (int k = 7; k >= 0; k--) if (g[k]) gi = 3'(k);
    first_idx = {gi, li[gi*3 +: 3]};
  endfunction

  // Index of the highest set bit (0 when empty), the same way.
  function automatic logic [5:0] last_idx(input logic [63:0] m);
    logic [7:0] g;
    logic [23:0] li;
    logic [2:0] gi;
    for (int k = 0; k < 8; k++) begin
      g[k] = |m[k*8 +: 8];
      li[k*3 +: 3] = 3'd0;
      for (int j = 0; j < 8; j++) if (m[k*8 + j]) li[k*3 +: 3] = 3'(j);
    end
    gi = 3'd0;
    for (int k = 0; k < 8; k++) if (g[k]) gi = 3'(k);
    last_idx = {gi, li[gi*3 +: 3]};
  endfunction

  // Lowest set bit, as a one-hot vector.
  function automatic logic [63:0] lowest(input logic [63:0] m);
    lowest = m & ~(pfx_incl(m) << 1);
  endfunction

  // Highest set bit, as a one-hot vector.
  function automatic logic [63:0] highest(input logic [63:0] m);
    highest = m & ~(sfx_incl(m) >> 1);
  endfunction

  // Bits [0, n) set, n in 0..64.
  function automatic logic [63:0] below(input logic [6:0] n);
    logic [63:0] r;
    for (int i = 0; i < 64; i++) r[i] = (7'(i) < n);
    below = r;
  endfunction

  // RFC 3261 token character.
  function automatic logic is_token(input logic [7:0] c);
    is_token = (c >= 8'h30 && c <= 8'h39) || (c >= 8'h41 && c <= 8'h5A) ||
               (c >= 8'h61 && c <= 8'h7A) || c == 8'h2D || c == 8'h2E || c == 8'h21 ||
               c == 8'h25 || c == 8'h2A || c == 8'h5F || c == 8'h2B || c == 8'h60 ||
               c == 8'h27 || c == 8'h7E;
  endfunction

  function automatic logic is_digit(input logic [7:0] c);
    is_digit = (c >= 8'h30 && c <= 8'h39);
  endfunction

  // Classes of a start-line byte, worked out a cycle before the step (bit
  // vectors, not a struct: yosys 0.23 mishandles structs in functions).
  localparam int unsigned SL_CLS_BITS = 13;
  localparam int unsigned CB_SP = 4, CB_WS = 5, CB_TOK = 6, CB_DIG = 7, CB_S = 8, CB_I = 9,
                          CB_P = 10, CB_SLASH = 11, CB_DOT = 12;  // [3:0]: c[3:0]

  function automatic logic [SL_CLS_BITS-1:0] sl_cls(input logic [7:0] c);
    logic [SL_CLS_BITS-1:0] r;
    r[3:0] = c[3:0];
    r[CB_SP] = (c == 8'h20);
    r[CB_WS] = (c == 8'h20) || (c == 8'h09);
    r[CB_TOK] = is_token(c);
    r[CB_DIG] = is_digit(c);
    r[CB_S] = ((c | 8'h20) == 8'h73);
    r[CB_I] = ((c | 8'h20) == 8'h69);
    r[CB_P] = ((c | 8'h20) == 8'h70);
    r[CB_SLASH] = (c == 8'h2F);
    r[CB_DOT] = (c == 8'h2E);
    sl_cls = r;
  endfunction

  // vstep on the classes of the byte
  function automatic logic [3:0] vstep_cls(input logic [3:0] s, input logic [SL_CLS_BITS-1:0] k);
    logic [3:0] r;
    r = VW_INVALID;
    case (s)
      4'd0: if (k[CB_S]) r = 4'd1;
      4'd1: if (k[CB_I]) r = 4'd2;
      4'd2: if (k[CB_P]) r = 4'd3;
      4'd3: if (k[CB_SLASH]) r = 4'd4;
      4'd4: if (k[CB_DIG]) r = 4'd5;
      4'd5: if (k[CB_DIG]) r = 4'd5; else if (k[CB_DOT]) r = 4'd6;
      4'd6: if (k[CB_DIG]) r = 4'd7;
      4'd7: if (k[CB_DIG]) r = 4'd7;
      default: r = VW_INVALID;
    endcase
    vstep_cls = r;
  endfunction

endpackage

`default_nettype wire
