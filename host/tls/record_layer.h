// RecordLayer: sipnic's own TLS record layer for one connection, taken over
// from OpenSSL once the handshake is done (the map: "TLS: handshake in
// OpenSSL, records on the offload engine"; design notes in docs/tls.md).
//
// Every AES-GCM operation runs on an offload::GcmEngine. The API is split so
// that one event-loop turn can put the records of MANY connections into one
// GcmEngine::run:
//
//   batch.clear();
//   for (conn : ready) conn.layer.prepare_open(batch);   // jobs appended
//   batch.run(engine);                                    // one engine call
//   for (conn : ready) conn.layer.complete_open(batch, conn.sip_stream);
//   ... same with prepare_seal / complete_seal for what the turn sends ...
//
// run_batched() does exactly that for a set of connections, and
// RecordLayer::process() does it for one connection alone (tests, tools).
//
// A connection has at most one outstanding prepare_open and one outstanding
// prepare_seal: complete_* must be called with the same batch (after run)
// before the next prepare_* of that kind. Records are consumed from the
// connection's input only when their results are accepted, so a record
// opened with a key that a KeyUpdate earlier in the same batch replaced is
// simply opened again in the next round (wants_open() stays true).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/default_init_allocator.h"
#include "offload/gcm_engine.h"
#include "tls/key_schedule.h"

namespace sipnic::tls {

enum class TlsVersion : std::uint16_t { kTls12 = 0x0303, kTls13 = 0x0304 };
std::string_view version_name(TlsVersion v);

// TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2) that this layer sends
// or names.
namespace alert {
inline constexpr std::uint8_t kCloseNotify = 0;
inline constexpr std::uint8_t kUnexpectedMessage = 10;
inline constexpr std::uint8_t kBadRecordMac = 20;
inline constexpr std::uint8_t kRecordOverflow = 22;
inline constexpr std::uint8_t kHandshakeFailure = 40;
inline constexpr std::uint8_t kIllegalParameter = 47;
inline constexpr std::uint8_t kDecodeError = 50;
inline constexpr std::uint8_t kProtocolVersion = 70;
inline constexpr std::uint8_t kInternalError = 80;
inline constexpr std::uint8_t kUserCanceled = 90;
inline constexpr std::uint8_t kNoRenegotiation = 100;
}  // namespace alert
std::string_view alert_name(std::uint8_t description);

// ---- engine key slots ----------------------------------------------------------

class KeySlotPool;

// One key-table slot of an engine, leased from a KeySlotPool. Move-only; the
// slot is wiped (GcmEngine::clear_key) and returned when the lease ends, so
// keys never linger after a connection. The pool must outlive its leases.
class KeySlot {
 public:
  KeySlot() = default;
  KeySlot(KeySlotPool& pool, std::uint32_t slot) : pool_(&pool), slot_(slot) {}
  ~KeySlot() { reset(); }
  KeySlot(KeySlot&& other) noexcept : pool_(other.pool_), slot_(other.slot_) { other.pool_ = nullptr; }
  KeySlot& operator=(KeySlot&& other) noexcept;
  KeySlot(const KeySlot&) = delete;
  KeySlot& operator=(const KeySlot&) = delete;

  bool valid() const { return pool_ != nullptr; }
  std::uint32_t index() const { return slot_; }
  void reset();

 private:
  KeySlotPool* pool_ = nullptr;
  std::uint32_t slot_ = 0;
};

// The free slots of one engine (one per worker thread, like the engine).
// Not thread-safe, as the engine is not.
class KeySlotPool {
 public:
  explicit KeySlotPool(offload::GcmEngine& engine);
  KeySlotPool(const KeySlotPool&) = delete;
  KeySlotPool& operator=(const KeySlotPool&) = delete;

  // A free slot, or nullopt when the key table is full (the caller refuses
  // the connection: that is the offload capacity limit).
  std::optional<KeySlot> acquire();
  std::size_t available() const { return free_.size(); }
  offload::GcmEngine& engine() const { return engine_; }

 private:
  friend class KeySlot;
  void release(std::uint32_t slot);

