// libFuzzer target: sipnic's TLS record layer (after takeover) fed hostile
// bytes through its batch API, TLS 1.3 and TLS 1.2.
//
// The input is a small script. Byte 0 picks the mode: bit 0 TLS 1.2 (else
// 1.3), bit 1 AES-256 (else AES-128), bit 2 the layer is the server. Then
// ops, one byte each plus operands:
//   raw     N bytes of the input appended to the wire (garbage, headers, ...)
//   record  a VALID record from the peer (known keys, the peer's current
//           sequence number): any content type, content and TLS 1.3
//           padding; a KeyUpdate crafted this way rekeys the crafter too, so
//           the fuzzer reaches KeyUpdate, alerts, tickets, renegotiation and
//           overflow paths without having to forge tags
//   big     a valid record of 2^14 - 1 .. 2^14 + 1 plaintext bytes
//   deliver the next K wire bytes to RecordLayer::feed (reads split at
//           fuzzer-chosen points)
//   turn    run_batched on the layer, its output to the checking peer
//   send / close / key update on the layer
// At the end everything left on the wire is delivered and turns run until
// the layer has no work.
//
// Invariants (abort on violation):
//  - application data comes out only from valid records: what the layer
//    delivered is always a prefix of the content of the crafted
//    application_data records, in order;
//  - everything the layer sends is correct TLS: a second RecordLayer with the
//    mirrored keys opens all of it without ever raising an alert of its own,
//    and the data it gets is a prefix of what was sent;
//  - states move only forward (kOpen -> kClosing -> kClosed), a closed read
//    side stays closed, close_info once set stays set, the read sequence
//    number only grows between KeyUpdates, and a finished layer sends
//    nothing more.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "offload/cpu_gcm_engine.h"
#include "tls/key_schedule.h"
#include "tls/record_layer.h"

namespace {

using namespace sipnic;
using tls::GcmSuite;
using tls::RecordState;
using tls::Secret;
using tls::TlsVersion;

void check(bool ok) {
  if (!ok) std::abort();
}

// The engine lives across inputs (creating one fetches the ciphers); each
// input's layers return their slots when they end.
offload::CpuGcmEngine& engine() {
  static offload::CpuGcmEngine e(64);
  return e;
}
tls::KeySlotPool& pool() {
  static tls::KeySlotPool p(engine());
  return p;
}
constexpr std::uint32_t kCrafterSlot = 63;  // outside the pool's use below

Secret fixed(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + 17 * i);
  return Secret(b);
}

class Input {
 public:
  explicit Input(std::span<const std::uint8_t> d) : d_(d) {}
  bool empty() const { return pos_ >= d_.size(); }
  std::uint8_t byte() { return empty() ? 0 : d_[pos_++]; }
  std::uint16_t u16() {
    const std::uint16_t hi = byte();
    return static_cast<std::uint16_t>((hi << 8) | byte());
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, d_.size() - std::min(pos_, d_.size()));
    auto s = d_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t pos_ = 0;
};

// The peer's write side, done by hand so that any record can be made.
class Crafter {
 public:
  Crafter(TlsVersion v, GcmSuite s, const Secret& secret_or_key, const Secret& salt, std::uint64_t seq)
      : version_(v), suite_(s), seq_(seq) {
    if (v == TlsVersion::kTls13) {
      secret_ = secret_or_key;
      load13();
    } else {
      key_ = secret_or_key;
      iv_ = salt;
    }
  }

