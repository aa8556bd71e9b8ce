// sync_fifo: the synchronous FIFO every kernel uses, first-word-fall-through
// with valid/ready on both sides (a word moves when valid and ready are both
// high at a clock edge). Two read styles, chosen by REGISTERED_READ:
//
//   0: the word at the read pointer is read asynchronously from the array,
//      which synthesis maps to distributed RAM (LUTRAM). Small and fast for
//      the narrow or shallow queues of tls_gcm. `count` is the words held.
//   1: the array has a registered read port (so it maps to block RAM as well
//      as LUTRAM) and feeds an output register that out_data comes from;
//      the head word is loaded into it one cycle after it is written. The
//      output register is a word of storage too: `count` includes it (up to
//      DEPTH + 1).
//
// in_ready depends only on the occupancy register (never on out_ready or
// in_valid), out_valid and out_data only on registers, so producers and
// consumers never form a combinational loop through the FIFO. `clear`
// empties the FIFO at the next edge, as reset does; the array itself is
// never reset (a word is only read where the pointers say it was written).
`default_nettype none

module sync_fifo #(
  // Bits per word. Legal: 1..4096.
  parameter int unsigned WIDTH = 8,
  // Words of the array. Legal: a power of two, 2..4096.
  parameter int unsigned DEPTH = 4,
  // Read style (see above). Legal: 0 or 1.
  parameter int unsigned REGISTERED_READ = 0
) (
  input  wire logic                       clk,
  input  wire logic                       rst_n,
  input  wire logic                       clear,
  input  wire logic                       in_valid,
  output logic                            in_ready,
  input  wire logic [WIDTH-1:0]           in_data,
  output logic                            out_valid,
  input  wire logic                       out_ready,
  output logic [WIDTH-1:0]                out_data,
  output logic [$clog2(DEPTH):0]          count
);

  generate
    if (WIDTH < 1 || WIDTH > 4096) begin : g_bad_width
      $fatal(1, "sync_fifo: WIDTH must be 1..4096");
    end
    if (DEPTH < 2 || DEPTH > 4096 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
      $fatal(1, "sync_fifo: DEPTH must be a power of two in 2..4096");
    end
    if (REGISTERED_READ > 1) begin : g_bad_read_style
      $fatal(1, "sync_fifo: REGISTERED_READ must be 0 or 1");
    end
  endgenerate

  localparam int unsigned AW = $clog2(DEPTH);

  logic [WIDTH-1:0] mem [DEPTH];
  logic [AW-1:0] read_pointer_q, read_pointer_d, write_pointer_q, write_pointer_d;
  logic [AW:0] array_count_q, array_count_d;  // words in the array
  logic push, array_pop;

  // Writes: the same in both styles.
  assign in_ready = array_count_q != DEPTH[AW:0];
  assign push = in_valid && in_ready;

  always_comb begin
    write_pointer_d = push ? write_pointer_q + 1'b1 : write_pointer_q;
    read_pointer_d = array_pop ? read_pointer_q + 1'b1 : read_pointer_q;
    array_count_d = array_count_q + {{AW{1'b0}}, push} - {{AW{1'b0}}, array_pop};
  end

  always_ff @(posedge clk) begin
    if (!rst_n || clear) begin
      read_pointer_q <= '0;
      write_pointer_q <= '0;
      array_count_q <= '0;
    end else begin
      read_pointer_q <= read_pointer_d;
      write_pointer_q <= write_pointer_d;
      array_count_q <= array_count_d;
    end
  end

  always_ff @(posedge clk) begin
    if (push) mem[write_pointer_q] <= in_data;
  end

  generate
    if (REGISTERED_READ == 0) begin : g_async_read
      // The head of the array is the output.
      assign out_valid = array_count_q != '0;
      assign out_data = mem[read_pointer_q];
      assign array_pop = out_valid && out_ready;
      assign count = array_count_q;
    end else begin : g_registered_read
      logic [WIDTH-1:0] out_data_q;
      logic out_valid_q, out_valid_d, load;

      // The output register takes the array's head when it is empty or its
      // word leaves this cycle.
      assign out_valid = out_valid_q;
      assign out_data = out_data_q;
      assign load = array_count_q != '0 && (!out_valid_q || out_ready);
      assign array_pop = load;
      assign count = array_count_q + {{AW{1'b0}}, out_valid_q};

      always_comb begin
        if (load) out_valid_d = 1'b1;
        else if (out_ready) out_valid_d = 1'b0;
        else out_valid_d = out_valid_q;
      end

      always_ff @(posedge clk) begin
        if (!rst_n || clear) out_valid_q <= 1'b0;
        else out_valid_q <= out_valid_d;
      end

      // The registered read port (no reset, so it maps to block RAM).
      always_ff @(posedge clk) begin
        if (load) out_data_q <= mem[read_pointer_q];
      end
    end
  endgenerate

endmodule

`default_nettype wire
