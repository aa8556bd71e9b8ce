// sip_parse_analyzer: three pipeline stages that turn one chunk window into
// the summary the walker needs, simdjson stage-1 style, and a token queue.
// Stage 1 classifies the 64 bytes into bitmasks (CR, ':', SP/HTAB, control
// bytes, token, '\'; the visible LFs come from the chunker), takes the
// prefix-ORs "before the first LF" and "up to the first colon" and compares
// the name against the known header names; stage 2 combines them into the
// regions and reduces the masks to first/last positions (two-level 8x8
// searches); stage 3 makes the positions absolute and works out what the
// walker would otherwise compute (the name's HeaderId by a one-hot length, the
// line offset of the chunk, limit flags), so that the walker's per-chunk rules
// stay a few LUT levels deep. The stages never wait: the chunker sends a token
// only against a credit, and the queue holds what the walker has not taken.
`default_nettype none

module sip_parse_analyzer #(
    // Width of a position (a stream coordinate); must be sip_parse_pkg::POSITION_W (checked below).
    parameter int unsigned POSITION_W = 34
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire              run_start,
    input  wire              stall,        // the walker holds the summary at o_*
    output logic             in_ready,     // credit: the chunker may send a token this cycle
    // token in (from the chunker)
    input  wire              i_valid,
    input  wire              i_epoch,
    input  wire  [2:0]       i_kind,
    input  wire  [POSITION_W-1:0]    i_x,
    input  wire              i_first,
    input  wire              i_sl,
    input  wire  [6:0]       i_lim,
    input  wire  [63:0]      i_lfv,        // bit j: W[j] is an LF before the limit
    input  wire  [66*8-1:0]  i_win,
    input  wire              i_stream,
    input  wire  [5:0]       i_o0,
    input  wire  [POSITION_W-1:0]    i_end,
    // summary out (registered)
    output logic             o_valid,
    output logic             o_epoch,
    output logic [2:0]       o_kind,
    output logic [POSITION_W-1:0]    o_x,
    output logic             o_first,
    output logic             o_sl,
    output logic [511:0]     o_bytes,      // W[0..63]
    output logic             o_stream,
    output logic [5:0]       o_o0,
    output logic [POSITION_W-1:0]    o_end,
    output logic             o_c0_cr,      // W[0] is CR / LF / SP-HTAB
    output logic             o_c0_lf,
    output logic             o_c0_ws,
    output logic             o_b1_lf,      // W[1] is a visible LF
    output logic             o_cr63lf,     // W[63] CR and W[64] LF
    output logic             o_has_lf,     // a visible LF; the line ends here
    output logic [5:0]       o_lfp,
    output logic             o_cr_before,  // the byte before that LF is CR
    output logic             o_bad_f,      // first control byte (not excused) before the LF
    output logic             o_col_f,      // first ':' before the LF
    output logic [5:0]       o_col_p,
    output logic             o_lnw_f,      // last non-SP/HTAB before the colon
    output logic             o_ntk_f,      // first non-token byte before the colon
    output logic             o_ntk_loc,    // a non-token byte at or before that last non-SP/HTAB
    output logic [6:0]       o_ne_rel,     // one past the last name byte, relative to x (1..64)
    output logic [15:0]      o_loff,       // offset of x from the line start (low 16 bits)
    output logic             o_nl_big,     // loff + ne_rel > 0xFFFF
    output logic [5:0]       o_id,         // HeaderId of a name that ends in this chunk (first chunks)
    output logic             o_len1,       // that name is one byte long
    output logic             o_lim0,       // lim == 0, 1, 64
    output logic             o_lim1,
    output logic             o_lim64,
    output logic             o_pa_f,       // value bytes (not SP/HTAB/CR) before the LF
    output logic [5:0]       o_pa_first,
    output logic [5:0]       o_pa_last,
    output logic             o_pc_f,       // value bytes after the first colon
    output logic [5:0]       o_pc_first,
    output logic [5:0]       o_pc_last,
    output logic [63:0]      o_digm,       // bytes that are digits
    output logic [63:0]      o_cwsm,       // bytes that are SP, HTAB or CR
    output logic [5:0]       o_pa_fb,      // {digit, SP/HTAB/CR, low nibble} of the byte at pa_first
    output logic [5:0]       o_pc_fb,      // ... at pc_first
    // the same positions as u coordinates (x + p), so the walker adds nothing
    output logic [POSITION_W-1:0]    o_lfp_u,
    output logic [POSITION_W-1:0]    o_bad_u,
    output logic [POSITION_W-1:0]    o_col_u,
    output logic [POSITION_W-1:0]    o_pa_first_u,
    output logic [POSITION_W-1:0]    o_pa_end_u,   // pa_last + 1
    output logic [POSITION_W-1:0]    o_pc_first_u,
    output logic [POSITION_W-1:0]    o_pc_end_u,   // pc_last + 1
    output logic [POSITION_W-1:0]    o_x2_u        // x + 2
);
  initial begin
    if (POSITION_W != sip_parse_pkg::POSITION_W) $error("sip_parse_analyzer: POSITION_W must be sip_parse_pkg::POSITION_W");
  end

  // ------------------------------------------------------------ stage 1
  logic [7:0]  w [66];  // w[k] = W[k-1]
  always_comb begin
    for (int k = 0; k < 66; k++) w[k] = i_win[k*8 +: 8];
  end

  logic [63:0] cr, colon, ws, bad, tok, bsprev, crprev, nextlf;
  always_comb begin
    for (int i = 0; i < 64; i++) begin
      logic [7:0] c;
      c = w[i + 1];
      cr[i]     = (c == 8'h0D);
      colon[i]  = (c == 8'h3A);
      ws[i]     = (c == 8'h20) || (c == 8'h09);
      bad[i]    = ((c <= 8'h1F) || (c == 8'h7F)) && (c != 8'h0A) && (c != 8'h09);
      tok[i]    = sip_parse_pkg::is_token(c);
      bsprev[i] = (w[i] == 8'h5C);
      crprev[i] = (w[i] == 8'h0D);
      nextlf[i] = (w[i + 2] == 8'h0A);
    end
  end

  logic [63:0] lfv, region, esc_ok, bad_eff, col_p, vnw;
  always_comb begin
    lfv      = i_lfv;
    region   = ~sip_parse_pkg::prefix_or(lfv);
    esc_ok   = i_sl ? 64'd0 : (i_first ? {{63{1'b1}}, 1'b0} : {64{1'b1}});
    bad_eff  = bad & ~(cr & nextlf) & ~(bsprev & ~cr & esc_ok);
    // inside the region, a prefix-OR of the colons there is one of all colons
    col_p    = sip_parse_pkg::prefix_or(colon);
    vnw      = ~ws & ~cr;
  end

  logic [46:0] match;
  logic [5:0]  compact;
  sip_parse_names u_names (
      .name   (i_win[8 +: 19*8]),
      .match  (match),
      .compact(compact)
  );


  // stage-1 registers
  logic            s1_valid, s1_epoch, s1_first, s1_sl, s1_stream;
  logic [2:0]      s1_kind;
  logic [POSITION_W-1:0]   s1_x, s1_end;
  logic [6:0]      s1_lim;
  logic [5:0]      s1_o0, s1_compact;
  logic [511:0]    s1_bytes;
  logic            s1_c0_cr, s1_c0_lf, s1_c0_ws, s1_b1_lf, s1_cr63lf;
  logic [63:0]     s1_lfv, s1_crprev;
  // the classes and the two prefix-ORs, combined in stage 2
  logic [63:0]     s1_region, s1_colp, s1_colon, s1_badx, s1_ws, s1_vnw, s1_ntok;
  logic [63:0]     s1_bad, s1_col, s1_lnw, s1_ntk, s1_pa, s1_pc, s1_pre, s1_post;
  always_comb begin
    s1_pre  = s1_region & ~s1_colp;
    s1_post = s1_region & (s1_colp << 1);
    s1_bad  = s1_badx & s1_region;
    s1_col  = s1_colon & s1_region;
    s1_lnw  = ~s1_ws & s1_pre;
    s1_ntk  = s1_ntok & s1_pre;
    s1_pa   = s1_vnw & s1_region;
    s1_pc   = s1_vnw & s1_post;
  end
  logic [46:0]     s1_match;
  logic [POSITION_W-7:0]   s1_xhi1;         // x[POSITION_W-1:6] + 1
  logic [POSITION_W-7:0]   s1_loff;         // offset of x from its line start, in 64-byte units
  logic [POSITION_W-7:0]   lo_q, lo_in;     // ... of the last chunk token

  // A chunk that is not a line's first lies 64 bytes after the previous
  // chunk token (sip_parse_chunker), so the line offset follows from the
  // token stream alone.
  assign lo_in = i_first ? '0 : lo_q + (POSITION_W-6)'(1);

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      s1_valid <= 1'b0;
      lo_q <= '0;
    end else begin
      s1_valid <= i_valid;
      if (i_valid && i_kind == sip_parse_pkg::TOKEN_CHUNK) lo_q <= lo_in;
    end
    begin
      s1_epoch <= i_epoch;
      s1_kind <= i_kind;
      s1_x <= i_x;
      s1_first <= i_first;
      s1_sl <= i_sl;
      s1_lim <= i_lim;
      s1_stream <= i_stream;
      s1_o0 <= i_o0;
      s1_end <= i_end;
      s1_bytes <= i_win[8 +: 512];
      s1_c0_cr <= cr[0];
      s1_c0_lf <= (w[1] == 8'h0A);
      s1_c0_ws <= ws[0];
      s1_b1_lf <= i_lfv[1];
      s1_cr63lf <= cr[63] && nextlf[63];
      s1_crprev <= crprev;
      s1_lfv <= lfv;
      s1_region <= region;
      s1_colp <= col_p;
      s1_colon <= colon;
      s1_badx <= bad_eff;
      s1_ws <= ws;
      s1_vnw <= vnw;
      s1_ntok <= ~tok;
      s1_match <= match;
      s1_compact <= compact;
      s1_xhi1 <= i_x[POSITION_W-1:6] + (POSITION_W-6)'(1);
      s1_loff <= lo_in;
    end
  end

  // ------------------------------------------------------------ stage 2
  // x + p (+ inc) for p < 64: the carry out of the low six bits picks x_hi or x_hi + 1.
  function automatic logic [POSITION_W-1:0] absu(input logic [POSITION_W-1:0] x, input logic [POSITION_W-7:0] xhi1,
                                         input logic [5:0] p, input logic inc);
    logic [6:0] lo;
    lo = {1'b0, x[5:0]} + {1'b0, p} + {6'd0, inc};
    absu = lo[6] ? {xhi1, lo[5:0]} : {x[POSITION_W-1:6], lo[5:0]};
  endfunction

  logic [5:0] e_lfp, e_bad, e_col, e_lnw, e_paf, e_pal, e_pcf, e_pcl;

  // Name length as a one-hot vector: len_oh[L] = the last name byte is at L-1.
  logic [63:0] lnw_sfx;
  logic [19:1] len_oh;
  always_comb begin
    lnw_sfx = sip_parse_pkg::suffix_or(s1_lnw);
    for (int L = 1; L <= 19; L++) len_oh[L] = s1_lnw[L - 1] && !lnw_sfx[L];
  end
  assign e_lfp = sip_parse_pkg::first_index((s1_lfv));
  assign e_bad = sip_parse_pkg::first_index((s1_bad));
  assign e_col = sip_parse_pkg::first_index((s1_col));
  assign e_lnw = sip_parse_pkg::last_index((s1_lnw));
  assign e_paf = sip_parse_pkg::first_index((s1_pa));
  assign e_pal = sip_parse_pkg::last_index((s1_pa));
  assign e_pcf = sip_parse_pkg::first_index((s1_pc));
  assign e_pcl = sip_parse_pkg::last_index((s1_pc));

  // digits and SP/HTAB/CR, for the walker's Content-Length scan (stage 2)
  logic [63:0] digm, cwsm;
  always_comb begin
    for (int i = 0; i < 64; i++) begin
      logic [7:0] c;
      c = s1_bytes[i*8 +: 8];
      digm[i] = sip_parse_pkg::is_digit(c);
      cwsm[i] = (c == 8'h20) || (c == 8'h09) || (c == 8'h0D);
    end
  end

  // stage-2 registers: positions, flags, masks
  logic            t_valid, t_epoch, t_first, t_sl, t_stream;
  logic [2:0]      t_kind;
  logic [POSITION_W-1:0]   t_x, t_end;
  logic [5:0]      t_o0, t_compact;
  logic [511:0]    t_bytes;
  logic            t_c0_cr, t_c0_lf, t_c0_ws, t_b1_lf, t_cr63lf, t_cr_before;
  logic [46:0]     t_match;
  logic [POSITION_W-7:0]   t_xhi1;
  logic            t_has_lf, t_bad_f, t_col_f, t_lnw_f, t_ntk_f, t_nl_big, t_pa_f, t_pc_f;
  logic [63:0]     t_ntk, t_lnw_sfx;
  logic            t_lim0, t_lim1, t_lim64;
  logic [5:0]      t_e_lfp, t_e_bad, t_e_col, t_e_lnw, t_e_paf, t_e_pal, t_e_pcf, t_e_pcl;
  logic [15:0]     t_loff;
  logic [19:1]     t_len_oh;
  logic [63:0]     t_digm, t_cwsm;

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) t_valid <= 1'b0;
    else t_valid <= s1_valid;
    t_epoch <= s1_epoch;
    t_kind <= s1_kind;
    t_x <= s1_x;
    t_first <= s1_first;
    t_sl <= s1_sl;
    t_bytes <= s1_bytes;
    t_stream <= s1_stream;
    t_o0 <= s1_o0;
    t_end <= s1_end;
    t_c0_cr <= s1_c0_cr;
    t_c0_lf <= s1_c0_lf;
    t_c0_ws <= s1_c0_ws;
    t_b1_lf <= s1_b1_lf;
    t_cr63lf <= s1_cr63lf;
    t_match <= s1_match;
    t_compact <= s1_compact;
    t_xhi1 <= s1_xhi1;
    // the byte before the first visible LF is CR
    t_cr_before <= |(s1_lfv & s1_crprev & ~(sip_parse_pkg::prefix_or(s1_lfv) << 1));
    t_has_lf <= |s1_lfv;
    t_bad_f <= |s1_bad;
    t_col_f <= |s1_col;
    t_lnw_f <= |s1_lnw;
    t_ntk_f <= |s1_ntk;
    t_ntk <= s1_ntk;
    t_lnw_sfx <= lnw_sfx;
    t_pa_f <= |s1_pa;
    t_pc_f <= |s1_pc;
    t_loff <= {s1_loff[9:0], 6'd0};
    t_nl_big <= (|s1_loff[POSITION_W-7:10]) || (&s1_loff[9:0] && s1_lnw[63]);
    t_len_oh <= len_oh;
    t_lim0 <= (s1_lim == 7'd0);
    t_lim1 <= (s1_lim == 7'd1);
    t_lim64 <= (s1_lim == 7'd64);
    t_e_lfp <= e_lfp;
    t_e_bad <= e_bad;
    t_e_col <= e_col;
    t_e_lnw <= e_lnw;
    t_e_paf <= e_paf;
    t_e_pal <= e_pal;
    t_e_pcf <= e_pcf;
    t_e_pcl <= e_pcl;
    t_digm <= digm;
    t_cwsm <= cwsm;
  end

  // ------------------------------------------------------------ stage 3
  // absolute positions, the name's HeaderId
  // the summary of the token in stage 3
  logic  n_epoch;
  logic [2:0] n_kind;
  logic [POSITION_W-1:0] n_x;
  logic  n_first;
  logic  n_sl;
  logic [511:0] n_bytes;
  logic  n_stream;
  logic [5:0] n_o0;
  logic [POSITION_W-1:0] n_end;
  logic  n_c0_cr;
  logic  n_c0_lf;
  logic  n_c0_ws;
  logic  n_b1_lf;
  logic  n_cr63lf;
  logic  n_cr_before;
  logic  n_has_lf;
  logic [5:0] n_lfp;
  logic [POSITION_W-1:0] n_lfp_u;
  logic  n_bad_f;
  logic [POSITION_W-1:0] n_bad_u;
  logic  n_col_f;
  logic [5:0] n_col_p;
  logic [POSITION_W-1:0] n_col_u;
  logic  n_lnw_f;
  logic  n_ntk_f;
  logic  n_ntk_loc;
  logic [6:0] n_ne_rel;
  logic [15:0] n_loff;
  logic  n_nl_big;
  logic [5:0] n_id;
  logic  n_len1;
  logic  n_lim0;
  logic  n_lim1;
  logic  n_lim64;
  logic  n_pa_f;
  logic [5:0] n_pa_first;
  logic [POSITION_W-1:0] n_pa_first_u;
  logic [5:0] n_pa_last;
  logic [POSITION_W-1:0] n_pa_end_u;
  logic  n_pc_f;
  logic [5:0] n_pc_first;
  logic [POSITION_W-1:0] n_pc_first_u;
  logic [5:0] n_pc_last;
  logic [POSITION_W-1:0] n_pc_end_u;
  logic [POSITION_W-1:0] n_x2_u;
  logic [63:0] n_digm;
  logic [63:0] n_cwsm;
  logic [5:0] n_pa_fb;
  logic [5:0] n_pc_fb;
  always_comb begin
    n_epoch = t_epoch;
    n_kind = t_kind;
    n_x = t_x;
    n_first = t_first;
    n_sl = t_sl;
    n_bytes = t_bytes;
    n_stream = t_stream;
    n_o0 = t_o0;
    n_end = t_end;
    n_c0_cr = t_c0_cr;
    n_c0_lf = t_c0_lf;
    n_c0_ws = t_c0_ws;
    n_b1_lf = t_b1_lf;
    n_cr63lf = t_cr63lf;
    n_cr_before = t_cr_before;
    n_has_lf = t_has_lf;
    n_lfp = t_e_lfp;
    n_lfp_u = absu(t_x, t_xhi1, t_e_lfp, 1'b0);
    n_bad_f = t_bad_f;
    n_bad_u = absu(t_x, t_xhi1, t_e_bad, 1'b0);
    n_col_f = t_col_f;
    n_col_p = t_e_col;
    n_col_u = absu(t_x, t_xhi1, t_e_col, 1'b0);
    n_lnw_f = t_lnw_f;
    n_ntk_f = t_ntk_f;
    n_ntk_loc = |(t_ntk & t_lnw_sfx);
    n_ne_rel = {1'b0, t_e_lnw} + 7'd1;
    n_loff = t_loff;
    n_nl_big = t_nl_big;
    n_id = sip_parse_names_pkg::header_id(t_match, t_compact, t_len_oh);
    n_len1 = t_len_oh[1];
    n_lim0 = t_lim0;
    n_lim1 = t_lim1;
    n_lim64 = t_lim64;
    n_pa_f = t_pa_f;
    n_pa_first = t_e_paf;
    n_pa_first_u = absu(t_x, t_xhi1, t_e_paf, 1'b0);
    n_pa_last = t_e_pal;
    n_pa_end_u = absu(t_x, t_xhi1, t_e_pal, 1'b1);
    n_pc_f = t_pc_f;
    n_pc_first = t_e_pcf;
    n_pc_first_u = absu(t_x, t_xhi1, t_e_pcf, 1'b0);
    n_pc_last = t_e_pcl;
    n_pc_end_u = absu(t_x, t_xhi1, t_e_pcl, 1'b1);
    n_x2_u = absu(t_x, t_xhi1, 6'd2, 1'b0);
    n_digm = t_digm;
    n_cwsm = t_cwsm;
    n_pa_fb = {t_digm[t_e_paf], t_cwsm[t_e_paf], t_bytes[t_e_paf*8 +: 4]};
    n_pc_fb = {t_digm[t_e_pcf], t_cwsm[t_e_pcf], t_bytes[t_e_pcf*8 +: 4]};
  end

  // ------------------------------------------------------------ token queue
  // Stages 1 to 3 never wait: every token goes to the queue (QD entries,
  // distributed RAM), and the head register o_* takes the oldest one, straight
  // from stage 3 when the queue holds nothing older (no added latency). The
  // chunker sends a token only when the tokens counted beyond it fit the
  // queue (credits), so the walker's hold reaches no further than the head.
  localparam int unsigned QW = 1 + (2)-(0)+1 + (POSITION_W-1)-(0)+1 + 1 + 1 + (511)-(0)+1 + 1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + 1 + (POSITION_W-1)-(0)+1 + 1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + 1 + 1 + 1 + (6)-(0)+1 + (15)-(0)+1 + 1 + (5)-(0)+1 + 1 + 1 + 1 + 1 + 1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + 1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + (5)-(0)+1 + (POSITION_W-1)-(0)+1 + (POSITION_W-1)-(0)+1 + (63)-(0)+1 + (63)-(0)+1 + 6 + 6;
  localparam int unsigned QD = 16;
  localparam int unsigned QA = $clog2(QD);
  logic [QW-1:0] s2_d, q_mem [QD], o_pack;
  logic [QA:0]   wp_q, rp_q;
  logic [QA:0]   cnt_q;      // tokens taken from the chunker and not yet popped (pops a cycle late)
  logic          pop, pop_q, q_any, load;
  assign s2_d  = {n_epoch, n_kind, n_x, n_first, n_sl, n_bytes, n_stream, n_o0, n_end, n_c0_cr, n_c0_lf, n_c0_ws, n_b1_lf, n_cr63lf, n_cr_before, n_has_lf, n_lfp, n_lfp_u, n_bad_f, n_bad_u, n_col_f, n_col_p, n_col_u, n_lnw_f, n_ntk_f, n_ntk_loc, n_ne_rel, n_loff, n_nl_big, n_id, n_len1, n_lim0, n_lim1, n_lim64, n_pa_f, n_pa_first, n_pa_first_u, n_pa_last, n_pa_end_u, n_pc_f, n_pc_first, n_pc_first_u, n_pc_last, n_pc_end_u, n_x2_u, n_digm, n_cwsm, n_pa_fb, n_pc_fb};
  assign {o_epoch, o_kind, o_x, o_first, o_sl, o_bytes, o_stream, o_o0, o_end, o_c0_cr, o_c0_lf, o_c0_ws, o_b1_lf, o_cr63lf, o_cr_before, o_has_lf, o_lfp, o_lfp_u, o_bad_f, o_bad_u, o_col_f, o_col_p, o_col_u, o_lnw_f, o_ntk_f, o_ntk_loc, o_ne_rel, o_loff, o_nl_big, o_id, o_len1, o_lim0, o_lim1, o_lim64, o_pa_f, o_pa_first, o_pa_first_u, o_pa_last, o_pa_end_u, o_pc_f, o_pc_first, o_pc_first_u, o_pc_last, o_pc_end_u, o_x2_u, o_digm, o_cwsm, o_pa_fb, o_pc_fb} = o_pack;
  assign q_any = (wp_q != rp_q);
  assign pop   = o_valid && !stall;
  assign load  = !o_valid || pop;
  // room for the token in the chunker's register and one more
  assign in_ready = i_valid ? (cnt_q < (QA+1)'(QD - 1)) : (cnt_q < (QA+1)'(QD));

  always_ff @(posedge clk) begin
    if (t_valid) q_mem[wp_q[QA-1:0]] <= s2_d;
    if (load) o_pack <= q_any ? q_mem[rp_q[QA-1:0]] : s2_d;
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      o_valid <= 1'b0;
      wp_q <= '0;
      rp_q <= '0;
      cnt_q <= '0;
      pop_q <= 1'b0;
    end else begin
      if (t_valid) wp_q <= wp_q + (QA+1)'(1);
      if (load) begin
        o_valid <= q_any || t_valid;
        if (q_any || t_valid) rp_q <= rp_q + (QA+1)'(1);
      end
      pop_q <= pop;
      cnt_q <= cnt_q + (QA+1)'(i_valid) - (QA+1)'(pop_q);
    end
  end
endmodule

`default_nettype wire
