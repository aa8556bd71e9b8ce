// tls_gcm_pkg: pure functions shared by the tls_gcm modules (AES column
// mixing, GF(2^128) reduction and squaring, GCM byte/bit orderings)
// and the records passed between the stages. Written for yosys 0.23 too:
// functions and types are named as tls_gcm_pkg::x, functions assign their
// name (no `return`), and the record types are used inside modules only
// (ports are plain vectors of the *_W widths).
//
// Block orderings used throughout the kernel:
//   - GCM order: a 16-byte block as a 128-bit big-endian number, byte 0 of
//     the block in bits [127:120]. AES states, counters and GHASH operands
//     are in this order (it is how FIPS-197 and SP 800-38D write them).
//   - memory order: byte j of a 16-byte block in bits [8j+7:8j], which is how
//     a little-endian AXI beat carries memory bytes. byte_swap128 converts.
`default_nettype none

package tls_gcm_pkg;

  // Multiplication by x (0x02) in GF(2^8) mod x^8+x^4+x^3+x+1.
  function automatic logic [7:0] xtime(input logic [7:0] b);
    xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  // MixColumns on one column; byte 0 of the column in bits [31:24].
  function automatic logic [31:0] mix_column(input logic [31:0] column);
    logic [7:0] a0, a1, a2, a3;
    a0 = column[31:24];
    a1 = column[23:16];
    a2 = column[15:8];
    a3 = column[7:0];
    mix_column = {xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3,
                  a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3,
                  a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3,
                  xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3)};
  endfunction

  // MixColumns on a whole GCM-order state.
  function automatic logic [127:0] mix_columns(input logic [127:0] s);
    for (int c = 0; c < 4; c++) begin
      mix_columns[127 - 32 * c -: 32] = mix_column(s[127 - 32 * c -: 32]);
    end
  endfunction

  // Round constant Rcon[i] for i in 1..10 (x^(i-1) in GF(2^8)); 0 elsewhere.
  function automatic logic [7:0] rcon(input int unsigned i);
    case (i)
      1: rcon = 8'h01;
      2: rcon = 8'h02;
      3: rcon = 8'h04;
      4: rcon = 8'h08;
      5: rcon = 8'h10;
      6: rcon = 8'h20;
      7: rcon = 8'h40;
      8: rcon = 8'h80;
      9: rcon = 8'h1b;
      10: rcon = 8'h36;
      default: rcon = 8'h00;
    endcase
  endfunction

  // Memory order <-> GCM order of a 16-byte block (its own inverse).
  function automatic logic [127:0] byte_swap128(input logic [127:0] x);
    for (int j = 0; j < 16; j++) begin
      byte_swap128[8 * j +: 8] = x[127 - 8 * j -: 8];
    end
  endfunction

  // Bit reversal: GCM-order block <-> polynomial with coefficient of x^i in
  // bit i (GCM numbers bits from the most significant end).
  function automatic logic [127:0] bit_reverse128(input logic [127:0] x);
    for (int i = 0; i < 128; i++) begin
      bit_reverse128[i] = x[127 - i];
    end
  endfunction

  // Reduction of a 255-bit carry-less product modulo the GCM polynomial
  // x^128 + x^7 + x^2 + x + 1 (polynomial order: bit i = coefficient of
  // x^i): x^128 = x^7 + x^2 + x + 1, applied twice (the first fold spills
  // 6 bits past bit 127).
  function automatic logic [127:0] gf128_reduce(input logic [254:0] full);
    logic [133:0] fold1;
    logic [5:0] over;
    logic [12:0] fold2;
    fold1 = {7'b0, full[254:128]} ^ {6'b0, full[254:128], 1'b0} ^ {5'b0, full[254:128], 2'b0} ^
            {full[254:128], 7'b0};
    over = fold1[133:128];
    fold2 = {7'b0, over} ^ {6'b0, over, 1'b0} ^ {5'b0, over, 2'b0} ^ {over, 7'b0};
    gf128_reduce = full[127:0] ^ fold1[127:0] ^ {115'b0, fold2};
  endfunction

  // Squaring in GF(2^128), GCM order in and out. Squaring is linear in
  // characteristic 2 (coefficient i moves to 2i), so this is a fixed XOR
  // network, not a multiplier: H^2 for a new key costs no multiplier slot.
  function automatic logic [127:0] gf128_square(input logic [127:0] x);
    logic [127:0] p;
    logic [254:0] spread;
    p = bit_reverse128(x);
    spread = '0;
    for (int i = 0; i < 128; i++) spread[2 * i] = p[i];
    gf128_square = bit_reverse128(gf128_reduce(spread));
  endfunction

  // ---- records passed between the tls_gcm stages ----------------------------
  // Widths are written out (yosys 0.23 has no $bits of a package type);
  // every port vector is assigned to or from a struct variable, so a wrong
  // *_W is a WIDTH error in `verilator --lint-only -Wall`.

  localparam logic [1:0] STATUS_OK = 2'd0;
  localparam logic [1:0] STATUS_AUTH_FAILED = 2'd1;
  localparam logic [1:0] STATUS_BAD_KEY_SLOT = 2'd2;
  localparam logic [1:0] STATUS_BAD_JOB = 2'd3;

  // A job after the checks (fetch -> dispatch).
  typedef struct packed {
    logic [31:0]  index;         // position in the batch
    logic [1:0]   status;      // STATUS_*; only OK jobs touch the payload
    logic         decrypt;
    logic [3:0]   aad_bytes;   // 0..13
    logic [127:0] aad;         // GCM order, bytes past aad_bytes zero
    logic [95:0]  nonce;       // GCM order
    logic [127:0] tag;         // GCM order, the received tag (decrypt)
    logic [255:0] key;         // GCM order; AES-128 in the upper half
    logic         is256;
    logic [31:0]  offset;      // payload position in the byte buffer
    logic [31:0]  length;      // payload bytes
    logic [31:0]  end_offset;  // offset + length (checked not to wrap)
  } job_t;
  localparam int unsigned JOB_W = 32 + 2 + 1 + 4 + 128 + 96 + 128 + 256 + 1 + 32 + 32 + 32;

  // What the combiner needs of a job (dispatch -> combine).
  typedef struct packed {
    logic [31:0]  index;
    logic [1:0]   status;
    logic         decrypt;
    logic [3:0]   aad_bytes;
    logic [127:0] aad;
    logic [127:0] tag;
    logic [63:0]  address;        // payload address in device memory
    logic [31:0]  length;
  } comb_t;
  localparam int unsigned COMB_W = 32 + 2 + 1 + 4 + 128 + 128 + 64 + 32;

  // Counter-mode work of one job (dispatch -> ctr_feed): H, J0, then
  // `blocks` keystream blocks.
  typedef struct packed {
    logic [255:0] key;
    logic         is256;
    logic [95:0]  nonce;
    logic [28:0]  blocks;
  } feed_t;
  localparam int unsigned FEED_W = 256 + 1 + 96 + 29;

  // A byte range in device memory (payload reads; unpacking uses the low
  // address bits only).
  typedef struct packed {
    logic [63:0] address;
    logic [31:0] length;
  } range_t;
  localparam int unsigned RANGE_W = 64 + 32;

  // One request to the writer: an optional byte range (payload blocks from
  // the combiner, or zeros), then an optional result record.
  typedef struct packed {
    logic [31:0]  index;
    logic         range_valid;
    logic         range_zero;  // write zeros instead of payload blocks
    logic [63:0]  range_address;
    logic [31:0]  range_length;
    logic         result_valid;
    logic [1:0]   status;
    logic [127:0] tag;         // GCM order
  } wreq_t;
  localparam int unsigned WREQ_W = 32 + 1 + 1 + 64 + 32 + 1 + 2 + 128;

  // A job whose GHASH is in flight (combine, length block in -> GHASH out).
  typedef struct packed {
    logic [31:0]  index;
    logic         decrypt;
    logic [127:0] tag;         // received tag (decrypt)
    logic [127:0] ej0;         // E_K(J0)
    logic [63:0]  address;
    logic [31:0]  length;
  } exit_t;
  localparam int unsigned EXIT_W = 32 + 1 + 128 + 128 + 64 + 32;

endpackage

`default_nettype wire
