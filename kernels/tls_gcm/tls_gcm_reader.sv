// tls_gcm_reader: the read side of m_axi_gmem. Arbitrates the read
// requesters of tls_gcm (fixed priority, port 0 first) onto the AR channel
// and routes each R beat back to the port whose burst it belongs to (one
// AXI ID: R returns in AR order, so a FIFO of destinations suffices).
//
// rready is always 1: every requester reserves room for its beats before it
// asks (credits), so the R channel never backs up into the interconnect.
// At most ROUTE_DEPTH bursts are outstanding.
`default_nettype none

module tls_gcm_reader #(
  // Requesters. Legal: 1..4.
  parameter int unsigned PORTS = 3,
  // Outstanding bursts. Legal: a power of two, 2..64.
  parameter int unsigned ROUTE_DEPTH = 16,
  // Beat width in bits. Legal: 512.
  parameter int unsigned DATA_W = 512
) (
  input  wire logic                 clk,
  input  wire logic                 rst_n,
  // requests: byte address of the first beat (beat aligned) and AXI len
  // (beats - 1); a burst must not cross 4 KiB
  input  wire logic [PORTS-1:0]     request_valid,
  output logic [PORTS-1:0]          request_ready,
  input  wire logic [PORTS*64-1:0]  request_address,
  input  wire logic [PORTS*8-1:0]   request_length,
  // data: one beat, flagged for the port it belongs to
  output logic [PORTS-1:0]          beat_valid,
  output logic [DATA_W-1:0]         beat_data,
  // m_axi_gmem read channels
  output logic                      arvalid,
  input  wire logic                 arready,
  output logic [63:0]               araddr,
  output logic [7:0]                arlen,
  output logic [2:0]                arsize,
  output logic [1:0]                arburst,
  input  wire logic                 rvalid,
  output logic                      rready,
  input  wire logic [DATA_W-1:0]    rdata,
  input  wire logic                 rlast,
  input  wire logic [1:0]           rresp
);

  generate
    if (PORTS < 1 || PORTS > 4) begin : g_bad_ports
      $fatal(1, "tls_gcm_reader: PORTS must be in 1..4");
    end
    if (ROUTE_DEPTH < 2 || ROUTE_DEPTH > 64 || (ROUTE_DEPTH & (ROUTE_DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "tls_gcm_reader: ROUTE_DEPTH must be a power of two in 2..64");
    end
    if (DATA_W != 512) begin : g_bad_width
      $fatal(1, "tls_gcm_reader: DATA_W must be 512");
    end
  endgenerate

  localparam int unsigned SEL_W = 2;

  logic arvalid_q, arvalid_d;
  logic [63:0] araddr_q, araddr_d;
  logic [7:0] arlen_q, arlen_d;
  logic ar_free, route_in_ready, route_out_valid, load;
  logic [SEL_W-1:0] select, route_head;
  logic [$clog2(ROUTE_DEPTH):0] route_count;

  // Error responses are not expected from device memory; the kernel has no
  // way to report them per job, so they are ignored.
  logic unused_rresp;
  assign unused_rresp = ^rresp;

  always_comb begin
    ar_free = !arvalid_q || arready;
    select = '0;
    for (int p = PORTS - 1; p >= 0; p--) begin
      if (request_valid[p]) select = SEL_W'(p);
    end
    load = ar_free && route_in_ready && |request_valid;
    request_ready = '0;
    if (load) request_ready[select] = 1'b1;

    arvalid_d = arvalid_q && !arready;
    araddr_d = araddr_q;
    arlen_d = arlen_q;
    if (load) begin
      arvalid_d = 1'b1;
      araddr_d = request_address[64 * select +: 64];
      arlen_d = request_length[8 * select +: 8];
    end

    arvalid = arvalid_q;
    araddr = araddr_q;
    arlen = arlen_q;
    arsize = 3'($clog2(DATA_W / 8));
    arburst = 2'b01;  // INCR
    rready = 1'b1;
    beat_data = rdata;
    beat_valid = '0;
    if (rvalid && route_out_valid) beat_valid[route_head] = 1'b1;
  end

  sync_fifo #(
    .WIDTH(SEL_W),
    .DEPTH(ROUTE_DEPTH)
  ) u_route (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (load),
    .in_ready (route_in_ready),
    .in_data  (select),
    .out_valid(route_out_valid),
    .out_ready(rvalid && rlast),
    .out_data (route_head),
    .count    (route_count)
  );

  logic unused_count;
  assign unused_count = ^route_count;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      arvalid_q <= 1'b0;
      araddr_q <= 64'h0;
      arlen_q <= 8'h0;
    end else begin
      arvalid_q <= arvalid_d;
      araddr_q <= araddr_d;
      arlen_q <= arlen_d;
    end
  end

endmodule

`default_nettype wire
