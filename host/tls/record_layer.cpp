// The record layer after takeover: record framing, AES-GCM nonces and AAD,
// TLS 1.3 inner content types, KeyUpdate, alerts, on the offload GcmEngine.
// Every record sipnic accepts was authenticated by the engine; every record
// it sends was sealed there. OpenSSL's SSL object is gone by now.
#include "tls/record_layer.h"

#include <string.h>  // explicit_bzero (glibc)

#include <algorithm>
#include <cstring>
#include <utility>

namespace sipnic::tls {
namespace {

constexpr std::uint8_t kChangeCipherSpec = 20;
constexpr std::uint8_t kAlert = 21;
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kApplicationData = 23;

constexpr std::uint8_t kHelloRequest = 0;
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kNewSessionTicket = 4;
constexpr std::uint8_t kKeyUpdate = 24;

constexpr std::uint8_t kAlertWarning = 1;
constexpr std::uint8_t kAlertFatal = 2;

constexpr std::size_t kHeaderBytes = 5;
constexpr std::size_t kMaxPlaintext = 16384;             // 2^14
constexpr std::size_t kTls13MaxCiphertext = kMaxPlaintext + 256;
constexpr std::size_t kTls12MaxCiphertext = kMaxPlaintext + 2048;
constexpr std::size_t kTls12ExplicitNonce = 8;
constexpr std::size_t kTag = offload::kGcmTagBytes;
// A handshake message after the handshake is a ticket or a KeyUpdate (or a
// renegotiation attempt we refuse); none legitimately comes near this.
constexpr std::size_t kMaxHandshakeMessage = 64 * 1024;
// Input buffer memory an idle connection keeps (one full record and a bit).
constexpr std::size_t kKeepInputCapacity = 20 * 1024;
// Opened plaintext starts on 64-byte boundaries in the batch's arena (cache
// lines; a device backend aligns its own buffer the same way).
constexpr std::size_t kPayloadAlign = 64;

std::size_t align_up(std::size_t n) { return (n + kPayloadAlign - 1) & ~(kPayloadAlign - 1); }

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

std::size_t u16(const std::uint8_t* p) { return (std::size_t{p[0]} << 8) | p[1]; }

// RFC 8446 §5.3: the 64-bit sequence number, big-endian, left-padded to the
// IV length and XORed with the IV.
void tls13_nonce(const Secret& iv, std::uint64_t seq, std::uint8_t* nonce) {
  std::memcpy(nonce, iv.bytes().data(), offload::kGcmNonceBytes);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<std::uint8_t>(seq >> (56 - 8 * i));
}

// Zeroes `n` bytes in a way the compiler may not drop as a dead store, at
// memset speed (OPENSSL_cleanse stores 8 bytes per iteration; for the batch
// buffer, wiped after every turn, that was a measurable share of the record
// path). glibc's explicit_bzero is memset plus a compiler barrier.
void wipe_bytes(std::uint8_t* p, std::size_t n) {
  if (n != 0) ::explicit_bzero(p, n);
}

std::string seq_text(std::uint64_t seq) { return "record " + std::to_string(seq); }

}  // namespace

std::string_view version_name(TlsVersion v) { return v == TlsVersion::kTls13 ? "TLSv1.3" : "TLSv1.2"; }

std::string_view alert_name(std::uint8_t d) {
  switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 116: return "certificate_required";
    default: return "alert";
  }
}

// ---- key slots ---------------------------------------------------------------------

KeySlot& KeySlot::operator=(KeySlot&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = std::exchange(other.pool_, nullptr);
    slot_ = other.slot_;
  }
  return *this;
}

void KeySlot::reset() {
  if (pool_ != nullptr) std::exchange(pool_, nullptr)->release(slot_);
}

KeySlotPool::KeySlotPool(offload::GcmEngine& engine) : engine_(engine) {
  const std::uint32_t n = engine.key_slots();
  free_.reserve(n);
  for (std::uint32_t i = n; i > 0; --i) free_.push_back(i - 1);  // hands out 0, 1, 2, ...
}

std::optional<KeySlot> KeySlotPool::acquire() {
  if (free_.empty()) return std::nullopt;
  const std::uint32_t slot = free_.back();
  free_.pop_back();
  return KeySlot(*this, slot);
}

void KeySlotPool::release(std::uint32_t slot) {
  engine_.clear_key(slot);
  free_.push_back(slot);
}

// ---- batch ---------------------------------------------------------------------------

