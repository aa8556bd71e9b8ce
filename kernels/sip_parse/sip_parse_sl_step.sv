// sip_parse_sl_step: one start-line byte through the scanner state of
// sip_parse_start_line (CpuSipParseEngine::parse_start_line, byte by byte).
// The byte comes as its classes (sip_parse_pkg::start_line_classes, worked out a cycle
// earlier). A module rather than a function: yosys 0.23 mishandles functions
// that return a packed struct.
`default_nettype none

module sip_parse_sl_step (
    input  wire  [sip_parse_pkg::START_LINE_STATE_BITS-1:0] s_in,
    input  wire  [sip_parse_pkg::START_LINE_CLASS_BITS-1:0]   cb,     // classes of the byte
    input  wire                                     at3,    // pos == 3
    input  wire  [31:0]                             pos,    // position of the byte in the line
    input  wire  [31:0]                             pos1,   // pos + 1
    output logic [sip_parse_pkg::START_LINE_STATE_BITS-1:0] s_out
);
`ifndef SYNTHESIS
  initial begin
    if ($bits(sip_parse_pkg::start_line_state_t) != sip_parse_pkg::START_LINE_STATE_BITS)
      $error("sip_parse_sl_step: START_LINE_STATE_BITS must be $bits(start_line_state_t)");
  end
`endif

  sip_parse_pkg::start_line_state_t s, r;
  logic       is_sp, is_ws;
  logic [3:0] nv;

  assign s     = s_in;
  assign is_sp = cb[sip_parse_pkg::CLASS_SP];
  assign is_ws = cb[sip_parse_pkg::CLASS_WHITESPACE];
  assign nv    = sip_parse_pkg::word_step(s.word, cb);

  always_comb begin
    r = s;
    if (at3) r.response = !s.first_space_found && !is_sp && (nv == sip_parse_pkg::WORD_SLASH);
    if (!s.first_space_found) begin
      if (is_sp) begin
        r.first_space_found = 1'b1;
        r.first_space = pos;
        r.first_word = s.word;
        r.word = sip_parse_pkg::WORD_START;
        r.after_last_space = pos1;
        r.after_space = 3'd0;
      end else begin
        r.token_ok = s.token_ok && cb[sip_parse_pkg::CLASS_TOKEN];
        r.word = nv;
      end
    end else begin
      if (s.after_space != 3'd7) r.after_space = s.after_space + 3'd1;
      if (s.after_space < 3'd3) begin
        r.code_ok = s.code_ok && cb[sip_parse_pkg::CLASS_DIGIT];
        case (s.after_space[1:0])   // digit d of the code
          2'd0: r.code[11:8] = cb[3:0];
          2'd1: r.code[7:4] = cb[3:0];
          default: r.code[3:0] = cb[3:0];
        endcase
      end
      if (s.after_space == 3'd3) r.code_space = is_sp;
      if (is_sp) begin
        r.word = sip_parse_pkg::WORD_START;
        r.after_last_space = pos1;
      end else begin
        r.word = nv;
      end
      if (!is_ws) begin
        r.text_end = pos1;
        r.last_word = s.after_last_space;
        r.word_at_text_end = nv;
      end
    end
  end

  assign s_out = r;
endmodule

`default_nettype wire
