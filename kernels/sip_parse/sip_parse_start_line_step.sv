// sip_parse_start_line_step: one start-line byte through the scanner state of
// sip_parse_start_line (CpuSipParseEngine::parse_start_line, byte by byte).
// The byte comes as its classes (sip_parse_pkg::start_line_classes, worked
// out a cycle earlier). A module rather than a function: yosys 0.23
// mishandles functions that return a packed struct.
`default_nettype none

module sip_parse_start_line_step (
  input  wire logic [sip_parse_pkg::START_LINE_STATE_BITS-1:0] state_in,
  input  wire logic [sip_parse_pkg::START_LINE_CLASS_BITS-1:0] classes,         // classes of the byte
  input  wire logic                                            at_byte3,        // position == 3
  input  wire logic [31:0]                                     position,        // of the byte in the line
  input  wire logic [31:0]                                     position_plus_1,
  output logic [sip_parse_pkg::START_LINE_STATE_BITS-1:0]      state_out
);

`ifndef SYNTHESIS
  // (yosys 0.23 takes no $bits of a package type)
  generate
    if ($bits(sip_parse_pkg::start_line_state_t) != sip_parse_pkg::START_LINE_STATE_BITS) begin : g_bad_state_bits
      $fatal(1, "sip_parse_start_line_step: START_LINE_STATE_BITS must be $bits(start_line_state_t)");
    end
  endgenerate
`endif

  sip_parse_pkg::start_line_state_t state, result;
  logic space, whitespace;
  logic [3:0] next_word;

  assign state = state_in;
  assign space = classes[sip_parse_pkg::CLASS_SP];
  assign whitespace = classes[sip_parse_pkg::CLASS_WHITESPACE];
  assign next_word = sip_parse_pkg::word_step(state.word, classes);

  always_comb begin
    result = state;
    if (at_byte3) result.response = !state.first_space_found && !space && (next_word == sip_parse_pkg::WORD_SLASH);
    if (!state.first_space_found) begin
      if (space) begin
        result.first_space_found = 1'b1;
        result.first_space = position;
        result.first_word = state.word;
        result.word = sip_parse_pkg::WORD_START;
        result.after_last_space = position_plus_1;
        result.after_space = 3'd0;
      end else begin
        result.token_ok = state.token_ok && classes[sip_parse_pkg::CLASS_TOKEN];
        result.word = next_word;
      end
    end else begin
      if (state.after_space != 3'd7) result.after_space = state.after_space + 3'd1;
      if (state.after_space < 3'd3) begin
        result.code_ok = state.code_ok && classes[sip_parse_pkg::CLASS_DIGIT];
        case (state.after_space[1:0])  // digit after_space of the code
          2'd0: result.code[11:8] = classes[3:0];
          2'd1: result.code[7:4] = classes[3:0];
          default: result.code[3:0] = classes[3:0];
        endcase
      end
      if (state.after_space == 3'd3) result.code_space = space;
      if (space) begin
        result.word = sip_parse_pkg::WORD_START;
        result.after_last_space = position_plus_1;
      end else begin
        result.word = next_word;
      end
      if (!whitespace) begin
        result.text_end = position_plus_1;
        result.last_word = state.after_last_space;
        result.word_at_text_end = next_word;
      end
    end
  end

  assign state_out = result;

endmodule

`default_nettype wire
