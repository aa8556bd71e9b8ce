// sip_parse_chunker: walks each segment's beats and cuts them into line
// chunks for the analyzer. A chunk is a 66-byte window W[-1..64] taken at a
// position x: x is a line start (first) or x = previous chunk + 64 when a line
// is longer than one window. Line ends come from the beat's LF bitmask (a
// prefix-OR over the thermometer of x), so one chunk leaves per cycle whatever
// the line length up to 64 bytes. Between messages the chunker stops and waits
// for the walker's command: jump to the next message start (stream) or drop
// the rest of the segment.
//
// Coordinates ("u"): segment byte position + (segment offset mod 64), so that
// beat k of the segment's reads covers u in [64k, 64k+64).
`default_nettype none

module sip_parse_chunker #(
    // Width of a position (a stream coordinate); must be sip_parse_pkg::POSITION_W (checked below).
    parameter int unsigned POSITION_W = 34
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire              run_start,    // pulse: a run begins
    input  wire  [31:0]      seg_count,
    input  wire  [31:0]      max_bytes,
    // segment descriptors, in order
    input  wire              dq_valid,
    input  wire  [5:0]       dq_o0,        // offset of the segment in its first beat
    input  wire  [31:0]      dq_len,
    input  wire              dq_stream,
    output logic             dq_pop,
    // the segments' beats, in order
    input  wire              bq_valid,
    input  wire  [511:0]     bq_data,
    output logic             bq_pop,
    // walker command
    input  wire              cmd_valid,
    input  wire              cmd_epoch,    // the epoch the walker is in; a stale command is ignored
    input  wire              cmd_jump,     // 1: next message search from cmd_target; 0: segment done
    input  wire  [POSITION_W-1:0]    cmd_target,
    // pipeline
    input  wire              stall,        // no credit: the analyzer's queue has no room for a token
    output logic             tk_valid,
    output logic             tk_epoch,
    output logic [2:0]       tk_kind,
    output logic [POSITION_W-1:0]    tk_x,
    output logic             tk_first,
    output logic             tk_sl,
    output logic [6:0]       tk_lim,
    output logic [66*8-1:0]  tk_win,       // W[-1] in [7:0], W[j] in [(j+1)*8 +: 8]
    output logic [63:0]      tk_lfv,       // bit j: W[j] is an LF before the limit
    output logic             tk_stream,
    output logic [5:0]       tk_o0,
    output logic [POSITION_W-1:0]    tk_end
);
  // ------------------------------------------------------------ parameters
  initial begin
    if (POSITION_W != sip_parse_pkg::POSITION_W) $error("sip_parse_chunker: POSITION_W must be sip_parse_pkg::POSITION_W");
  end

  typedef enum logic [3:0] {
    S_FIN, S_IDLE, S_SEG0, S_FILL, S_SKIP, S_SETUP, S_SETUP2, S_RUN, S_WAIT, S_DRAIN
  } state_t;

  // ------------------------------------------------------------ registers
  state_t          st_q, st_d;
  logic [31:0]     seg_idx_q, seg_idx_d;
  logic [511:0]    cur_q, cur_d, nxt_q, nxt_d;
  logic [63:0]     lf_cur_q, lf_cur_d, lf_nxt_q, lf_nxt_d;
  logic [63:0]     cr_cur_q, cr_cur_d, cr_nxt_q, cr_nxt_d;
  logic [7:0]      prev_q, prev_d;
  logic [POSITION_W-1:0]   base_q, base_d;              // u of cur byte 0
  logic [27:0]     nb_left_q, nb_left_d;        // beats of the segment still in the queue
  logic [1:0]      fill_q, fill_d;
  logic [POSITION_W-1:0]   end_q, end_d;
  logic            stream_q, stream_d;
  logic [5:0]      o0_q, o0_d;
  logic [POSITION_W-1:0]   tgt_q, tgt_d;                // skip: first candidate message start
  logic [POSITION_W-1:0]   ms_q, ms_d;
  logic [POSITION_W:0]     lrel_q, lrel_d;              // limit - base (signed)
  logic [63:0]     vis_cur_q, vis_cur_d, vis_nxt_q, vis_nxt_d;
  logic [POSITION_W:0]     erel_q, erel_d;              // end - base (signed)
  logic [63:0]     evis_cur_q, evis_cur_d, evis_nxt_q, evis_nxt_d;  // bytes before the segment end
  logic [63:0]     tlo_q, tlo_d;                // skip: bits >= tgt[5:0]
  logic [63:0]     therm_q, therm_d;            // bits >= o
  logic [5:0]      o_q, o_d;                    // x - base
  logic            first_q, first_d, sl_q, sl_d;
  logic            pend_q, pend_d;              // one more shift before the next chunk
  logic            epoch_q, epoch_d;

  logic            tkv_d, tkfirst_d, tksl_d;
  logic [2:0]      tkkind_d;
  logic [POSITION_W-1:0]   tkx_d, tkend_d;
  logic [6:0]      tklim_d;
  logic [66*8-1:0] tkwin_d;

  // ------------------------------------------------------------ helpers
  function automatic logic [63:0] mask_eq(input logic [511:0] beat, input logic [7:0] c);
    logic [63:0] r;
    for (int i = 0; i < 64; i++) r[i] = (beat[i*8 +: 8] == c);
    mask_eq = r;
  endfunction

  // Visible bytes of a beat whose start is `rel` - 64*k below the limit
  // (rel signed; base and beats are 64-aligned, so only rel's 64-byte count
  // is compared, with a constant).
  function automatic logic [63:0] vis_hl(input logic [POSITION_W:0] rel, input logic [1:0] k);
    logic [POSITION_W-7:0] hi;
    hi = rel[POSITION_W-1:6];
    if (rel[POSITION_W] || hi < (POSITION_W-6)'(k)) vis_hl = 64'd0;
    else if (hi == (POSITION_W-6)'(k)) vis_hl = sip_parse_pkg::below({1'b0, rel[5:0]});
    else vis_hl = {64{1'b1}};
  endfunction

  // rel / 64 < k (or rel negative); rel / 64 == k
  function automatic logic lt_k(input logic [POSITION_W:0] rel, input logic [1:0] k);
    lt_k = rel[POSITION_W] || (rel[POSITION_W-1:6] < (POSITION_W-6)'(k));
  endfunction
  function automatic logic eq_k(input logic [POSITION_W:0] rel, input logic [1:0] k);
    eq_k = !rel[POSITION_W] && (rel[POSITION_W-1:6] == (POSITION_W-6)'(k));
  endfunction

  // The mask of the beat after nxt, on a shift, from registered flags on the
  // current rel (rel / 64 < 2, == 2), kept up to date beside rel itself.
  function automatic logic [63:0] vis_f(input logic lt2, input logic eq2, input logic [5:0] lo);
    if (lt2) vis_f = 64'd0;
    else if (eq2) vis_f = sip_parse_pkg::below({1'b0, lo});
    else vis_f = {64{1'b1}};
  endfunction
  logic        e_lt2_q, e_lt2_d, e_eq2_q, e_eq2_d;   // flags of erel
  logic        l_lt2_q, l_lt2_d, l_eq2_q, l_eq2_d;   // flags of lrel
  // the segment end's masks and flags, registered ahead of S_FILL's last shift
  logic [63:0] end_vis0_q, end_vis1_q;
  logic        end_lt2_q, end_eq2_q;
  always_ff @(posedge clk) begin
    end_vis0_q <= vis_hl({1'b0, end_q}, 2'd0);
    end_vis1_q <= vis_hl({1'b0, end_q}, 2'd1);
    end_lt2_q <= lt_k({1'b0, end_q}, 2'd2);
    end_eq2_q <= eq_k({1'b0, end_q}, 2'd2);
  end

  // The beat that enters `nxt` on a shift.
  logic [511:0] in_beat;
  logic         can_shift;
  assign in_beat   = (nb_left_q != 28'd0) ? bq_data : 512'd0;
  assign can_shift = (nb_left_q == 28'd0) || bq_valid;

  // Window W[-1..64] at x = base + o: input byte k = {nxt, cur, prev}[k], out j = in[o + j].
  logic [129*8-1:0] win_in;
  logic [66*8-1:0]  win;
  assign win_in = {nxt_q, cur_q, prev_q};
  always_comb begin
    logic [129*8-1:0] s1, s2;
    // three stages of 4:1 byte muxes (shift by o[1:0], o[3:2]*4, o[5:4]*16)
    s1 = win_in >> (8 * o_q[1:0]);
    s2 = s1 >> (32 * o_q[3:2]);
    win = 528'(s2 >> (128 * o_q[5:4]));
  end

  // The window's visible LFs, cut from the beats' masks the same way.
  logic [63:0] win_lfv;
  always_comb begin
    logic [127:0] m, t1, t2;
    m = {lf_nxt_q & vis_nxt_q, lf_cur_q & vis_cur_q};
    t1 = m >> o_q[1:0];
    t2 = t1 >> (4 * o_q[3:2]);
    win_lfv = 64'(t2 >> (16 * o_q[5:4]));
  end

  // LF search from x: in cur at >= o, else in nxt below o.
  logic [63:0] m1, m2, p1, p2, oh_o;
  logic        any1, any2, last1, last2;
  logic [5:0]  nxt1, nxt2;  // one past the first LF (when that is not byte 63)
  logic [6:0]  lim_now;
  logic        lim64, stop_now, cr_at_o, lf_at_o;
  assign m1    = lf_cur_q & vis_cur_q & therm_q;
  assign m2    = lf_nxt_q & vis_nxt_q & ~therm_q;
  assign any1  = |m1;
  assign any2  = |m2;
  assign p1    = sip_parse_pkg::prefix_or(m1) << 1;       // bits above the first LF
  assign p2    = sip_parse_pkg::prefix_or(m2) << 1;
  assign last1 = (m1 == 64'h8000_0000_0000_0000);
  assign last2 = (m2 == 64'h8000_0000_0000_0000);
  assign nxt1  = sip_parse_pkg::first_index(m1 << 1);
  assign nxt2  = sip_parse_pkg::first_index(m2 << 1);
  assign oh_o  = therm_q & ~(therm_q << 1);
  assign cr_at_o = |(cr_cur_q & oh_o);
  assign lf_at_o = |(lf_cur_q & oh_o);
  always_comb begin
    logic [POSITION_W+1:0] r;
    r = {lrel_q[POSITION_W], lrel_q} - {{(POSITION_W-4){1'b0}}, o_q};
    if (r[POSITION_W+1]) lim_now = 7'd0;
    else if (r >= (POSITION_W+2)'(64)) lim_now = 7'd64;
    else lim_now = r[6:0];
  end
  // lim_now == 64: every window byte is visible (bits >= o of cur, < o of nxt)
  assign lim64 = vis_cur_q[63] && (&(vis_nxt_q | therm_q));
  assign stop_now = (first_q && (cr_at_o || lf_at_o)) || (!any1 && !any2 && !lim64);

  // ms + max_bytes - base = o + max_bytes; its visible masks from the low
  // six bits' sum and registered flags on max_bytes / 64 (no wide compare)
  logic [POSITION_W:0]  lim_a;
  logic [6:0]   lim_lo_q;       // o + max_bytes % 64, registered in S_SETUP
  logic         mz0_q, mz1_q, mz2_q;   // max_bytes / 64 == 0, == 1, == 2
  logic         lim_c;                 // o + max_bytes % 64 >= 64
  logic [6:0]   lim_lo_c;
  assign lim_lo_c = {1'b0, o_q} + {1'b0, max_bytes[5:0]};
  assign lim_c = lim_lo_c[6];
  logic         small_q;        // max_bytes < 128
  logic         lim_lt_q, lim_lt_d;   // ms + max_bytes < end
  logic [63:0]  lim_vis0, lim_vis1;
  assign lim_a  = (POSITION_W+1)'(o_q) + (POSITION_W+1)'(max_bytes);
  always_ff @(posedge clk) begin
    mz0_q <= (max_bytes[31:6] == 26'd0);
    mz1_q <= (max_bytes[31:6] == 26'd1);
    mz2_q <= (max_bytes[31:6] == 26'd2);
    small_q <= (max_bytes[31:7] == 25'd0);
    lim_lo_q <= lim_lo_c;
    lim_lt_q <= lim_lt_d;
  end
  always_comb begin
    // 64-byte count of lim_a = max_bytes / 64 + carry
    if (mz0_q && !lim_lo_q[6]) lim_vis0 = sip_parse_pkg::below({1'b0, lim_lo_q[5:0]});
    else lim_vis0 = {64{1'b1}};
    if (mz0_q && !lim_lo_q[6]) lim_vis1 = 64'd0;
    else if ((mz1_q && !lim_lo_q[6]) || (mz0_q && lim_lo_q[6])) lim_vis1 = sip_parse_pkg::below({1'b0, lim_lo_q[5:0]});
    else lim_vis1 = {64{1'b1}};
  end

  // Skip: first byte at >= tgt that is neither CR nor LF, inside the segment.
  // (base is 64-aligned: tgt - base in [0, 64) is tgt's beat being base's)
  logic [63:0]  skip_m;
  logic         skip_in_cur, skip_found, seg_exhausted;
  logic [5:0]   skip_pos;
  assign skip_in_cur = (tgt_q[POSITION_W-1:6] == base_q[POSITION_W-1:6]);
  assign skip_m = ~(lf_cur_q | cr_cur_q) & tlo_q & evis_cur_q;
  assign skip_found = skip_in_cur && (skip_m != 64'd0);
  assign skip_pos = sip_parse_pkg::first_index(skip_m);
  assign seg_exhausted = erel_q[POSITION_W] || (erel_q[POSITION_W-1:6] == '0) || (erel_q[POSITION_W-1:0] == POSITION_W'(64));

  // ------------------------------------------------------------ next state
  always_comb begin
    logic do_shift, do_pop;
    st_d = st_q;
    seg_idx_d = seg_idx_q;
    cur_d = cur_q; nxt_d = nxt_q; lf_cur_d = lf_cur_q; lf_nxt_d = lf_nxt_q;
    cr_cur_d = cr_cur_q; cr_nxt_d = cr_nxt_q; prev_d = prev_q; base_d = base_q;
    nb_left_d = nb_left_q; fill_d = fill_q; end_d = end_q; stream_d = stream_q; o0_d = o0_q;
    tgt_d = tgt_q; ms_d = ms_q; lrel_d = lrel_q;
    erel_d = erel_q; evis_cur_d = evis_cur_q; evis_nxt_d = evis_nxt_q; tlo_d = tlo_q;
    lim_lt_d = lim_lt_q;
    e_lt2_d = e_lt2_q; e_eq2_d = e_eq2_q; l_lt2_d = l_lt2_q; l_eq2_d = l_eq2_q;
    vis_cur_d = vis_cur_q; vis_nxt_d = vis_nxt_q; therm_d = therm_q; o_d = o_q;
    first_d = first_q; sl_d = sl_q; pend_d = pend_q; epoch_d = epoch_q;
    dq_pop = 1'b0;
    do_shift = 1'b0;
    do_pop = 1'b0;
    tkv_d = 1'b0;
    tkkind_d = sip_parse_pkg::TOKEN_CHUNK;
    tkx_d = {base_q[POSITION_W-1:6], o_q};
    tkfirst_d = first_q;
    tksl_d = sl_q;
    tklim_d = lim_now;
    tkwin_d = win;
    tkend_d = end_q;

    // A command is taken whatever the pipeline does (no token leaves then).
    if (cmd_valid && cmd_epoch == epoch_q && (st_q == S_RUN || st_q == S_WAIT)) begin
      epoch_d = ~epoch_q;
      pend_d = 1'b0;
      if (cmd_jump) begin
        tgt_d = cmd_target;
        tlo_d = ~sip_parse_pkg::below({1'b0, cmd_target[5:0]});
        st_d = S_SKIP;
      end else begin
        st_d = S_DRAIN;
      end
    end else if (!stall) begin
      begin
        unique case (st_q)
          S_FIN: ;
          S_IDLE: begin
            if (seg_idx_q == seg_count) begin
              tkv_d = 1'b1;
              tkkind_d = sip_parse_pkg::TOKEN_RUN_END;
              st_d = S_FIN;
            end else if (dq_valid) begin
              dq_pop = 1'b1;
              seg_idx_d = seg_idx_q + 32'd1;
              stream_d = dq_stream;
              o0_d = dq_o0;
              end_d = POSITION_W'({26'd0, dq_o0}) + POSITION_W'(dq_len);
              // the reader requests no beat for an empty segment
              nb_left_d = (dq_len == 32'd0) ? 28'd0 : 28'((POSITION_W'({26'd0, dq_o0}) + POSITION_W'(dq_len) + POSITION_W'(63)) >> 6);
              tkv_d = 1'b1;
              tkkind_d = sip_parse_pkg::TOKEN_SEGMENT_BEGIN;
              tkx_d = POSITION_W'({26'd0, dq_o0});
              tkend_d = POSITION_W'({26'd0, dq_o0}) + POSITION_W'(dq_len);
              fill_d = 2'd0;
              tgt_d = POSITION_W'({26'd0, dq_o0});
              tlo_d = ~sip_parse_pkg::below({1'b0, dq_o0});
              st_d = (dq_len == 32'd0) ? S_SEG0 : S_FILL;
            end
          end
          S_SEG0: begin  // empty segment: nothing consumed
            tkv_d = 1'b1;
            tkkind_d = sip_parse_pkg::TOKEN_SEGMENT_END;
            tkx_d = POSITION_W'({26'd0, o0_q});
            st_d = S_DRAIN;
          end
          S_FILL: begin
            if (can_shift) begin
              do_shift = 1'b1;
              fill_d = fill_q + 2'd1;
              if (fill_q == 2'd1) begin
                base_d = '0;
                st_d = S_SKIP;
              end
            end
          end
          S_SKIP: begin
            if (!skip_in_cur) begin
              if (can_shift) do_shift = 1'b1;
            end else if (skip_found) begin
              ms_d = {base_q[POSITION_W-1:6], skip_pos};
              o_d = skip_pos;
              therm_d = sip_parse_pkg::prefix_or(skip_m);  // bits >= skip_pos
              st_d = S_SETUP;
            end else if (seg_exhausted) begin
              tkv_d = 1'b1;
              tkkind_d = sip_parse_pkg::TOKEN_SEGMENT_END;
              tkx_d = end_q;
              st_d = S_DRAIN;
            end else if (can_shift) begin
              do_shift = 1'b1;
              tgt_d = base_q + POSITION_W'(64);
              tlo_d = {64{1'b1}};
            end
          end
          S_SETUP: begin
            // limit = min(ms + max_bytes, end), relative to base (ms = base + o);
            // max_bytes >= 128 leaves both beats fully visible up to the limit,
            // a smaller one takes a second cycle (S_SETUP2) for the masks
            lim_lt_d = (lim_a < erel_q);
            if (lim_lt_d) begin
              lrel_d = lim_a;
              vis_cur_d = {64{1'b1}};
              vis_nxt_d = {64{1'b1}};
              // lim_a / 64 = max_bytes / 64 + carry of o + max_bytes % 64
              l_lt2_d = mz0_q || (mz1_q && !lim_c);
              l_eq2_d = (mz2_q && !lim_c) || (mz1_q && lim_c);
            end else begin
              lrel_d = erel_q;
              vis_cur_d = evis_cur_q;
              vis_nxt_d = evis_nxt_q;
              l_lt2_d = e_lt2_q;
              l_eq2_d = e_eq2_q;
            end
            tkv_d = 1'b1;
            tkkind_d = sip_parse_pkg::TOKEN_MESSAGE_BEGIN;
            tkx_d = ms_q;
            first_d = 1'b1;
            sl_d = 1'b1;
            st_d = small_q ? S_SETUP2 : S_RUN;
          end
          S_SETUP2: begin
            if (lim_lt_q) begin
              vis_cur_d = lim_vis0;
              vis_nxt_d = lim_vis1;
            end
            st_d = S_RUN;
          end
          S_RUN: begin
            if (pend_q) begin
              if (can_shift) begin
                do_shift = 1'b1;
                pend_d = 1'b0;
              end
            end else if (can_shift || (any1 && !last1)) begin
              // emit the chunk at x = base + o
              tkv_d = 1'b1;
              if (any1) begin
                first_d = 1'b1;
                sl_d = 1'b0;
                if (last1) begin
                  do_shift = 1'b1;
                  therm_d = {64{1'b1}};
                  o_d = 6'd0;
                end else begin
                  therm_d = p1;
                  o_d = nxt1;
                end
              end else if (any2) begin
                first_d = 1'b1;
                sl_d = 1'b0;
                do_shift = 1'b1;
                if (last2) begin
                  pend_d = 1'b1;
                  therm_d = {64{1'b1}};
                  o_d = 6'd0;
                end else begin
                  therm_d = p2;
                  o_d = nxt2;
                end
              end else begin
                first_d = 1'b0;
                do_shift = 1'b1;
              end
              if (stop_now) begin
                if (stream_q) begin
                  st_d = S_WAIT;          // the walker says where the next message starts
                end else begin
                  // A datagram holds one message: whatever the walker decides,
                  // the segment is done. Move on now; the walker's command for
                  // this message will carry the old epoch and be ignored.
                  epoch_d = ~epoch_q;
                  st_d = S_DRAIN;
                end
              end
            end
          end
          S_WAIT: ;
          S_DRAIN: begin
            if (nb_left_q == 28'd0) begin
              st_d = S_IDLE;
            end else if (bq_valid) begin
              do_pop = 1'b1;
            end
          end
          default: st_d = S_FIN;
        endcase
      end
    end
    if (run_start) begin
      st_d = S_IDLE;
      seg_idx_d = 32'd0;
      epoch_d = 1'b0;
    end

    if (do_shift) begin
      prev_d = cur_q[511:504];
      cur_d = nxt_q;
      lf_cur_d = lf_nxt_q;
      cr_cur_d = cr_nxt_q;
      nxt_d = in_beat;
      lf_nxt_d = mask_eq(in_beat, 8'h0A);
      cr_nxt_d = mask_eq(in_beat, 8'h0D);
      base_d = base_q + POSITION_W'(64);
      erel_d = erel_q - (POSITION_W+1)'(64);
      evis_cur_d = evis_nxt_q;
      evis_nxt_d = vis_f(e_lt2_q, e_eq2_q, erel_q[5:0]);
      e_lt2_d = lt_k(erel_q, 2'd3);
      e_eq2_d = eq_k(erel_q, 2'd3);
      if (st_q == S_FILL && fill_q == 2'd1) begin
        base_d = '0;
        erel_d = {1'b0, end_q};
        evis_cur_d = end_vis0_q;
        evis_nxt_d = end_vis1_q;
        e_lt2_d = end_lt2_q;
        e_eq2_d = end_eq2_q;
      end
      lrel_d = lrel_q - (POSITION_W+1)'(64);
      vis_cur_d = vis_nxt_q;
      vis_nxt_d = vis_f(l_lt2_q, l_eq2_q, lrel_q[5:0]);
      l_lt2_d = lt_k(lrel_q, 2'd3);
      l_eq2_d = eq_k(lrel_q, 2'd3);
      if (nb_left_q != 28'd0) do_pop = 1'b1;
    end
    bq_pop = do_pop;
    if (do_pop) nb_left_d = nb_left_q - 28'd1;
  end

  // ------------------------------------------------------------ registers
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      st_q <= S_FIN;
      seg_idx_q <= 32'd0;
      epoch_q <= 1'b0;
      pend_q <= 1'b0;
      nb_left_q <= 28'd0;
      tk_valid <= 1'b0;
    end else begin
      st_q <= st_d;
      seg_idx_q <= seg_idx_d;
      epoch_q <= epoch_d;
      pend_q <= pend_d;
      nb_left_q <= nb_left_d;
      tk_valid <= !stall && tkv_d;   // the analyzer takes the token register every cycle
    end
    cur_q <= cur_d; nxt_q <= nxt_d; lf_cur_q <= lf_cur_d; lf_nxt_q <= lf_nxt_d;
    cr_cur_q <= cr_cur_d; cr_nxt_q <= cr_nxt_d; prev_q <= prev_d; base_q <= base_d;
    fill_q <= fill_d; end_q <= end_d; stream_q <= stream_d; o0_q <= o0_d;
    tgt_q <= tgt_d; ms_q <= ms_d; lrel_q <= lrel_d;
    erel_q <= erel_d; evis_cur_q <= evis_cur_d; evis_nxt_q <= evis_nxt_d; tlo_q <= tlo_d;
    e_lt2_q <= e_lt2_d; e_eq2_q <= e_eq2_d; l_lt2_q <= l_lt2_d; l_eq2_q <= l_eq2_d;
    vis_cur_q <= vis_cur_d; vis_nxt_q <= vis_nxt_d; therm_q <= therm_d; o_q <= o_d;
    first_q <= first_d; sl_q <= sl_d;
    if (!stall) begin
      tk_epoch <= epoch_q;  // a token belongs to the epoch it was cut in
      tk_kind <= tkkind_d;
      tk_x <= tkx_d;
      tk_first <= tkfirst_d;
      tk_sl <= tksl_d;
      tk_lim <= tklim_d;
      tk_win <= tkwin_d;
      tk_lfv <= win_lfv;
      tk_stream <= stream_d;
      tk_o0 <= o0_d;
      tk_end <= tkend_d;
    end
  end
endmodule

`default_nettype wire
