// sip_parse_reader: the read side of m_axi_gmem. It fetches the segment
// descriptors (one beat = four descriptors) and, running ahead of the parser,
// the beats of every segment's bytes (INCR bursts of at most 64 beats that
// never cross 4 KiB). Every request is covered by space reserved in the
// queue it fills, so the R channel never waits; responses arrive in request
// order (one ID) and a small tag FIFO says which queue a burst belongs to.
`default_nettype none

module sip_parse_reader #(
    // Data-beat queue depth (beats); a power of two, 64..1024. It bounds the
    // bytes in flight, which must cover the memory latency.
    parameter int unsigned DATA_DEPTH = 128,
    // Descriptor-beat queue depth (beats of four descriptors); power of two, 2..16.
    parameter int unsigned DESC_DEPTH = 4
) (
    input  wire          clk,
    input  wire          rst_n,
    input  wire          run_start,
    input  wire          running,      // requests only while a run is in progress
    input  wire  [63:0]  bytes_ptr,
    input  wire  [63:0]  seg_ptr,
    input  wire  [31:0]  seg_count,
    // AXI read
    output logic         arvalid,
    input  wire          arready,
    output logic [63:0]  araddr,
    output logic [7:0]   arlen,
    input  wire          rvalid,
    output logic         rready,
    input  wire  [511:0] rdata,
    input  wire          rlast,
    // segment descriptors for the chunker
    output logic         dq_valid,
    output logic [5:0]   dq_o0,
    output logic [31:0]  dq_len,
    output logic         dq_stream,
    input  wire          dq_pop,
    // data beats for the chunker
    output logic         bq_valid,
    output logic [511:0] bq_data,
    input  wire          bq_pop
);
  initial begin
    if (DATA_DEPTH < 64 || DATA_DEPTH > 1024 || (DATA_DEPTH & (DATA_DEPTH - 1)) != 0)
      $error("sip_parse_reader: DATA_DEPTH must be a power of two in 64..1024");
    if (DESC_DEPTH < 2 || DESC_DEPTH > 16 || (DESC_DEPTH & (DESC_DEPTH - 1)) != 0)
      $error("sip_parse_reader: DESC_DEPTH must be a power of two in 2..16");
  end

  localparam int unsigned DAW = $clog2(DATA_DEPTH);
  localparam int unsigned CAW = $clog2(DESC_DEPTH);

  // ---------------------------------------------------------------- queues
  logic          dfifo_in_ready, cfifo_in_ready, cfifo_valid, cfifo_pop, tfifo_in_ready, tfifo_valid, tfifo_dout;
  logic [511:0]  cfifo_dout;
  logic [DAW:0]  dfifo_count;
  logic [CAW:0]  cfifo_count;
  logic [4:0]    tfifo_count;
  logic          r_desc;
  logic          pq_in_ready, pq_valid;
  logic [38:0]   pq_dout;
  logic [3:0]    pq_count;

  assign r_desc = tfifo_dout;
  assign rready = 1'b1;

  sync_fifo #(.WIDTH(512), .DEPTH(DATA_DEPTH), .REGISTERED_READ(1)) u_data (
      .clk(clk), .rst_n(rst_n), .clear(run_start),
      .in_valid(rvalid && tfifo_valid && !r_desc), .in_ready(dfifo_in_ready), .in_data(rdata),
      .out_valid(bq_valid), .out_ready(bq_pop), .out_data(bq_data), .count(dfifo_count));

  sync_fifo #(.WIDTH(512), .DEPTH(DESC_DEPTH), .REGISTERED_READ(1)) u_desc (
      .clk(clk), .rst_n(rst_n), .clear(run_start),
      .in_valid(rvalid && tfifo_valid && r_desc), .in_ready(cfifo_in_ready), .in_data(rdata),
      .out_valid(cfifo_valid), .out_ready(cfifo_pop), .out_data(cfifo_dout), .count(cfifo_count));

  // one tag per outstanding burst: 1 = descriptor beat
  logic tag_push, tag_in;
  sync_fifo #(.WIDTH(1), .DEPTH(16), .REGISTERED_READ(1)) u_tag (
      .clk(clk), .rst_n(rst_n), .clear(run_start),
      .in_valid(tag_push), .in_ready(tfifo_in_ready), .in_data(tag_in),
      .out_valid(tfifo_valid), .out_ready(rvalid && rlast), .out_data(tfifo_dout), .count(tfifo_count));

  // descriptors for the chunker: {stream, o0, len}
  logic        pq_push;
  logic [38:0] pq_din;
  sync_fifo #(.WIDTH(39), .DEPTH(8), .REGISTERED_READ(1)) u_pq (
      .clk(clk), .rst_n(rst_n), .clear(run_start),
      .in_valid(pq_push), .in_ready(pq_in_ready), .in_data(pq_din),
      .out_valid(pq_valid), .out_ready(dq_pop), .out_data(pq_dout), .count(pq_count));
  assign dq_valid  = pq_valid;
  assign dq_stream = pq_dout[38];
  assign dq_o0     = pq_dout[37:32];
  assign dq_len    = pq_dout[31:0];

  // ---------------------------------------------------------------- request side
  logic [31:0]  dreq_q;        // descriptor beats requested
  logic [CAW:0] dpend_q;       // descriptor beats requested, not yet in the queue
  logic [DAW+1:0] reserved_q;  // data beats requested and not yet popped by the chunker
  logic [31:0]  sidx_q;        // descriptors taken
  logic [1:0]   sub_q;         // descriptor within the head beat
  logic         act_q;         // a segment's bursts are being issued
  logic [63:0]  addr_q;        // next beat address
  logic [27:0]  left_q;        // beats still to request
  logic [31:0]  desc_beats_q;  // (seg_count + 3) / 4, registered (seg_count is set before the run)
  // A descriptor is taken into prep_*; the cycle after, its beat count is
  // worked out (act); a burst length is worked out in the cycle after every
  // change of addr/left (blen_v). Requests wait for space_ok, a cycle-old
  // "room for a full burst" (pops counted a cycle late): every step reads
  // registers only.
  logic         prep_q;
  logic [63:0]  paddr_q;
  logic [31:0]  plen_q;
  logic [6:0]   blen_q;
  logic         blen_v_q, space_ok_q, bq_pop_q, sidx_ne_q, sidx_last_q;

  logic [127:0] dsc;
  logic [63:0]  d_addr;
  assign dsc     = cfifo_dout[sub_q*128 +: 128];
  assign d_addr  = bytes_ptr + dsc[63:0];

  logic [6:0]  to4k;
  assign to4k = 7'd64 - {1'b0, addr_q[11:6]};
  logic [6:0]  blen;
  assign blen = blen_q;

  always_comb begin
    arvalid = 1'b0;
    araddr = addr_q;
    arlen = 8'(blen - 7'd1);
    tag_push = 1'b0;
    tag_in = 1'b0;
    if (!running) begin
      // no requests between runs
    end else if (act_q && blen_v_q && left_q != 28'd0 && tfifo_in_ready && space_ok_q) begin
      arvalid = 1'b1;
      tag_push = arready;
    end else if (dreq_q != desc_beats_q && tfifo_in_ready &&
                 32'(dpend_q) + 32'(cfifo_count) < 32'(DESC_DEPTH)) begin
      arvalid = 1'b1;
      araddr = seg_ptr + {32'd0, dreq_q[25:0], 6'd0};
      arlen = 8'd0;
      tag_in = 1'b1;
      tag_push = arready;
    end
  end

  logic take_desc;
  assign take_desc = running && !act_q && !prep_q && cfifo_valid && sidx_ne_q && pq_in_ready;
  assign pq_push = take_desc;
  assign pq_din  = {dsc[96], d_addr[5:0], dsc[95:64]};
  assign cfifo_pop = take_desc && (sub_q == 2'd3 || sidx_last_q);

  always_ff @(posedge clk) desc_beats_q <= (seg_count + 32'd3) >> 2;

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      dreq_q <= 32'd0;
      dpend_q <= '0;
      reserved_q <= '0;
      sidx_q <= 32'd0;
      prep_q <= 1'b0;
      blen_v_q <= 1'b0;
      space_ok_q <= 1'b0;
      bq_pop_q <= 1'b0;
      sidx_ne_q <= 1'b0;
      sidx_last_q <= 1'b0;
      sub_q <= 2'd0;
      act_q <= 1'b0;
      left_q <= 28'd0;
      addr_q <= 64'd0;
    end else begin
      // descriptor beats in flight
      if (arvalid && arready && tag_in) begin
        dreq_q <= dreq_q + 32'd1;
      end
      dpend_q <= dpend_q + (CAW+1)'(arvalid && arready && tag_in)
                         - (CAW+1)'(rvalid && tfifo_valid && r_desc);
      bq_pop_q <= bq_pop;
      reserved_q <= reserved_q + ((arvalid && arready && !tag_in) ? (DAW+2)'(blen) : '0)
                               - (DAW+2)'(bq_pop_q);
      space_ok_q <= (32'(reserved_q) + 32'd64 <= 32'(DATA_DEPTH));
      sidx_ne_q <= (sidx_q != seg_count);
      sidx_last_q <= (sidx_q + 32'd1 == seg_count);
      // burst length from registers, the cycle after addr/left settle
      blen_q <= (left_q < 28'(to4k)) ? left_q[6:0] : to4k;
      blen_v_q <= act_q;
      if (arvalid && arready && !tag_in) begin
        addr_q <= addr_q + {51'd0, blen, 6'd0};
        left_q <= left_q - 28'(blen);
        blen_v_q <= 1'b0;
      end
      if (act_q && left_q == 28'd0) act_q <= 1'b0;
      if (take_desc) begin
        sidx_q <= sidx_q + 32'd1;
        sub_q <= cfifo_pop ? 2'd0 : sub_q + 2'd1;
        prep_q <= 1'b1;
        paddr_q <= d_addr;
        plen_q <= dsc[95:64];
        sidx_ne_q <= 1'b0;   // recomputed next cycle; prep blocks a take meanwhile
      end
      if (prep_q) begin
        prep_q <= 1'b0;
        act_q <= 1'b1;
        blen_v_q <= 1'b0;
        addr_q <= {paddr_q[63:6], 6'd0};
        left_q <= (plen_q == 32'd0) ? 28'd0 :
                  28'(({28'd0, paddr_q[5:0]} + {2'd0, plen_q} + 34'd63) >> 6);
      end
    end
  end

  // unused: fill levels beyond what the credits need
  logic unused;
  assign unused = ^{dfifo_in_ready, cfifo_in_ready, dfifo_count, tfifo_count, dsc[127:97], pq_count, rlast};
endmodule

`default_nettype wire