  std::vector<std::uint8_t> seal(std::uint8_t type, std::span<const std::uint8_t> content, std::size_t pad) {
    const bool t13 = version_ == TlsVersion::kTls13;
    std::vector<std::uint8_t> payload(content.begin(), content.end());
    if (t13) {
      payload.push_back(type);
      payload.insert(payload.end(), pad, 0);
    }
    offload::GcmJob job{};
    job.key_slot = kCrafterSlot;
    job.op = static_cast<std::uint8_t>(offload::GcmOp::kEncrypt);
    job.length = static_cast<std::uint32_t>(payload.size());
    const std::size_t body = (t13 ? 0 : 8) + payload.size() + 16;
    const std::uint8_t header[] = {t13 ? std::uint8_t{23} : type, 3, 3, static_cast<std::uint8_t>(body >> 8),
                                   static_cast<std::uint8_t>(body)};
    std::uint8_t explicit_nonce[8];
    for (int i = 0; i < 8; ++i) explicit_nonce[i] = static_cast<std::uint8_t>(seq_ >> (56 - 8 * i));
    if (t13) {
      std::memcpy(job.nonce, iv_.bytes().data(), 12);
      for (int i = 0; i < 8; ++i) job.nonce[4 + i] ^= explicit_nonce[i];
      std::memcpy(job.aad, header, 5);
      job.aad_bytes = 5;
    } else {
      std::memcpy(job.nonce, iv_.bytes().data(), 4);
      std::memcpy(job.nonce + 4, explicit_nonce, 8);
      std::memcpy(job.aad, explicit_nonce, 8);
      job.aad[8] = type;
      job.aad[9] = 3;
      job.aad[10] = 3;
      job.aad[11] = static_cast<std::uint8_t>(payload.size() >> 8);
      job.aad[12] = static_cast<std::uint8_t>(payload.size());
      job.aad_bytes = 13;
    }
    check(engine().set_key(kCrafterSlot, key_.bytes()));
    offload::GcmResult result{};
    engine().run(payload, {&job, 1}, {&result, 1});
    engine().clear_key(kCrafterSlot);
    check(result.status == 0);
    std::vector<std::uint8_t> rec(header, header + 5);
    if (!t13) rec.insert(rec.end(), explicit_nonce, explicit_nonce + 8);
    rec.insert(rec.end(), payload.begin(), payload.end());
    rec.insert(rec.end(), result.tag, result.tag + 16);
    ++seq_;
    if (t13 && type == 22 && content.size() == 5 && content[0] == 24 && content[1] == 0 && content[2] == 0 &&
        content[3] == 1) {
      // A well-formed KeyUpdate: the peer switches keys after it (RFC 8446
      // §4.6.3); the layer must do the same to read what follows.
      auto next = tls::tls13_next_traffic_secret(suite_, secret_);
      check(next.has_value());
      secret_ = *next;
      load13();
      seq_ = 0;
    }
    return rec;
  }

 private:
  void load13() {
    auto keys = tls::tls13_traffic_keys(suite_, secret_);
    check(keys.has_value());
    key_ = keys->key;
    iv_ = keys->iv;
  }

  TlsVersion version_;
  GcmSuite suite_;
  Secret secret_, key_, iv_;
  std::uint64_t seq_;
};

bool is_prefix(const std::string& got, const std::string& of) {
  return got.size() <= of.size() && std::memcmp(got.data(), of.data(), got.size()) == 0;
}