std::size_t PlaintextArena::append(std::size_t n) {
  const std::size_t offset = align_up(size_);
  if (offset + n > capacity_) {
    // Nothing in use needs to move: the jobs of this round have not run, so
    // their rooms hold nothing yet; the old block is wiped all the same.
    const std::size_t capacity = std::max({offset + n, capacity_ * 2, std::size_t{4096}});
    auto bigger = std::make_unique<std::uint8_t[]>(capacity);  // zeroed once, at growth only
    wipe();
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  size_ = offset + n;
  return offset;
}

void PlaintextArena::wipe_used() {
  wipe_bytes(data_.get(), size_);
  size_ = 0;
}

void PlaintextArena::wipe() {
  wipe_bytes(data_.get(), capacity_);
  size_ = 0;
}

void GcmBatch::run(offload::GcmEngine& engine) {
  results.assign(jobs.size(), offload::GcmResult{});
  for (auto& j : jobs) {
    if (j.out == nullptr) j.out = bytes.data() + j.job.offset;
  }
  if (!jobs.empty()) engine.run_host(jobs, results);
}

void GcmBatch::wipe_used() {
  bytes.wipe_used();
  clear();
}

bool GcmBatch::all_ok() const {
  for (const auto& r : results)
    if (r.status != static_cast<std::uint8_t>(offload::GcmStatus::kOk)) return false;
  return true;
}

void GcmBatch::wipe() {
  bytes.wipe();
  clear();
}

// ---- record layer ----------------------------------------------------------------------

RecordLayer::RecordLayer(KeySlotPool& pool, KeySlot read_slot, KeySlot write_slot, TakeoverState state,
                         RecordLayerOptions options)
    : pool_(pool),
      options_(options),
      version_(state.version),
      suite_(state.suite),
      is_server_(state.is_server) {
  options_.max_fragment = std::clamp<std::size_t>(options_.max_fragment, 1, kMaxPlaintext);
  if (options_.tls13_key_update_after == 0) options_.tls13_key_update_after = 1;
  if (options_.tls12_close_after < 2) options_.tls12_close_after = 2;
  read_.slot = std::move(read_slot);
  write_.slot = std::move(write_slot);
  read_.seq = state.read.seq;
  write_.seq = state.write.seq;

  bool ok = read_.slot.valid() && write_.slot.valid();
  if (ok && version_ == TlsVersion::kTls13) {
    for (auto [dir, secrets] : {std::pair{&read_, &state.read}, std::pair{&write_, &state.write}}) {
      auto keys = tls13_traffic_keys(suite_, secrets->traffic_secret);
      ok = ok && keys && load_keys(*dir, keys->key);
      if (!ok) break;
      dir->traffic_secret = std::move(secrets->traffic_secret);
      dir->iv = std::move(keys->iv);
    }
  } else if (ok) {
    for (auto [dir, secrets] : {std::pair{&read_, &state.read}, std::pair{&write_, &state.write}}) {
      ok = ok && secrets->key.size() == suite_key_bytes(suite_) &&
           secrets->salt.size() == kTls12GcmSaltBytes && load_keys(*dir, secrets->key);
      if (!ok) break;
      dir->iv = std::move(secrets->salt);
    }
  }
  if (!ok) {
    // Without keys nothing can be sent, not even an alert: just closed.
    fatal_ = read_closed_ = write_closed_ = write_close_queued_ = true;
    close_info_ = CloseInfo{.reason = "record keys could not be derived or loaded into the offload engine"};
    return;
  }
  feed(state.pending_input);
}

bool RecordLayer::load_keys(Direction& dir, const Secret& key) {
  return pool_.engine().set_key(dir.slot.index(), key.bytes());
}

bool RecordLayer::rekey_tls13(Direction& dir) {
  auto next = tls13_next_traffic_secret(suite_, dir.traffic_secret);
  if (!next) return false;
  auto keys = tls13_traffic_keys(suite_, *next);
  if (!keys || !load_keys(dir, keys->key)) return false;
  dir.traffic_secret = std::move(*next);
  dir.iv = std::move(keys->iv);
  dir.seq = 0;
  return true;
}

void RecordLayer::feed(std::span<const std::uint8_t> bytes) {
  if (read_closed_ || bytes.empty()) return;
  in_.insert(in_.end(), bytes.begin(), bytes.end());
}

std::span<std::uint8_t> RecordLayer::input_space(std::size_t n) {
  commit_input(0);  // an earlier space that was never committed
  const std::size_t at = in_.size();
  in_.resize(at + n);
  input_space_ = n;
  return {in_.data() + at, n};
}

void RecordLayer::commit_input(std::size_t k) {
  const std::size_t space = std::exchange(input_space_, 0);
  k = std::min(k, space);
  // Bytes that arrive after the read side closed are dropped, as in feed().
  if (read_closed_) k = 0;
  in_.resize(in_.size() - (space - k));
  if (in_.empty()) release_idle_input();
}

void RecordLayer::release_idle_input() {
  // A read space is up to 64 KiB; an idle connection (everything consumed)
  // gives that memory back, so 10,000 idle trunks do not hold 64 KiB each.
  if (in_.capacity() > kKeepInputCapacity) decltype(in_)().swap(in_);
}

std::size_t RecordLayer::record_overhead() const {
  return version_ == TlsVersion::kTls13 ? kHeaderBytes + 1 + kTag : kHeaderBytes + kTls12ExplicitNonce + kTag;
}

// Frames one record at `at` in out_ (inserting before what follows, which
// only a front control record does); returns its size. The header's length
// and the TLS 1.2 explicit nonce are filled in by prepare_seal.
std::size_t RecordLayer::frame(std::size_t at, std::uint8_t type, std::span<const std::uint8_t> content) {
  const bool tls13 = version_ == TlsVersion::kTls13;
  const std::size_t size = record_overhead() + content.size();
  const std::uint8_t header[kHeaderBytes + kTls12ExplicitNonce] = {tls13 ? kApplicationData : type, 0x03, 0x03};
  const std::size_t header_bytes = kHeaderBytes + (tls13 ? 0 : kTls12ExplicitNonce);
  if (at == out_.size()) {
    // The usual case: appended, each byte written once.
    out_.insert(out_.end(), header, header + header_bytes);
    out_.insert(out_.end(), content.begin(), content.end());
    if (tls13) out_.push_back(type);
    out_.resize(out_.size() + kTag);
    return size;
  }
  out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(at), size, 0);
  std::uint8_t* p = out_.data() + at;
  std::memcpy(p, header, header_bytes);
  p += header_bytes;
  if (!content.empty()) std::memcpy(p, content.data(), content.size());
  if (tls13) p[content.size()] = type;
  return size;
}