  offload::GcmEngine& engine_;
  std::vector<std::uint32_t> free_;
};

// ---- batches -------------------------------------------------------------------

// Room for the plaintext that an open round's jobs write: grows without
// zero-filling (every byte of a job's room is written by the engine before it
// is read) and keeps its memory across rounds.
class PlaintextArena {
 public:
  PlaintextArena() = default;
  ~PlaintextArena() { wipe(); }
  PlaintextArena(const PlaintextArena&) = delete;
  PlaintextArena& operator=(const PlaintextArena&) = delete;

  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  // Reserves `n` bytes at the next 64-byte boundary; returns their offset.
  std::size_t append(std::size_t n);
  void clear() { size_ = 0; }
  // Zeroes the bytes in use and clears.
  void wipe_used();
  // Zeroes everything, capacity included.
  void wipe();

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// The jobs of one GcmEngine::run_host, shared by every connection of a turn.
// Seal jobs work in place in each connection's output buffer; open jobs read
// the connection's input buffer and write into `bytes`.
struct GcmBatch {
  PlaintextArena bytes;
  std::vector<offload::GcmHostJob> jobs;
  std::vector<offload::GcmResult> results;

  void clear() {
    bytes.clear();
    jobs.clear();
    results.clear();
  }
  bool empty() const { return jobs.empty(); }
  // Sizes `results` and runs every job. A job whose `out` is null writes into
  // `bytes` at job.offset (resolved here: `bytes` may move while jobs are
  // added). clear() keeps the arena's memory; wipe_used() after an open round.
  void run(offload::GcmEngine& engine);
  // Zeroes the arena, capacity included, and clears (end of life).
  void wipe();
  // Zeroes the bytes this batch used and clears: after an open round (the
  // arena holds plaintext).
  void wipe_used();
  // True if every job of the last run succeeded.
  bool all_ok() const;
};

// ---- takeover state ----------------------------------------------------------------

// What the handshake leaves behind for the record layer. For TLS 1.3 the
// traffic secrets (the keys and the KeyUpdate chain come from them); for
// TLS 1.2 the keys and salts of the key block.
struct DirectionSecrets {
  Secret traffic_secret;  // TLS 1.3: application_traffic_secret_0; TLS 1.2: empty
  Secret key;             // TLS 1.2 only (TLS 1.3 derives it from the secret)
  Secret salt;            // TLS 1.2 only: 4-byte implicit nonce part
  std::uint64_t seq = 0;  // next record sequence number
};

struct TakeoverState {
  TlsVersion version = TlsVersion::kTls13;
  GcmSuite suite = GcmSuite::kAes128GcmSha256;
  bool is_server = false;
  DirectionSecrets read;
  DirectionSecrets write;
  // Peer records that arrived with the last handshake bytes and that OpenSSL
  // did not read (they are under the application keys).
  std::vector<std::uint8_t> pending_input;
};

struct RecordLayerOptions {
  // TLS 1.3: records sealed under one write key before sipnic sends its own
  // KeyUpdate. RFC 8446 §5.5 puts the AES-GCM limit at 2^24.5 full-size
  // records; 2^24 stays below it with margin.
  std::uint64_t tls13_key_update_after = std::uint64_t{1} << 24;
  // TLS 1.2 cannot rekey (renegotiation is off): after this many records
  // sealed under the one key, sipnic sends close_notify and closes. The hard
  // limit is the 64-bit sequence number (RFC 5246 §6.1); operators who want
  // the RFC 8446 §5.5 margin for TLS 1.2 too set 2^24 here.
  std::uint64_t tls12_close_after = ~std::uint64_t{0} - 1;
  // Largest plaintext fragment sealed into one record (at most 2^14).
  std::size_t max_fragment = 16384;
};

enum class RecordState {
  kOpen,     // both directions carry data
  kClosing,  // one close_notify seen or sent; the other direction still open
  kClosed,   // both close_notify, a fatal alert either way, or a local error
};

// Why a connection ended; set once.
struct CloseInfo {
  bool graceful = false;       // close_notify both ways (or limit-driven close)
  bool alert_sent = false;     // our alert (the description below) ...
  bool alert_received = false; // ... or the peer's
  std::uint8_t alert = alert::kCloseNotify;
  std::string reason{};        // human-readable, no key material
};

struct OpenResult {
  std::size_t records = 0;    // records consumed this round
  std::size_t app_bytes = 0;  // plaintext bytes appended
};

class RecordLayer {
 public:
  // Loads the keys into the two slots. On failure (cannot derive keys, the
  // engine refuses a key) the layer starts kClosed with close_info() saying
  // why; nothing is ever sent or accepted with a missing key.
  RecordLayer(KeySlotPool& pool, KeySlot read_slot, KeySlot write_slot, TakeoverState state,
              RecordLayerOptions options = {});
  RecordLayer(const RecordLayer&) = delete;
  RecordLayer& operator=(const RecordLayer&) = delete;