int rank(RecordState s) {
  switch (s) {
    case RecordState::kOpen: return 0;
    case RecordState::kClosing: return 1;
    case RecordState::kClosed: return 2;
  }
  return 3;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Input in({data, size});
  const std::uint8_t mode = in.byte();
  const TlsVersion version = (mode & 1) ? TlsVersion::kTls12 : TlsVersion::kTls13;
  const GcmSuite suite = (mode & 2) ? GcmSuite::kAes256GcmSha384 : GcmSuite::kAes128GcmSha256;
  const bool layer_is_server = (mode & 4) != 0;
  const bool t13 = version == TlsVersion::kTls13;

  // Known keys: "peer -> layer" and "layer -> peer".
  const std::size_t secret_bytes = t13 ? tls::hash_bytes(tls::suite_hash(suite)) : tls::suite_key_bytes(suite);
  const Secret in_secret = fixed(secret_bytes, 0x11), out_secret = fixed(secret_bytes, 0x77);
  const Secret in_salt = fixed(4, 0x21), out_salt = fixed(4, 0x31);
  const std::uint64_t first_seq = t13 ? 0 : 1;
  auto state = [&](bool server, const Secret& rd, const Secret& rd_salt, const Secret& wr, const Secret& wr_salt) {
    tls::TakeoverState st;
    st.version = version;
    st.suite = suite;
    st.is_server = server;
    if (t13) {
      st.read.traffic_secret = rd;
      st.write.traffic_secret = wr;
    } else {
      st.read.key = rd;
      st.read.salt = rd_salt;
      st.write.key = wr;
      st.write.salt = wr_salt;
    }
    st.read.seq = st.write.seq = first_seq;
    return st;
  };
  auto acquire = [] {
    auto s = pool().acquire();
    check(s.has_value());
    return std::move(*s);
  };
  tls::RecordLayer layer(pool(), acquire(), acquire(), state(layer_is_server, in_secret, in_salt, out_secret, out_salt));
  tls::RecordLayer peer(pool(), acquire(), acquire(), state(!layer_is_server, out_secret, out_salt, in_secret, in_salt));
  check(layer.state() == RecordState::kOpen && peer.state() == RecordState::kOpen);
  Crafter crafter(version, suite, in_secret, in_salt, first_seq);

  std::vector<std::uint8_t> wire;
  std::size_t wire_pos = 0;
  std::string expected_in;   // content of crafted application_data records
  std::string delivered;     // what the layer opened
  std::string sent;          // what the layer was given to send
  std::string peer_got;      // what the checking peer opened
  std::string ignored;
  tls::GcmBatch scratch;

  int last_rank = 0;
  bool was_peer_closed = false, had_close_info = false;
  std::uint64_t last_read_seq = layer.read_seq(), last_updates = 0;

  auto deliver = [&](std::size_t k) {
    k = std::min(k, wire.size() - wire_pos);
    if (k == 0) return;
    layer.feed({wire.data() + wire_pos, k});
    wire_pos += k;
  };
  auto turn = [&] {
    const bool finished_before = layer.finished() && layer.output().empty();
    const tls::BatchMember m{&layer, &delivered};
    tls::run_batched(engine(), {&m, 1}, scratch);
    const auto out = layer.take_output();
    if (finished_before) check(out.empty());
    peer.feed(out);
    const tls::BatchMember pm{&peer, &peer_got};
    tls::run_batched(engine(), {&pm, 1}, scratch);
    (void)peer.take_output();  // the layer does not read the peer's answers

    check(is_prefix(delivered, expected_in));
    check(is_prefix(peer_got, sent));
    // The layer's records must always be acceptable to a correct peer.
    check(!(peer.close_info() && peer.close_info()->alert_sent));
    const int r = rank(layer.state());
    check(r >= last_rank && r <= 2);
    last_rank = r;
    check(!was_peer_closed || layer.peer_closed());
    was_peer_closed = layer.peer_closed();
    check(!had_close_info || layer.close_info().has_value());
    had_close_info = layer.close_info().has_value();
    if (layer.read_key_updates() == last_updates) check(layer.read_seq() >= last_read_seq);
    check(layer.read_key_updates() >= last_updates);
    if (!t13) check(layer.read_key_updates() == 0 && layer.write_key_updates() == 0);
    last_updates = layer.read_key_updates();
    last_read_seq = layer.read_seq();
  };

  int ops = 0;
  while (!in.empty() && ++ops < 256) {
    switch (in.byte() % 9) {
      case 0: {  // raw bytes
        auto b = in.take(in.byte());
        wire.insert(wire.end(), b.begin(), b.end());
        break;
      }
      case 1: {  // a valid record
        const std::uint8_t type = in.byte();
        const std::size_t pad = in.byte() % 32;
        auto content = in.take(in.u16() % 2048);
        auto rec = crafter.seal(type, content, t13 ? pad : 0);
        if (t13) {
          // What the receiver sees (RFC 8446 §5.4): the last non-zero byte
          // of content || type || zeros is the type, so a crafted type 0
          // makes the content's last non-zero byte the type.
          std::string inner(content.begin(), content.end());
          inner.push_back(static_cast<char>(type));
          while (!inner.empty() && inner.back() == 0) inner.pop_back();
          if (!inner.empty() && inner.back() == 23) expected_in.append(inner, 0, inner.size() - 1);
        } else if (type == 23) {
          expected_in.append(content.begin(), content.end());
        }
        wire.insert(wire.end(), rec.begin(), rec.end());
        break;
      }
      case 2: {  // a valid record around the 2^14 plaintext limit
        const std::uint8_t sel = in.byte();
        const std::vector<std::uint8_t> content(16383 + sel % 3, static_cast<std::uint8_t>(sel));
        auto rec = crafter.seal(23, content, 0);
        expected_in.append(content.begin(), content.end());
        wire.insert(wire.end(), rec.begin(), rec.end());
        break;
      }
      case 3:
        deliver(in.u16());
        break;
      case 4:
        turn();
        break;
      case 5: {
        auto b = in.take(in.u16() % 40000);
        const bool queued = layer.send(b);
        if (queued) sent.append(b.begin(), b.end());
        break;
      }
      case 6:
        layer.close();
        break;
      case 7:
        (void)layer.request_key_update((in.byte() & 1) != 0);
        break;
      case 8:
        deliver(wire.size());
        turn();
        break;
    }
  }
  deliver(wire.size());
  for (int i = 0; i < 64 && (layer.wants_open() || layer.wants_seal() || peer.wants_open()); ++i) turn();
  turn();
  // Whole, valid input is consumed: data delivered in full unless the layer
  // closed its read side.
  if (!layer.peer_closed() && layer.state() == RecordState::kOpen && wire_pos == wire.size()) {
    check(!layer.wants_open());
  }
  scratch.wipe();
  return 0;
}
