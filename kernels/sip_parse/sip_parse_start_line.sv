// sip_parse_start_line: checks the start line of each message and splits it
// (Request-Line: method, URI, version; Status-Line: version, code, reason),
// exactly as CpuSipParseEngine's parse_start_line. The walker pushes the
// line's chunk windows into a small FIFO as they pass; this unit scans them,
// NB bytes per cycle, while the walker goes on with the header lines. The
// verdict is read at the message end; a flush clears everything for the next
// message.
//
// Three steps, each from registers: fetch (NB bytes of the head entry, as
// their classes), step (the scanner state through those bytes), verdict
// (registered; res_valid a cycle after the last step).
`default_nettype none

module sip_parse_start_line #(
    // FIFO entries (64-byte windows); 2..16.
    parameter int unsigned DEPTH = 4,
    // Bytes scanned per cycle; 1, 2, 4 or 8.
    parameter int unsigned NB = 2
) (
    input  wire          clk,
    input  wire          rst_n,
    input  wire          flush,
    input  wire          push,
    input  wire  [511:0] push_bytes,
    input  wire  [6:0]   push_cnt,     // bytes of the line in this window (0..64)
    input  wire          push_last,    // the window holds the line's end
    output logic         push_ready,
    output logic         res_valid,
    output logic         res_ok,
    output logic         res_req,
    output logic [31:0]  res_m_len,
    output logic [31:0]  res_uri_len,
    output logic [31:0]  res_v_off,
    output logic [31:0]  res_v_len,
    output logic [31:0]  res_r_off,
    output logic [31:0]  res_r_len,
    output logic [15:0]  res_status
);
  initial begin
    if (DEPTH < 2 || DEPTH > 16) $error("sip_parse_start_line: DEPTH must be 2..16");
    if (NB != 1 && NB != 2 && NB != 4 && NB != 8) $error("sip_parse_start_line: NB must be 1, 2, 4 or 8");
  end

  localparam int unsigned AW = $clog2(DEPTH);

  logic [511:0] f_bytes [DEPTH];
  logic [6:0]   f_cnt   [DEPTH];
  logic         f_last  [DEPTH];
  logic [AW-1:0] wp_q, rp_q;
  logic [AW:0]   n_q;
  logic [6:0]    idx_q;
  sip_parse_pkg::start_line_state_t st_q, st_d, st_init;
  logic [31:0]   i_q, i_d;
  logic          done_q, done_d, fdone_q, res_v_q;
  logic          pop;
  // fetch register
  logic [sip_parse_pkg::START_LINE_CLASS_BITS-1:0] fcb_q [NB];
  logic [NB-1:0] fok_q;
  logic          flast_q;

  assign push_ready = (n_q != (AW+1)'(DEPTH));

  always_comb begin
    st_init = '0;
    st_init.token_ok = 1'b1;
    st_init.word = sip_parse_pkg::WORD_START;
    st_init.first_word = sip_parse_pkg::WORD_INVALID;
    st_init.word_at_text_end = sip_parse_pkg::WORD_INVALID;
    st_init.code_ok = 1'b1;
  end

  // fetch NB bytes of the head entry
  logic [7:0] byte_k [NB];
  logic       lane_ok [NB];
  logic       busy;
  assign busy = (n_q != '0) && !fdone_q;
  always_comb begin
    for (int k = 0; k < NB; k++) begin
      byte_k[k] = f_bytes[rp_q][(32'(idx_q) + k) * 8 +: 8];
      lane_ok[k] = busy && (32'(idx_q) + k < 32'(f_cnt[rp_q]));
    end
  end
  // lane k: state after the bytes of lanes 0..k that are in the line
  for (genvar k = 0; k < NB; k++) begin : g_lane
    logic [sip_parse_pkg::START_LINE_STATE_BITS-1:0] sin, sout, sel;
    if (k == 0) begin : g_first
      assign sin = st_q;
    end else begin : g_next
      assign sin = g_lane[k - 1].sel;
    end
    // the step is computed unconditionally for every lane and selected after
    sip_parse_sl_step u_step (.s_in(sin), .cb(fcb_q[k]), .at3(i_q == 32'(3 - k)), .pos(i_q + 32'(k)),
                              .pos1(i_q + 32'(k + 1)), .s_out(sout));
    assign sel = fok_q[k] ? sout : sin;
  end

  always_comb begin
    logic [6:0] n;
    n = 7'd0;
    for (int k = 0; k < NB; k++) n = n + 7'(fok_q[k]);
    st_d = g_lane[NB - 1].sel;
    i_d = i_q + 32'(n);
    done_d = done_q || flast_q;
    pop = busy && 32'(idx_q) + NB >= 32'(f_cnt[rp_q]);
  end

  assign res_valid = res_v_q;

  // verdict (CpuSipParseEngine::parse_start_line), registered
  always_ff @(posedge clk) begin
    logic ok_resp, ok_req;
    ok_resp = st_q.first_space_found && st_q.first_word == sip_parse_pkg::WORD_ACCEPT && st_q.after_space >= 3'd3 &&
              st_q.code_ok && (st_q.after_space == 3'd3 || st_q.code_space);
    ok_req = st_q.first_space_found && st_q.first_space != 32'd0 && st_q.token_ok &&
             {1'b0, st_q.last_word} >= {1'b0, st_q.first_space} + 33'd3 &&
             st_q.word_at_text_end == sip_parse_pkg::WORD_ACCEPT;
    res_req <= !st_q.response;
    res_ok <= st_q.response ? ok_resp : ok_req;
    res_m_len <= st_q.first_space;
    res_uri_len <= st_q.last_word - st_q.first_space - 32'd2;
    if (st_q.response) begin
      res_v_off <= 32'd0;
      res_v_len <= st_q.first_space;
      res_r_off <= (st_q.after_space >= 3'd4) ? st_q.first_space + 32'd5 : i_q;
      res_r_len <= i_q - ((st_q.after_space >= 3'd4) ? st_q.first_space + 32'd5 : i_q);
      // digits x 100 + x 10 + x 1, by shifts (no multiplier)
      res_status <= ({6'd0, st_q.code[11:8], 6'd0} + {7'd0, st_q.code[11:8], 5'd0} +
                     {10'd0, st_q.code[11:8], 2'd0}) + ({9'd0, st_q.code[7:4], 3'd0} + {11'd0, st_q.code[7:4], 1'd0}) +
                    {12'd0, st_q.code[3:0]};
    end else begin
      res_v_off <= st_q.last_word;
      res_v_len <= st_q.text_end - st_q.last_word;
      res_r_off <= 32'd0;
      res_r_len <= 32'd0;
      res_status <= 16'd0;
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n || flush) begin
      wp_q <= '0;
      rp_q <= '0;
      n_q <= '0;
      idx_q <= 7'd0;
      st_q <= st_init;
      i_q <= 32'd0;
      done_q <= 1'b0;
      fdone_q <= 1'b0;
      fok_q <= '0;
      flast_q <= 1'b0;
      res_v_q <= 1'b0;
    end else begin
      if (push) begin
        f_bytes[wp_q] <= push_bytes;
        f_cnt[wp_q] <= push_cnt;
        f_last[wp_q] <= push_last;
        wp_q <= (wp_q == AW'(DEPTH - 1)) ? '0 : wp_q + AW'(1);
      end
      if (pop) begin
        rp_q <= (rp_q == AW'(DEPTH - 1)) ? '0 : rp_q + AW'(1);
        idx_q <= 7'd0;
      end else if (busy) begin
        idx_q <= idx_q + 7'(NB);
      end
      n_q <= n_q + (AW+1)'(push) - (AW+1)'(pop);
      st_q <= st_d;
      i_q <= i_d;
      done_q <= done_d;
      res_v_q <= done_q;
      for (int k = 0; k < NB; k++) begin
        fok_q[k] <= lane_ok[k];
        fcb_q[k] <= sip_parse_pkg::start_line_classes(byte_k[k]);
      end
      flast_q <= pop && f_last[rp_q];
      if (pop && f_last[rp_q]) fdone_q <= 1'b1;
    end
  end
endmodule

`default_nettype wire