  // Received bytes (from the socket); records may be split or coalesced
  // arbitrarily. Ignored once the read side is closed.
  void feed(std::span<const std::uint8_t> bytes);
  // The same without the copy: room for up to `n` bytes at the end of the
  // input buffer (not zero-filled) for the transport to read(2) into, then
  // commit_input(k) with the k bytes that arrived (k <= n). One space at a
  // time; nothing else may be called in between.
  std::span<std::uint8_t> input_space(std::size_t n);
  void commit_input(std::size_t k);
  // Queues application data to send (framed into records at once; many
  // small writes of a turn fill few records). False (nothing queued) once
  // our write side is closed. Not between prepare_seal and complete_seal.
  bool send(std::span<const std::uint8_t> plaintext);
  bool send(std::string_view plaintext) {
    return send(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                                              plaintext.size()));
  }
  // Queues close_notify after whatever is queued (graceful close).
  void close();
  // TLS 1.3: queues a KeyUpdate of our own (and asks the peer to update too
  // if `request_peer`). False for TLS 1.2 or when closing.
  bool request_key_update(bool request_peer);

  // --- batching ---
  // Whole records are buffered and the read side is open.
  bool wants_open() const;
  // Something is queued to seal (data, KeyUpdate, alert).
  bool wants_seal() const;
  // Appends one job per whole buffered record; returns the number appended.
  std::size_t prepare_open(GcmBatch& batch);
  // Takes this layer's results of `batch` (after run), appends application
  // plaintext to `app_data`, handles alerts, KeyUpdate, NewSessionTicket.
  OpenResult complete_open(const GcmBatch& batch, std::string& app_data);
  // Appends one job per record to send now; returns the number appended.
  std::size_t prepare_seal(GcmBatch& batch);
  // Takes this layer's sealed records of `batch` into output().
  void complete_seal(const GcmBatch& batch);

  // Synchronous helper: opens everything buffered and seals everything
  // queued, one connection alone, on the pool's engine.
  OpenResult process(std::string& app_data);

  // --- output and state ---
  // Bytes to write to the socket.
  std::span<const std::uint8_t> output() const { return {out_.data() + out_pos_, sealed_end_ - out_pos_}; }
  void consume_output(std::size_t n);
  std::vector<std::uint8_t> take_output();
  // Bytes framed for sending (sealed or not) that output() has not been
  // consumed of yet.
  std::size_t unsent_bytes() const { return out_.size() - out_pos_; }

  RecordState state() const;
  // Closed and nothing left to seal: once output() is written the socket
  // can be closed.
  bool finished() const { return state() == RecordState::kClosed && !wants_seal() && pending_seal_.empty(); }
  bool peer_closed() const { return read_closed_; }
  const std::optional<CloseInfo>& close_info() const { return close_info_; }

  TlsVersion version() const { return version_; }
  GcmSuite suite() const { return suite_; }
  std::uint64_t read_seq() const { return read_.seq; }
  std::uint64_t write_seq() const { return write_.seq; }
  // KeyUpdates done per direction (TLS 1.3).
  std::uint64_t read_key_updates() const { return read_updates_; }
  std::uint64_t write_key_updates() const { return write_updates_; }
  offload::GcmEngine& engine() const { return pool_.engine(); }