bool RecordLayer::send(std::span<const std::uint8_t> plaintext) {
  if (write_close_queued_ || fatal_) return false;
  const bool tls13 = version_ == TlsVersion::kTls13;
  const std::size_t trailer = (tls13 ? 1 : 0) + kTag;
  while (!plaintext.empty()) {
    // Fill the last staged data record first, so that many small writes of
    // one turn become few full records.
    Staged* last = staged_.empty() ? nullptr : &staged_.back();
    if (last != nullptr && last->type == kApplicationData && last->content < options_.max_fragment &&
        last->offset + record_overhead() + last->content == out_.size()) {
      const std::size_t n = std::min(plaintext.size(), options_.max_fragment - last->content);
      out_.resize(out_.size() - trailer);
      out_.insert(out_.end(), plaintext.begin(), plaintext.begin() + static_cast<std::ptrdiff_t>(n));
      if (tls13) out_.push_back(kApplicationData);
      out_.resize(out_.size() + kTag);
      last->content += n;
      plaintext = plaintext.subspan(n);
      continue;
    }
    const std::size_t n = std::min(plaintext.size(), options_.max_fragment);
    const std::size_t at = out_.size();
    frame(at, kApplicationData, plaintext.first(n));
    staged_.push_back(Staged{at, n, kApplicationData, false, false});
    plaintext = plaintext.subspan(n);
  }
  return true;
}

void RecordLayer::queue_control(std::uint8_t type, std::span<const std::uint8_t> bytes, bool front) {
  const bool key_update = type == kHandshake && !bytes.empty() && bytes[0] == kKeyUpdate;
  const bool closes = type == kAlert && (bytes[0] == kAlertFatal || bytes[1] == alert::kCloseNotify);
  if (!front || staged_.empty()) {
    const std::size_t at = out_.size();
    frame(at, type, bytes);
    staged_.push_back(Staged{at, bytes.size(), type, key_update, closes});
    return;
  }
  // Before the staged records (after those in flight): they move up.
  const std::size_t at = staged_.front().offset;
  const std::size_t size = frame(at, type, bytes);
  for (Staged& r : staged_) r.offset += size;
  staged_.push_front(Staged{at, bytes.size(), type, key_update, closes});
}

void RecordLayer::drop_staged() {
  if (staged_.empty()) return;
  const std::size_t from = staged_.front().offset;
  wipe_bytes(out_.data() + from, out_.size() - from);
  out_.resize(from);
  staged_.clear();
}

void RecordLayer::close() {
  if (write_close_queued_) return;
  write_close_queued_ = true;
  const std::uint8_t close_notify[] = {kAlertWarning, alert::kCloseNotify};
  queue_control(kAlert, close_notify, false);
}

bool RecordLayer::request_key_update(bool request_peer) {
  if (version_ != TlsVersion::kTls13 || write_close_queued_) return false;
  if (key_update_queued_) return true;
  key_update_queued_ = true;
  const std::uint8_t key_update[] = {kKeyUpdate, 0, 0, 1, static_cast<std::uint8_t>(request_peer ? 1 : 0)};
  queue_control(kHandshake, key_update, false);
  return true;
}

