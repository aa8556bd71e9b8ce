// tls_gcm_pkg: pure functions shared by the tls_gcm modules (AES S-box and
// column mixing, GF(2^128) reduction and squaring, GCM byte/bit orderings)
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

  // FIPS-197 S-box, as a 256-entry table (synthesis maps it to LUTs).
  function automatic logic [7:0] sbox(input logic [7:0] x);
    case (x)
      8'h00: sbox = 8'h63;  8'h01: sbox = 8'h7c;  8'h02: sbox = 8'h77;  8'h03: sbox = 8'h7b;
      8'h04: sbox = 8'hf2;  8'h05: sbox = 8'h6b;  8'h06: sbox = 8'h6f;  8'h07: sbox = 8'hc5;
      8'h08: sbox = 8'h30;  8'h09: sbox = 8'h01;  8'h0a: sbox = 8'h67;  8'h0b: sbox = 8'h2b;
      8'h0c: sbox = 8'hfe;  8'h0d: sbox = 8'hd7;  8'h0e: sbox = 8'hab;  8'h0f: sbox = 8'h76;
      8'h10: sbox = 8'hca;  8'h11: sbox = 8'h82;  8'h12: sbox = 8'hc9;  8'h13: sbox = 8'h7d;
      8'h14: sbox = 8'hfa;  8'h15: sbox = 8'h59;  8'h16: sbox = 8'h47;  8'h17: sbox = 8'hf0;
      8'h18: sbox = 8'had;  8'h19: sbox = 8'hd4;  8'h1a: sbox = 8'ha2;  8'h1b: sbox = 8'haf;
      8'h1c: sbox = 8'h9c;  8'h1d: sbox = 8'ha4;  8'h1e: sbox = 8'h72;  8'h1f: sbox = 8'hc0;
      8'h20: sbox = 8'hb7;  8'h21: sbox = 8'hfd;  8'h22: sbox = 8'h93;  8'h23: sbox = 8'h26;
      8'h24: sbox = 8'h36;  8'h25: sbox = 8'h3f;  8'h26: sbox = 8'hf7;  8'h27: sbox = 8'hcc;
      8'h28: sbox = 8'h34;  8'h29: sbox = 8'ha5;  8'h2a: sbox = 8'he5;  8'h2b: sbox = 8'hf1;
      8'h2c: sbox = 8'h71;  8'h2d: sbox = 8'hd8;  8'h2e: sbox = 8'h31;  8'h2f: sbox = 8'h15;
      8'h30: sbox = 8'h04;  8'h31: sbox = 8'hc7;  8'h32: sbox = 8'h23;  8'h33: sbox = 8'hc3;
      8'h34: sbox = 8'h18;  8'h35: sbox = 8'h96;  8'h36: sbox = 8'h05;  8'h37: sbox = 8'h9a;
      8'h38: sbox = 8'h07;  8'h39: sbox = 8'h12;  8'h3a: sbox = 8'h80;  8'h3b: sbox = 8'he2;
      8'h3c: sbox = 8'heb;  8'h3d: sbox = 8'h27;  8'h3e: sbox = 8'hb2;  8'h3f: sbox = 8'h75;
      8'h40: sbox = 8'h09;  8'h41: sbox = 8'h83;  8'h42: sbox = 8'h2c;  8'h43: sbox = 8'h1a;
      8'h44: sbox = 8'h1b;  8'h45: sbox = 8'h6e;  8'h46: sbox = 8'h5a;  8'h47: sbox = 8'ha0;
      8'h48: sbox = 8'h52;  8'h49: sbox = 8'h3b;  8'h4a: sbox = 8'hd6;  8'h4b: sbox = 8'hb3;
      8'h4c: sbox = 8'h29;  8'h4d: sbox = 8'he3;  8'h4e: sbox = 8'h2f;  8'h4f: sbox = 8'h84;
      8'h50: sbox = 8'h53;  8'h51: sbox = 8'hd1;  8'h52: sbox = 8'h00;  8'h53: sbox = 8'hed;
      8'h54: sbox = 8'h20;  8'h55: sbox = 8'hfc;  8'h56: sbox = 8'hb1;  8'h57: sbox = 8'h5b;
      8'h58: sbox = 8'h6a;  8'h59: sbox = 8'hcb;  8'h5a: sbox = 8'hbe;  8'h5b: sbox = 8'h39;
      8'h5c: sbox = 8'h4a;  8'h5d: sbox = 8'h4c;  8'h5e: sbox = 8'h58;  8'h5f: sbox = 8'hcf;
      8'h60: sbox = 8'hd0;  8'h61: sbox = 8'hef;  8'h62: sbox = 8'haa;  8'h63: sbox = 8'hfb;
      8'h64: sbox = 8'h43;  8'h65: sbox = 8'h4d;  8'h66: sbox = 8'h33;  8'h67: sbox = 8'h85;
      8'h68: sbox = 8'h45;  8'h69: sbox = 8'hf9;  8'h6a: sbox = 8'h02;  8'h6b: sbox = 8'h7f;
      8'h6c: sbox = 8'h50;  8'h6d: sbox = 8'h3c;  8'h6e: sbox = 8'h9f;  8'h6f: sbox = 8'ha8;
      8'h70: sbox = 8'h51;  8'h71: sbox = 8'ha3;  8'h72: sbox = 8'h40;  8'h73: sbox = 8'h8f;
      8'h74: sbox = 8'h92;  8'h75: sbox = 8'h9d;  8'h76: sbox = 8'h38;  8'h77: sbox = 8'hf5;
      8'h78: sbox = 8'hbc;  8'h79: sbox = 8'hb6;  8'h7a: sbox = 8'hda;  8'h7b: sbox = 8'h21;
      8'h7c: sbox = 8'h10;  8'h7d: sbox = 8'hff;  8'h7e: sbox = 8'hf3;  8'h7f: sbox = 8'hd2;
      8'h80: sbox = 8'hcd;  8'h81: sbox = 8'h0c;  8'h82: sbox = 8'h13;  8'h83: sbox = 8'hec;
      8'h84: sbox = 8'h5f;  8'h85: sbox = 8'h97;  8'h86: sbox = 8'h44;  8'h87: sbox = 8'h17;
      8'h88: sbox = 8'hc4;  8'h89: sbox = 8'ha7;  8'h8a: sbox = 8'h7e;  8'h8b: sbox = 8'h3d;
      8'h8c: sbox = 8'h64;  8'h8d: sbox = 8'h5d;  8'h8e: sbox = 8'h19;  8'h8f: sbox = 8'h73;
      8'h90: sbox = 8'h60;  8'h91: sbox = 8'h81;  8'h92: sbox = 8'h4f;  8'h93: sbox = 8'hdc;
      8'h94: sbox = 8'h22;  8'h95: sbox = 8'h2a;  8'h96: sbox = 8'h90;  8'h97: sbox = 8'h88;
      8'h98: sbox = 8'h46;  8'h99: sbox = 8'hee;  8'h9a: sbox = 8'hb8;  8'h9b: sbox = 8'h14;
      8'h9c: sbox = 8'hde;  8'h9d: sbox = 8'h5e;  8'h9e: sbox = 8'h0b;  8'h9f: sbox = 8'hdb;
      8'ha0: sbox = 8'he0;  8'ha1: sbox = 8'h32;  8'ha2: sbox = 8'h3a;  8'ha3: sbox = 8'h0a;
      8'ha4: sbox = 8'h49;  8'ha5: sbox = 8'h06;  8'ha6: sbox = 8'h24;  8'ha7: sbox = 8'h5c;
      8'ha8: sbox = 8'hc2;  8'ha9: sbox = 8'hd3;  8'haa: sbox = 8'hac;  8'hab: sbox = 8'h62;
      8'hac: sbox = 8'h91;  8'had: sbox = 8'h95;  8'hae: sbox = 8'he4;  8'haf: sbox = 8'h79;
      8'hb0: sbox = 8'he7;  8'hb1: sbox = 8'hc8;  8'hb2: sbox = 8'h37;  8'hb3: sbox = 8'h6d;
      8'hb4: sbox = 8'h8d;  8'hb5: sbox = 8'hd5;  8'hb6: sbox = 8'h4e;  8'hb7: sbox = 8'ha9;
      8'hb8: sbox = 8'h6c;  8'hb9: sbox = 8'h56;  8'hba: sbox = 8'hf4;  8'hbb: sbox = 8'hea;
      8'hbc: sbox = 8'h65;  8'hbd: sbox = 8'h7a;  8'hbe: sbox = 8'hae;  8'hbf: sbox = 8'h08;
      8'hc0: sbox = 8'hba;  8'hc1: sbox = 8'h78;  8'hc2: sbox = 8'h25;  8'hc3: sbox = 8'h2e;
      8'hc4: sbox = 8'h1c;  8'hc5: sbox = 8'ha6;  8'hc6: sbox = 8'hb4;  8'hc7: sbox = 8'hc6;
      8'hc8: sbox = 8'he8;  8'hc9: sbox = 8'hdd;  8'hca: sbox = 8'h74;  8'hcb: sbox = 8'h1f;
      8'hcc: sbox = 8'h4b;  8'hcd: sbox = 8'hbd;  8'hce: sbox = 8'h8b;  8'hcf: sbox = 8'h8a;
      8'hd0: sbox = 8'h70;  8'hd1: sbox = 8'h3e;  8'hd2: sbox = 8'hb5;  8'hd3: sbox = 8'h66;
      8'hd4: sbox = 8'h48;  8'hd5: sbox = 8'h03;  8'hd6: sbox = 8'hf6;  8'hd7: sbox = 8'h0e;
      8'hd8: sbox = 8'h61;  8'hd9: sbox = 8'h35;  8'hda: sbox = 8'h57;  8'hdb: sbox = 8'hb9;
      8'hdc: sbox = 8'h86;  8'hdd: sbox = 8'hc1;  8'hde: sbox = 8'h1d;  8'hdf: sbox = 8'h9e;
      8'he0: sbox = 8'he1;  8'he1: sbox = 8'hf8;  8'he2: sbox = 8'h98;  8'he3: sbox = 8'h11;
      8'he4: sbox = 8'h69;  8'he5: sbox = 8'hd9;  8'he6: sbox = 8'h8e;  8'he7: sbox = 8'h94;
      8'he8: sbox = 8'h9b;  8'he9: sbox = 8'h1e;  8'hea: sbox = 8'h87;  8'heb: sbox = 8'he9;
      8'hec: sbox = 8'hce;  8'hed: sbox = 8'h55;  8'hee: sbox = 8'h28;  8'hef: sbox = 8'hdf;
      8'hf0: sbox = 8'h8c;  8'hf1: sbox = 8'ha1;  8'hf2: sbox = 8'h89;  8'hf3: sbox = 8'h0d;
      8'hf4: sbox = 8'hbf;  8'hf5: sbox = 8'he6;  8'hf6: sbox = 8'h42;  8'hf7: sbox = 8'h68;
      8'hf8: sbox = 8'h41;  8'hf9: sbox = 8'h99;  8'hfa: sbox = 8'h2d;  8'hfb: sbox = 8'h0f;
      8'hfc: sbox = 8'hb0;  8'hfd: sbox = 8'h54;  8'hfe: sbox = 8'hbb;  8'hff: sbox = 8'h16;
      default: sbox = 8'h00;  // unreachable: every value is listed
    endcase
  endfunction

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