 private:
  struct Direction {
    KeySlot slot;
    Secret traffic_secret;  // TLS 1.3
    Secret iv;              // TLS 1.3: 12 bytes; TLS 1.2: the 4-byte salt
    std::uint64_t seq = 0;
  };
  struct PendingOpen {
    std::size_t job = 0;          // index in the batch
    std::size_t record_bytes = 0; // header + body in in_
    std::uint8_t outer_type = 0;
  };
  // A record framed in out_ and not sealed yet: header, [TLS 1.2 explicit
  // nonce], content, [TLS 1.3 inner type], room for the tag.
  struct Staged {
    std::size_t offset = 0;       // of the header in out_
    std::size_t content = 0;      // content bytes
    std::uint8_t type = 0;        // content type (inner for TLS 1.3)
    bool key_update = false;      // our KeyUpdate: switch write keys after it
    bool closes = false;          // close_notify or fatal alert: write side ends
  };
  struct PendingSeal {
    std::size_t job = 0;
    Staged record;
    std::size_t payload = 0;      // offset of the payload (sealed in place) in out_
  };

  bool load_keys(Direction& dir, const Secret& key);
  bool rekey_tls13(Direction& dir);
  void fail(std::uint8_t alert_description, std::string reason);
  void peer_alert(std::uint8_t level, std::uint8_t description);
  // False if processing must stop after this record (key change, close).
  bool handle_record(std::uint8_t type, std::span<const std::uint8_t> content, std::string& app_data,
                     OpenResult& result);
  bool handle_handshake(std::span<const std::uint8_t> content);
  // Frames a control record (alert, KeyUpdate): at the end, or `front` of
  // everything staged (before queued application data).
  void queue_control(std::uint8_t type, std::span<const std::uint8_t> bytes, bool front);
  std::size_t record_overhead() const;  // framing bytes around the content
  std::size_t frame(std::size_t at, std::uint8_t type, std::span<const std::uint8_t> content);
  std::optional<std::uint8_t> check_header(std::span<const std::uint8_t> header, std::string& why) const;
  void compact_input();
  void release_idle_input();
  // Drops (and wipes) the staged records (not those in flight).
  void drop_staged();
  // Drops (and wipes) everything in out_ that was never sealed.
  void drop_unsealed();

  KeySlotPool& pool_;
  RecordLayerOptions options_;
  TlsVersion version_;
  GcmSuite suite_;
  bool is_server_;
  Direction read_;
  Direction write_;

  // Received bytes; grows without zero-filling (input_space).
  std::vector<std::uint8_t, core::DefaultInitAllocator<std::uint8_t>> in_;
  std::size_t in_pos_ = 0;
  std::size_t input_space_ = 0;  // bytes handed out by input_space, not yet committed
  std::vector<std::uint8_t> handshake_;  // reassembly of handshake messages
  std::vector<PendingOpen> pending_open_;
  std::optional<std::pair<std::uint8_t, std::string>> header_error_;  // found by prepare_open

  std::deque<Staged> staged_;          // in wire order, after the records in flight
  std::vector<PendingSeal> pending_seal_;
  bool key_update_queued_ = false;     // our KeyUpdate is staged or in flight
  bool write_close_queued_ = false;    // close_notify or fatal alert queued
  bool write_closed_ = false;          // ... and sealed
  bool read_closed_ = false;           // peer close_notify, fatal alert, or our error
  bool fatal_ = false;

  // The records to send, in wire order. send() and the control paths frame
  // each record here at once (the plaintext's only copy), prepare_seal fills
  // in sequence-dependent bytes and the engine seals the payload where it
  // lies. Bytes past sealed_end_ (in flight, then staged) are not sealed yet
  // and never offered by output().
  std::vector<std::uint8_t> out_;
  std::size_t out_pos_ = 0;
  std::size_t sealed_end_ = 0;

  std::uint64_t read_updates_ = 0;
  std::uint64_t write_updates_ = 0;
  std::optional<CloseInfo> close_info_;
};

// One turn for many connections: every layer's whole records in one
// GcmEngine::run, then every layer's queued output in another, repeated
// while a KeyUpdate left work behind. All layers must use `engine`.
struct BatchMember {
  RecordLayer* layer = nullptr;
  std::string* app_data = nullptr;  // where the layer's plaintext goes
};
void run_batched(offload::GcmEngine& engine, std::span<const BatchMember> members, GcmBatch& scratch);

}  // namespace sipnic::tls
