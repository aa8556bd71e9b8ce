// sip_parse_chunker: walks each segment's beats and cuts them into line
// chunks for the analyzer. A chunk is a 66-byte window W[-1..64] taken at a
// position: a line start (first) or the previous chunk's position + 64 when a
// line is longer than one window. Line ends come from the beat's LF bitmask
// (a prefix-OR over the thermometer of the position), so one chunk leaves per
// cycle whatever the line length up to 64 bytes. Between messages the chunker
// stops and waits for the walker's command: jump to the next message start
// (stream) or drop the rest of the segment.
//
// Positions (stream coordinates): segment byte position + (segment offset
// mod 64), so that beat k of the segment's reads covers positions
// [64k, 64k+64).
`default_nettype none

module sip_parse_chunker #(
  // Width of a position. Legal: sip_parse_pkg::POSITION_W.
  parameter int unsigned POSITION_W = 34
) (
  input  wire logic                  clk,
  input  wire logic                  rst_n,
  input  wire logic                  run_start,             // pulse: a run begins
  input  wire logic [31:0]           segment_count,
  input  wire logic [31:0]           max_message_bytes,
  // segment descriptors, in order (ready only with valid)
  input  wire logic                  segment_valid,
  output logic                       segment_ready,
  input  wire logic [5:0]            segment_offset,        // offset of the segment in its first beat
  input  wire logic [31:0]           segment_length,
  input  wire logic                  segment_stream,
  // the segments' beats, in order (ready only with valid)
  input  wire logic                  beat_valid,
  output logic                       beat_ready,
  input  wire logic [511:0]          beat_data,
  // walker command
  input  wire logic                  command_valid,
  input  wire logic                  command_epoch,         // the epoch the walker is in; a stale command is ignored
  input  wire logic                  command_jump,          // 1: next message search from command_target; 0: segment done
  input  wire logic [POSITION_W-1:0] command_target,
  // tokens for the analyzer, sent only against a credit
  input  wire logic                  token_credit,          // the analyzer's queue has room for a token
  output logic                       token_valid,
  output logic                       token_epoch,
  output logic [2:0]                 token_kind,
  output logic [POSITION_W-1:0]      token_position,
  output logic                       token_first,           // the chunk starts a line
  output logic                       token_start_line,      // ... of the start line
  output logic [6:0]                 token_limit,           // window bytes before the limit (0..64)
  output logic [66*8-1:0]            token_window,          // W[-1] in [7:0], W[j] in [(j+1)*8 +: 8]
  output logic [63:0]                token_lf_visible,      // bit j: W[j] is an LF before the limit
  output logic                       token_stream,
  output logic [5:0]                 token_segment_offset,
  output logic [POSITION_W-1:0]      token_segment_end
);

  generate
    if (POSITION_W != sip_parse_pkg::POSITION_W) begin : g_bad_position_width
      $fatal(1, "sip_parse_chunker: POSITION_W must be sip_parse_pkg::POSITION_W");
    end
  endgenerate

  typedef enum logic [3:0] {
    S_FINISHED, S_IDLE, S_EMPTY_SEGMENT, S_FILL, S_SKIP, S_SETUP, S_SETUP2, S_RUN, S_WAIT, S_DRAIN
  } state_t;

  // ------------------------------------------------------------ registers
  state_t state_q, state_d;
  logic [31:0] segment_index_q, segment_index_d;
  logic [511:0] current_q, current_d, next_q, next_d;            // the beat at base, the one after
  logic [63:0] lf_current_q, lf_current_d, lf_next_q, lf_next_d;  // their LF and CR masks
  logic [63:0] cr_current_q, cr_current_d, cr_next_q, cr_next_d;
  logic [7:0] previous_q, previous_d;                             // the byte before base
  logic [POSITION_W-1:0] base_q, base_d;                          // position of current byte 0
  logic [27:0] beats_left_q, beats_left_d;                        // beats of the segment still in the queue
  logic [1:0] fill_q, fill_d;
  logic [POSITION_W-1:0] segment_end_q, segment_end_d;
  logic stream_q, stream_d;
  logic [5:0] segment_offset_q, segment_offset_d;
  logic [POSITION_W-1:0] target_q, target_d;                      // skip: first candidate message start
  logic [POSITION_W-1:0] message_start_q, message_start_d;
  logic [POSITION_W:0] limit_relative_q, limit_relative_d;        // limit - base (signed)
  logic [63:0] visible_current_q, visible_current_d, visible_next_q, visible_next_d;
  logic [POSITION_W:0] end_relative_q, end_relative_d;            // segment end - base (signed)
  // bytes before the segment end
  logic [63:0] end_visible_current_q, end_visible_current_d, end_visible_next_q, end_visible_next_d;
  logic [63:0] target_mask_q, target_mask_d;                      // skip: bits >= target[5:0]
  logic [63:0] thermometer_q, thermometer_d;                      // bits >= offset
  logic [5:0] offset_q, offset_d;                                 // chunk position - base
  logic first_q, first_d, start_line_q, start_line_d;
  logic pending_shift_q, pending_shift_d;                         // one more shift before the next chunk
  logic epoch_q, epoch_d;

  // the token register (loaded when there is a credit)
  logic token_valid_q, token_valid_d, token_epoch_q, token_epoch_d, token_first_q, token_first_d;
  logic token_start_line_q, token_start_line_d, token_stream_q, token_stream_d;
  logic [2:0] token_kind_q, token_kind_d;
  logic [POSITION_W-1:0] token_position_q, token_position_d, token_segment_end_q, token_segment_end_d;
  logic [6:0] token_limit_q, token_limit_d;
  logic [66*8-1:0] token_window_q, token_window_d;
  logic [63:0] token_lf_visible_q, token_lf_visible_d;
  logic [5:0] token_segment_offset_q, token_segment_offset_d;
  logic emit;  // a token leaves this cycle (when there is a credit)

  // ------------------------------------------------------------ helpers
  function automatic logic [63:0] byte_mask(input logic [511:0] beat, input logic [7:0] c);
    logic [63:0] result;
    for (int i = 0; i < 64; i++) result[i] = (beat[i*8 +: 8] == c);
    byte_mask = result;
  endfunction

  // Visible bytes of a beat whose start is `relative` - 64*k below the limit
  // (relative signed; base and beats are 64-aligned, so only relative's
  // 64-byte count is compared, with a constant).
  function automatic logic [63:0] visible_beat(input logic [POSITION_W:0] relative, input logic [1:0] k);
    logic [POSITION_W-7:0] beats;
    beats = relative[POSITION_W-1:6];
    if (relative[POSITION_W] || beats < (POSITION_W-6)'(k)) visible_beat = 64'd0;
    else if (beats == (POSITION_W-6)'(k)) visible_beat = sip_parse_pkg::below({1'b0, relative[5:0]});
    else visible_beat = {64{1'b1}};
  endfunction

  // relative / 64 < k (or relative negative); relative / 64 == k
  function automatic logic beats_below(input logic [POSITION_W:0] relative, input logic [1:0] k);
    beats_below = relative[POSITION_W] || (relative[POSITION_W-1:6] < (POSITION_W-6)'(k));
  endfunction
  function automatic logic beats_equal(input logic [POSITION_W:0] relative, input logic [1:0] k);
    beats_equal = !relative[POSITION_W] && (relative[POSITION_W-1:6] == (POSITION_W-6)'(k));
  endfunction

  // The mask of the beat after next, on a shift, from registered flags on the
  // current relative (relative / 64 < 2, == 2), kept up to date beside
  // relative itself.
  function automatic logic [63:0] visible_from_flags(input logic below2, input logic equal2,
                                                     input logic [5:0] low);
    if (below2) visible_from_flags = 64'd0;
    else if (equal2) visible_from_flags = sip_parse_pkg::below({1'b0, low});
    else visible_from_flags = {64{1'b1}};
  endfunction
  logic end_below2_q, end_below2_d, end_equal2_q, end_equal2_d;          // flags of end_relative
  logic limit_below2_q, limit_below2_d, limit_equal2_q, limit_equal2_d;  // flags of limit_relative
  // the segment end's masks and flags, registered ahead of S_FILL's last shift
  logic [63:0] segment_end_visible0_q, segment_end_visible0_d, segment_end_visible1_q, segment_end_visible1_d;
  logic segment_end_below2_q, segment_end_below2_d, segment_end_equal2_q, segment_end_equal2_d;
  always_comb begin
    segment_end_visible0_d = visible_beat({1'b0, segment_end_q}, 2'd0);
    segment_end_visible1_d = visible_beat({1'b0, segment_end_q}, 2'd1);
    segment_end_below2_d = beats_below({1'b0, segment_end_q}, 2'd2);
    segment_end_equal2_d = beats_equal({1'b0, segment_end_q}, 2'd2);
  end

  // The beat that enters `next` on a shift.
  logic [511:0] incoming_beat;
  logic can_shift;
  assign incoming_beat = (beats_left_q != 28'd0) ? beat_data : 512'd0;
  assign can_shift = (beats_left_q == 28'd0) || beat_valid;

  // Window W[-1..64] at base + offset: source byte k = {next, current,
  // previous}[k], window byte j = source[offset + j].
  logic [129*8-1:0] window_source;
  logic [66*8-1:0] window;
  assign window_source = {next_q, current_q, previous_q};
  always_comb begin
    logic [129*8-1:0] shifted1, shifted2;
    // three stages of 4:1 byte muxes (shift by offset[1:0], offset[3:2]*4, offset[5:4]*16)
    shifted1 = window_source >> (8 * offset_q[1:0]);
    shifted2 = shifted1 >> (32 * offset_q[3:2]);
    window = 528'(shifted2 >> (128 * offset_q[5:4]));
  end

  // The window's visible LFs, cut from the beats' masks the same way.
  logic [63:0] window_lf_visible;
  always_comb begin
    logic [127:0] masks, shifted1, shifted2;
    masks = {lf_next_q & visible_next_q, lf_current_q & visible_current_q};
    shifted1 = masks >> offset_q[1:0];
    shifted2 = shifted1 >> (4 * offset_q[3:2]);
    window_lf_visible = 64'(shifted2 >> (16 * offset_q[5:4]));
  end

  // LF search from the chunk: in current at >= offset, else in next below offset.
  logic [63:0] lf_in_current, lf_in_next, above_lf_current, above_lf_next, offset_one_hot;
  logic any_lf_current, any_lf_next, lf_current_last, lf_next_last;
  logic [5:0] after_lf_current, after_lf_next;  // one past the first LF (when that is not byte 63)
  logic [6:0] limit_now;
  logic limit_full, stop_now, cr_at_offset, lf_at_offset;
  assign lf_in_current = lf_current_q & visible_current_q & thermometer_q;
  assign lf_in_next = lf_next_q & visible_next_q & ~thermometer_q;
  assign any_lf_current = |lf_in_current;
  assign any_lf_next = |lf_in_next;
  assign above_lf_current = sip_parse_pkg::prefix_or(lf_in_current) << 1;  // bits above the first LF
  assign above_lf_next = sip_parse_pkg::prefix_or(lf_in_next) << 1;
  assign lf_current_last = (lf_in_current == 64'h8000_0000_0000_0000);
  assign lf_next_last = (lf_in_next == 64'h8000_0000_0000_0000);
  assign after_lf_current = sip_parse_pkg::first_index(lf_in_current << 1);
  assign after_lf_next = sip_parse_pkg::first_index(lf_in_next << 1);
  assign offset_one_hot = thermometer_q & ~(thermometer_q << 1);
  assign cr_at_offset = |(cr_current_q & offset_one_hot);
  assign lf_at_offset = |(lf_current_q & offset_one_hot);
  always_comb begin
    logic [POSITION_W+1:0] relative;
    relative = {limit_relative_q[POSITION_W], limit_relative_q} - {{(POSITION_W-4){1'b0}}, offset_q};
    if (relative[POSITION_W+1]) limit_now = 7'd0;
    else if (relative >= (POSITION_W+2)'(64)) limit_now = 7'd64;
    else limit_now = relative[6:0];
  end
  // limit_now == 64: every window byte is visible (bits >= offset of current, < offset of next)
  assign limit_full = visible_current_q[63] && (&(visible_next_q | thermometer_q));
  assign stop_now = (first_q && (cr_at_offset || lf_at_offset)) || (!any_lf_current && !any_lf_next && !limit_full);

  // message start + max_message_bytes - base = offset + max_message_bytes; its
  // visible masks from the low six bits' sum and registered flags on
  // max_message_bytes / 64 (no wide compare)
  logic [POSITION_W:0] message_limit_relative;
  logic [6:0] limit_low_q, limit_low_d;              // offset + max_message_bytes % 64, registered in S_SETUP
  // max_message_bytes / 64 == 0, == 1, == 2
  logic max_beats0_q, max_beats0_d, max_beats1_q, max_beats1_d, max_beats2_q, max_beats2_d;
  logic limit_carry;                                 // offset + max_message_bytes % 64 >= 64
  logic max_small_q, max_small_d;                    // max_message_bytes < 128
  logic limit_before_end_q, limit_before_end_d;      // message start + max_message_bytes < segment end
  logic [63:0] limit_visible0, limit_visible1;
  assign limit_low_d = {1'b0, offset_q} + {1'b0, max_message_bytes[5:0]};
  assign limit_carry = limit_low_d[6];
  assign message_limit_relative = (POSITION_W+1)'(offset_q) + (POSITION_W+1)'(max_message_bytes);
  always_comb begin
    max_beats0_d = (max_message_bytes[31:6] == 26'd0);
    max_beats1_d = (max_message_bytes[31:6] == 26'd1);
    max_beats2_d = (max_message_bytes[31:6] == 26'd2);
    max_small_d = (max_message_bytes[31:7] == 25'd0);
    // 64-byte count of message_limit_relative = max_message_bytes / 64 + carry
    if (max_beats0_q && !limit_low_q[6]) limit_visible0 = sip_parse_pkg::below({1'b0, limit_low_q[5:0]});
    else limit_visible0 = {64{1'b1}};
    if (max_beats0_q && !limit_low_q[6]) limit_visible1 = 64'd0;
    else if ((max_beats1_q && !limit_low_q[6]) || (max_beats0_q && limit_low_q[6]))
      limit_visible1 = sip_parse_pkg::below({1'b0, limit_low_q[5:0]});
    else limit_visible1 = {64{1'b1}};
  end

  // Skip: first byte at >= target that is neither CR nor LF, inside the
  // segment. (base is 64-aligned: target - base in [0, 64) is target's beat
  // being base's)
  logic [63:0] skip_mask;
  logic target_in_current, skip_found, segment_exhausted;
  logic [5:0] skip_index;
  assign target_in_current = (target_q[POSITION_W-1:6] == base_q[POSITION_W-1:6]);
  assign skip_mask = ~(lf_current_q | cr_current_q) & target_mask_q & end_visible_current_q;
  assign skip_found = target_in_current && (skip_mask != 64'd0);
  assign skip_index = sip_parse_pkg::first_index(skip_mask);
  assign segment_exhausted = end_relative_q[POSITION_W] || (end_relative_q[POSITION_W-1:6] == '0) ||
                             (end_relative_q[POSITION_W-1:0] == POSITION_W'(64));

  // ------------------------------------------------------------ next state
  always_comb begin
    logic shift, take_beat;
    state_d = state_q;
    segment_index_d = segment_index_q;
    current_d = current_q;
    next_d = next_q;
    lf_current_d = lf_current_q;
    lf_next_d = lf_next_q;
    cr_current_d = cr_current_q;
    cr_next_d = cr_next_q;
    previous_d = previous_q;
    base_d = base_q;
    beats_left_d = beats_left_q;
    fill_d = fill_q;
    segment_end_d = segment_end_q;
    stream_d = stream_q;
    segment_offset_d = segment_offset_q;
    target_d = target_q;
    message_start_d = message_start_q;
    limit_relative_d = limit_relative_q;
    end_relative_d = end_relative_q;
    end_visible_current_d = end_visible_current_q;
    end_visible_next_d = end_visible_next_q;
    target_mask_d = target_mask_q;
    limit_before_end_d = limit_before_end_q;
    end_below2_d = end_below2_q;
    end_equal2_d = end_equal2_q;
    limit_below2_d = limit_below2_q;
    limit_equal2_d = limit_equal2_q;
    visible_current_d = visible_current_q;
    visible_next_d = visible_next_q;
    thermometer_d = thermometer_q;
    offset_d = offset_q;
    first_d = first_q;
    start_line_d = start_line_q;
    pending_shift_d = pending_shift_q;
    epoch_d = epoch_q;
    segment_ready = 1'b0;
    shift = 1'b0;
    take_beat = 1'b0;
    emit = 1'b0;
    token_kind_d = sip_parse_pkg::TOKEN_CHUNK;
    token_position_d = {base_q[POSITION_W-1:6], offset_q};
    token_first_d = first_q;
    token_start_line_d = start_line_q;
    token_limit_d = limit_now;
    token_window_d = window;
    token_segment_end_d = segment_end_q;

    // A command is taken whatever the pipeline does (no token leaves then).
    if (command_valid && command_epoch == epoch_q && (state_q == S_RUN || state_q == S_WAIT)) begin
      epoch_d = ~epoch_q;
      pending_shift_d = 1'b0;
      if (command_jump) begin
        target_d = command_target;
        target_mask_d = ~sip_parse_pkg::below({1'b0, command_target[5:0]});
        state_d = S_SKIP;
      end else begin
        state_d = S_DRAIN;
      end
    end else if (token_credit) begin
      unique case (state_q)
        S_FINISHED: ;
        S_IDLE: begin
          if (segment_index_q == segment_count) begin
            emit = 1'b1;
            token_kind_d = sip_parse_pkg::TOKEN_RUN_END;
            state_d = S_FINISHED;
          end else if (segment_valid) begin
            segment_ready = 1'b1;
            segment_index_d = segment_index_q + 32'd1;
            stream_d = segment_stream;
            segment_offset_d = segment_offset;
            segment_end_d = POSITION_W'({26'd0, segment_offset}) + POSITION_W'(segment_length);
            // the reader requests no beat for an empty segment
            beats_left_d = (segment_length == 32'd0) ? 28'd0 :
                           28'((POSITION_W'({26'd0, segment_offset}) + POSITION_W'(segment_length) + POSITION_W'(63)) >> 6);
            emit = 1'b1;
            token_kind_d = sip_parse_pkg::TOKEN_SEGMENT_BEGIN;
            token_position_d = POSITION_W'({26'd0, segment_offset});
            token_segment_end_d = POSITION_W'({26'd0, segment_offset}) + POSITION_W'(segment_length);
            fill_d = 2'd0;
            target_d = POSITION_W'({26'd0, segment_offset});
            target_mask_d = ~sip_parse_pkg::below({1'b0, segment_offset});
            state_d = (segment_length == 32'd0) ? S_EMPTY_SEGMENT : S_FILL;
          end
        end
        S_EMPTY_SEGMENT: begin  // empty segment: nothing consumed
          emit = 1'b1;
          token_kind_d = sip_parse_pkg::TOKEN_SEGMENT_END;
          token_position_d = POSITION_W'({26'd0, segment_offset_q});
          state_d = S_DRAIN;
        end
        S_FILL: begin
          if (can_shift) begin
            shift = 1'b1;
            fill_d = fill_q + 2'd1;
            if (fill_q == 2'd1) begin
              base_d = '0;
              state_d = S_SKIP;
            end
          end
        end
        S_SKIP: begin
          if (!target_in_current) begin
            if (can_shift) shift = 1'b1;
          end else if (skip_found) begin
            message_start_d = {base_q[POSITION_W-1:6], skip_index};
            offset_d = skip_index;
            thermometer_d = sip_parse_pkg::prefix_or(skip_mask);  // bits >= skip_index
            state_d = S_SETUP;
          end else if (segment_exhausted) begin
            emit = 1'b1;
            token_kind_d = sip_parse_pkg::TOKEN_SEGMENT_END;
            token_position_d = segment_end_q;
            state_d = S_DRAIN;
          end else if (can_shift) begin
            shift = 1'b1;
            target_d = base_q + POSITION_W'(64);
            target_mask_d = {64{1'b1}};
          end
        end
        S_SETUP: begin
          // limit = min(message start + max_message_bytes, segment end), relative
          // to base (message start = base + offset); max_message_bytes >= 128
          // leaves both beats fully visible up to the limit, a smaller one takes
          // a second cycle (S_SETUP2) for the masks
          limit_before_end_d = (message_limit_relative < end_relative_q);
          if (limit_before_end_d) begin
            limit_relative_d = message_limit_relative;
            visible_current_d = {64{1'b1}};
            visible_next_d = {64{1'b1}};
            // message_limit_relative / 64 = max_message_bytes / 64 + carry of
            // offset + max_message_bytes % 64
            limit_below2_d = max_beats0_q || (max_beats1_q && !limit_carry);
            limit_equal2_d = (max_beats2_q && !limit_carry) || (max_beats1_q && limit_carry);
          end else begin
            limit_relative_d = end_relative_q;
            visible_current_d = end_visible_current_q;
            visible_next_d = end_visible_next_q;
            limit_below2_d = end_below2_q;
            limit_equal2_d = end_equal2_q;
          end
          emit = 1'b1;
          token_kind_d = sip_parse_pkg::TOKEN_MESSAGE_BEGIN;
          token_position_d = message_start_q;
          first_d = 1'b1;
          start_line_d = 1'b1;
          state_d = max_small_q ? S_SETUP2 : S_RUN;
        end
        S_SETUP2: begin
          if (limit_before_end_q) begin
            visible_current_d = limit_visible0;
            visible_next_d = limit_visible1;
          end
          state_d = S_RUN;
        end
        S_RUN: begin
          if (pending_shift_q) begin
            if (can_shift) begin
              shift = 1'b1;
              pending_shift_d = 1'b0;
            end
          end else if (can_shift || (any_lf_current && !lf_current_last)) begin
            // emit the chunk at base + offset
            emit = 1'b1;
            if (any_lf_current) begin
              first_d = 1'b1;
              start_line_d = 1'b0;
              if (lf_current_last) begin
                shift = 1'b1;
                thermometer_d = {64{1'b1}};
                offset_d = 6'd0;
              end else begin
                thermometer_d = above_lf_current;
                offset_d = after_lf_current;
              end
            end else if (any_lf_next) begin
              first_d = 1'b1;
              start_line_d = 1'b0;
              shift = 1'b1;
              if (lf_next_last) begin
                pending_shift_d = 1'b1;
                thermometer_d = {64{1'b1}};
                offset_d = 6'd0;
              end else begin
                thermometer_d = above_lf_next;
                offset_d = after_lf_next;
              end
            end else begin
              first_d = 1'b0;
              shift = 1'b1;
            end
            if (stop_now) begin
              if (stream_q) begin
                state_d = S_WAIT;  // the walker says where the next message starts
              end else begin
                // A datagram holds one message: whatever the walker decides,
                // the segment is done. Move on now; the walker's command for
                // this message will carry the old epoch and be ignored.
                epoch_d = ~epoch_q;
                state_d = S_DRAIN;
              end
            end
          end
        end
        S_WAIT: ;
        S_DRAIN: begin
          if (beats_left_q == 28'd0) begin
            state_d = S_IDLE;
          end else if (beat_valid) begin
            take_beat = 1'b1;
          end
        end
        default: state_d = S_FINISHED;
      endcase
    end
    if (run_start) begin
      state_d = S_IDLE;
      segment_index_d = 32'd0;
      epoch_d = 1'b0;
    end

    if (shift) begin
      previous_d = current_q[511:504];
      current_d = next_q;
      lf_current_d = lf_next_q;
      cr_current_d = cr_next_q;
      next_d = incoming_beat;
      lf_next_d = byte_mask(incoming_beat, 8'h0A);
      cr_next_d = byte_mask(incoming_beat, 8'h0D);
      base_d = base_q + POSITION_W'(64);
      end_relative_d = end_relative_q - (POSITION_W+1)'(64);
      end_visible_current_d = end_visible_next_q;
      end_visible_next_d = visible_from_flags(end_below2_q, end_equal2_q, end_relative_q[5:0]);
      end_below2_d = beats_below(end_relative_q, 2'd3);
      end_equal2_d = beats_equal(end_relative_q, 2'd3);
      if (state_q == S_FILL && fill_q == 2'd1) begin
        base_d = '0;
        end_relative_d = {1'b0, segment_end_q};
        end_visible_current_d = segment_end_visible0_q;
        end_visible_next_d = segment_end_visible1_q;
        end_below2_d = segment_end_below2_q;
        end_equal2_d = segment_end_equal2_q;
      end
      limit_relative_d = limit_relative_q - (POSITION_W+1)'(64);
      visible_current_d = visible_next_q;
      visible_next_d = visible_from_flags(limit_below2_q, limit_equal2_q, limit_relative_q[5:0]);
      limit_below2_d = beats_below(limit_relative_q, 2'd3);
      limit_equal2_d = beats_equal(limit_relative_q, 2'd3);
      if (beats_left_q != 28'd0) take_beat = 1'b1;
    end
    beat_ready = take_beat;
    if (take_beat) beats_left_d = beats_left_q - 28'd1;

    // the token register
    token_valid_d = token_credit && emit;  // the analyzer takes the token register every cycle
    token_epoch_d = epoch_q;               // a token belongs to the epoch it was cut in
    token_lf_visible_d = window_lf_visible;
    token_stream_d = stream_d;
    token_segment_offset_d = segment_offset_d;
  end

  // ------------------------------------------------------------ registers
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state_q <= S_FINISHED;
      segment_index_q <= 32'd0;
      epoch_q <= 1'b0;
      pending_shift_q <= 1'b0;
      beats_left_q <= 28'd0;
      token_valid_q <= 1'b0;
    end else begin
      state_q <= state_d;
      segment_index_q <= segment_index_d;
      epoch_q <= epoch_d;
      pending_shift_q <= pending_shift_d;
      beats_left_q <= beats_left_d;
      token_valid_q <= token_valid_d;
    end
  end

  always_ff @(posedge clk) begin
    current_q <= current_d;
    next_q <= next_d;
    lf_current_q <= lf_current_d;
    lf_next_q <= lf_next_d;
    cr_current_q <= cr_current_d;
    cr_next_q <= cr_next_d;
    previous_q <= previous_d;
    base_q <= base_d;
    fill_q <= fill_d;
    segment_end_q <= segment_end_d;
    stream_q <= stream_d;
    segment_offset_q <= segment_offset_d;
    target_q <= target_d;
    message_start_q <= message_start_d;
    limit_relative_q <= limit_relative_d;
    end_relative_q <= end_relative_d;
    end_visible_current_q <= end_visible_current_d;
    end_visible_next_q <= end_visible_next_d;
    target_mask_q <= target_mask_d;
    end_below2_q <= end_below2_d;
    end_equal2_q <= end_equal2_d;
    limit_below2_q <= limit_below2_d;
    limit_equal2_q <= limit_equal2_d;
    visible_current_q <= visible_current_d;
    visible_next_q <= visible_next_d;
    thermometer_q <= thermometer_d;
    offset_q <= offset_d;
    first_q <= first_d;
    start_line_q <= start_line_d;
    segment_end_visible0_q <= segment_end_visible0_d;
    segment_end_visible1_q <= segment_end_visible1_d;
    segment_end_below2_q <= segment_end_below2_d;
    segment_end_equal2_q <= segment_end_equal2_d;
    max_beats0_q <= max_beats0_d;
    max_beats1_q <= max_beats1_d;
    max_beats2_q <= max_beats2_d;
    max_small_q <= max_small_d;
    limit_low_q <= limit_low_d;
    limit_before_end_q <= limit_before_end_d;
  end

  always_ff @(posedge clk) begin
    if (token_credit) begin
      token_epoch_q <= token_epoch_d;
      token_kind_q <= token_kind_d;
      token_position_q <= token_position_d;
      token_first_q <= token_first_d;
      token_start_line_q <= token_start_line_d;
      token_limit_q <= token_limit_d;
      token_window_q <= token_window_d;
      token_lf_visible_q <= token_lf_visible_d;
      token_stream_q <= token_stream_d;
      token_segment_offset_q <= token_segment_offset_d;
      token_segment_end_q <= token_segment_end_d;
    end
  end

  assign token_valid = token_valid_q;
  assign token_epoch = token_epoch_q;
  assign token_kind = token_kind_q;
  assign token_position = token_position_q;
  assign token_first = token_first_q;
  assign token_start_line = token_start_line_q;
  assign token_limit = token_limit_q;
  assign token_window = token_window_q;
  assign token_lf_visible = token_lf_visible_q;
  assign token_stream = token_stream_q;
  assign token_segment_offset = token_segment_offset_q;
  assign token_segment_end = token_segment_end_q;

endmodule

`default_nettype wire
