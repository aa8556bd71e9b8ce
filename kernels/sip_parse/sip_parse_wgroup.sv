// sip_parse_wgroup: gathers the records of one output array into groups of
// GB beats (aligned, so a group never crosses 4 KiB) and hands each group to
// the write arbiter as one INCR burst over the beats it touched. A record
// whose index falls in another group first flushes the current one; a record
// written again (the walker rewinds after a failed message) simply overwrites
// its slot, and AXI's in-order writes keep memory right for rewound groups
// already sent.
`default_nettype none

module sip_parse_wgroup #(
    // Record size in bytes; 16, 32 or 64.
    parameter int unsigned RB = 16,
    // Beats per group; 2, 4 or 8.
    parameter int unsigned GB = 4
) (
    input  wire           clk,
    input  wire           rst_n,
    input  wire           run_start,
    input  wire  [63:0]   base,
    input  wire           flush,       // level: send the partial group (end of run)
    input  wire           rec_valid,
    input  wire  [31:0]   rec_idx,
    input  wire           rec_ne,      // the record's group is not the previous record's
    input  wire  [RB*8-1:0] rec_data,
    output logic          rec_ready,
    output logic          idle,        // nothing gathered, nothing waiting to be sent
    // burst to the arbiter
    output logic          req,
    output logic [63:0]   req_addr,
    output logic [7:0]    req_len,     // beats - 1
    input  wire  [2:0]    beat_sel,    // beat within the burst
    output logic [511:0]  beat_data,
    output logic [63:0]   beat_strb,
    input  wire           done         // the burst has been sent
);
  initial begin
    if (RB != 16 && RB != 32 && RB != 64) $error("sip_parse_wgroup: RB must be 16, 32 or 64");
    if (GB != 2 && GB != 4 && GB != 8) $error("sip_parse_wgroup: GB must be 2, 4 or 8");
  end

  localparam int unsigned RPB = 64 / RB;          // records per beat
  localparam int unsigned SB  = $clog2(RPB);      // slot bits (0 for RB = 64)
  localparam int unsigned GBB = $clog2(GB);

  // gathering buffer
  logic [511:0]  fd_q [GB];
  logic [63:0]   fs_q [GB];
  logic          fv_q;
  logic [31:0]   fg_q;                            // group number
  // sending buffer
  logic [511:0]  sd_q [GB];
  logic [63:0]   ss_q [GB];
  logic          sv_q;
  logic [31:0]   sg_q;
  logic [GBB-1:0] smin_q, smax_q;

  logic [31:0]   r_beat, r_group;
  logic [GBB-1:0] r_bi;
  logic [31:0]   r_slot;
  assign r_beat  = rec_idx >> SB;
  assign r_group = r_beat >> GBB;
  assign r_bi    = r_beat[GBB-1:0];
  assign r_slot  = (SB == 0) ? 32'd0 : (rec_idx & 32'(RPB - 1));

  logic move, need_move;
  // (fg_q is the previous record's group whenever fv_q is set)
  assign need_move = fv_q && ((rec_valid && rec_ne) || (flush && !rec_valid));
  assign move      = need_move && !sv_q;
  assign rec_ready = !(fv_q && rec_ne) || !sv_q;
  assign idle      = !fv_q && !sv_q;

  // touched beats of the gathering buffer
  logic [GBB-1:0] fmin, fmax;
  always_comb begin
    fmin = '0;
    fmax = '0;
    for (int b = GB - 1; b >= 0; b--) if (fs_q[b] != 64'd0) fmin = GBB'(b);
    for (int b = 0; b < GB; b++) if (fs_q[b] != 64'd0) fmax = GBB'(b);
  end

  assign req       = sv_q;
  assign req_addr  = base + 64'({sg_q, smin_q, 6'd0});
  assign req_len   = 8'(smax_q) - 8'(smin_q);
  assign beat_data = sd_q[GBB'(smin_q + GBB'(beat_sel))];
  assign beat_strb = ss_q[GBB'(smin_q + GBB'(beat_sel))];

  logic unused;
  assign unused = ^beat_sel;  // beat_sel is wide enough for GB = 8

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      fv_q <= 1'b0;
      sv_q <= 1'b0;
      for (int b = 0; b < GB; b++) fs_q[b] <= 64'd0;
    end else begin
      if (done) sv_q <= 1'b0;
      if (move) begin
        for (int b = 0; b < GB; b++) begin
          sd_q[b] <= fd_q[b];
          ss_q[b] <= fs_q[b];
          fs_q[b] <= 64'd0;
        end
        sv_q <= 1'b1;
        sg_q <= fg_q;
        smin_q <= fmin;
        smax_q <= fmax;
        fv_q <= 1'b0;
      end
      if (rec_valid && rec_ready) begin
        fv_q <= 1'b1;
        fg_q <= r_group;
        fd_q[r_bi][r_slot*RB*8 +: RB*8] <= rec_data;
        fs_q[r_bi][r_slot*RB +: RB] <= {RB{1'b1}};
      end
    end
  end
endmodule

`default_nettype wire