void RecordLayer::fail(std::uint8_t description, std::string reason) {
  if (fatal_) return;
  fatal_ = true;
  read_closed_ = true;
  in_.clear();
  in_pos_ = 0;
  handshake_.clear();
  drop_staged();
  key_update_queued_ = false;
  close_info_ = CloseInfo{.alert_sent = !write_closed_, .alert = description, .reason = std::move(reason)};
  if (!write_closed_) {
    // RFC 8446 §6.2 / RFC 5246 §7.2.2: a fatal alert, then the connection
    // is closed; nothing else is sent.
    write_close_queued_ = true;
    const std::uint8_t fatal[] = {kAlertFatal, description};
    queue_control(kAlert, fatal, false);
  }
}

void RecordLayer::peer_alert(std::uint8_t level, std::uint8_t description) {
  if (description == alert::kCloseNotify) {
    read_closed_ = true;
    in_.clear();
    in_pos_ = 0;
    if (!close_info_) {
      close_info_ = CloseInfo{.graceful = true, .alert_received = true, .alert = alert::kCloseNotify,
                              .reason = write_close_queued_ ? "close_notify exchanged (closed by us)"
                                                            : "peer closed the connection (close_notify)"};
    }
    // RFC 8446 §6.1: each party sends close_notify before closing its write
    // side; we answer at once (queued data goes first).
    close();
    return;
  }
  // TLS 1.3: every alert but close_notify and user_canceled is fatal
  // whatever its level (RFC 8446 §6). TLS 1.2: the level decides.
  const bool tolerated = version_ == TlsVersion::kTls13 ? description == alert::kUserCanceled
                                                        : level == kAlertWarning;
  if (tolerated) return;
  fatal_ = true;
  read_closed_ = write_closed_ = write_close_queued_ = true;
  in_.clear();
  in_pos_ = 0;
  drop_staged();
  close_info_ = CloseInfo{.alert_received = true,
                          .alert = description,
                          .reason = "peer sent fatal alert " + std::string(alert_name(description)) + " (" +
                                    std::to_string(description) + ")"};
}

std::optional<std::uint8_t> RecordLayer::check_header(std::span<const std::uint8_t> h, std::string& why) const {
  const std::uint8_t type = h[0];
  const std::size_t length = u16(&h[3]);
  if (version_ == TlsVersion::kTls13) {
    // RFC 8446 §5: after the handshake every record is protected and its
    // outer type is application_data; a change_cipher_spec is only
    // tolerated before the peer's Finished. legacy_record_version is ignored.
    if (type != kApplicationData) {
      why = type == kChangeCipherSpec ? "change_cipher_spec record after the handshake"
                                      : "unprotected record of type " + std::to_string(type) + " after the handshake";
      return alert::kUnexpectedMessage;
    }
    if (length > kTls13MaxCiphertext) {
      why = "record of " + std::to_string(length) + " bytes exceeds 2^14 + 256";
      return alert::kRecordOverflow;
    }
    if (length < kTag + 1) {
      why = "record of " + std::to_string(length) + " bytes is shorter than a tag and a content type";
      return alert::kDecodeError;
    }
    return std::nullopt;
  }
  if (u16(&h[1]) != 0x0303) {
    why = "record version " + std::to_string(u16(&h[1])) + " is not TLS 1.2";
    return alert::kProtocolVersion;
  }
  if (type != kApplicationData && type != kAlert && type != kHandshake) {
    why = type == kChangeCipherSpec ? "change_cipher_spec record after the handshake"
                                    : "record of unknown type " + std::to_string(type);
    return alert::kUnexpectedMessage;
  }
  if (length > kTls12MaxCiphertext || (length >= kTls12ExplicitNonce + kTag &&
                                       length - kTls12ExplicitNonce - kTag > kMaxPlaintext)) {
    why = "record of " + std::to_string(length) + " bytes carries more than 2^14 bytes of plaintext";
    return alert::kRecordOverflow;
  }
  if (length < kTls12ExplicitNonce + kTag) {
    // Too short to carry the explicit nonce and the tag: it cannot be
    // authenticated, which RFC 5246 §6.2.3.3 reports as bad_record_mac.
    why = "record of " + std::to_string(length) + " bytes is shorter than nonce and tag";
    return alert::kBadRecordMac;
  }
  return std::nullopt;
}

