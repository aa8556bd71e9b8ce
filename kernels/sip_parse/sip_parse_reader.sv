// sip_parse_reader: the read side of m_axi_gmem. It fetches the segment
// descriptors (one beat = four descriptors) and, running ahead of the parser,
// the beats of every segment's bytes (INCR bursts of at most 64 beats that
// never cross 4 KiB). Every request is covered by space reserved in the
// queue it fills, so the R channel never waits; responses arrive in request
// order (one ID) and a small tag FIFO says which queue a burst belongs to.
`default_nettype none

module sip_parse_reader #(
  // Data-beat queue depth (beats); it bounds the bytes in flight, which must
  // cover the memory latency. Legal: a power of two, 64..1024.
  parameter int unsigned DATA_DEPTH = 128,
  // Descriptor-beat queue depth (beats of four descriptors). Legal: a power
  // of two, 2..16.
  parameter int unsigned DESCRIPTOR_DEPTH = 4
) (
  input  wire logic         clk,
  input  wire logic         rst_n,
  input  wire logic         run_start,
  input  wire logic         running,           // requests only while a run is in progress
  input  wire logic [63:0]  bytes_address,
  input  wire logic [63:0]  segments_address,
  input  wire logic [31:0]  segment_count,
  // m_axi_gmem read channels
  output logic              arvalid,
  input  wire logic         arready,
  output logic [63:0]       araddr,
  output logic [7:0]        arlen,
  input  wire logic         rvalid,
  output logic              rready,
  input  wire logic [511:0] rdata,
  input  wire logic         rlast,
  // segment descriptors for the chunker (it raises ready only with valid)
  output logic              segment_valid,
  input  wire logic         segment_ready,
  output logic [5:0]        segment_offset,    // offset of the segment in its first beat
  output logic [31:0]       segment_length,
  output logic              segment_stream,
  // the segments' beats for the chunker (it raises ready only with valid)
  output logic              beat_valid,
  input  wire logic         beat_ready,
  output logic [511:0]      beat_data
);

  generate
    if (DATA_DEPTH < 64 || DATA_DEPTH > 1024 || (DATA_DEPTH & (DATA_DEPTH - 1)) != 0) begin : g_bad_data_depth
      $fatal(1, "sip_parse_reader: DATA_DEPTH must be a power of two in 64..1024");
    end
    if (DESCRIPTOR_DEPTH < 2 || DESCRIPTOR_DEPTH > 16 ||
        (DESCRIPTOR_DEPTH & (DESCRIPTOR_DEPTH - 1)) != 0) begin : g_bad_descriptor_depth
      $fatal(1, "sip_parse_reader: DESCRIPTOR_DEPTH must be a power of two in 2..16");
    end
  endgenerate

  localparam int unsigned DATA_COUNT_W = $clog2(DATA_DEPTH);
  localparam int unsigned DESCRIPTOR_COUNT_W = $clog2(DESCRIPTOR_DEPTH);

  // ---------------------------------------------------------------- queues
  logic data_in_ready, descriptor_in_ready, descriptor_out_valid, descriptor_out_ready;
  logic tag_in_ready, tag_out_valid, tag_head;
  logic [511:0] descriptor_head;
  logic [DATA_COUNT_W:0] data_count;
  logic [DESCRIPTOR_COUNT_W:0] descriptor_count;
  logic [4:0] tag_count;
  logic beat_is_descriptor;
  logic segment_in_ready, segment_in_valid;
  logic [38:0] segment_in_data, segment_head;
  logic [3:0] segment_queue_count;
  logic tag_in_valid, tag_in_data;

  assign beat_is_descriptor = tag_head;
  assign rready = 1'b1;

  sync_fifo #(
    .WIDTH          (512),
    .DEPTH          (DATA_DEPTH),
    .REGISTERED_READ(1)
  ) u_data (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (rvalid && tag_out_valid && !beat_is_descriptor),
    .in_ready (data_in_ready),
    .in_data  (rdata),
    .out_valid(beat_valid),
    .out_ready(beat_ready),
    .out_data (beat_data),
    .count    (data_count)
  );

  sync_fifo #(
    .WIDTH          (512),
    .DEPTH          (DESCRIPTOR_DEPTH),
    .REGISTERED_READ(1)
  ) u_descriptor (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (rvalid && tag_out_valid && beat_is_descriptor),
    .in_ready (descriptor_in_ready),
    .in_data  (rdata),
    .out_valid(descriptor_out_valid),
    .out_ready(descriptor_out_ready),
    .out_data (descriptor_head),
    .count    (descriptor_count)
  );

  // one tag per outstanding burst: 1 = descriptor beat
  sync_fifo #(
    .WIDTH          (1),
    .DEPTH          (16),
    .REGISTERED_READ(1)
  ) u_tag (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (tag_in_valid),
    .in_ready (tag_in_ready),
    .in_data  (tag_in_data),
    .out_valid(tag_out_valid),
    .out_ready(rvalid && rlast),
    .out_data (tag_head),
    .count    (tag_count)
  );

  // descriptors for the chunker: {stream, offset, length}
  sync_fifo #(
    .WIDTH          (39),
    .DEPTH          (8),
    .REGISTERED_READ(1)
  ) u_segment (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (run_start),
    .in_valid (segment_in_valid),
    .in_ready (segment_in_ready),
    .in_data  (segment_in_data),
    .out_valid(segment_valid),
    .out_ready(segment_ready),
    .out_data (segment_head),
    .count    (segment_queue_count)
  );
  assign segment_stream = segment_head[38];
  assign segment_offset = segment_head[37:32];
  assign segment_length = segment_head[31:0];

  // ---------------------------------------------------------------- request side
  logic [31:0] descriptor_requested_q, descriptor_requested_d;  // descriptor beats requested
  // descriptor beats requested, not yet in the queue
  logic [DESCRIPTOR_COUNT_W:0] descriptor_pending_q, descriptor_pending_d;
  // data beats requested and not yet taken by the chunker
  logic [DATA_COUNT_W+1:0] reserved_q, reserved_d;
  logic [31:0] descriptors_taken_q, descriptors_taken_d;
  logic [1:0] slot_q, slot_d;                        // descriptor within the head beat
  logic active_q, active_d;                          // a segment's bursts are being issued
  logic [63:0] address_q, address_d;                 // next beat address
  logic [27:0] remaining_q, remaining_d;             // beats still to request
  // (segment_count + 3) / 4, registered (segment_count is set before the run)
  logic [31:0] descriptor_beats_q, descriptor_beats_d;
  // A descriptor is taken into prepare_*; the cycle after, its beat count is
  // worked out (active); a burst length is worked out in the cycle after
  // every change of address/remaining (burst_length_valid). Requests wait for
  // space_ok, a cycle-old "room for a full burst" (beats taken counted a
  // cycle late): every step reads registers only.
  logic prepare_q, prepare_d;
  logic [63:0] prepare_address_q, prepare_address_d;
  logic [31:0] prepare_length_q, prepare_length_d;
  logic [6:0] burst_length_q, burst_length_d;
  logic burst_length_valid_q, burst_length_valid_d, space_ok_q, space_ok_d, beat_taken_q, beat_taken_d;
  logic descriptors_left_q, descriptors_left_d;      // descriptors_taken != segment_count
  logic descriptor_last_q, descriptor_last_d;        // descriptors_taken + 1 == segment_count

  logic [127:0] descriptor;
  logic [63:0] descriptor_address;
  assign descriptor = descriptor_head[slot_q*128 +: 128];
  assign descriptor_address = bytes_address + descriptor[63:0];

  logic [6:0] beats_to_4k;
  assign beats_to_4k = 7'd64 - {1'b0, address_q[11:6]};

  always_comb begin
    arvalid = 1'b0;
    araddr = address_q;
    arlen = 8'(burst_length_q - 7'd1);
    tag_in_valid = 1'b0;
    tag_in_data = 1'b0;
    if (!running) begin
      // no requests between runs
    end else if (active_q && burst_length_valid_q && remaining_q != 28'd0 && tag_in_ready && space_ok_q) begin
      arvalid = 1'b1;
      tag_in_valid = arready;
    end else if (descriptor_requested_q != descriptor_beats_q && tag_in_ready &&
                 32'(descriptor_pending_q) + 32'(descriptor_count) < 32'(DESCRIPTOR_DEPTH)) begin
      arvalid = 1'b1;
      araddr = segments_address + {32'd0, descriptor_requested_q[25:0], 6'd0};
      arlen = 8'd0;
      tag_in_data = 1'b1;
      tag_in_valid = arready;
    end
  end

  logic take_descriptor;
  assign take_descriptor = running && !active_q && !prepare_q && descriptor_out_valid && descriptors_left_q &&
                           segment_in_ready;
  assign segment_in_valid = take_descriptor;
  assign segment_in_data = {descriptor[96], descriptor_address[5:0], descriptor[95:64]};
  assign descriptor_out_ready = take_descriptor && (slot_q == 2'd3 || descriptor_last_q);

  always_comb begin
    descriptor_beats_d = (segment_count + 32'd3) >> 2;

    // descriptor beats in flight
    descriptor_requested_d = descriptor_requested_q;
    if (arvalid && arready && tag_in_data) descriptor_requested_d = descriptor_requested_q + 32'd1;
    descriptor_pending_d = descriptor_pending_q + (DESCRIPTOR_COUNT_W+1)'(arvalid && arready && tag_in_data)
                           - (DESCRIPTOR_COUNT_W+1)'(rvalid && tag_out_valid && beat_is_descriptor);
    beat_taken_d = beat_ready;
    reserved_d = reserved_q + ((arvalid && arready && !tag_in_data) ? (DATA_COUNT_W+2)'(burst_length_q) : '0)
                 - (DATA_COUNT_W+2)'(beat_taken_q);
    space_ok_d = (32'(reserved_q) + 32'd64 <= 32'(DATA_DEPTH));
    descriptors_left_d = (descriptors_taken_q != segment_count);
    descriptor_last_d = (descriptors_taken_q + 32'd1 == segment_count);
    // burst length from registers, the cycle after address/remaining settle
    burst_length_d = (remaining_q < 28'(beats_to_4k)) ? remaining_q[6:0] : beats_to_4k;
    burst_length_valid_d = active_q;
    address_d = address_q;
    remaining_d = remaining_q;
    if (arvalid && arready && !tag_in_data) begin
      address_d = address_q + {51'd0, burst_length_q, 6'd0};
      remaining_d = remaining_q - 28'(burst_length_q);
      burst_length_valid_d = 1'b0;
    end
    active_d = active_q;
    if (active_q && remaining_q == 28'd0) active_d = 1'b0;
    descriptors_taken_d = descriptors_taken_q;
    slot_d = slot_q;
    prepare_d = prepare_q;
    prepare_address_d = prepare_address_q;
    prepare_length_d = prepare_length_q;
    if (take_descriptor) begin
      descriptors_taken_d = descriptors_taken_q + 32'd1;
      slot_d = descriptor_out_ready ? 2'd0 : slot_q + 2'd1;
      prepare_d = 1'b1;
      prepare_address_d = descriptor_address;
      prepare_length_d = descriptor[95:64];
      descriptors_left_d = 1'b0;  // recomputed next cycle; prepare blocks a take meanwhile
    end
    if (prepare_q) begin
      prepare_d = 1'b0;
      active_d = 1'b1;
      burst_length_valid_d = 1'b0;
      address_d = {prepare_address_q[63:6], 6'd0};
      remaining_d = (prepare_length_q == 32'd0) ? 28'd0 :
                    28'(({28'd0, prepare_address_q[5:0]} + {2'd0, prepare_length_q} + 34'd63) >> 6);
    end
  end

  always_ff @(posedge clk) begin
    descriptor_beats_q <= descriptor_beats_d;
  end

  always_ff @(posedge clk) begin
    if (!rst_n || run_start) begin
      descriptor_requested_q <= 32'd0;
      descriptor_pending_q <= '0;
      reserved_q <= '0;
      descriptors_taken_q <= 32'd0;
      prepare_q <= 1'b0;
      burst_length_valid_q <= 1'b0;
      space_ok_q <= 1'b0;
      beat_taken_q <= 1'b0;
      descriptors_left_q <= 1'b0;
      descriptor_last_q <= 1'b0;
      slot_q <= 2'd0;
      active_q <= 1'b0;
      remaining_q <= 28'd0;
      address_q <= 64'd0;
    end else begin
      descriptor_requested_q <= descriptor_requested_d;
      descriptor_pending_q <= descriptor_pending_d;
      reserved_q <= reserved_d;
      descriptors_taken_q <= descriptors_taken_d;
      prepare_q <= prepare_d;
      burst_length_valid_q <= burst_length_valid_d;
      space_ok_q <= space_ok_d;
      beat_taken_q <= beat_taken_d;
      descriptors_left_q <= descriptors_left_d;
      descriptor_last_q <= descriptor_last_d;
      slot_q <= slot_d;
      active_q <= active_d;
      remaining_q <= remaining_d;
      address_q <= address_d;
      // data registers, held while the reset is applied
      prepare_address_q <= prepare_address_d;
      prepare_length_q <= prepare_length_d;
      burst_length_q <= burst_length_d;
    end
  end

  // unused: fill levels beyond what the credits need
  logic unused;
  assign unused = ^{data_in_ready, descriptor_in_ready, data_count, tag_count, descriptor[127:97],
                    segment_queue_count, rlast};

endmodule

`default_nettype wire
