// sip_parse_control: the s_axi_control slave (docs/kernels.md): ap_ctrl_chain
// control register, GIE/IER/ISR, and the argument registers of sip_parse.
`default_nettype none

module sip_parse_control #(
    // AXI4-Lite address width; 7 (0x00-0x7F) per docs/kernels.md.
    parameter int unsigned ADDR_WIDTH = 7
) (
    input  wire                  clk,
    input  wire                  rst_n,
    input  wire                  awvalid,
    output logic                 awready,
    input  wire [ADDR_WIDTH-1:0] awaddr,
    input  wire                  wvalid,
    output logic                 wready,
    input  wire [31:0]           wdata,
    input  wire [3:0]            wstrb,
    output logic                 bvalid,
    input  wire                  bready,
    output logic [1:0]           bresp,
    input  wire                  arvalid,
    output logic                 arready,
    input  wire [ADDR_WIDTH-1:0] araddr,
    output logic                 rvalid,
    input  wire                  rready,
    output logic [31:0]          rdata,
    output logic [1:0]           rresp,
    /* verilator lint_off SYMRSVDWORD */  // the port name is fixed by docs/kernels.md
    output logic                 interrupt,
    /* verilator lint_on SYMRSVDWORD */
    // kernel side
    output logic                 run_start,   // pulse: the kernel takes ap_start
    input  wire                  run_done,    // pulse: the run finished
    output logic [63:0]          a_bytes,
    output logic [63:0]          a_segments,
    output logic [63:0]          a_seg_results,
    output logic [63:0]          a_messages,
    output logic [63:0]          a_headers,
    output logic [31:0]          a_segment_count,
    output logic [31:0]          a_max_message_bytes,
    output logic [31:0]          a_message_capacity,
    output logic [31:0]          a_header_capacity
);
  initial begin
    if (ADDR_WIDTH != 7) $error("sip_parse_control: ADDR_WIDTH must be 7");
  end

  // argument words 0x10..0x68, indexed by (addr - 0x10) / 4
  localparam int unsigned NW = 23;
  logic [31:0] arg_q [NW];
  logic        start_q, done_q, busy_q, ready_q, autorst_q, gie_q;
  logic [1:0]  ier_q, isr_q;

  function automatic logic is_reserved(input int unsigned w);
    // pointers take three words (the third reserved), scalars two (the second reserved)
    is_reserved = (w == 2) || (w == 5) || (w == 8) || (w == 11) || (w == 14) ||
                  (w == 16) || (w == 18) || (w == 20) || (w == 22);
  endfunction

  assign a_bytes             = {arg_q[1], arg_q[0]};
  assign a_segments          = {arg_q[4], arg_q[3]};
  assign a_seg_results       = {arg_q[7], arg_q[6]};
  assign a_messages          = {arg_q[10], arg_q[9]};
  assign a_headers           = {arg_q[13], arg_q[12]};
  assign a_segment_count     = arg_q[15];
  assign a_max_message_bytes = arg_q[17];
  assign a_message_capacity  = arg_q[19];
  assign a_header_capacity   = arg_q[21];

  // write: address and data together
  logic do_write, do_read;
  assign awready  = !bvalid && awvalid && wvalid;
  assign wready   = awready;
  assign do_write = awready;
  assign bresp    = 2'b00;
  assign arready  = !rvalid;
  assign do_read  = arvalid && arready;
  assign rresp    = 2'b00;
  assign interrupt = gie_q && ((isr_q & ier_q) != 2'b00);
  assign run_start = start_q && !busy_q;

  logic [31:0] rd;
  always_comb begin
    int unsigned w;
    w = (32'(araddr) - 32'h10) >> 2;
    rd = 32'd0;
    case (araddr)
      7'h00: rd = {24'd0, autorst_q, 3'd0, ready_q, !busy_q, done_q, start_q};
      7'h04: rd = {31'd0, gie_q};
      7'h08: rd = {30'd0, ier_q};
      7'h0C: rd = {30'd0, isr_q};
      default: if (araddr >= 7'h10 && w < NW && !is_reserved(w)) rd = arg_q[w];
    endcase
  end

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] d, input logic [3:0] s);
    logic [31:0] r;
    for (int b = 0; b < 4; b++) r[b*8 +: 8] = s[b] ? d[b*8 +: 8] : old[b*8 +: 8];
    merge = r;
  endfunction

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      bvalid <= 1'b0;
      rvalid <= 1'b0;
      rdata <= 32'd0;
      start_q <= 1'b0;
      done_q <= 1'b0;
      busy_q <= 1'b0;
      ready_q <= 1'b0;
      autorst_q <= 1'b0;
      gie_q <= 1'b0;
      ier_q <= 2'b00;
      isr_q <= 2'b00;
      for (int i = 0; i < NW; i++) arg_q[i] <= 32'd0;
    end else begin
      if (bvalid && bready) bvalid <= 1'b0;
      if (rvalid && rready) rvalid <= 1'b0;
      if (do_read) begin
        rvalid <= 1'b1;
        rdata <= rd;
        if (araddr == 7'h00) begin
          done_q <= 1'b0;   // clear on read (an event of this very cycle stays set)
          ready_q <= 1'b0;
        end
      end
      // the kernel takes the start
      if (run_start) begin
        start_q <= 1'b0;
        busy_q <= 1'b1;
        ready_q <= 1'b1;
        if (ier_q[1]) isr_q[1] <= 1'b1;
      end
      if (run_done) begin
        busy_q <= 1'b0;
        done_q <= 1'b1;
        if (ier_q[0]) isr_q[0] <= 1'b1;
      end
      if (do_write) begin
        bvalid <= 1'b1;
        case (awaddr)
          7'h00: if (wstrb[0]) begin
            if (wdata[0]) start_q <= 1'b1;
            if (wdata[4]) done_q <= 1'b0;  // ap_continue
            autorst_q <= wdata[7];
          end
          7'h04: if (wstrb[0]) gie_q <= wdata[0];
          7'h08: if (wstrb[0]) ier_q <= wdata[1:0];
          7'h0C: if (wstrb[0]) isr_q <= isr_q & ~wdata[1:0];
          default: begin
            if (awaddr >= 7'h10 && ((32'(awaddr) - 32'h10) >> 2) < NW &&
                !is_reserved((32'(awaddr) - 32'h10) >> 2))
              arg_q[(32'(awaddr) - 32'h10) >> 2] <= merge(arg_q[(32'(awaddr) - 32'h10) >> 2], wdata, wstrb);
          end
        endcase
      end
    end
  end
endmodule

`default_nettype wire
