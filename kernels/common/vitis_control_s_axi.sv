// vitis_control_s_axi: the AXI4-Lite control slave every sipnic kernel
// uses, the Vitis RTL-kernel register map with ap_ctrl_chain
// (docs/kernels.md, "Common to both kernels"):
//   0x00 control: bit 0 ap_start (R/W, cleared when the start is taken
//        unless auto_restart), 1 ap_done (R, clear-on-read), 2 ap_idle (R),
//        3 ap_ready (R, clear-on-read), 4 ap_continue (W, self-clearing),
//        7 auto_restart (R/W)
//   0x04 GIE, 0x08 IER (bit 0 done, bit 1 ready), 0x0C ISR (toggle on write)
//   0x10 + 4*i: argument word i, i < ARG_WORDS. Words whose ARG_MAPPED bit is
//        set hold what the host wrote; the others (the reserved third word
//        of a 64-bit pointer, the reserved second word of a scalar) and every
//        address past the arguments read 0 and ignore writes.
//
// Run control: a start is taken (run_start pulse, ap_ready set) when
// ap_start is set, no run is in progress and the previous run's ap_done was
// acknowledged with ap_continue (ap_ctrl_chain: the host has seen the
// output). The kernel latches the arguments on run_start, so the host may
// write the next ones as soon as it sees ap_ready.
//
// Write transactions take the address, then the data, then give the
// response (the AXI spec lets a slave wait for AWVALID before WREADY); reads
// answer one cycle after the address. Responses are always OKAY, as in the
// control blocks Vitis generates.
`default_nettype none

module vitis_control_s_axi #(
  // Control address width in bits. Legal: 5..12, and wide enough for the
  // arguments: 0x10 + 4 * ARG_WORDS <= 2**C_S_AXI_CONTROL_ADDR_WIDTH.
  parameter int unsigned C_S_AXI_CONTROL_ADDR_WIDTH = 7,
  // Control data width. Legal: 32 (the Vitis register map is 32-bit).
  parameter int unsigned C_S_AXI_CONTROL_DATA_WIDTH = 32,
  // Argument words from 0x10. Legal: 1..(2**C_S_AXI_CONTROL_ADDR_WIDTH - 16) / 4.
  parameter int unsigned ARG_WORDS = 1,
  // Bit i set: argument word i is a register; clear: reserved (reads 0).
  // Legal: any value of ARG_WORDS bits with at least one bit set.
  parameter logic [ARG_WORDS-1:0] ARG_MAPPED = '1
) (
  input  wire logic                                      ap_clk,
  input  wire logic                                      ap_rst_n,
  input  wire logic                                      s_axi_control_awvalid,
  output logic                                           s_axi_control_awready,
  input  wire logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0]     s_axi_control_awaddr,
  input  wire logic                                      s_axi_control_wvalid,
  output logic                                           s_axi_control_wready,
  input  wire logic [C_S_AXI_CONTROL_DATA_WIDTH-1:0]     s_axi_control_wdata,
  input  wire logic [C_S_AXI_CONTROL_DATA_WIDTH/8-1:0]   s_axi_control_wstrb,
  output logic                                           s_axi_control_bvalid,
  input  wire logic                                      s_axi_control_bready,
  output logic [1:0]                                     s_axi_control_bresp,
  input  wire logic                                      s_axi_control_arvalid,
  output logic                                           s_axi_control_arready,
  input  wire logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0]     s_axi_control_araddr,
  output logic                                           s_axi_control_rvalid,
  input  wire logic                                      s_axi_control_rready,
  output logic [C_S_AXI_CONTROL_DATA_WIDTH-1:0]          s_axi_control_rdata,
  output logic [1:0]                                     s_axi_control_rresp,
  /* verilator lint_off SYMRSVDWORD */  // the Vitis port name
  output logic                                           interrupt,
  /* verilator lint_on SYMRSVDWORD */
  // to and from the kernel
  output logic                                           run_start,  // pulse: the start is taken
  input  wire logic                                      run_done,   // pulse: the run finished
  output logic [32*ARG_WORDS-1:0]                        args        // word i at [32*i +: 32]
);

  localparam int unsigned AW = C_S_AXI_CONTROL_ADDR_WIDTH;

  generate
    if (AW < 5 || AW > 12) begin : g_bad_addr_width
      $fatal(1, "vitis_control_s_axi: C_S_AXI_CONTROL_ADDR_WIDTH must be 5..12");
    end
    if (C_S_AXI_CONTROL_DATA_WIDTH != 32) begin : g_bad_data_width
      $fatal(1, "vitis_control_s_axi: C_S_AXI_CONTROL_DATA_WIDTH must be 32");
    end
    if (ARG_WORDS < 1 || 16 + 4 * ARG_WORDS > (1 << AW)) begin : g_bad_arg_words
      $fatal(1, "vitis_control_s_axi: ARG_WORDS must be >= 1 and fit the address width");
    end
    if (ARG_MAPPED == '0) begin : g_bad_arg_mapped
      $fatal(1, "vitis_control_s_axi: ARG_MAPPED maps no argument word");
    end
  endgenerate

  // Word addresses (byte address >> 2) of the fixed registers.
  localparam logic [AW-3:0] WORD_CTRL = (AW - 2)'(0);
  localparam logic [AW-3:0] WORD_GIE = (AW - 2)'(1);
  localparam logic [AW-3:0] WORD_IER = (AW - 2)'(2);
  localparam logic [AW-3:0] WORD_ISR = (AW - 2)'(3);
  localparam int unsigned FIRST_ARG_WORD = 4;

  // Registers are word aligned: the byte-address bits do not select.
  logic unused_byte_address_bits;
  assign unused_byte_address_bits = ^{s_axi_control_awaddr[1:0], s_axi_control_araddr[1:0]};

  // ---- registers --------------------------------------------------------------------
  typedef enum logic [1:0] {W_ADDR = 2'd0, W_DATA = 2'd1, W_RESP = 2'd2} wstate_e;
  wstate_e wstate_q, wstate_d;
  logic [AW-3:0] waddr_q, waddr_d;
  logic rvalid_q, rvalid_d;
  logic [31:0] rdata_q, rdata_d;
  logic ap_start_q, ap_start_d, ap_done_q, ap_done_d, ap_ready_q, ap_ready_d;
  logic auto_restart_q, auto_restart_d, busy_q, busy_d, need_continue_q, need_continue_d;
  logic gie_q, gie_d;
  logic [1:0] ier_q, ier_d, isr_q, isr_d;
  logic [31:0] arg_q [ARG_WORDS], arg_d [ARG_WORDS];

  // ---- next state -------------------------------------------------------------------
  logic w_hs, ar_hs, start_taken, continue_write;
  logic [31:0] wmask, rword;
  logic [AW-3:0] raddr;

  always_comb begin
    s_axi_control_awready = wstate_q == W_ADDR;
    s_axi_control_wready = wstate_q == W_DATA;
    s_axi_control_bvalid = wstate_q == W_RESP;
    s_axi_control_bresp = 2'b00;
    s_axi_control_arready = !rvalid_q;
    s_axi_control_rvalid = rvalid_q;
    s_axi_control_rdata = rdata_q;
    s_axi_control_rresp = 2'b00;

    wstate_d = wstate_q;
    waddr_d = waddr_q;
    case (wstate_q)
      W_ADDR: if (s_axi_control_awvalid) begin
        waddr_d = s_axi_control_awaddr[AW-1:2];
        wstate_d = W_DATA;
      end
      W_DATA: if (s_axi_control_wvalid) wstate_d = W_RESP;
      W_RESP: if (s_axi_control_bready) wstate_d = W_ADDR;
      default: wstate_d = W_ADDR;
    endcase
    w_hs = wstate_q == W_DATA && s_axi_control_wvalid;
    ar_hs = s_axi_control_arvalid && !rvalid_q;
    raddr = s_axi_control_araddr[AW-1:2];
    for (int b = 0; b < 4; b++) wmask[8 * b +: 8] = {8{s_axi_control_wstrb[b]}};

    // Run control.
    start_taken = ap_start_q && !busy_q && !need_continue_q;
    continue_write = w_hs && waddr_q == WORD_CTRL && s_axi_control_wstrb[0] && s_axi_control_wdata[4];
    run_start = start_taken;

    ap_start_d = ap_start_q;
    ap_done_d = ap_done_q;
    ap_ready_d = ap_ready_q;
    auto_restart_d = auto_restart_q;
    busy_d = busy_q;
    need_continue_d = need_continue_q;
    gie_d = gie_q;
    ier_d = ier_q;
    isr_d = isr_q;
    // Reserved words stay 0: constant flip-flops, which synthesis removes.
    for (int i = 0; i < ARG_WORDS; i++) arg_d[i] = ARG_MAPPED[i] ? arg_q[i] : 32'h0;

    // Clear-on-read first, so that an event of the same cycle is not lost.
    if (ar_hs && raddr == WORD_CTRL) begin
      ap_done_d = 1'b0;
      ap_ready_d = 1'b0;
    end
    if (start_taken) begin
      busy_d = 1'b1;
      ap_ready_d = 1'b1;
      ap_start_d = auto_restart_q;
      if (ier_q[1]) isr_d[1] = 1'b1;
    end
    if (run_done) begin
      busy_d = 1'b0;
      ap_done_d = 1'b1;
      need_continue_d = 1'b1;
      if (ier_q[0]) isr_d[0] = 1'b1;
    end
    if (continue_write) need_continue_d = 1'b0;

    if (w_hs) begin
      if (waddr_q == WORD_CTRL) begin
        if (s_axi_control_wstrb[0] && s_axi_control_wdata[0]) ap_start_d = 1'b1;
        if (s_axi_control_wstrb[0]) auto_restart_d = s_axi_control_wdata[7];
      end else if (waddr_q == WORD_GIE) begin
        if (s_axi_control_wstrb[0]) gie_d = s_axi_control_wdata[0];
      end else if (waddr_q == WORD_IER) begin
        if (s_axi_control_wstrb[0]) ier_d = s_axi_control_wdata[1:0];
      end else if (waddr_q == WORD_ISR) begin
        if (s_axi_control_wstrb[0]) isr_d = isr_d ^ s_axi_control_wdata[1:0];
      end else begin
        for (int i = 0; i < ARG_WORDS; i++) begin
          if (ARG_MAPPED[i] && 32'(waddr_q) == FIRST_ARG_WORD + i) begin
            arg_d[i] = (arg_q[i] & ~wmask) | (s_axi_control_wdata & wmask);
          end
        end
      end
    end

    interrupt = gie_q && |(isr_q & ier_q);

    // Read data: reserved words and addresses past the arguments read 0.
    rword = 32'h0;
    if (raddr == WORD_CTRL) begin
      rword = {24'h0, auto_restart_q, 2'b00, 1'b0, ap_ready_q, !busy_q, ap_done_q, ap_start_q};
    end else if (raddr == WORD_GIE) begin
      rword = {31'h0, gie_q};
    end else if (raddr == WORD_IER) begin
      rword = {30'h0, ier_q};
    end else if (raddr == WORD_ISR) begin
      rword = {30'h0, isr_q};
    end else begin
      // Reserved argument words hold 0 (above), so they need no case here.
      for (int i = 0; i < ARG_WORDS; i++) begin
        if (32'(raddr) == FIRST_ARG_WORD + i) rword = arg_q[i];
      end
    end
    rvalid_d = rvalid_q;
    rdata_d = rdata_q;
    if (ar_hs) begin
      rvalid_d = 1'b1;
      rdata_d = rword;
    end else if (rvalid_q && s_axi_control_rready) begin
      rvalid_d = 1'b0;
    end

    for (int i = 0; i < ARG_WORDS; i++) args[32 * i +: 32] = arg_q[i];
  end

  // ---- state ------------------------------------------------------------------------
  always_ff @(posedge ap_clk) begin
    if (!ap_rst_n) begin
      wstate_q <= W_ADDR;
      waddr_q <= '0;
      rvalid_q <= 1'b0;
      rdata_q <= 32'h0;
      ap_start_q <= 1'b0;
      ap_done_q <= 1'b0;
      ap_ready_q <= 1'b0;
      auto_restart_q <= 1'b0;
      busy_q <= 1'b0;
      need_continue_q <= 1'b0;
      gie_q <= 1'b0;
      ier_q <= 2'b00;
      isr_q <= 2'b00;
      for (int i = 0; i < ARG_WORDS; i++) arg_q[i] <= 32'h0;
    end else begin
      wstate_q <= wstate_d;
      waddr_q <= waddr_d;
      rvalid_q <= rvalid_d;
      rdata_q <= rdata_d;
      ap_start_q <= ap_start_d;
      ap_done_q <= ap_done_d;
      ap_ready_q <= ap_ready_d;
      auto_restart_q <= auto_restart_d;
      busy_q <= busy_d;
      need_continue_q <= need_continue_d;
      gie_q <= gie_d;
      ier_q <= ier_d;
      isr_q <= isr_d;
      for (int i = 0; i < ARG_WORDS; i++) arg_q[i] <= arg_d[i];
    end
  end

endmodule

`default_nettype wire
