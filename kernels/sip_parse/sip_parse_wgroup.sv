// sip_parse_wgroup: gathers the records of one output array into groups of
// GROUP_BEATS beats (aligned, so a group never crosses 4 KiB) and hands each
// group to the write arbiter as one INCR burst over the beats it touched. A
// record whose index falls in another group first flushes the current one; a
// record written again (the walker rewinds after a failed message) simply
// overwrites its slot, and AXI's in-order writes keep memory right for
// rewound groups already sent.
`default_nettype none

module sip_parse_wgroup #(
  // Record size in bytes. Legal: 16, 32 or 64.
  parameter int unsigned RECORD_BYTES = 16,
  // Beats per group. Legal: 2, 4 or 8.
  parameter int unsigned GROUP_BEATS = 4
) (
  input  wire logic                    clk,
  input  wire logic                    rst_n,
  input  wire logic                    run_start,
  input  wire logic [63:0]             base_address,
  input  wire logic                    flush,             // level: send the partial group (end of run)
  input  wire logic                    record_valid,
  output logic                         record_ready,
  input  wire logic [31:0]             record_index,
  input  wire logic                    record_new_group,  // the record's group is not the previous record's
  input  wire logic [RECORD_BYTES*8-1:0] record_data,
  output logic                         idle,              // nothing gathered, nothing waiting to be sent
  // burst to the arbiter
  output logic                         burst_valid,
  output logic [63:0]                  burst_address,
  output logic [7:0]                   burst_length,      // beats - 1
  input  wire logic [2:0]              beat_select,       // beat within the burst
  output logic [511:0]                 beat_data,
  output logic [63:0]                  beat_strobes,
  input  wire logic                    burst_sent         // the burst's last beat has been sent
);

  generate
    if (RECORD_BYTES != 16 && RECORD_BYTES != 32 && RECORD_BYTES != 64) begin : g_bad_record_bytes
      $fatal(1, "sip_parse_wgroup: RECORD_BYTES must be 16, 32 or 64");
    end
    if (GROUP_BEATS != 2 && GROUP_BEATS != 4 && GROUP_BEATS != 8) begin : g_bad_group_beats
      $fatal(1, "sip_parse_wgroup: GROUP_BEATS must be 2, 4 or 8");
    end
  endgenerate

  localparam int unsigned RECORDS_PER_BEAT = 64 / RECORD_BYTES;
  localparam int unsigned SLOT_BITS = $clog2(RECORDS_PER_BEAT);  // 0 for RECORD_BYTES = 64
  localparam int unsigned GROUP_SHIFT = $clog2(GROUP_BEATS);

  // gathering buffer; a slot bit says the record there is written (its
  // RECORD_BYTES write strobes)
  logic [511:0] gather_data_q [GROUP_BEATS];
  logic [GROUP_BEATS*RECORDS_PER_BEAT-1:0] gather_slots_q, gather_slots_d;  // beat b's at [b*RECORDS_PER_BEAT +: ..]
  logic gather_valid_q, gather_valid_d;
  logic [31:0] gather_group_q, gather_group_d;              // group number
  // sending buffer
  logic [511:0] send_data_q [GROUP_BEATS];
  logic [RECORDS_PER_BEAT-1:0] send_slots_q [GROUP_BEATS];
  logic send_valid_q, send_valid_d;
  logic [31:0] send_group_q, send_group_d;
  logic [GROUP_SHIFT-1:0] send_first_q, send_first_d, send_last_q, send_last_d;  // touched beats

  logic [31:0] record_beat, record_group, record_slot;
  logic [GROUP_SHIFT-1:0] record_beat_in_group;
  assign record_beat = record_index >> SLOT_BITS;
  assign record_group = record_beat >> GROUP_SHIFT;
  assign record_beat_in_group = record_beat[GROUP_SHIFT-1:0];
  assign record_slot = (SLOT_BITS == 0) ? 32'd0 : (record_index & 32'(RECORDS_PER_BEAT - 1));

  logic move, need_move;
  // (gather_group_q is the previous record's group whenever gather_valid_q is set)
  assign need_move = gather_valid_q && ((record_valid && record_new_group) || (flush && !record_valid));
  assign move = need_move && !send_valid_q;
  assign record_ready = !(gather_valid_q && record_new_group) || !send_valid_q;
  assign idle = !gather_valid_q && !send_valid_q;

  // touched beats of the gathering buffer
  logic [GROUP_SHIFT-1:0] gather_first, gather_last;
  always_comb begin
    gather_first = '0;
    gather_last = '0;
    for (int b = GROUP_BEATS - 1; b >= 0; b--) begin
      if (gather_slots_q[b*RECORDS_PER_BEAT +: RECORDS_PER_BEAT] != '0) gather_first = GROUP_SHIFT'(b);
    end
    for (int b = 0; b < GROUP_BEATS; b++) begin
      if (gather_slots_q[b*RECORDS_PER_BEAT +: RECORDS_PER_BEAT] != '0) gather_last = GROUP_SHIFT'(b);
    end
  end

  assign burst_valid = send_valid_q;
  assign burst_address = base_address + 64'({send_group_q, send_first_q, 6'd0});
  assign burst_length = 8'(send_last_q) - 8'(send_first_q);
  assign beat_data = send_data_q[GROUP_SHIFT'(send_first_q + GROUP_SHIFT'(beat_select))];
  logic [RECORDS_PER_BEAT-1:0] beat_slots;
  assign beat_slots = send_slots_q[GROUP_SHIFT'(send_first_q + GROUP_SHIFT'(beat_select))];
  always_comb begin
    for (int i = 0; i < 64; i++) beat_strobes[i] = beat_slots[i / RECORD_BYTES];
  end

  logic unused;
  assign unused = ^beat_select;  // beat_select is wide enough for GROUP_BEATS = 8

  // Buffers are written only outside a reset, as the registers are.
  logic write_enable, gather_write, send_load;
  assign write_enable = rst_n && !run_start;
  assign gather_write = write_enable && record_valid && record_ready;
  assign send_load = write_enable && move;

  always_comb begin
    gather_slots_d = gather_slots_q;
    gather_valid_d = gather_valid_q;
    gather_group_d = gather_group_q;
    send_valid_d = send_valid_q;
    send_group_d = send_group_q;
    send_first_d = send_first_q;
    send_last_d = send_last_q;
    if (burst_sent) send_valid_d = 1'b0;
    if (move) begin
      gather_slots_d = '0;
      send_valid_d = 1'b1;
      send_group_d = gather_group_q;
      send_first_d = gather_first;
      send_last_d = gather_last;
      gather_valid_d = 1'b0;
    end
    if (record_valid && record_ready) begin
      gather_valid_d = 1'b1;
      gather_group_d = record_group;
      gather_slots_d[record_beat_in_group*RECORDS_PER_BEAT + record_slot] = 1'b1;
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      gather_valid_q <= 1'b0;
      send_valid_q <= 1'b0;
      gather_slots_q <= '0;
    end else begin
      gather_valid_q <= gather_valid_d;
      send_valid_q <= send_valid_d;
      gather_slots_q <= gather_slots_d;
      // data, held while the reset is applied
      gather_group_q <= gather_group_d;
      send_group_q <= send_group_d;
      send_first_q <= send_first_d;
      send_last_q <= send_last_d;
    end
  end

  // the buffers (no reset)
  always_ff @(posedge clk) begin
    if (gather_write) gather_data_q[record_beat_in_group][record_slot*RECORD_BYTES*8 +: RECORD_BYTES*8] <= record_data;
  end

  always_ff @(posedge clk) begin
    if (send_load) begin
      for (int b = 0; b < GROUP_BEATS; b++) begin
        send_data_q[b] <= gather_data_q[b];
        send_slots_q[b] <= gather_slots_q[b*RECORDS_PER_BEAT +: RECORDS_PER_BEAT];
      end
    end
  end

endmodule

`default_nettype wire