bool RecordLayer::wants_open() const {
  if (read_closed_ || !pending_open_.empty()) return false;
  const std::size_t avail = in_.size() - in_pos_;
  if (avail < kHeaderBytes) return false;
  const std::span<const std::uint8_t> header(in_.data() + in_pos_, kHeaderBytes);
  std::string why;
  return avail >= kHeaderBytes + u16(&header[3]) || check_header(header, why).has_value();
}

bool RecordLayer::wants_seal() const { return !write_closed_ && pending_seal_.empty() && !staged_.empty(); }

std::size_t RecordLayer::prepare_open(GcmBatch& batch) {
  if (read_closed_ || !pending_open_.empty()) return 0;
  header_error_.reset();
  std::size_t pos = in_pos_;
  std::uint64_t seq = read_.seq;
  const bool tls13 = version_ == TlsVersion::kTls13;
  while (in_.size() - pos >= kHeaderBytes) {
    const std::uint8_t* header = in_.data() + pos;
    std::string why;
    if (auto bad = check_header({header, kHeaderBytes}, why)) {
      header_error_.emplace(*bad, std::move(why));
      break;
    }
    const std::size_t length = u16(header + 3);
    if (in_.size() - pos < kHeaderBytes + length) break;
    if (seq == ~std::uint64_t{0}) {
      // The peer would have to wrap its sequence number (RFC 8446 §5.3,
      // RFC 5246 §6.1): never in practice, but never with a reused nonce.
      header_error_.emplace(alert::kInternalError, "peer exhausted its record sequence numbers");
      break;
    }
    const std::uint8_t* body = header + kHeaderBytes;
    const std::size_t explicit_bytes = tls13 ? 0 : kTls12ExplicitNonce;
    const std::size_t payload = length - explicit_bytes - kTag;

    offload::GcmJob job{};
    job.key_slot = read_.slot.index();
    job.op = static_cast<std::uint8_t>(offload::GcmOp::kDecrypt);
    if (tls13) {
      tls13_nonce(read_.iv, seq, job.nonce);
      // RFC 8446 §5.2: additional_data is the record header as received.
      std::memcpy(job.aad, header, kHeaderBytes);
      job.aad_bytes = kHeaderBytes;
    } else {
      // RFC 5288 §3: nonce = salt (4) + explicit nonce (8, from the record);
      // RFC 5246 §6.2.3.3: AAD = seq_num + type + version + plaintext length.
      std::memcpy(job.nonce, read_.iv.bytes().data(), kTls12GcmSaltBytes);
      std::memcpy(job.nonce + kTls12GcmSaltBytes, body, kTls12ExplicitNonce);
      put_u64(job.aad, seq);
      job.aad[8] = header[0];
      job.aad[9] = 0x03;
      job.aad[10] = 0x03;
      job.aad[11] = static_cast<std::uint8_t>(payload >> 8);
      job.aad[12] = static_cast<std::uint8_t>(payload);
      job.aad_bytes = 13;
    }
    std::memcpy(job.tag, body + length - kTag, kTag);
    // Opened from the input buffer into the batch's arena (never in place),
    // so a record that must be opened again after a KeyUpdate is still intact.
    job.offset = static_cast<std::uint32_t>(batch.bytes.append(payload));
    job.length = static_cast<std::uint32_t>(payload);
    pending_open_.push_back(PendingOpen{batch.jobs.size(), kHeaderBytes + length, header[0]});
    batch.jobs.push_back(offload::GcmHostJob{job, body + explicit_bytes, nullptr});
    pos += kHeaderBytes + length;
    ++seq;
  }
  if (pending_open_.empty() && header_error_) {
    auto [description, why] = std::move(*header_error_);
    header_error_.reset();
    fail(description, std::move(why));
  }
  return pending_open_.size();
}

OpenResult RecordLayer::complete_open(const GcmBatch& batch, std::string& app_data) {
  OpenResult result;
  if (pending_open_.empty()) return result;
  const std::vector<PendingOpen> pending = std::exchange(pending_open_, {});
  const bool tls13 = version_ == TlsVersion::kTls13;
  std::size_t done = 0;
  for (const PendingOpen& p : pending) {
    if (read_closed_) break;
    const offload::GcmJob& job = batch.jobs.at(p.job).job;
    const auto status = static_cast<offload::GcmStatus>(batch.results.at(p.job).status);
    if (status == offload::GcmStatus::kAuthFailed) {
      fail(alert::kBadRecordMac, seq_text(read_.seq) + " failed authentication");
      break;
    }
    if (status != offload::GcmStatus::kOk) {
      fail(alert::kInternalError, "offload engine rejected " + seq_text(read_.seq) + " (status " +
                                      std::to_string(static_cast<int>(status)) + ")");
      break;
    }
    std::span<const std::uint8_t> plain(batch.bytes.data() + job.offset, job.length);
    std::uint8_t type = p.outer_type;
    if (tls13) {
      // RFC 8446 §5.4: TLSInnerPlaintext = content || type || zeros.
      std::size_t end = plain.size();
      while (end > 0 && plain[end - 1] == 0) --end;
      if (end == 0) {
        fail(alert::kUnexpectedMessage, seq_text(read_.seq) + " has no content type (all padding)");
        break;
      }
      type = plain[end - 1];
      plain = plain.first(end - 1);
      if (plain.size() > kMaxPlaintext) {
        fail(alert::kRecordOverflow, seq_text(read_.seq) + " carries more than 2^14 bytes of plaintext");
        break;
      }
    }
    in_pos_ += p.record_bytes;
    ++read_.seq;
    ++result.records;
    ++done;
    if (!handle_record(type, plain, app_data, result)) break;
  }
  if (done == pending.size() && header_error_ && !read_closed_) {
    auto [description, why] = std::move(*header_error_);
    fail(description, std::move(why));
  }
  header_error_.reset();
  compact_input();
  return result;
}

