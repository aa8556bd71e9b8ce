// sip_parse_sl_step: one start-line byte through the scanner state of
// sip_parse_start_line (CpuSipParseEngine::parse_start_line, byte by byte).
// The byte comes as its classes (sip_parse_pkg::sl_cls, worked out a cycle
// earlier). A module rather than a function: yosys 0.23 mishandles functions
// that return a packed struct.
`default_nettype none

module sip_parse_sl_step (
    input  wire  [sip_parse_pkg::SL_STATE_BITS-1:0] s_in,
    input  wire  [sip_parse_pkg::SL_CLS_BITS-1:0]   cb,     // classes of the byte
    input  wire                                     at3,    // pos == 3
    input  wire  [31:0]                             pos,    // position of the byte in the line
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
  assign is_sp = cb[sip_parse_pkg::CB_SP];
  assign is_ws = cb[sip_parse_pkg::CB_WS];
  assign nv    = sip_parse_pkg::vstep_cls(s.vw, cb);

  always_comb begin
    r = s;
    if (at3) r.resp = !s.sp1_f && !is_sp && (nv == sip_parse_pkg::VW_SLASH);
    if (!s.sp1_f) begin
      if (is_sp) begin
        r.sp1_f = 1'b1;
        r.sp1 = pos;
        r.vw_first = s.vw;
        r.vw = sip_parse_pkg::VW_START;
        r.last_sp = pos1;
        r.d = 3'd0;
      end else begin
        r.tok_ok = s.tok_ok && cb[sip_parse_pkg::CB_TOK];
        r.vw = nv;
      end
    end else begin
      if (s.d != 3'd7) r.d = s.d + 3'd1;
      if (s.d < 3'd3) begin
        r.code_ok = s.code_ok && cb[sip_parse_pkg::CB_DIG];
        case (s.d[1:0])   // digit d of the code
          2'd0: r.code[11:8] = cb[3:0];
          2'd1: r.code[7:4] = cb[3:0];
          default: r.code[3:0] = cb[3:0];
        endcase
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
