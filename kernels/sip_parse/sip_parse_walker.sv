// sip_parse_walker: the per-line rules of CpuSipParseEngine (docs/header-index.md),
// one chunk summary per cycle. It keeps the state of the current line, message
// and segment, writes HeaderRecords (a header is written when the next line
// proves it complete), MessageRecords and SegmentResults, and tells the
// chunker where the next message starts. The start line goes to the
// sip_parse_start_line unit, whose verdict is consumed at the message end; the
// first Content-Length value is checked byte by byte here (a few digits).
`default_nettype none

module sip_parse_walker #(
    // Width of a position (a stream coordinate); must be sip_parse_pkg::POSITION_W (checked below).
    parameter int unsigned POSITION_W = 34
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire              run_start,
    input  wire  [31:0]      max_bytes,
    input  wire  [31:0]      msg_cap,
    input  wire  [31:0]      hdr_cap,
    output logic             stall,        // the chunk summary at c_* is held
    output logic             commit,       // records, start-line pushes and commands of this cycle count
    // chunk summaries (sip_parse_analyzer)
    input  wire              c_valid,
    input  wire              c_epoch,
    input  wire  [2:0]       c_kind,
    input  wire  [POSITION_W-1:0]    c_x,
    input  wire              c_first,
    input  wire              c_sl,
    input  wire  [511:0]     c_bytes,
    input  wire              c_stream,
    input  wire  [5:0]       c_o0,
    input  wire  [POSITION_W-1:0]    c_end,
    input  wire              c_c0_cr,
    input  wire              c_c0_lf,
    input  wire              c_c0_ws,
    input  wire              c_b1_lf,
    input  wire              c_cr63lf,
    input  wire              c_has_lf,
    input  wire  [5:0]       c_lfp,
    input  wire              c_cr_before,
    input  wire              c_bad_f,
    input  wire              c_col_f,
    input  wire  [5:0]       c_col_p,
    input  wire              c_lnw_f,
    input  wire              c_ntk_f,
    input  wire              c_ntk_loc,    // a non-token byte at or before the chunk's last name byte
    input  wire  [6:0]       c_ne_rel,     // one past the last name byte, relative to x
    input  wire  [15:0]      c_loff,       // x - line start (low 16 bits)
    input  wire              c_nl_big,     // c_loff + c_ne_rel > 0xFFFF
    input  wire  [5:0]       c_id,         // HeaderId of a name ending in a first chunk
    input  wire              c_len1,       // ... one byte long
    input  wire              c_lim0,       // c_lim == 0, 1, 64
    input  wire              c_lim1,
    input  wire              c_lim64,
    input  wire              c_pa_f,
    input  wire  [5:0]       c_pa_first,
    input  wire  [5:0]       c_pa_last,
    input  wire              c_pc_f,
    input  wire  [5:0]       c_pc_first,
    input  wire  [5:0]       c_pc_last,
    input  wire  [63:0]      c_digm,       // bytes that are digits
    input  wire  [63:0]      c_cwsm,       // bytes that are SP, HTAB or CR
    input  wire  [5:0]       c_pa_fb,      // {digit, SP/HTAB/CR, low nibble} of the byte at pa_first
    input  wire  [5:0]       c_pc_fb,      // ... at pc_first
    input  wire  [POSITION_W-1:0]    c_lfp_u,      // the positions above as u coordinates
    input  wire  [POSITION_W-1:0]    c_bad_u,
    input  wire  [POSITION_W-1:0]    c_col_u,
    input  wire  [POSITION_W-1:0]    c_pa_first_u,
    input  wire  [POSITION_W-1:0]    c_pa_end_u,
    input  wire  [POSITION_W-1:0]    c_pc_first_u,
    input  wire  [POSITION_W-1:0]    c_pc_end_u,
    input  wire  [POSITION_W-1:0]    c_x2_u,
    // chunker command
    output logic             cmd_valid,
    output logic             cmd_epoch,
    output logic             cmd_jump,
    output logic [POSITION_W-1:0]    cmd_target,
    // start-line unit
    output logic             sl_push,
    output logic [511:0]     sl_push_bytes,
    output logic [6:0]       sl_push_cnt,
    output logic             sl_push_last,
    input  wire              sl_push_ready,
    output logic             sl_flush,
    input  wire              sl_res_valid,
    input  wire              sl_res_ok,
    input  wire              sl_res_req,
    input  wire  [31:0]      sl_m_len,     // request: method {0, m_len}; uri {m_len+1, uri_len}
    input  wire  [31:0]      sl_uri_len,
    input  wire  [31:0]      sl_v_off,
    input  wire  [31:0]      sl_v_len,
    input  wire  [31:0]      sl_r_off,
    input  wire  [31:0]      sl_r_len,
    input  wire  [15:0]      sl_status,
    // record outputs
    output logic             hdr_valid,
    output logic [31:0]      hdr_idx,
    output logic [127:0]     hdr_data,
    input  wire              hdr_ready,
    output logic             msg_valid,
    output logic [31:0]      msg_idx,
    output logic [511:0]     msg_data,
    input  wire              msg_ready,
    output logic             seg_valid,
    output logic [31:0]      seg_idx,
    output logic [255:0]     seg_data,
    input  wire              seg_ready,
    output logic             run_end       // level: the last segment has been written
);
  initial begin
    if (POSITION_W != sip_parse_pkg::POSITION_W) $error("sip_parse_walker: POSITION_W must be sip_parse_pkg::POSITION_W");
  end

  localparam logic [46:0] SINGLETONS = (47'd1 << 4) | (47'd1 << 5) | (47'd1 << 2) | (47'd1 << 3) |
                                       (47'd1 << 9) | (47'd1 << 7) | (47'd1 << 8);
  localparam logic [1:0] CL_LEAD = 2'd0, CL_DIG = 2'd1, CL_TRAIL = 2'd2, CL_BAD = 2'd3;

  typedef enum logic [2:0] {B_IDLE, B_SEG, B_MSG, B_END1, B_END2, B_END3, B_FIN} mode_t;
  typedef enum logic [1:0] {EV_FAIL, EV_INC, EV_BLANK} ev_t;

  // ------------------------------------------------------------ state
  mode_t          mode_q, mode_d;
  logic           epoch_q, epoch_d;
  // segment
  logic           stream_q, stream_d;
  logic [5:0]     o0_q, o0_d;
  logic [POSITION_W-1:0]  end_q, end_d;
  logic [31:0]    seg_no_q, seg_no_d, seg_first_q, seg_first_d, seg_cnt_q, seg_cnt_d, consumed_q, consumed_d;
  // run
  logic [31:0]    msg_next_q, msg_next_d, hdr_next_q, hdr_next_d;
  // message
  logic [POSITION_W-1:0]  ms_q, ms_d;
  logic [31:0]    first_hdr_q, first_hdr_d;
  logic [8:0]     hcount_q, hcount_d;
  logic [46:0]    seen_q, seen_d;
  logic           cl_seen_q, cl_seen_d;
  logic [POSITION_W-1:0]  cl_at_q, cl_at_d;
  logic [1:0]     cl_st_q, cl_st_d;
  logic [35:0]    cl_acc_q, cl_acc_d;
  logic           sl_done_q, sl_done_d;       // start line complete and clean (SL verdict owed)
  // pending header
  logic           pv_q, pv_d;
  logic [31:0]    p_idx_q, p_idx_d;
  logic [5:0]     p_id_q, p_id_d;
  logic [7:0]     p_flags_q, p_flags_d;
  logic [31:0]    p_noff_q, p_noff_d;
  logic [15:0]    p_nlen_q, p_nlen_d;
  logic           p_vset_q, p_vset_d;
  logic [POSITION_W-1:0]  p_vs_q, p_vs_d, p_ve_q, p_ve_d, p_empty_q, p_empty_d;
  logic           p_cl_q, p_cl_d;             // the pending header is the framing Content-Length
  // line
  logic [POSITION_W-1:0]  ls_q, ls_d;
  logic           lcont_q, lcont_d, lcol_q, lcol_d, lne_v_q, lne_v_d, lntk_v_q, lntk_v_d, lbad_v_q, lbad_v_d;
  logic           lntkf_q, lntkf_d;           // the first non-token byte lies inside the name
  logic [POSITION_W-1:0]  lcol_u_q, lcol_u_d, lbad_q, lbad_d;
  logic [15:0]    lnlen_q, lnlen_d;           // name length (low 16 bits) ...
  logic           lnbig_q, lnbig_d;           // ... above 0xFFFF
  logic [5:0]     lid_q, lid_d;               // HeaderId of the name
  logic           llen1_q, llen1_d, lid0_q, lid0_d;
  logic [46:0]    lsg_q, lsg_d;               // one-hot of the id among the SINGLETONS
  logic           lv_set_q, lv_set_d;
  logic [POSITION_W-1:0]  lv_first_q, lv_first_d, lv_last_q, lv_last_d;  // lv_last: one past the last value byte
  logic           lcl_q, lcl_d;               // this line feeds the Content-Length check
  // Content-Length scan of the current chunk
  logic           scan_q, scan_d, scanned_q, scanned_d;
  logic [5:0]     scan_i_q, scan_i_d;
  // message end
  ev_t            ev_q, ev_d;
  logic [7:0]     ev_err_q, ev_err_d;
  logic [POSITION_W-1:0]  ev_pos_q, ev_pos_d, hend_q, hend_d;
  logic [POSITION_W-1:0]  body_q, body_d;
  logic [POSITION_W:0]    total_q, total_d;           // header_len + body, then compared to max
  logic [POSITION_W-1:0]  hlen_q, hlen_d;             // hend - ms
  logic [POSITION_W-1:0]  hb_q, hb_d;                 // hend + body: the message's end
  logic [31:0]    hbo_q, hbo_d;               // hb - o0: consumed after this message
  logic [POSITION_W:0]    msmax_q, msmax_d;           // ms + max_bytes
  logic           e1_q;                       // the previous cycle was in END1 as well
  logic           acc_gt_q, acc_eq_q;         // cl_acc > / == 429496729 (x10 overflows 32 bits)
  assign acc_gt_q = cl_acc_q > 36'd429496729;
  assign acc_eq_q = cl_acc_q == 36'd429496729;
  logic           has_cl_q, has_cl_d;
  logic           inc_body_q, inc_body_d;     // EV_INC because the body is not all there (resume point)
  logic           run_end_q, run_end_d;

  // ------------------------------------------------------------ helpers

  function automatic logic [1:0] cl_ws(input logic [1:0] s);
    cl_ws = (s == CL_DIG) ? CL_TRAIL : s;
  endfunction

  // The byte at scan_i, fetched the cycle before (the chunk is held while it
  // is scanned): its classes, low nibble and whether it is the last value byte.
  logic [3:0] scan_nib, pf_nib_q;
  logic       scan_dig, scan_ws, scan_last, pf_dig_q, pf_ws_q, pf_last_q;
  assign scan_nib  = pf_nib_q;
  assign scan_dig  = pf_dig_q;
  assign scan_ws   = pf_ws_q;
  assign scan_last = pf_last_q;

  // ------------------------------------------------------------ line view (this chunk merged)
  logic           tk_ok, is_chunk;
  logic [POSITION_W-1:0]  s_l;
  logic           cont_l, col_before, col_now, ne_v_l, ntk_v_l, bad_v_l, v_used, vset_l;
  logic [POSITION_W-1:0]  col_u_l, bad_l, v_first, v_last, vfirst_l, vlast_l;  // v_last, vlast_l: one past
  logic [5:0]     v_first_rel, v_last_rel;
  logic           ne_upd, ntk_v_prev, ntkf_prev, ntkf_l, nbig_l, len1_l, idcl_l, id0_l;
  logic [46:0]    sg_l;                       // bit k: id_l == k, for k in SINGLETONS (else 0)
  logic [15:0]    nlen_l;
  logic [5:0]     id_l;
  logic           cl_chunk;
  logic [5:0]     v_region_start;

  assign tk_ok    = c_valid && (c_epoch == epoch_q);
  assign is_chunk = tk_ok && c_kind == sip_parse_pkg::TOKEN_CHUNK && mode_q == B_MSG;

  always_comb begin
    s_l        = c_first ? c_x : ls_q;
    cont_l     = c_first ? c_c0_ws : lcont_q;
    col_before = c_first ? 1'b0 : lcol_q;
    col_now    = col_before || c_col_f;
    col_u_l    = col_before ? lcol_u_q : c_col_u;
    // The name ends in this chunk when a non-SP/HTAB byte precedes the
    // colon here. A later chunk of the line lies >= 64 bytes after its start,
    // so a name that ends there is no known name (id 0); otherwise the id,
    // length and flags of the line carry over.
    ne_upd     = !col_before && c_lnw_f;
    ne_v_l     = ne_upd || (!c_first && lne_v_q);
    nlen_l     = ne_upd ? c_loff + {9'd0, c_ne_rel} : lnlen_q;
    nbig_l     = ne_upd ? c_nl_big : lnbig_q;
    id_l       = c_first ? c_id : (ne_upd ? 6'd0 : lid_q);
    len1_l     = c_first ? c_len1 : (ne_upd ? 1'b0 : llen1_q);
    id0_l      = c_first ? (c_id == 6'd0) : (ne_upd ? 1'b1 : lid0_q);
    for (int k = 0; k < 47; k++) begin
      if (SINGLETONS[k]) sg_l[k] = c_first ? (c_id == 6'(k)) : (ne_upd ? 1'b0 : lsg_q[k]);
      else sg_l[k] = 1'b0;
    end
    idcl_l     = sg_l[sip_parse_pkg::ID_CONTENT_LENGTH];
    // "first non-token byte < one past the last name byte", kept as a flag
    ntk_v_prev = !c_first && lntk_v_q;
    ntkf_prev  = !c_first && lntkf_q;
    ntk_v_l    = ntk_v_prev || (!col_before && c_ntk_f);
    if (col_before || !c_lnw_f) ntkf_l = ntkf_prev;
    else ntkf_l = ntk_v_prev || (c_ntk_f && c_ntk_loc);
    bad_v_l = c_first ? 1'b0 : lbad_v_q;
    bad_l   = lbad_q;
    if (!bad_v_l && c_bad_f) begin
      bad_v_l = 1'b1;
      bad_l = c_bad_u;
    end
    // value bytes of this chunk
    if (cont_l || col_before) begin
      v_used = c_pa_f;
      v_first = c_pa_first_u;
      v_last = c_pa_end_u;
      v_first_rel = c_pa_first;
      v_last_rel = c_pa_last;
      v_region_start = 6'd0;
    end else begin
      v_used = c_col_f && c_pc_f;
      v_first = c_pc_first_u;
      v_last = c_pc_end_u;
      v_first_rel = c_pc_first;
      v_last_rel = c_pc_last;
      v_region_start = c_col_p + 6'd1;
    end
    vset_l   = c_first ? 1'b0 : lv_set_q;
    vfirst_l = lv_first_q;
    vlast_l  = lv_last_q;
    if (v_used) begin
      if (!vset_l) vfirst_l = v_first;
      vset_l = 1'b1;
      vlast_l = v_last;
    end
    // Does this chunk feed the Content-Length check?
    if (c_sl) cl_chunk = 1'b0;
    else if (cont_l) cl_chunk = c_first ? p_cl_q : lcl_q;
    else if (col_before) cl_chunk = lcl_q;
    else cl_chunk = c_col_f && ne_v_l && !cl_seen_q && idcl_l;
  end

  // ------------------------------------------------------------ main
  always_comb begin
    logic        hold, do_end, fin_prev, new_hdr;
    logic [7:0]  e_err;
    logic [POSITION_W-1:0] e_pos;
    ev_t         e_kind;
    logic [1:0]  st;
    logic [35:0] acc;

    mode_d = mode_q; epoch_d = epoch_q;
    stream_d = stream_q; o0_d = o0_q; end_d = end_q;
    seg_no_d = seg_no_q; seg_first_d = seg_first_q; seg_cnt_d = seg_cnt_q; consumed_d = consumed_q;
    msg_next_d = msg_next_q; hdr_next_d = hdr_next_q;
    ms_d = ms_q; first_hdr_d = first_hdr_q; hcount_d = hcount_q; seen_d = seen_q;
    cl_seen_d = cl_seen_q; cl_at_d = cl_at_q; cl_st_d = cl_st_q; cl_acc_d = cl_acc_q; sl_done_d = sl_done_q;
    pv_d = pv_q; p_idx_d = p_idx_q; p_id_d = p_id_q; p_flags_d = p_flags_q; p_noff_d = p_noff_q;
    p_nlen_d = p_nlen_q; p_vset_d = p_vset_q; p_vs_d = p_vs_q; p_ve_d = p_ve_q; p_empty_d = p_empty_q;
    p_cl_d = p_cl_q;
    ls_d = ls_q; lcont_d = lcont_q; lcol_d = lcol_q; lne_v_d = lne_v_q; lntk_v_d = lntk_v_q; lbad_v_d = lbad_v_q;
    lcol_u_d = lcol_u_q; lbad_d = lbad_q; lntkf_d = lntkf_q;
    lnlen_d = lnlen_q; lnbig_d = lnbig_q; lid_d = lid_q; llen1_d = llen1_q; lid0_d = lid0_q; lsg_d = lsg_q;
    lv_set_d = lv_set_q; lv_first_d = lv_first_q; lv_last_d = lv_last_q;
    lcl_d = lcl_q;
    scan_d = scan_q; scanned_d = scanned_q; scan_i_d = scan_i_q;
    ev_d = ev_q; ev_err_d = ev_err_q; ev_pos_d = ev_pos_q; hend_d = hend_q;
    body_d = body_q; total_d = total_q; has_cl_d = has_cl_q; inc_body_d = inc_body_q;
    hlen_d = hlen_q; hb_d = hb_q; hbo_d = hbo_q; msmax_d = msmax_q;
    run_end_d = run_end_q;

    stall = 1'b0;
    commit = 1'b0;
    cmd_valid = 1'b0;
    cmd_jump = 1'b0;
    cmd_target = '0;
    sl_push = 1'b0;
    sl_push_bytes = c_bytes;
    sl_push_cnt = 7'd0;
    sl_push_last = 1'b0;
    sl_flush = 1'b0;
    hdr_valid = 1'b0;
    hdr_idx = p_idx_q;
    hdr_data = {p_vset_q ? 32'(p_ve_q - p_vs_q) : 32'd0,
                p_vset_q ? 32'(p_vs_q - ms_q) : 32'(p_empty_q - ms_q),
                p_noff_q, p_nlen_q,
                p_flags_q | (p_vset_q ? 8'd0 : 8'h02),
                2'b00, p_id_q};
    msg_valid = 1'b0;
    msg_idx = msg_next_q;
    msg_data = '0;
    seg_valid = 1'b0;
    seg_idx = seg_no_q;
    seg_data = {96'd0, 24'd0, 8'd0, 32'd0, consumed_q, seg_cnt_q, seg_first_q};

    hold = 1'b0;
    do_end = 1'b0;
    e_err = sip_parse_pkg::ERROR_NONE;
    e_pos = '0;
    e_kind = EV_FAIL;
    fin_prev = 1'b0;
    new_hdr = 1'b0;
    st = cl_st_q;
    acc = cl_acc_q;

    unique case (mode_q)
      B_IDLE, B_SEG, B_MSG: begin
        if (tk_ok && c_kind == sip_parse_pkg::TOKEN_SEGMENT_BEGIN && mode_q == B_IDLE) begin
          stream_d = c_stream;
          o0_d = c_o0;
          end_d = c_end;
          seg_first_d = msg_next_q;
          seg_cnt_d = 32'd0;
          consumed_d = 32'd0;
          mode_d = B_SEG;
        end else if (tk_ok && c_kind == sip_parse_pkg::TOKEN_RUN_END && mode_q == B_IDLE) begin
          run_end_d = 1'b1;
          mode_d = B_FIN;
        end else if (tk_ok && c_kind == sip_parse_pkg::TOKEN_SEGMENT_END && mode_q == B_SEG) begin
          seg_valid = 1'b1;
          seg_data = {96'd0, 24'd0, 8'd0, 32'd0, 32'(c_x - POSITION_W'(o0_q)), seg_cnt_q, seg_first_q};
          if (!seg_ready) begin
            hold = 1'b1;
          end else begin
            seg_no_d = seg_no_q + 32'd1;
            mode_d = B_IDLE;
          end
        end else if (tk_ok && c_kind == sip_parse_pkg::TOKEN_MESSAGE_BEGIN && mode_q == B_SEG) begin
          ms_d = c_x;
          msmax_d = {1'b0, c_x} + (POSITION_W+1)'(max_bytes);
          consumed_d = 32'(c_x - POSITION_W'(o0_q));
          first_hdr_d = hdr_next_q;
          hcount_d = 9'd0;
          seen_d = '0;
          cl_seen_d = 1'b0;
          cl_st_d = CL_LEAD;
          cl_acc_d = '0;
          sl_done_d = 1'b0;
          pv_d = 1'b0;
          p_cl_d = 1'b0;
          lcl_d = 1'b0;
          scan_d = 1'b0;
          scanned_d = 1'b0;
          inc_body_d = 1'b0;
          mode_d = B_MSG;
        end else if (is_chunk) begin
          // ---- Content-Length bytes of this chunk, one per cycle
          if (cl_chunk && !scanned_q) begin
            hold = 1'b1;
            if (!scan_q) begin
              if (!v_used || v_first_rel != v_region_start) st = cl_ws(st);
              if (v_used) begin
                scan_d = 1'b1;
                scan_i_d = v_first_rel;
              end else begin
                if (c_has_lf || v_last_rel != 6'd63) st = cl_ws(st);
                scanned_d = 1'b1;
              end
            end else begin
              if (scan_ws) begin
                st = cl_ws(st);
              end else if (scan_dig && st != CL_TRAIL && st != CL_BAD) begin
                acc = {cl_acc_q[32:0], 3'b000} + {cl_acc_q[34:0], 1'b0} + {32'd0, scan_nib};
                // acc > 0xFFFFFFFF, from the old value (429496729 * 10 + 5 = 0xFFFFFFFF)
                st = (acc_gt_q || (acc_eq_q && scan_nib > 4'd5)) ? CL_BAD : CL_DIG;
              end else begin
                st = CL_BAD;
              end
              scan_i_d = scan_i_q + 6'd1;
              if (scan_last) begin
                if (c_has_lf || scan_i_q != 6'd63) st = cl_ws(st);
                scan_d = 1'b0;
                scanned_d = 1'b1;
              end
            end
            cl_st_d = st;
            cl_acc_d = acc;
          end else begin
            // ---- the line rules, in CpuSipParseEngine's order
            if (c_first && !c_sl && c_lim0) begin
              do_end = 1'b1; e_kind = EV_INC; e_pos = c_x; e_err = sip_parse_pkg::ERROR_BAD_HEADER_LINE;
            end else if (c_first && !c_sl && c_c0_cr) begin
              if (c_lim1) begin
                do_end = 1'b1; e_kind = EV_INC; e_pos = c_x; e_err = sip_parse_pkg::ERROR_BAD_HEADER_LINE;
              end else if (!c_b1_lf) begin
                do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BAD_BYTES; e_pos = c_x;
              end else begin
                do_end = 1'b1; e_kind = EV_BLANK; fin_prev = 1'b1;
              end
            end else if (c_first && !c_sl && c_c0_lf) begin
              do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BARE_LF; e_pos = c_x;
            end else if (!c_has_lf) begin
              if (!c_lim64) begin
                // out of bytes (EV_INC resolves header-too-long / incomplete / datagram error)
                do_end = 1'b1; e_kind = EV_INC; e_pos = s_l;
                e_err = c_sl ? sip_parse_pkg::ERROR_BAD_START_LINE : sip_parse_pkg::ERROR_BAD_HEADER_LINE;
              end else if (c_sl) begin
                sl_push = 1'b1;
                sl_push_cnt = c_cr63lf ? 7'd63 : 7'd64;
                if (!sl_push_ready) hold = 1'b1;
              end
            end else if (!c_cr_before) begin
              do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BARE_LF; e_pos = c_lfp_u;
            end else if (bad_v_l) begin
              do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BAD_BYTES; e_pos = bad_l;
            end else if (c_sl) begin
              sl_push = 1'b1;
              sl_push_cnt = (c_lfp == 6'd0) ? 7'd0 : {1'b0, c_lfp - 6'd1};
              sl_push_last = 1'b1;
              if (!sl_push_ready) hold = 1'b1;
              else sl_done_d = 1'b1;
            end else if (cont_l) begin
              if (!pv_q) begin
                do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BAD_HEADER_LINE; e_pos = s_l;
              end else begin
                p_flags_d = p_flags_q | 8'h01;
                if (vset_l) begin
                  if (!p_vset_q) p_vs_d = vfirst_l;
                  p_vset_d = 1'b1;
                  p_ve_d = vlast_l;
                end
              end
            end else begin
              fin_prev = 1'b1;
              if (hcount_q == 9'(sip_parse_pkg::MAX_HEADERS) || hdr_next_q >= hdr_cap) begin
                do_end = 1'b1; e_err = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; e_pos = s_l;
              end else if (!col_now || !ne_v_l || nbig_l || (id0_l && ntk_v_l && ntkf_l)) begin
                do_end = 1'b1; e_err = sip_parse_pkg::ERROR_BAD_HEADER_LINE; e_pos = s_l;
              end else begin
                new_hdr = 1'b1;
              end
            end

            // the previous header is complete: write it
            if (fin_prev && pv_q) begin
              hdr_valid = 1'b1;
              if (!hdr_ready) hold = 1'b1;
            end
            if (hold) begin
              // nothing changes; the chunk waits
              do_end = 1'b0;
              new_hdr = 1'b0;
            end else begin
              scanned_d = 1'b0;
              if (fin_prev && pv_q) begin
                pv_d = 1'b0;
                if (p_cl_q) cl_at_d = p_vset_q ? p_vs_q : p_empty_q;
              end
              if (new_hdr) begin
                pv_d = 1'b1;
                p_idx_d = hdr_next_q;
                hdr_next_d = hdr_next_q + 32'd1;
                hcount_d = hcount_q + 9'd1;
                p_id_d = id_l;
                p_flags_d = {4'd0, (!id0_l && len1_l),
                             |(seen_q & sg_l), 2'b00};
                seen_d = seen_q | sg_l;   // only the SINGLETONS bits are ever read
                p_noff_d = 32'(s_l - ms_q);
                p_nlen_d = nlen_l;
                p_vset_d = vset_l;
                p_vs_d = vfirst_l;
                p_ve_d = vlast_l;
                p_empty_d = col_u_l + POSITION_W'(1);
                p_cl_d = 1'b0;
                if (idcl_l && !cl_seen_q) begin
                  cl_seen_d = 1'b1;
                  p_cl_d = 1'b1;
                end
              end
              // line state for the next chunk
              ls_d = s_l;
              lcont_d = cont_l;
              lcol_d = col_now;
              lcol_u_d = col_u_l;
              lne_v_d = ne_v_l;
              lntk_v_d = ntk_v_l;
              lntkf_d = ntkf_l;
              lnlen_d = nlen_l;
              lnbig_d = nbig_l;
              lid_d = id_l;
              llen1_d = len1_l;
              lid0_d = id0_l;
              lsg_d = sg_l;
              lbad_v_d = bad_v_l;
              lbad_d = bad_l;
              lv_set_d = vset_l;
              lv_first_d = vfirst_l;
              lv_last_d = vlast_l;
              lcl_d = cl_chunk;
              if (do_end) begin
                ev_d = e_kind;
                ev_err_d = e_err;
                ev_pos_d = e_pos;
                hend_d = c_x2_u;
                hlen_d = c_x2_u - ms_q;
                mode_d = B_END1;
              end
            end
          end
        end
        // tokens of a stale epoch, or out of place, are dropped
        stall = hold;
        commit = !hold;
      end

      B_END1: begin
        stall = 1'b1;
        // header_len + body and the message end, whatever the verdict
        if (cl_seen_q) begin
          total_d = {1'b0, hlen_q} + {1'b0, POSITION_W'(cl_acc_q[31:0])};
          hb_d = hend_q + POSITION_W'(cl_acc_q[31:0]);
        end else begin
          total_d = {1'b0, end_q - ms_q};   // header_len + (end - hend)
          hb_d = end_q;
        end
        // from the second cycle on, total/hb are registered: a late verdict
        // takes the END2 checks along and goes straight to END3
        hbo_d = 32'(hb_q - POSITION_W'(o0_q));
        if (sl_done_q && !sl_res_valid) begin
          // wait for the start-line verdict
        end else begin
          mode_d = e1_q ? B_END3 : B_END2;
          if (sl_done_q && !sl_res_ok) begin
            ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_BAD_START_LINE; ev_pos_d = ms_q;
          end else if (ev_q == EV_INC) begin
            if (msmax_q <= {1'b0, end_q}) begin
              ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_HEADER_TOO_LONG; ev_pos_d = ms_q;
            end else if (!stream_q) begin
              ev_d = EV_FAIL;  // the datagram error kept in ev_err/ev_pos
            end
          end else if (ev_q == EV_BLANK) begin
            has_cl_d = cl_seen_q;
            if (cl_seen_q) begin
              body_d = POSITION_W'(cl_acc_q[31:0]);
              if (cl_st_q != CL_DIG && cl_st_q != CL_TRAIL) begin
                ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_BAD_CONTENT_LENGTH; ev_pos_d = cl_at_q;
              end
            end else begin
              body_d = end_q - hend_q;
              if (stream_q) begin
                ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_MISSING_CONTENT_LENGTH; ev_pos_d = ms_q;
              end
            end
            // END2's checks (has_cl = cl_seen_q), when they are taken along
            if (e1_q && !(cl_seen_q && cl_st_q != CL_DIG && cl_st_q != CL_TRAIL) &&
                !(!cl_seen_q && stream_q)) begin
              if (total_q > (POSITION_W+1)'(max_bytes)) begin
                ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_MESSAGE_TOO_LARGE;
                ev_pos_d = cl_seen_q ? cl_at_q : ms_q;
              end else if (cl_seen_q && hb_q > end_q) begin
                if (stream_q) begin
                  ev_d = EV_INC;
                  inc_body_d = 1'b1;
                end else begin
                  ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_BODY_TRUNCATED; ev_pos_d = hend_q;
                end
              end else if (msg_next_q >= msg_cap) begin
                ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; ev_pos_d = ms_q;
              end
            end
          end
        end
      end

      B_END2: begin
        stall = 1'b1;
        mode_d = B_END3;
        hbo_d = 32'(hb_q - POSITION_W'(o0_q));
        if (ev_q == EV_BLANK) begin
          if (total_q > (POSITION_W+1)'(max_bytes)) begin
            ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_MESSAGE_TOO_LARGE;
            ev_pos_d = has_cl_q ? cl_at_q : ms_q;
          end else if (has_cl_q && hb_q > end_q) begin
            if (stream_q) begin
              ev_d = EV_INC;
              inc_body_d = 1'b1;
            end else begin
              ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_BODY_TRUNCATED; ev_pos_d = hend_q;
            end
          end else if (msg_next_q >= msg_cap) begin
            ev_d = EV_FAIL; ev_err_d = sip_parse_pkg::ERROR_TOO_MANY_HEADERS; ev_pos_d = ms_q;
          end
        end
      end

      B_END3: begin
        // The token at the input waits: it may already be the next segment's.
        stall = 1'b1;
        msg_data = {32'd0, 16'd0, sl_status,
                    sl_r_len, sl_r_off, sl_v_len, sl_v_off,
                    sl_res_req ? sl_uri_len : 32'd0, sl_res_req ? sl_m_len + 32'd1 : 32'd0,
                    sl_res_req ? sl_m_len : 32'd0, 32'd0,
                    8'd0, {6'd0, has_cl_q, sl_res_req}, 16'(hcount_q), first_hdr_q,
                    32'(total_q), 32'(body_q), 32'(hlen_q), 32'(ms_q - POSITION_W'(o0_q))};
        if (ev_q == EV_BLANK) begin
          // a complete message
          msg_valid = 1'b1;
          if (!stream_q) begin
            seg_valid = 1'b1;
            seg_data = {96'd0, 24'd0, 8'd0, 32'd0, hbo_q,
                        seg_cnt_q + 32'd1, seg_first_q};
          end
          if (msg_ready && (stream_q || seg_ready)) begin
            commit = 1'b1;
            sl_flush = 1'b1;
            msg_next_d = msg_next_q + 32'd1;
            seg_cnt_d = seg_cnt_q + 32'd1;
            consumed_d = hbo_q;
            cmd_valid = stream_q;   // a datagram's chunker has moved on already
            epoch_d = ~epoch_q;
            if (stream_q) begin
              cmd_jump = 1'b1;
              cmd_target = hb_q;
              mode_d = B_SEG;
            end else begin
              seg_no_d = seg_no_q + 32'd1;
              mode_d = B_IDLE;
            end
          end
        end else begin
          seg_valid = 1'b1;
          if (ev_q == EV_FAIL) begin
            seg_data = {96'd0, 24'd0, ev_err_q, 32'(ev_pos_q - POSITION_W'(o0_q)), consumed_q, seg_cnt_q, seg_first_q};
          end else begin
            // stream, incomplete: the resume point is the message's total
            // length once its header block framed it (total <= max_bytes here)
            seg_data = {64'd0, inc_body_q ? 32'(total_q) : 32'd0, 24'd0, 8'd0, 32'd0,
                        consumed_q, seg_cnt_q, seg_first_q};
          end
          if (seg_ready) begin
            commit = 1'b1;
            sl_flush = 1'b1;
            hdr_next_d = first_hdr_q;   // the failed message leaves no records
            cmd_valid = stream_q;   // a datagram's chunker has moved on already
            epoch_d = ~epoch_q;
            seg_no_d = seg_no_q + 32'd1;
            mode_d = B_IDLE;
          end
        end
      end

      B_FIN: ;
      default: mode_d = B_FIN;
    endcase

    if (run_start) begin
      mode_d = B_IDLE;
      epoch_d = 1'b0;
      seg_no_d = 32'd0;
      msg_next_d = 32'd0;
      hdr_next_d = 32'd0;
      run_end_d = 1'b0;
    end
  end

  assign run_end = run_end_q;
  assign cmd_epoch = epoch_q;

  // ------------------------------------------------------------ registers
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      mode_q <= B_FIN;
      epoch_q <= 1'b0;
      run_end_q <= 1'b0;
      scan_q <= 1'b0;
      scanned_q <= 1'b0;
    end else begin
      mode_q <= mode_d;
      epoch_q <= epoch_d;
      run_end_q <= run_end_d;
      scan_q <= scan_d;
      scanned_q <= scanned_d;
    end
    stream_q <= stream_d; o0_q <= o0_d; end_q <= end_d;
    seg_no_q <= seg_no_d; seg_first_q <= seg_first_d; seg_cnt_q <= seg_cnt_d; consumed_q <= consumed_d;
    msg_next_q <= msg_next_d; hdr_next_q <= hdr_next_d;
    ms_q <= ms_d; first_hdr_q <= first_hdr_d; hcount_q <= hcount_d; seen_q <= seen_d;
    cl_seen_q <= cl_seen_d; cl_at_q <= cl_at_d; cl_st_q <= cl_st_d; cl_acc_q <= cl_acc_d;
    sl_done_q <= sl_done_d;
    pv_q <= pv_d; p_idx_q <= p_idx_d; p_id_q <= p_id_d; p_flags_q <= p_flags_d; p_noff_q <= p_noff_d;
    p_nlen_q <= p_nlen_d; p_vset_q <= p_vset_d; p_vs_q <= p_vs_d; p_ve_q <= p_ve_d; p_empty_q <= p_empty_d;
    p_cl_q <= p_cl_d;
    ls_q <= ls_d; lcont_q <= lcont_d; lcol_q <= lcol_d; lne_v_q <= lne_v_d; lntk_v_q <= lntk_v_d;
    lbad_v_q <= lbad_v_d; lcol_u_q <= lcol_u_d; lbad_q <= lbad_d; lntkf_q <= lntkf_d;
    lnlen_q <= lnlen_d; lnbig_q <= lnbig_d; lid_q <= lid_d; llen1_q <= llen1_d; lid0_q <= lid0_d; lsg_q <= lsg_d;
    lv_set_q <= lv_set_d; lv_first_q <= lv_first_d; lv_last_q <= lv_last_d;
    lcl_q <= lcl_d;
    scan_i_q <= scan_i_d;
    // next byte of the scan: the first value byte when it starts, else the one after scan_i
    if (!scan_q) begin
      {pf_dig_q, pf_ws_q, pf_nib_q} <= (cont_l || col_before) ? c_pa_fb : c_pc_fb;
      pf_last_q <= (v_first_rel == v_last_rel);
    end else begin
      pf_dig_q <= c_digm[scan_i_q + 6'd1];
      pf_ws_q <= c_cwsm[scan_i_q + 6'd1];
      pf_nib_q <= c_bytes[(scan_i_q + 6'd1)*8 +: 4];
      pf_last_q <= (scan_i_q + 6'd1 == v_last_rel);
    end
    ev_q <= ev_d; ev_err_q <= ev_err_d; ev_pos_q <= ev_pos_d; hend_q <= hend_d;
    body_q <= body_d; total_q <= total_d; has_cl_q <= has_cl_d; inc_body_q <= inc_body_d;
    hlen_q <= hlen_d; hb_q <= hb_d; hbo_q <= hbo_d; msmax_q <= msmax_d;
    e1_q <= (mode_q == B_END1);
  end
endmodule

`default_nettype wire