bool RecordLayer::handle_record(std::uint8_t type, std::span<const std::uint8_t> content, std::string& app_data,
                                OpenResult& result) {
  const bool tls13 = version_ == TlsVersion::kTls13;
  if (type != kHandshake && !handshake_.empty()) {
    // RFC 8446 §5.1 / RFC 5246 §6.2.1: a fragmented handshake message is not
    // interleaved with other record types.
    fail(alert::kUnexpectedMessage, "record of type " + std::to_string(type) +
                                        " inside a fragmented handshake message");
    return false;
  }
  switch (type) {
    case kApplicationData:
      app_data.append(reinterpret_cast<const char*>(content.data()), content.size());
      result.app_bytes += content.size();
      return true;
    case kAlert:
      if (content.size() != 2) {
        fail(alert::kDecodeError, "alert record of " + std::to_string(content.size()) + " bytes");
        return false;
      }
      peer_alert(content[0], content[1]);
      return !read_closed_;
    case kHandshake:
      if (content.empty()) {
        fail(alert::kUnexpectedMessage, "zero-length handshake record");
        return false;
      }
      return handle_handshake(content);
    default:
      fail(alert::kUnexpectedMessage, std::string(tls13 ? "inner" : "record") + " content type " +
                                          std::to_string(type) + " after the handshake");
      return false;
  }
}

bool RecordLayer::handle_handshake(std::span<const std::uint8_t> content) {
  const bool tls13 = version_ == TlsVersion::kTls13;
  handshake_.insert(handshake_.end(), content.begin(), content.end());
  std::size_t pos = 0;
  while (handshake_.size() - pos >= 4) {
    const std::uint8_t type = handshake_[pos];
    const std::size_t length = (std::size_t{handshake_[pos + 1]} << 16) | u16(&handshake_[pos + 2]);
    if (length > kMaxHandshakeMessage) {
      fail(alert::kUnexpectedMessage, "handshake message of " + std::to_string(length) + " bytes after the handshake");
      return false;
    }
    if (handshake_.size() - pos < 4 + length) break;
    const std::uint8_t* body = handshake_.data() + pos + 4;
    pos += 4 + length;
    if (tls13 && type == kNewSessionTicket && !is_server_) {
      // sipnic never resumes a TLS session (every connection is a full
      // handshake with certificate checks), so tickets are dropped.
      continue;
    }
    if (tls13 && type == kKeyUpdate) {
      if (length != 1) {
        fail(alert::kDecodeError, "KeyUpdate of " + std::to_string(length) + " bytes");
        return false;
      }
      const std::uint8_t request = body[0];
      if (request > 1) {
        fail(alert::kIllegalParameter, "KeyUpdate request_update " + std::to_string(request));
        return false;
      }
      if (pos != handshake_.size()) {
        // RFC 8446 §5.1: handshake messages MUST NOT span key changes, so a
        // KeyUpdate ends its record.
        fail(alert::kUnexpectedMessage, "KeyUpdate not at the end of its record");
        return false;
      }
      handshake_.clear();
      if (!rekey_tls13(read_)) {
        fail(alert::kInternalError, "could not derive the next read key");
        return false;
      }
      ++read_updates_;
      // RFC 8446 §4.6.3: answer update_requested with our own KeyUpdate
      // (update_not_requested) before our next application data. One of
      // ours already queued serves as the answer.
      if (request == 1 && !key_update_queued_ && !write_close_queued_) {
        key_update_queued_ = true;
        const std::uint8_t key_update[] = {kKeyUpdate, 0, 0, 1, 0};
        queue_control(kHandshake, key_update, true);
      }
      // The records after this one in the batch were opened with the old
      // key: stop here and open them again with the new one.
      return false;
    }
    if (!tls13 && ((type == kHelloRequest && !is_server_) || (type == kClientHello && is_server_))) {
      // Renegotiation is off (it would need OpenSSL back). RFC 5246 §7.2.2:
      // no_renegotiation is a warning; the connection goes on and the peer
      // decides whether to close (OpenSSL does).
      const std::uint8_t no_renegotiation[] = {kAlertWarning, alert::kNoRenegotiation};
      queue_control(kAlert, no_renegotiation, false);
      continue;
    }
    fail(alert::kUnexpectedMessage, "handshake message type " + std::to_string(type) + " after the handshake");
    return false;
  }
  handshake_.erase(handshake_.begin(), handshake_.begin() + static_cast<std::ptrdiff_t>(pos));
  return true;
}

