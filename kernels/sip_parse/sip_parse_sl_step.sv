// sip_parse_sl_step: one start-line byte through the scanner state of
// sip_parse_start_line (CpuSipParseEngine::parse_start_line, byte by byte).
// A module rather than a function: yosys 0.23 mishandles functions that
// return a packed struct.
`default_nettype none

module sip_parse_sl_step (
    input  wire  [sip_parse_pkg::SL_STATE_BITS-1:0] s_in,
    input  wire  [7:0]                              c,
    input  wire  [31:0]                             pos,    // position of c in the line
    input  wire  [31:0]                             pos1,   // pos + 1
    output logic [sip_parse_pkg::SL_STATE_BITS-1:0] s_out
);
`ifndef SYNTHESIS
  initial begin
    if ($bits(sip_parse_pkg::sl_state_t) != sip_parse_pkg::SL_STATE_BITS)
      $error("sip_parse_sl_step: SL_STATE_BITS must be $bits(sl_state_t)");
  end
`endif

  sip_parse_pkg::sl_state_t s, r;
  logic       is_sp, is_ws;
  logic [3:0] nv;

  assign s     = s_in;
  assign is_sp = (c == 8'h20);
  assign is_ws = is_sp || (c == 8'h09);
  assign nv    = sip_parse_pkg::vstep(s.vw, c);

  always_comb begin
    r = s;
    if (pos == 32'd3) r.resp = !s.sp1_f && !is_sp && (nv == sip_parse_pkg::VW_SLASH);
    if (!s.sp1_f) begin
      if (is_sp) begin
        r.sp1_f = 1'b1;
        r.sp1 = pos;
        r.vw_first = s.vw;
        r.vw = sip_parse_pkg::VW_START;
        r.last_sp = pos1;
        r.d = 3'd0;
      end else begin
        r.tok_ok = s.tok_ok && sip_parse_pkg::is_token(c);
        r.vw = nv;
      end
    end else begin
      if (s.d != 3'd7) r.d = s.d + 3'd1;
      if (s.d < 3'd3) begin
        r.code_ok = s.code_ok && sip_parse_pkg::is_digit(c);
        r.code = 10'((s.code << 3) + (s.code << 1) + {6'd0, c[3:0]});
      end
      if (s.d == 3'd3) r.code_sp = is_sp;
      if (is_sp) begin
        r.vw = sip_parse_pkg::VW_START;
        r.last_sp = pos1;
      end else begin
        r.vw = nv;
      end
      if (!is_ws) begin
        r.t = pos1;
        r.last = s.last_sp;
        r.vw_at_t = nv;
      end
    end
  end

  assign s_out = r;
endmodule

`default_nettype wire
