// aes_sbox: the FIPS-197 S-box as its own module, so that synthesis maps
// every instance the same way (a 256-entry table: about 32 LUT6 plus wide
// muxes) and never merges or duplicates it into the XOR logic around it,
// which, inlined, made some AES stages almost twice as big.
`default_nettype none

module aes_sbox (
  input  wire logic [7:0] x,
  output logic [7:0]      y
);

  assign y = tls_gcm_pkg::sbox(x);

endmodule

`default_nettype wire
