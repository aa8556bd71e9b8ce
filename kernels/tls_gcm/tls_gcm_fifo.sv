// tls_gcm_fifo: a synchronous first-word-fall-through FIFO. Storage is a
// register array with an asynchronous read port, which synthesis maps to
// distributed RAM (LUTRAM) for the widths and depths used in tls_gcm.
//
// in_ready depends only on the occupancy register (never on out_ready), so
// producers and consumers never form a combinational loop through the FIFO.
// `count` is the occupancy, for credit schemes in the producers.
`default_nettype none

module tls_gcm_fifo #(
  // Bits per entry. Legal: 1 and more.
  parameter int unsigned WIDTH = 8,
  // Entries. Legal: a power of two, 2 to 4096.
  parameter int unsigned DEPTH = 4
) (
  input  wire logic                       clk,
  input  wire logic                       rst_n,
  input  wire logic                       in_valid,
  output logic                            in_ready,
  input  wire logic [WIDTH-1:0]           in_data,
  output logic                            out_valid,
  input  wire logic                       out_ready,
  output logic [WIDTH-1:0]                out_data,
  output logic [$clog2(DEPTH):0]          count
);

  generate
    if (WIDTH < 1) begin : g_bad_width
      $fatal(1, "tls_gcm_fifo: WIDTH must be at least 1");
    end
    if (DEPTH < 2 || DEPTH > 4096 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "tls_gcm_fifo: DEPTH must be a power of two in 2..4096");
    end
  endgenerate

  localparam int unsigned AW = $clog2(DEPTH);

  logic [WIDTH-1:0] mem [DEPTH];
  logic [AW-1:0] rd_ptr_q, rd_ptr_d, wr_ptr_q, wr_ptr_d;
  logic [AW:0] count_q, count_d;
  logic push, pop;

  // Outputs depend on registers only (separate assigns, so that simulators
  // see no path from the inputs to them).
  assign in_ready = count_q != DEPTH[AW:0];
  assign out_valid = count_q != '0;
  assign out_data = mem[rd_ptr_q];
  assign count = count_q;

  always_comb begin
    push = in_valid && in_ready;
    pop = out_valid && out_ready;
    wr_ptr_d = push ? wr_ptr_q + 1'b1 : wr_ptr_q;
    rd_ptr_d = pop ? rd_ptr_q + 1'b1 : rd_ptr_q;
    count_d = count_q + {{AW{1'b0}}, push} - {{AW{1'b0}}, pop};
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      rd_ptr_q <= '0;
      wr_ptr_q <= '0;
      count_q <= '0;
    end else begin
      rd_ptr_q <= rd_ptr_d;
      wr_ptr_q <= wr_ptr_d;
      count_q <= count_d;
    end
  end

  // Storage has no reset: its contents are only read where count says they
  // were written.
  always_ff @(posedge clk) begin
    if (push) mem[wr_ptr_q] <= in_data;
  end

endmodule

`default_nettype wire
