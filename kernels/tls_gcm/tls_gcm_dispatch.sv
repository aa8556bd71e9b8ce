// tls_gcm_dispatch: hands each checked job to the stages that work on it,
// in job order, all in the same cycle:
//   every job          -> combiner (result, or GCM of the payload)
//   good jobs          -> counter feed (H, J0 and keystream blocks)
//   good, length > 0   -> payload reader (read bursts) and unpacker
//
// Read-after-write order between jobs: CpuGcmEngine runs jobs one after the
// other, so a job whose payload overlaps an earlier job's payload sees that
// job's output. Here many jobs are in flight; a job whose payload range
// overlaps the range written by jobs still in flight waits until everything
// dispatched so far is written and acknowledged. The tracked range is the
// hull of the in-flight payload ranges, reset when the pipeline drains, so
// the usual layout (records one after the other) never waits.
`default_nettype none

module tls_gcm_dispatch (
  input  wire logic                              clk,
  input  wire logic                              rst_n,
  input  wire logic                              run_start,
  input  wire logic [63:0]                       payload,
  // checked jobs
  input  wire logic                              job_valid,
  output logic                                   job_ready,
  input  wire logic [tls_gcm_pkg::JOB_W-1:0]     job,
  // completion, for the overlap rule
  input  wire logic [31:0]                       results_done,
  input  wire logic                              writer_idle,
  output logic [31:0]                            dispatched,
  // outputs
  output logic                                   comb_valid,
  input  wire logic                              comb_ready,
  output logic [tls_gcm_pkg::COMB_W-1:0]         comb,
  output logic                                   feed_valid,
  input  wire logic                              feed_ready,
  output logic [tls_gcm_pkg::FEED_W-1:0]         feed,
  output logic                                   read_valid,
  input  wire logic                              read_ready,
  output logic [tls_gcm_pkg::RANGE_W-1:0]        read,
  output logic                                   unpack_valid,
  input  wire logic                              unpack_ready,
  output logic [tls_gcm_pkg::RANGE_W-1:0]        unpack
);

  tls_gcm_pkg::job_t j;
  tls_gcm_pkg::comb_t c;
  tls_gcm_pkg::feed_t f;
  tls_gcm_pkg::range_t r;

  logic good, has_payload, overlap, drained, outputs_ready, fire;
  logic dirty_q, dirty_d;
  logic [31:0] dirty_lo_q, dirty_lo_d, dirty_hi_q, dirty_hi_d, dispatched_q, dispatched_d;
  logic [32:0] blocks;
  logic [63:0] address;

  always_comb begin
    j = job;
    good = j.status == tls_gcm_pkg::STATUS_OK;
    has_payload = good && j.length != 32'h0;
    overlap = dirty_q && has_payload && j.offset < dirty_hi_q && j.end_offset > dirty_lo_q;
    drained = results_done == dispatched_q && writer_idle;
    outputs_ready = comb_ready && (!good || (feed_ready && (!has_payload || (read_ready && unpack_ready))));
    fire = job_valid && outputs_ready && !overlap;
    job_ready = fire;

    address = payload + {32'h0, j.offset};
    blocks = ({1'b0, j.length} + 33'd15) >> 4;

    c.index = j.index;
    c.status = j.status;
    c.decrypt = j.decrypt;
    c.aad_bytes = j.aad_bytes;
    c.aad = j.aad;
    c.tag = j.tag;
    c.address = address;
    c.length = j.length;
    f.key = j.key;
    f.is256 = j.is256;
    f.nonce = j.nonce;
    f.blocks = blocks[28:0];
    r.address = address;
    r.length = j.length;

    comb_valid = fire;
    comb = c;
    feed_valid = fire && good;
    feed = f;
    read_valid = fire && has_payload;
    read = r;
    unpack_valid = fire && has_payload;
    unpack = r;

    dirty_d = dirty_q;
    dirty_lo_d = dirty_lo_q;
    dirty_hi_d = dirty_hi_q;
    if (fire && has_payload) begin
      dirty_d = 1'b1;
      dirty_lo_d = (!dirty_q || j.offset < dirty_lo_q) ? j.offset : dirty_lo_q;
      dirty_hi_d = (!dirty_q || j.end_offset > dirty_hi_q) ? j.end_offset : dirty_hi_q;
    end else if (overlap && drained) begin
      dirty_d = 1'b0;  // everything before this job is written: start over
    end
    dispatched_d = fire ? dispatched_q + 32'h1 : dispatched_q;
    if (run_start) begin
      dirty_d = 1'b0;
      dispatched_d = 32'h0;
    end
    dispatched = dispatched_q;
  end

  // Upper bits of the block count: a job of 2^32 - 1 bytes has 2^28 blocks (29 bits).
  logic unused_blocks;
  assign unused_blocks = ^blocks[32:29];

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      dirty_q <= 1'b0;
      dirty_lo_q <= 32'h0;
      dirty_hi_q <= 32'h0;
      dispatched_q <= 32'h0;
    end else begin
      dirty_q <= dirty_d;
      dirty_lo_q <= dirty_lo_d;
      dirty_hi_q <= dirty_hi_d;
      dispatched_q <= dispatched_d;
    end
  end

endmodule

`default_nettype wire