void RecordLayer::compact_input() {
  if (in_pos_ == 0) return;
  if (in_pos_ >= in_.size()) {
    in_.clear();
    in_pos_ = 0;
    release_idle_input();
  } else if (in_pos_ >= 64 * 1024 || in_pos_ * 2 >= in_.size()) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
    in_pos_ = 0;
  }
}

std::size_t RecordLayer::prepare_seal(GcmBatch& batch) {
  if (write_closed_ || !pending_seal_.empty()) return 0;
  const bool tls13 = version_ == TlsVersion::kTls13;
  while (!staged_.empty()) {
    const Staged record = staged_.front();
    if (!record.closes && tls13 && !key_update_queued_ && write_.seq >= options_.tls13_key_update_after) {
      // Rekey before the AES-GCM limit for one key (RFC 8446 §5.5).
      key_update_queued_ = true;
      const std::uint8_t key_update[] = {kKeyUpdate, 0, 0, 1, 0};
      queue_control(kHandshake, key_update, true);
      continue;
    }
    if (!record.closes && !tls13 && write_.seq + 1 >= options_.tls12_close_after) {
      // TLS 1.2 cannot rekey: close while one sequence number is left for
      // the close_notify. The transport reconnects.
      drop_staged();
      write_close_queued_ = true;
      if (!close_info_) {
        close_info_ = CloseInfo{.graceful = true, .reason = "TLS 1.2 record limit reached (no rekeying in TLS 1.2)"};
      }
      const std::uint8_t close_notify[] = {kAlertWarning, alert::kCloseNotify};
      queue_control(kAlert, close_notify, false);
      continue;
    }
    staged_.pop_front();
    const std::size_t payload = record.content + (tls13 ? 1 : 0);
    const std::size_t body = (tls13 ? 0 : kTls12ExplicitNonce) + payload + kTag;
    std::uint8_t* header = out_.data() + record.offset;
    header[3] = static_cast<std::uint8_t>(body >> 8);
    header[4] = static_cast<std::uint8_t>(body);

    offload::GcmJob job{};
    job.key_slot = write_.slot.index();
    job.op = static_cast<std::uint8_t>(offload::GcmOp::kEncrypt);
    job.length = static_cast<std::uint32_t>(payload);
    if (tls13) {
      // Inner content type, no padding (record lengths are not hidden: SIP
      // message sizes are not the secret here, and padding costs engine time).
      tls13_nonce(write_.iv, write_.seq, job.nonce);
      std::memcpy(job.aad, header, kHeaderBytes);  // RFC 8446 §5.2: the record header
      job.aad_bytes = kHeaderBytes;
    } else {
      // The explicit nonce is the sequence number (RFC 5288 §3 allows any
      // unique value; the sequence number is unique by construction).
      put_u64(header + kHeaderBytes, write_.seq);
      std::memcpy(job.nonce, write_.iv.bytes().data(), kTls12GcmSaltBytes);
      put_u64(job.nonce + kTls12GcmSaltBytes, write_.seq);
      put_u64(job.aad, write_.seq);
      job.aad[8] = record.type;
      job.aad[9] = 0x03;
      job.aad[10] = 0x03;
      job.aad[11] = static_cast<std::uint8_t>(record.content >> 8);
      job.aad[12] = static_cast<std::uint8_t>(record.content);
      job.aad_bytes = 13;
    }
    const std::size_t payload_at = record.offset + kHeaderBytes + (tls13 ? 0 : kTls12ExplicitNonce);
    pending_seal_.push_back(PendingSeal{batch.jobs.size(), record, payload_at});
    batch.jobs.push_back(offload::GcmHostJob{job, nullptr, nullptr});
    ++write_.seq;
    // After a KeyUpdate the next records need the new key, which the slot
    // gets only once this batch has run; after a closing alert nothing goes.
    if (record.key_update || record.closes) break;
  }
  // out_ has stopped moving: point the jobs at their payloads in it.
  for (const PendingSeal& p : pending_seal_) {
    offload::GcmHostJob& j = batch.jobs[p.job];
    j.out = out_.data() + p.payload;
    j.in = j.out;
  }
  return pending_seal_.size();
}

