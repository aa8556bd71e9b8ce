// sip_parse_writer: the write side of m_axi_gmem. Records come in through
// small FIFOs (so the walker sees a registered ready and its decisions reach
// no further than the FIFO); three gatherers (segment results, message
// records, header records) each offer one burst at a time; this arbiter sends
// them round-robin (AW, then the W beats) and counts the write responses
// still owed.
`default_nettype none

module sip_parse_writer #(
    // Beats per gathered group (burst length bound); 2, 4 or 8.
    parameter int unsigned GB = 4
) (
    input  wire           clk,
    input  wire           rst_n,
    input  wire           run_start,
    input  wire  [63:0]   seg_base,
    input  wire  [63:0]   msg_base,
    input  wire  [63:0]   hdr_base,
    input  wire           flush,
    input  wire           seg_valid,
    input  wire  [31:0]   seg_idx,
    input  wire  [255:0]  seg_data,
    output logic          seg_ready,
    input  wire           msg_valid,
    input  wire  [31:0]   msg_idx,
    input  wire  [511:0]  msg_data,
    output logic          msg_ready,
    input  wire           hdr_valid,
    input  wire  [31:0]   hdr_idx,
    input  wire  [127:0]  hdr_data,
    output logic          hdr_ready,
    output logic          all_written,  // nothing gathered, nothing in flight
    output logic          awvalid,
    input  wire           awready,
    output logic [63:0]   awaddr,
    output logic [7:0]    awlen,
    output logic          wvalid,
    input  wire           wready,
    output logic [511:0]  wdata,
    output logic [63:0]   wstrb,
    output logic          wlast,
    input  wire           bvalid,
    output logic          bready,
    input  wire  [1:0]    bresp
);
  initial begin
    if (GB != 2 && GB != 4 && GB != 8) $error("sip_parse_writer: GB must be 2, 4 or 8");
  end

  logic [2:0]   req, done, idle;
  logic [63:0]  raddr [3];
  logic [7:0]   rlen  [3];
  logic [511:0] bdata [3];
  logic [63:0]  bstrb [3];
  logic [2:0]   beat_q;

  // input FIFOs: {group differs from the previous record's, idx, data}
  logic         sq_valid, sq_pop, mq_valid, mq_pop, hq_valid, hq_pop;
  logic [288:0] sq_dout;
  logic [544:0] mq_dout;
  logic [160:0] hq_dout;
  // group of a record index: records per beat 2, 1, 4 (segment, message, header), GB beats
  localparam int unsigned GBB = $clog2(GB);
  logic [31:0]  sg_last_q, mg_last_q, hg_last_q;
  logic         s_ne, m_ne, h_ne;
  assign s_ne = ((seg_idx >> (1 + GBB)) != sg_last_q);
  assign m_ne = ((msg_idx >> GBB) != mg_last_q);
  assign h_ne = ((hdr_idx >> (2 + GBB)) != hg_last_q);
  always_ff @(posedge clk) begin
    if (seg_valid) sg_last_q <= seg_idx >> (1 + GBB);
    if (msg_valid) mg_last_q <= msg_idx >> GBB;
    if (hdr_valid) hg_last_q <= hdr_idx >> (2 + GBB);
  end
  logic [1:0]   sq_count, mq_count;
  logic [2:0]   hq_count;
  sync_fifo #(.WIDTH(289), .DEPTH(2), .REGISTERED_READ(1)) u_sq (
      .clk(clk), .rst_n(rst_n), .clear(run_start), .in_valid(seg_valid), .in_ready(seg_ready),
      .in_data({s_ne, seg_idx, seg_data}), .out_valid(sq_valid), .out_ready(sq_pop), .out_data(sq_dout),
      .count(sq_count));
  sync_fifo #(.WIDTH(545), .DEPTH(2), .REGISTERED_READ(1)) u_mq (
      .clk(clk), .rst_n(rst_n), .clear(run_start), .in_valid(msg_valid), .in_ready(msg_ready),
      .in_data({m_ne, msg_idx, msg_data}), .out_valid(mq_valid), .out_ready(mq_pop), .out_data(mq_dout),
      .count(mq_count));
  sync_fifo #(.WIDTH(161), .DEPTH(4), .REGISTERED_READ(1)) u_hq (
      .clk(clk), .rst_n(rst_n), .clear(run_start), .in_valid(hdr_valid), .in_ready(hdr_ready),
      .in_data({h_ne, hdr_idx, hdr_data}), .out_valid(hq_valid), .out_ready(hq_pop), .out_data(hq_dout),
      .count(hq_count));
  logic g_seg_ready, g_msg_ready, g_hdr_ready;
  assign sq_pop = sq_valid && g_seg_ready;
  assign mq_pop = mq_valid && g_msg_ready;
  assign hq_pop = hq_valid && g_hdr_ready;

  sip_parse_wgroup #(.RB(32), .GB(GB)) u_seg (
      .clk(clk), .rst_n(rst_n), .run_start(run_start), .base(seg_base), .flush(flush),
      .rec_valid(sq_valid), .rec_idx(sq_dout[287:256]), .rec_ne(sq_dout[288]), .rec_data(sq_dout[255:0]), .rec_ready(g_seg_ready),
      .idle(idle[0]), .req(req[0]), .req_addr(raddr[0]), .req_len(rlen[0]), .beat_sel(beat_q),
      .beat_data(bdata[0]), .beat_strb(bstrb[0]), .done(done[0]));
  sip_parse_wgroup #(.RB(64), .GB(GB)) u_msg (
      .clk(clk), .rst_n(rst_n), .run_start(run_start), .base(msg_base), .flush(flush),
      .rec_valid(mq_valid), .rec_idx(mq_dout[543:512]), .rec_ne(mq_dout[544]), .rec_data(mq_dout[511:0]), .rec_ready(g_msg_ready),
      .idle(idle[1]), .req(req[1]), .req_addr(raddr[1]), .req_len(rlen[1]), .beat_sel(beat_q),
      .beat_data(bdata[1]), .beat_strb(bstrb[1]), .done(done[1]));
  sip_parse_wgroup #(.RB(16), .GB(GB)) u_hdr (
      .clk(clk), .rst_n(rst_n), .run_start(run_start), .base(hdr_base), .flush(flush),
      .rec_valid(hq_valid), .rec_idx(hq_dout[159:128]), .rec_ne(hq_dout[160]), .rec_data(hq_dout[127:0]), .rec_ready(g_hdr_ready),
      .idle(idle[2]), .req(req[2]), .req_addr(raddr[2]), .req_len(rlen[2]), .beat_sel(beat_q),
      .beat_data(bdata[2]), .beat_strb(bstrb[2]), .done(done[2]));

  typedef enum logic [1:0] {W_IDLE, W_ADDR, W_DATA} wst_t;
  wst_t        st_q;
  logic [1:0]  sel_q, rr_q;
  logic [15:0] owed_q;       // write responses still to come

  logic [1:0] pick;
  logic       any;
  always_comb begin
    pick = rr_q;
    any = 1'b0;
    for (int k = 2; k >= 0; k--) begin
      logic [1:0] c;
      c = (rr_q + 2'(k) >= 2'd3) ? rr_q + 2'(k) - 2'd3 : rr_q + 2'(k);
      if (req[c]) begin
        pick = c;
        any = 1'b1;
      end
    end
  end

  assign awvalid = (st_q == W_ADDR);
  assign awaddr  = raddr[sel_q];
  assign awlen   = rlen[sel_q];
  assign wvalid  = (st_q == W_DATA);
  assign wdata   = bdata[sel_q];
  assign wstrb   = bstrb[sel_q];
  assign wlast   = (8'(beat_q) == rlen[sel_q]);
  assign bready  = 1'b1;
  assign all_written = (&idle) && st_q == W_IDLE && owed_q == 16'd0 &&
                       sq_count == '0 && mq_count == '0 && hq_count == '0;

  always_comb begin
    done = 3'b000;
    if (st_q == W_DATA && wready && wlast) done[sel_q] = 1'b1;
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      st_q <= W_IDLE;
      sel_q <= 2'd0;
      rr_q <= 2'd0;
      owed_q <= 16'd0;
      beat_q <= 3'd0;
    end else begin
      owed_q <= owed_q + 16'(awvalid && awready) - 16'(bvalid);
      unique case (st_q)
        W_IDLE: if (any) begin
          sel_q <= pick;
          rr_q <= (pick == 2'd2) ? 2'd0 : pick + 2'd1;
          beat_q <= 3'd0;
          st_q <= W_ADDR;
        end
        W_ADDR: if (awready) st_q <= W_DATA;
        W_DATA: if (wready) begin
          if (wlast) st_q <= W_IDLE;
          else beat_q <= beat_q + 3'd1;
        end
        default: st_q <= W_IDLE;
      endcase
    end
  end

  logic unused;
  assign unused = ^bresp;
endmodule

`default_nettype wire
