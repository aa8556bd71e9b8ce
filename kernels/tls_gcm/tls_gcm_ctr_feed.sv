// tls_gcm_ctr_feed: feeds aes_pipe with each good job's counter-mode work,
// one block per cycle: H = E_K(0^128), then J0 = nonce || 1 (for the tag
// mask), then the keystream counters nonce || 2, 3, ... (inc32, wrapping as
// GCM specifies). The keystream does not depend on the data, so this runs
// ahead of the payload, limited only by room in the keystream FIFO
// (KS_DEPTH credits, returned as the combiner pops entries).
`default_nettype none

module tls_gcm_ctr_feed #(
  // Keystream FIFO entries behind aes_pipe. Legal: 16..1024 (more than the
  // pipeline's 15 stages, or the pipeline cannot stay full).
  parameter int unsigned KS_DEPTH = 32
) (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              feed_valid,
  output logic                                   feed_ready,
  input  wire logic [tls_gcm_pkg::FEED_W-1:0]    feed,
  input  wire logic                              keystream_pop,
  output logic                                   aes_valid,
  output logic [127:0]                           aes_block,
  output logic [255:0]                           aes_key,
  output logic                                   aes_is256
);

  generate
    if (KS_DEPTH < 16 || KS_DEPTH > 1024) begin : g_bad_depth
      $fatal(1, "tls_gcm_ctr_feed: KS_DEPTH must be in 16..1024");
    end
  endgenerate

  localparam int unsigned CW = $clog2(KS_DEPTH + 1);
  localparam logic [1:0] PHASE_H = 2'd0;
  localparam logic [1:0] PHASE_J0 = 2'd1;
  localparam logic [1:0] PHASE_DATA = 2'd2;

  tls_gcm_pkg::feed_t f;
  logic [1:0] phase_q, phase_d;
  logic [28:0] left_q, left_d;
  logic [31:0] ctr_q, ctr_d;
  logic [CW-1:0] outstanding_q, outstanding_d;
  logic issue;

  always_comb begin
    f = feed;
    issue = feed_valid && outstanding_q != CW'(KS_DEPTH);
    aes_valid = issue;
    aes_key = f.key;
    aes_is256 = f.is256;
    case (phase_q)
      PHASE_H: aes_block = 128'h0;
      PHASE_J0: aes_block = {f.nonce, 32'h1};
      default: aes_block = {f.nonce, ctr_q};
    endcase

    phase_d = phase_q;
    left_d = left_q;
    ctr_d = ctr_q;
    feed_ready = 1'b0;
    if (issue) begin
      case (phase_q)
        PHASE_H: phase_d = PHASE_J0;
        PHASE_J0: begin
          if (f.blocks == 29'h0) begin
            feed_ready = 1'b1;
            phase_d = PHASE_H;
          end else begin
            phase_d = PHASE_DATA;
            left_d = f.blocks;
            ctr_d = 32'h2;
          end
        end
        default: begin
          ctr_d = ctr_q + 32'h1;
          left_d = left_q - 29'h1;
          if (left_q == 29'h1) begin
            feed_ready = 1'b1;
            phase_d = PHASE_H;
          end
        end
      endcase
    end
    outstanding_d = outstanding_q + CW'(issue) - CW'(keystream_pop);
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      phase_q <= PHASE_H;
      left_q <= 29'h0;
      ctr_q <= 32'h0;
      outstanding_q <= '0;
    end else begin
      phase_q <= phase_d;
      left_q <= left_d;
      ctr_q <= ctr_d;
      outstanding_q <= outstanding_d;
    end
  end

endmodule

`default_nettype wire
