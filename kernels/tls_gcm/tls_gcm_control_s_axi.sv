// tls_gcm_control_s_axi: the AXI4-Lite control slave of tls_gcm, Vitis
// RTL-kernel register map with ap_ctrl_chain (docs/kernels.md):
//   0x00 control: bit 0 ap_start (R/W, cleared when the start is taken),
//        1 ap_done (R, clear-on-read), 2 ap_idle (R), 3 ap_ready (R,
//        clear-on-read), 4 ap_continue (W, self-clearing), 7 auto_restart
//   0x04 GIE, 0x08 IER (bit 0 done, bit 1 ready), 0x0C ISR (toggle on write)
//   0x10 keys, 0x1C jobs, 0x28 payload, 0x34 results: 64-bit pointers (low,
//        high, reserved word); 0x40 job_count, 0x48 key_slots,
//        0x50 payload_bytes: 32-bit scalars (value, reserved word).
// Reserved and unmapped words read 0. Arguments read back what was written.
//
// Run control: a start is taken (run_start pulse, ap_ready set, ap_start
// cleared unless auto_restart) when ap_start is set, no run is in progress
// and the previous run's ap_done was acknowledged with ap_continue. The
// datapath latches the arguments on run_start, so the host may write the
// next ones as soon as it sees ap_ready.
`default_nettype none

module tls_gcm_control_s_axi #(
  // Control address width. Legal: 7 (registers 0x00..0x7F).
  parameter int unsigned C_S_AXI_ADDR_WIDTH = 7,
  // Control data width. Legal: 32.
  parameter int unsigned C_S_AXI_DATA_WIDTH = 32
) (
  input  wire logic                             clk,
  input  wire logic                             rst_n,
  input  wire logic                             awvalid,
  output logic                                  awready,
  input  wire logic [C_S_AXI_ADDR_WIDTH-1:0]    awaddr,
  input  wire logic                             wvalid,
  output logic                                  wready,
  input  wire logic [C_S_AXI_DATA_WIDTH-1:0]    wdata,
  input  wire logic [C_S_AXI_DATA_WIDTH/8-1:0]  wstrb,
  output logic                                  bvalid,
  input  wire logic                             bready,
  output logic [1:0]                            bresp,
  input  wire logic                             arvalid,
  output logic                                  arready,
  input  wire logic [C_S_AXI_ADDR_WIDTH-1:0]    araddr,
  output logic                                  rvalid,
  input  wire logic                             rready,
  output logic [C_S_AXI_DATA_WIDTH-1:0]         rdata,
  output logic [1:0]                            rresp,
  /* verilator lint_off SYMRSVDWORD */  // the Vitis port name
  output logic                                  interrupt,
  /* verilator lint_on SYMRSVDWORD */
  // to and from the datapath
  output logic                                  run_start,
  input  wire logic                             run_done,
  output logic [63:0]                           keys,
  output logic [63:0]                           jobs,
  output logic [63:0]                           payload,
  output logic [63:0]                           results,
  output logic [31:0]                           job_count,
  output logic [31:0]                           key_slots,
  output logic [31:0]                           payload_bytes
);

  generate
    if (C_S_AXI_ADDR_WIDTH != 7) begin : g_bad_addr
      $fatal(1, "tls_gcm_control_s_axi: C_S_AXI_ADDR_WIDTH must be 7");
    end
    if (C_S_AXI_DATA_WIDTH != 32) begin : g_bad_data
      $fatal(1, "tls_gcm_control_s_axi: C_S_AXI_DATA_WIDTH must be 32");
    end
  endgenerate

  localparam logic [6:0] ADDR_CTRL = 7'h00;
  localparam logic [6:0] ADDR_GIE = 7'h04;
  localparam logic [6:0] ADDR_IER = 7'h08;
  localparam logic [6:0] ADDR_ISR = 7'h0C;
  localparam logic [6:0] ADDR_KEYS_LO = 7'h10;
  localparam logic [6:0] ADDR_KEYS_HI = 7'h14;
  localparam logic [6:0] ADDR_JOBS_LO = 7'h1C;
  localparam logic [6:0] ADDR_JOBS_HI = 7'h20;
  localparam logic [6:0] ADDR_PAYLOAD_LO = 7'h28;
  localparam logic [6:0] ADDR_PAYLOAD_HI = 7'h2C;
  localparam logic [6:0] ADDR_RESULTS_LO = 7'h34;
  localparam logic [6:0] ADDR_RESULTS_HI = 7'h38;
  localparam logic [6:0] ADDR_JOB_COUNT = 7'h40;
  localparam logic [6:0] ADDR_KEY_SLOTS = 7'h48;
  localparam logic [6:0] ADDR_PAYLOAD_BYTES = 7'h50;

  // AXI4-Lite write side: address, then data, then response.
  typedef enum logic [1:0] {W_ADDR = 2'd0, W_DATA = 2'd1, W_RESP = 2'd2} wstate_e;
  wstate_e wstate_q, wstate_d;
  logic [6:0] waddr_q, waddr_d;
  logic rvalid_q, rvalid_d;
  logic [31:0] rdata_q, rdata_d;

  // Registers.
  logic ap_start_q, ap_start_d, ap_done_q, ap_done_d, ap_ready_q, ap_ready_d;
  logic auto_restart_q, auto_restart_d, busy_q, busy_d, need_continue_q, need_continue_d;
  logic gie_q, gie_d;
  logic [1:0] ier_q, ier_d, isr_q, isr_d;
  logic [31:0] args_q [17], args_d [17];  // word (addr - 0x10) / 4, 0x10..0x50

  // Registers are word aligned; the byte-address bits are ignored.
  logic unused_addr_bits;
  assign unused_addr_bits = ^{awaddr[1:0], araddr[1:0]};

  logic w_hs, ar_hs, start_taken, continue_write;
  logic [31:0] wmask, rword;
  logic [4:0] arg_index_w;
  logic arg_write;

  always_comb begin
    awready = wstate_q == W_ADDR;
    wready = wstate_q == W_DATA;
    bvalid = wstate_q == W_RESP;
    bresp = 2'b00;
    arready = !rvalid_q;
    rvalid = rvalid_q;
    rdata = rdata_q;
    rresp = 2'b00;

    wstate_d = wstate_q;
    waddr_d = waddr_q;
    case (wstate_q)
      W_ADDR: if (awvalid) begin
        waddr_d = {awaddr[6:2], 2'b00};
        wstate_d = W_DATA;
      end
      W_DATA: if (wvalid) wstate_d = W_RESP;
      W_RESP: if (bready) wstate_d = W_ADDR;
      default: wstate_d = W_ADDR;
    endcase
    w_hs = wstate_q == W_DATA && wvalid;
    ar_hs = arvalid && !rvalid_q;
    for (int b = 0; b < 4; b++) wmask[8 * b +: 8] = {8{wstrb[b]}};

    // Run control.
    start_taken = ap_start_q && !busy_q && !need_continue_q;
    continue_write = w_hs && waddr_q == ADDR_CTRL && wstrb[0] && wdata[4];
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
    for (int i = 0; i < 17; i++) args_d[i] = args_q[i];

    // Clear-on-read first, so that an event in the same cycle is not lost.
    if (ar_hs && araddr[6:2] == ADDR_CTRL[6:2]) begin
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

    arg_index_w = 5'(({1'b0, waddr_q} - 8'h10) >> 2);
    case (waddr_q)
      ADDR_KEYS_LO, ADDR_KEYS_HI, ADDR_JOBS_LO, ADDR_JOBS_HI, ADDR_PAYLOAD_LO, ADDR_PAYLOAD_HI,
      ADDR_RESULTS_LO, ADDR_RESULTS_HI, ADDR_JOB_COUNT, ADDR_KEY_SLOTS, ADDR_PAYLOAD_BYTES:
        arg_write = 1'b1;
      default: arg_write = 1'b0;
    endcase
    if (w_hs) begin
      if (waddr_q == ADDR_CTRL) begin
        if (wstrb[0] && wdata[0]) ap_start_d = 1'b1;
        if (wstrb[0]) auto_restart_d = wdata[7];
      end else if (waddr_q == ADDR_GIE) begin
        if (wstrb[0]) gie_d = wdata[0];
      end else if (waddr_q == ADDR_IER) begin
        if (wstrb[0]) ier_d = wdata[1:0];
      end else if (waddr_q == ADDR_ISR) begin
        if (wstrb[0]) isr_d = isr_d ^ wdata[1:0];
      end else if (arg_write) begin
        args_d[arg_index_w] = (args_q[arg_index_w] & ~wmask) | (wdata & wmask);
      end
    end

    interrupt = gie_q && |(isr_q & ier_q);

    // Read data. Reserved words of the argument area read 0.
    rword = 32'h0;
    case ({araddr[6:2], 2'b00})
      ADDR_CTRL: rword = {24'h0, auto_restart_q, 2'b00, 1'b0, ap_ready_q, !busy_q, ap_done_q, ap_start_q};
      ADDR_GIE: rword = {31'h0, gie_q};
      ADDR_IER: rword = {30'h0, ier_q};
      ADDR_ISR: rword = {30'h0, isr_q};
      ADDR_KEYS_LO, ADDR_KEYS_HI, ADDR_JOBS_LO, ADDR_JOBS_HI, ADDR_PAYLOAD_LO, ADDR_PAYLOAD_HI,
      ADDR_RESULTS_LO, ADDR_RESULTS_HI, ADDR_JOB_COUNT, ADDR_KEY_SLOTS, ADDR_PAYLOAD_BYTES:
        rword = args_q[5'(({1'b0, araddr[6:2], 2'b00} - 8'h10) >> 2)];
      default: rword = 32'h0;
    endcase
    rvalid_d = rvalid_q;
    rdata_d = rdata_q;
    if (ar_hs) begin
      rvalid_d = 1'b1;
      rdata_d = rword;
    end else if (rvalid_q && rready) begin
      rvalid_d = 1'b0;
    end

    keys = {args_q[1], args_q[0]};
    jobs = {args_q[4], args_q[3]};
    payload = {args_q[7], args_q[6]};
    results = {args_q[10], args_q[9]};
    job_count = args_q[12];
    key_slots = args_q[14];
    payload_bytes = args_q[16];
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      wstate_q <= W_ADDR;
      waddr_q <= 7'h0;
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
      for (int i = 0; i < 17; i++) args_q[i] <= 32'h0;
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
      for (int i = 0; i < 17; i++) args_q[i] <= args_d[i];
    end
  end

endmodule

`default_nettype wire
