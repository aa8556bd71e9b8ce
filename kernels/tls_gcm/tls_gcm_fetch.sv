// tls_gcm_fetch: reads the batch's job descriptors and each job's key-table
// entry from device memory, ahead of the datapath, and checks every job the
// way CpuGcmEngine::run_one does, in the same order:
//   key_slot >= key_slots, or the entry's key_bytes not 16/32 -> BAD_KEY_SLOT
//   op not 0/1, aad_bytes > 13, offset + length > payload_bytes -> BAD_JOB
//
// Three decoupled steps, each with its own outstanding reads:
//   descriptors: bursts of up to 16 jobs (never across 1 KiB, so never
//     across 4 KiB) into a FIFO, while it has room for the whole burst;
//   keys: one single-beat read per job whose slot is in range, into a FIFO;
//     jobs wait in a pending FIFO meanwhile (keys are not cached: a read is
//     one beat per job, prefetched, and the key schedule is computed in the
//     AES pipeline itself, so there is no expanded key to keep);
//   check: pairs a pending job with its key and emits a job_t.
//
// Memory formats (host/offload/gcm_engine.h, little-endian):
//   GcmJob (64 B): key_slot [31:0], offset [63:32], length [95:64],
//     op [103:96], aad_bytes [111:104], nonce bytes 16..27 [223:128],
//     aad bytes 32..47 [383:256], tag bytes 48..63 [511:384]
//   GcmKey (64 B): key bytes 0..31 [255:0], key_bytes [263:256]
`default_nettype none

module tls_gcm_fetch #(
  // Descriptor FIFO entries (prefetched jobs). Legal: a power of two, 16..256.
  parameter int unsigned DESC_DEPTH = 32,
  // Key reads in flight or waiting. Legal: a power of two, 2..64.
  parameter int unsigned KEY_DEPTH = 16
) (
  input  wire logic                            clk,
  input  wire logic                            rst_n,
  input  wire logic                            run_start,
  input  wire logic [63:0]                     keys,
  input  wire logic [63:0]                     jobs,
  input  wire logic [31:0]                     job_count,
  input  wire logic [31:0]                     key_slots,
  input  wire logic [31:0]                     payload_bytes,
  // descriptor reads
  output logic                                 descriptor_request_valid,
  input  wire logic                            descriptor_request_ready,
  output logic [63:0]                          descriptor_request_address,
  output logic [7:0]                           descriptor_request_length,
  input  wire logic                            descriptor_beat_valid,
  // key reads
  output logic                                 key_request_valid,
  input  wire logic                            key_request_ready,
  output logic [63:0]                          key_request_address,
  output logic [7:0]                           key_request_length,
  input  wire logic                            key_beat_valid,
  input  wire logic [511:0]                    beat_data,
  // checked jobs
  output logic                                 job_valid,
  input  wire logic                            job_ready,
  output logic [tls_gcm_pkg::JOB_W-1:0]        job
);

  generate
    if (DESC_DEPTH < 16 || DESC_DEPTH > 256 || (DESC_DEPTH & (DESC_DEPTH - 1)) != 0) begin : g_bad_descriptor
      $fatal(1, "tls_gcm_fetch: DESC_DEPTH must be a power of two in 16..256");
    end
    if (KEY_DEPTH < 2 || KEY_DEPTH > 64 || (KEY_DEPTH & (KEY_DEPTH - 1)) != 0) begin : g_bad_key
      $fatal(1, "tls_gcm_fetch: KEY_DEPTH must be a power of two in 2..64");
    end
  endgenerate

  localparam int unsigned DW = $clog2(DESC_DEPTH);
  localparam int unsigned KW = $clog2(KEY_DEPTH);
  // Pending job: the descriptor fields the check needs, and whether a key
  // read was issued for it.
  localparam int unsigned PEND_W = 1 + 32 + 32 + 8 + 8 + 96 + 128 + 128;
  localparam int unsigned KEYE_W = 256 + 8;

  // ---- descriptors ------------------------------------------------------------
  logic [31:0] next_job_q, next_job_d;
  logic [DW:0] descriptor_reserved_q, descriptor_reserved_d;
  logic [4:0] burst_beats, burst_q;
  logic fits_q, fits_d;
  logic [1:0] settle_q, settle_d;
  logic descriptor_out_valid, descriptor_out_ready, descriptor_in_ready;
  logic [511:0] descriptor_head;
  logic unused_descriptor_reserved;  // GcmJob reserved0 and reserved1
  assign unused_descriptor_reserved = ^{descriptor_head[255:224], descriptor_head[127:112]};
  logic [DW:0] descriptor_count;

  // The request sits in a register until the reader takes it, so that the
  // reader's arbitration never depends on this stage's arithmetic. Credits
  // and the job counter move when a request is loaded into the register.
  logic data_request_valid_q, data_request_valid_d, data_request_load;
  logic [63:0] data_request_address_q, data_request_address_d;
  logic [7:0] data_request_length_q, data_request_length_d;
  logic [31:0] remaining_q, remaining_d;

  always_comb begin
    // Up to 16 jobs, not crossing a 1 KiB boundary (jobs is 4 KiB aligned).
    burst_beats = 5'd16 - {1'b0, next_job_q[3:0]};
    if (remaining_q[31:4] == 28'h0 && remaining_q[4:0] < burst_beats) burst_beats = remaining_q[4:0];
    // The burst and the room for it are registered over two cycles after
    // every change (a request at most every third cycle).
    fits_d = burst_q != 5'h0 &&
             ({1'b0, descriptor_reserved_q} + {{(DW - 4){1'b0}}, burst_q}) <= (DW + 2)'(DESC_DEPTH);
    data_request_load = settle_q == 2'd0 && fits_q && !data_request_valid_q;
    descriptor_request_valid = data_request_valid_q;
    descriptor_request_address = data_request_address_q;
    descriptor_request_length = data_request_length_q;
  end

  always_comb begin
    next_job_d = next_job_q;
    remaining_d = remaining_q;
    descriptor_reserved_d = descriptor_reserved_q;
    data_request_valid_d = data_request_valid_q && !descriptor_request_ready;
    data_request_address_d = data_request_address_q;
    data_request_length_d = data_request_length_q;
    settle_d = settle_q == 2'd0 ? 2'd0 : settle_q - 2'd1;
    if (data_request_load || run_start) settle_d = 2'd2;
    if (data_request_load) begin
      data_request_valid_d = 1'b1;
      data_request_address_d = jobs + {26'h0, next_job_q, 6'h00};
      data_request_length_d = {3'h0, burst_q - 5'd1};
      next_job_d = next_job_q + {27'h0, burst_q};
      remaining_d = remaining_q - {27'h0, burst_q};
      descriptor_reserved_d = descriptor_reserved_d + {{(DW - 4){1'b0}}, burst_q};
    end
    if (descriptor_out_valid && descriptor_out_ready) descriptor_reserved_d = descriptor_reserved_d - 1'b1;
    if (run_start) begin
      next_job_d = 32'h0;
      remaining_d = job_count;
      descriptor_reserved_d = '0;
    end
  end

  sync_fifo #(
    .WIDTH(512),
    .DEPTH(DESC_DEPTH)
  ) u_descriptor (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (descriptor_beat_valid),
    .in_ready (descriptor_in_ready),
    .in_data  (beat_data),
    .out_valid(descriptor_out_valid),
    .out_ready(descriptor_out_ready),
    .out_data (descriptor_head),
    .count    (descriptor_count)
  );

  // ---- keys -------------------------------------------------------------------
  logic [31:0] slot;
  logic slot_in_range, pending_in_ready, pending_push;
  logic [KW:0] key_reserved_q, key_reserved_d;
  logic [PEND_W-1:0] pending_in, pending_head;
  logic pending_out_valid, pending_out_ready;
  logic [$clog2(16):0] pending_count;
  logic key_out_valid, key_out_ready, key_in_ready;
  logic [KEYE_W-1:0] key_head;
  logic [KW:0] key_count;

  // Key requests also wait in a register for the reader. A descriptor moves
  // on to the pending FIFO when the register can take its key request (or
  // its slot is out of range and it needs none).
  logic key_request_valid_q, key_request_valid_d, key_request_free;
  logic [63:0] key_request_address_q, key_request_address_d;

  always_comb begin
    slot = descriptor_head[31:0];
    slot_in_range = slot < key_slots;
    // Only an empty request register takes a key request (not one being
    // taken this cycle: the reader's arbitration stays off this path).
    key_request_free = !key_request_valid_q;
    pending_push = descriptor_out_valid && pending_in_ready &&
                (!slot_in_range || (key_request_free && key_reserved_q != (KW + 1)'(KEY_DEPTH)));
    key_request_valid = key_request_valid_q;
    key_request_address = key_request_address_q;
    key_request_length = 8'h00;
  end

  always_comb begin
    descriptor_out_ready = pending_push;
    pending_in = {slot_in_range, descriptor_head[63:32], descriptor_head[95:64], descriptor_head[103:96], descriptor_head[111:104],
               descriptor_head[223:128], descriptor_head[383:256], descriptor_head[511:384]};
    key_request_valid_d = key_request_valid_q && !key_request_ready;
    key_request_address_d = key_request_address_q;
    key_reserved_d = key_reserved_q;
    if (pending_push && slot_in_range) begin
      key_request_valid_d = 1'b1;
      key_request_address_d = keys + {26'h0, slot, 6'h00};
      key_reserved_d = key_reserved_d + 1'b1;
    end
    if (key_out_valid && key_out_ready) key_reserved_d = key_reserved_d - 1'b1;
    if (run_start) key_reserved_d = '0;
  end

  sync_fifo #(
    .WIDTH(PEND_W),
    .DEPTH(16)
  ) u_pending (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (pending_push),
    .in_ready (pending_in_ready),
    .in_data  (pending_in),
    .out_valid(pending_out_valid),
    .out_ready(pending_out_ready),
    .out_data (pending_head),
    .count    (pending_count)
  );

  sync_fifo #(
    .WIDTH(KEYE_W),
    .DEPTH(KEY_DEPTH)
  ) u_key (
    .clk      (clk),
    .rst_n    (rst_n),
    .clear    (1'b0),
    .in_valid (key_beat_valid),
    .in_ready (key_in_ready),
    .in_data  (beat_data[KEYE_W-1:0]),
    .out_valid(key_out_valid),
    .out_ready(key_out_ready),
    .out_data (key_head),
    .count    (key_count)
  );

  // ---- check --------------------------------------------------------------------
  logic has_key;
  logic [31:0] p_offset, p_length;
  logic [7:0] p_op, p_aad_bytes, key_bytes;
  logic [95:0] p_nonce;
  logic [127:0] p_aad, p_tag, aad_gcm, aad_mask, nonce_block;
  logic [255:0] key_bytes_mem;
  logic [32:0] end_offset;
  logic check_fire;
  logic [31:0] index_q, index_d;
  tls_gcm_pkg::job_t job_d, job_q;
  logic job_valid_q, job_valid_d;

  always_comb begin
    {has_key, p_offset, p_length, p_op, p_aad_bytes, p_nonce, p_aad, p_tag} = pending_head;
    key_bytes_mem = key_head[255:0];
    key_bytes = key_head[263:256];
    end_offset = {1'b0, p_offset} + {1'b0, p_length};

    job_d = '0;
    job_d.index = index_q;
    if (!has_key || (key_bytes != 8'd16 && key_bytes != 8'd32)) begin
      job_d.status = tls_gcm_pkg::STATUS_BAD_KEY_SLOT;
    end else if (p_op > 8'd1 || p_aad_bytes > 8'd13 || end_offset > {1'b0, payload_bytes}) begin
      job_d.status = tls_gcm_pkg::STATUS_BAD_JOB;
    end else begin
      job_d.status = tls_gcm_pkg::STATUS_OK;
    end
    job_d.decrypt = p_op[0];
    job_d.aad_bytes = p_aad_bytes[3:0];
    // Only the first aad_bytes AAD bytes count (GCM order: from the top).
    aad_gcm = tls_gcm_pkg::byte_swap128(p_aad);
    aad_mask = ~(128'h0) >> {p_aad_bytes[3:0], 3'b000};
    job_d.aad = aad_gcm & ~aad_mask;
    nonce_block = tls_gcm_pkg::byte_swap128({32'h0, p_nonce});
    job_d.nonce = nonce_block[127:32];
    job_d.tag = tls_gcm_pkg::byte_swap128(p_tag);
    job_d.key = {tls_gcm_pkg::byte_swap128(key_bytes_mem[127:0]), tls_gcm_pkg::byte_swap128(key_bytes_mem[255:128])};
    job_d.is256 = key_bytes == 8'd32;
    job_d.offset = p_offset;
    job_d.length = p_length;
    job_d.end_offset = end_offset[31:0];

    // One output register; a new job moves in when it is empty or leaving.
    check_fire = pending_out_valid && (!has_key || key_out_valid) && (!job_valid_q || job_ready);
    pending_out_ready = check_fire;
    key_out_ready = check_fire && has_key;
    job_valid_d = check_fire || (job_valid_q && !job_ready);
    index_d = check_fire ? index_q + 32'h1 : index_q;
    if (run_start) index_d = 32'h0;
    job_valid = job_valid_q;
    job = job_q;
  end

  // Room for every beat was reserved before its read was issued.
  logic unused_fifo_status;
  assign unused_fifo_status = ^{descriptor_in_ready, key_in_ready, descriptor_count, pending_count, key_count, nonce_block[31:0]};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      next_job_q <= 32'h0;
      remaining_q <= 32'h0;
      data_request_valid_q <= 1'b0;
      data_request_address_q <= 64'h0;
      data_request_length_q <= 8'h0;
      settle_q <= 2'd0;
      fits_q <= 1'b0;
      burst_q <= 5'h0;
      key_request_valid_q <= 1'b0;
      key_request_address_q <= 64'h0;
      descriptor_reserved_q <= '0;
      key_reserved_q <= '0;
      index_q <= 32'h0;
      job_valid_q <= 1'b0;
    end else begin
      next_job_q <= next_job_d;
      remaining_q <= remaining_d;
      data_request_valid_q <= data_request_valid_d;
      data_request_address_q <= data_request_address_d;
      data_request_length_q <= data_request_length_d;
      settle_q <= settle_d;
      fits_q <= fits_d;
      burst_q <= burst_beats;
      key_request_valid_q <= key_request_valid_d;
      key_request_address_q <= key_request_address_d;
      descriptor_reserved_q <= descriptor_reserved_d;
      key_reserved_q <= key_reserved_d;
      index_q <= index_d;
      job_valid_q <= job_valid_d;
    end
  end

  always_ff @(posedge clk) begin
    if (check_fire) job_q <= job_d;
  end

endmodule

`default_nettype wire
