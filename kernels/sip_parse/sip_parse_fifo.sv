// sip_parse_fifo: synchronous FIFO, first-word-fall-through through an output
// register (the memory array has a registered read, so it maps to block or
// distributed RAM). `count` includes the word in the output register.
`default_nettype none

module sip_parse_fifo #(
    // Word width in bits; 1..4096.
    parameter int unsigned WIDTH = 512,
    // Entries of the array (the output register adds one); a power of two, 2..4096.
    parameter int unsigned DEPTH = 64
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire              clear,
    input  wire              push,
    input  wire  [WIDTH-1:0] din,
    output logic             full,
    input  wire              pop,
    output logic             valid,
    output logic [WIDTH-1:0] dout,
    output logic [$clog2(DEPTH):0] count
);
  initial begin
    if (WIDTH < 1 || WIDTH > 4096) $error("sip_parse_fifo: WIDTH must be 1..4096");
    if (DEPTH < 2 || DEPTH > 4096 || (DEPTH & (DEPTH - 1)) != 0)
      $error("sip_parse_fifo: DEPTH must be a power of two in 2..4096");
  end

  localparam int unsigned AW = $clog2(DEPTH);

  logic [WIDTH-1:0] mem [DEPTH];
  logic [AW-1:0]    wp_q, rp_q;
  logic [AW:0]      n_q;          // words in the array
  logic             ov_q;         // output register holds a word
  logic             load;

  assign full  = (n_q == (AW+1)'(DEPTH));
  assign valid = ov_q;
  assign load  = (n_q != '0) && (!ov_q || pop);
  assign count = n_q + (AW+1)'(ov_q);

  always_ff @(posedge clk) begin
    if (push && !full) mem[wp_q] <= din;
    if (load) dout <= mem[rp_q];
  end

  always_ff @(posedge clk) begin
    if (!rst_n || clear) begin
      wp_q <= '0;
      rp_q <= '0;
      n_q <= '0;
      ov_q <= 1'b0;
    end else begin
      if (push && !full) wp_q <= wp_q + AW'(1);
      if (load) rp_q <= rp_q + AW'(1);
      n_q <= n_q + (AW+1)'(push && !full) - (AW+1)'(load);
      if (load) ov_q <= 1'b1;
      else if (pop) ov_q <= 1'b0;
    end
  end
endmodule

`default_nettype wire