void RecordLayer::drop_unsealed() {
  if (out_.size() > sealed_end_) {
    wipe_bytes(out_.data() + sealed_end_, out_.size() - sealed_end_);
    out_.resize(sealed_end_);
  }
  staged_.clear();
}

void RecordLayer::complete_seal(const GcmBatch& batch) {
  if (pending_seal_.empty()) return;
  const std::vector<PendingSeal> pending = std::exchange(pending_seal_, {});
  for (const PendingSeal& p : pending) {
    const offload::GcmJob& job = batch.jobs.at(p.job).job;
    const offload::GcmResult& res = batch.results.at(p.job);
    if (static_cast<offload::GcmStatus>(res.status) != offload::GcmStatus::kOk) {
      // The engine did not seal: nothing more can be sent correctly, and
      // what was framed for it is still plaintext.
      drop_unsealed();
      fatal_ = read_closed_ = write_closed_ = write_close_queued_ = true;
      close_info_ = CloseInfo{.alert = alert::kInternalError,
                              .reason = "offload engine failed to seal a record (status " +
                                        std::to_string(static_cast<int>(res.status)) + ")"};
      return;
    }
    const std::size_t tag_at = p.payload + job.length;
    std::memcpy(out_.data() + tag_at, res.tag, kTag);
    sealed_end_ = tag_at + kTag;
    if (p.record.key_update) {
      key_update_queued_ = false;
      if (!rekey_tls13(write_)) {
        drop_unsealed();
        fatal_ = read_closed_ = write_closed_ = write_close_queued_ = true;
        close_info_ = CloseInfo{.alert = alert::kInternalError, .reason = "could not derive the next write key"};
        return;
      }
      ++write_updates_;
    }
    if (p.record.closes) {
      write_closed_ = true;
      drop_staged();
    }
  }
}

OpenResult RecordLayer::process(std::string& app_data) {
  OpenResult total;
  GcmBatch batch;
  while (wants_open()) {
    batch.clear();
    if (prepare_open(batch) == 0) break;
    batch.run(engine());
    const OpenResult r = complete_open(batch, app_data);
    total.records += r.records;
    total.app_bytes += r.app_bytes;
  }
  while (wants_seal()) {
    batch.clear();
    if (prepare_seal(batch) == 0) break;
    batch.run(engine());
    complete_seal(batch);
  }
  batch.wipe();
  return total;
}

void RecordLayer::consume_output(std::size_t n) {
  out_pos_ += std::min(n, sealed_end_ - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = sealed_end_ = 0;
  }
}

std::vector<std::uint8_t> RecordLayer::take_output() {
  const auto begin = out_.begin() + static_cast<std::ptrdiff_t>(out_pos_);
  const auto end = out_.begin() + static_cast<std::ptrdiff_t>(sealed_end_);
  std::vector<std::uint8_t> bytes(begin, end);
  out_.erase(out_.begin(), end);
  out_pos_ = 0;
  sealed_end_ = 0;
  return bytes;
}

RecordState RecordLayer::state() const {
  if (fatal_ || (write_closed_ && read_closed_)) return RecordState::kClosed;
  if (write_close_queued_ || read_closed_) return RecordState::kClosing;
  return RecordState::kOpen;
}

void run_batched(offload::GcmEngine& engine, std::span<const BatchMember> members, GcmBatch& scratch) {
  // Open rounds: a round leaves work behind only when a KeyUpdate changed a
  // read key mid-batch, and each round consumes at least that record.
  for (;;) {
    scratch.clear();
    bool any = false;
    for (const BatchMember& m : members) {
      if (m.layer->wants_open()) {
        any = true;
        m.layer->prepare_open(scratch);
      }
    }
    if (!any) break;
    scratch.run(engine);
    for (const BatchMember& m : members) m.layer->complete_open(scratch, *m.app_data);
    scratch.wipe_used();  // it held the opened plaintext
  }
  // Seal rounds: likewise only our own KeyUpdate splits a connection's
  // output over two rounds.
  for (;;) {
    scratch.clear();
    bool any = false;
    for (const BatchMember& m : members) {
      if (m.layer->wants_seal()) {
        any = true;
        m.layer->prepare_seal(scratch);
      }
    }
    if (!any) break;
    scratch.run(engine);
    // Sealed in place in each layer's output; a layer whose job the engine
    // refused wipes what it had framed.
    for (const BatchMember& m : members) m.layer->complete_seal(scratch);
  }
  scratch.clear();
}

}  // namespace sipnic::tls
