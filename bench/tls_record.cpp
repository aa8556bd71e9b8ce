// bench/tls_record: TLS 1.3 record throughput, single thread, in one run:
// sipnic's record path against a plain OpenSSL EVP AES-GCM loop sealing and
// opening the same records.
//
//  - sipnic: two RecordLayers back to back (client seals, server opens), made
//    from a TakeoverState with known traffic secrets (no handshake needed:
//    the layer derives key and IV itself, RFC 8446 §7.3), on the cpu
//    GcmEngine. Everything of the record path is in the timed part: queueing
//    the application data, record framing (header, nonce = IV ^ seq, AAD,
//    inner content type), one GcmEngine::run_host per turn via run_batched
//    (sealing in place in the output buffer; opening from the input buffer
//    into the batch arena, which it then wipes), and the plaintext appended
//    to a stream buffer. Not timed: the transfer from the sender's output()
//    into the receiver's input_space(), which stands for the socket (the
//    kernel's copy; the transport reads straight into input_space()).
//  - EVP: the same records (same sizes, inner content type byte, same key
//    size), one EVP_CIPHER_CTX keyed once; per record: nonce from IV and
//    sequence number, EVP_CipherInit_ex with only the IV, AAD = the record
//    header, update, final + tag; sealed into a buffer of TLS records and
//    opened from it again into a plaintext buffer. That is the least work any
//    TLS record layer on EVP can do, so it is the bar.
//
// Each turn seals kRecordsPerTurn records of one size and opens them again.
// The two peers alternate in rounds (the machine is shared and noisy), and
// the ratio of each round is sipnic / EVP measured back to back; the table
// shows the median and the spread over rounds. The figures are measurements
// of the machine this runs on, not of sipnic in general.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/cpu_gcm_engine.h"
#include "tls/key_schedule.h"
#include "tls/record_layer.h"

namespace {

using Clock = std::chrono::steady_clock;
using sipnic::tls::GcmSuite;
using sipnic::tls::Secret;

using CtxPtr = sipnic::core::EvpCipherCtxPtr;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tls_record: %s\n", what);
  std::exit(1);
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

Secret random_secret(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) die("RAND_bytes failed");
  return Secret(b);
}

// ---- sipnic ---------------------------------------------------------------------------

class SipnicPath {
 public:
  SipnicPath(GcmSuite suite, std::size_t record_bytes)
      : engine_(64), pool_(engine_), plain_(record_bytes * kRecordsPerTurnMax(), 0) {
    const Secret client = random_secret(sipnic::tls::hash_bytes(sipnic::tls::suite_hash(suite)));
    const Secret server = random_secret(sipnic::tls::hash_bytes(sipnic::tls::suite_hash(suite)));
    sipnic::tls::TakeoverState c, s;
    c.version = s.version = sipnic::tls::TlsVersion::kTls13;
    c.suite = s.suite = suite;
    s.is_server = true;
    c.write.traffic_secret = s.read.traffic_secret = client;
    c.read.traffic_secret = s.write.traffic_secret = server;
    // max_fragment = the record size, so that one turn's data becomes
    // records of exactly that size (send() coalesces writes of a turn).
    sipnic::tls::RecordLayerOptions o;
    o.max_fragment = record_bytes;
    client_ = std::make_unique<sipnic::tls::RecordLayer>(pool_, *pool_.acquire(), *pool_.acquire(), std::move(c), o);
    server_ = std::make_unique<sipnic::tls::RecordLayer>(pool_, *pool_.acquire(), *pool_.acquire(), std::move(s), o);
    for (std::size_t i = 0; i < plain_.size(); ++i) plain_[i] = static_cast<std::uint8_t>(i * 131 + 7);
  }
  static constexpr std::size_t kRecordsPerTurnMax() { return 256; }

  // One turn: `records` records sealed by the client, opened by the server.
  // Returns false if the plaintext did not come back intact.
  bool turn(std::size_t records, std::size_t record_bytes, double& seal_s, double& open_s, bool check) {
    const std::size_t n = records * record_bytes;
    const auto t0 = Clock::now();
    client_->send({plain_.data(), n});
    const sipnic::tls::BatchMember cm{client_.get(), &ignored_};
    sipnic::tls::run_batched(engine_, {&cm, 1}, scratch_);
    const auto t1 = Clock::now();
    // The socket: the transport write(2)s output() and the peer's transport
    // read(2)s straight into the receiver's input_space(). Here one memcpy
    // stands for the kernel's copy; it is not timed, as the EVP loop has no
    // socket either (it opens from the very buffer it sealed into).
    const auto out = client_->output();
    const auto space = server_->input_space(out.size());
    std::memcpy(space.data(), out.data(), out.size());
    server_->commit_input(out.size());
    client_->consume_output(out.size());
    const auto t2 = Clock::now();
    const sipnic::tls::BatchMember sm{server_.get(), &stream_};
    sipnic::tls::run_batched(engine_, {&sm, 1}, scratch_);
    const auto t3 = Clock::now();
    seal_s += std::chrono::duration<double>(t1 - t0).count();
    open_s += std::chrono::duration<double>(t3 - t2).count();
    bool ok = stream_.size() == n && server_->state() == sipnic::tls::RecordState::kOpen;
    if (ok && check) ok = std::memcmp(stream_.data(), plain_.data(), n) == 0;
    // The SIP layer consumes its stream buffer after parsing.
    stream_.clear();
    return ok;
  }

 private:
  sipnic::offload::CpuGcmEngine engine_;
  sipnic::tls::KeySlotPool pool_;
  std::unique_ptr<sipnic::tls::RecordLayer> client_, server_;
  sipnic::tls::GcmBatch scratch_;
  std::vector<std::uint8_t> plain_;
  std::string ignored_, stream_;
};

// ---- EVP ------------------------------------------------------------------------------

class EvpPath {
 public:
  EvpPath(GcmSuite suite, std::size_t record_bytes)
      : ctx_(EVP_CIPHER_CTX_new()),
        plain_(record_bytes * SipnicPath::kRecordsPerTurnMax(), 0),
        wire_((record_bytes + 1 + 5 + 16) * SipnicPath::kRecordsPerTurnMax()),
        opened_(record_bytes * SipnicPath::kRecordsPerTurnMax() + 1) {
    const std::size_t key_bytes = sipnic::tls::suite_key_bytes(suite);
    const Secret key = random_secret(key_bytes);
    const Secret iv = random_secret(12);
    std::memcpy(iv_, iv.bytes().data(), 12);
    if (!ctx_ || EVP_CipherInit_ex(ctx_.get(), key_bytes == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), nullptr,
                                   key.bytes().data(), nullptr, 1) != 1) {
      die("EVP AES-GCM init failed");
    }
    for (std::size_t i = 0; i < plain_.size(); ++i) plain_[i] = static_cast<std::uint8_t>(i * 131 + 7);
  }

  bool turn(std::size_t records, std::size_t record_bytes, double& seal_s, double& open_s, bool check) {
    const auto t0 = Clock::now();
    std::size_t w = 0;
    for (std::size_t r = 0; r < records; ++r) {
      if (!seal(plain_.data() + r * record_bytes, record_bytes, wire_.data() + w)) return false;
      w += 5 + record_bytes + 1 + 16;
    }
    const auto t1 = Clock::now();
    std::size_t pos = 0;
    std::size_t plain = 0;
    for (std::size_t r = 0; r < records; ++r) {
      const std::size_t length = (std::size_t{wire_[pos + 3]} << 8) | wire_[pos + 4];
      std::size_t got = 0;
      if (!open(wire_.data() + pos, length, opened_.data() + plain, got)) return false;
      pos += 5 + length;
      plain += got;
    }
    const auto t2 = Clock::now();
    seal_s += std::chrono::duration<double>(t1 - t0).count();
    open_s += std::chrono::duration<double>(t2 - t1).count();
    const std::size_t n = records * record_bytes;
    return plain == n && (!check || std::memcmp(opened_.data(), plain_.data(), n) == 0);
  }

 private:
  void nonce(std::uint64_t seq, std::uint8_t* out) const {
    std::memcpy(out, iv_, 12);
    for (int i = 0; i < 8; ++i) out[4 + i] ^= static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  }

  // One TLS 1.3 record: header, ciphertext of content || type, tag.
  bool seal(const std::uint8_t* content, std::size_t n, std::uint8_t* rec) {
    const std::size_t length = n + 1 + 16;
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = static_cast<std::uint8_t>(length >> 8);
    rec[4] = static_cast<std::uint8_t>(length);
    std::uint8_t iv[12];
    nonce(write_seq_++, iv);
    const std::uint8_t type = 23;
    int outl = 0;
    std::uint8_t* ct = rec + 5;
    return EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv, 1) == 1 &&
           EVP_CipherUpdate(ctx_.get(), nullptr, &outl, rec, 5) == 1 &&
           EVP_CipherUpdate(ctx_.get(), ct, &outl, content, static_cast<int>(n)) == 1 &&
           EVP_CipherUpdate(ctx_.get(), ct + n, &outl, &type, 1) == 1 &&
           EVP_CipherFinal_ex(ctx_.get(), ct + n + 1, &outl) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, 16, ct + n + 1) == 1;
  }

  // Opens one record into `out`: content only (type byte checked, dropped).
  bool open(std::uint8_t* rec, std::size_t length, std::uint8_t* out, std::size_t& got) {
    if (length < 17) return false;
    const std::size_t n = length - 16;
    std::uint8_t iv[12];
    nonce(read_seq_++, iv);
    int outl = 0;
    if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv, 0) != 1 ||
        EVP_CipherUpdate(ctx_.get(), nullptr, &outl, rec, 5) != 1 ||
        EVP_CipherUpdate(ctx_.get(), out, &outl, rec + 5, static_cast<int>(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, 16, rec + 5 + n) != 1 ||
        EVP_CipherFinal_ex(ctx_.get(), out + n, &outl) != 1) {
      return false;
    }
    if (out[n - 1] != 23) return false;  // inner content type, no padding
    got = n - 1;
    return true;
  }

  CtxPtr ctx_;
  std::uint8_t iv_[12];
  std::uint64_t write_seq_ = 0, read_seq_ = 0;
  std::vector<std::uint8_t> plain_, wire_, opened_;
};

// ---- measurement ----------------------------------------------------------------------

struct Figures {
  double seal_mbps = 0, open_mbps = 0, both_mbps = 0;  // application bytes per second
};

template <typename Path>
Figures measure(Path& path, std::size_t records, std::size_t record_bytes, double min_seconds) {
  double seal = 0, open = 0;
  std::uint64_t turns = 0;
  const auto start = Clock::now();
  do {
    for (int i = 0; i < 8; ++i) {
      if (!path.turn(records, record_bytes, seal, open, turns == 0)) die("records did not round-trip intact");
      ++turns;
    }
  } while (std::chrono::duration<double>(Clock::now() - start).count() < min_seconds);
  const double bytes = static_cast<double>(turns * records * record_bytes);
  return {bytes / seal / 1e6, bytes / open / 1e6, bytes / (seal + open) / 1e6};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Row {
  const char* suite;
  const char* label;
  std::size_t size;
  Figures sipnic, evp;        // medians over rounds
  double ratio = 0;           // median of per-round ratios (seal + open)
  double ratio_min = 0, ratio_max = 0;
};

Row run_size(GcmSuite suite, const char* suite_name, const char* label, std::size_t size, int rounds,
             double seconds) {
  // Records per turn: a turn of a busy node carries many records (many
  // connections' messages in one engine run); at least 64 KiB per turn, at
  // most kRecordsPerTurnMax records.
  const std::size_t records =
      std::min<std::size_t>(SipnicPath::kRecordsPerTurnMax(), std::max<std::size_t>(4, 65536 / size));
  SipnicPath sipnic(suite, size);
  EvpPath evp(suite, size);
  // Warm-up: page in the buffers, let the CPU clock settle.
  measure(sipnic, records, size, 0.05);
  measure(evp, records, size, 0.05);
  std::vector<double> s_seal, s_open, s_both, e_seal, e_open, e_both, ratios;
  for (int r = 0; r < rounds; ++r) {
    // Alternate who goes first, so that a slow phase of the machine does
    // not always hit the same peer.
    Figures s, e;
    if (r % 2 == 0) {
      s = measure(sipnic, records, size, seconds);
      e = measure(evp, records, size, seconds);
    } else {
      e = measure(evp, records, size, seconds);
      s = measure(sipnic, records, size, seconds);
    }
    s_seal.push_back(s.seal_mbps);
    s_open.push_back(s.open_mbps);
    s_both.push_back(s.both_mbps);
    e_seal.push_back(e.seal_mbps);
    e_open.push_back(e.open_mbps);
    e_both.push_back(e.both_mbps);
    ratios.push_back(s.both_mbps / e.both_mbps);
  }
  Row row{suite_name, label, size, {}, {}};
  row.sipnic = {median(s_seal), median(s_open), median(s_both)};
  row.evp = {median(e_seal), median(e_open), median(e_both)};
  row.ratio = median(ratios);
  row.ratio_min = *std::min_element(ratios.begin(), ratios.end());
  row.ratio_max = *std::max_element(ratios.begin(), ratios.end());
  return row;
}

}  // namespace

int main() {
  const int rounds = std::max(1, env_int("TLS_RECORD_ROUNDS", 5));
  const double seconds = std::max(1, env_int("TLS_RECORD_MS", 300)) / 1000.0;
  const bool with_256 = env_int("TLS_RECORD_AES256", 1) != 0;
  struct Size {
    const char* label;
    std::size_t bytes;
  };
  const Size sizes[] = {{"256", 256}, {"1k", 1024}, {"16k", 16384}};

  // TLS_RECORD_ONLY=1k (a size label) runs one size, for profiling.
  const char* only = std::getenv("TLS_RECORD_ONLY");
  std::vector<Row> rows;
  for (GcmSuite suite : {GcmSuite::kAes128GcmSha256, GcmSuite::kAes256GcmSha384}) {
    const bool aes128 = suite == GcmSuite::kAes128GcmSha256;
    if (!aes128 && !with_256) continue;
    for (const Size& s : sizes) {
      if (only != nullptr && *only != '\0' && std::strcmp(only, s.label) != 0) continue;
      rows.push_back(run_size(suite, aes128 ? "AES-128-GCM" : "AES-256-GCM", s.label, s.bytes, rounds, seconds));
    }
  }

  std::printf("TLS 1.3 records, seal + open, single thread, %d rounds of %.0f ms per peer and size "
              "(MB/s of application data, medians; measured on this machine)\n",
              rounds, seconds * 1000);
  std::printf("%-12s %6s | %9s %9s %9s | %9s %9s %9s | %7s %15s\n", "suite", "record", "sipnic", "seal", "open",
              "EVP", "seal", "open", "ratio", "spread(min-max)");
  for (const Row& r : rows) {
    std::printf("%-12s %6zu | %9.0f %9.0f %9.0f | %9.0f %9.0f %9.0f | %6.2fx %7.2f-%.2fx\n", r.suite, r.size,
                r.sipnic.both_mbps, r.sipnic.seal_mbps, r.sipnic.open_mbps, r.evp.both_mbps, r.evp.seal_mbps,
                r.evp.open_mbps, r.ratio, r.ratio_min, r.ratio_max);
  }
  std::printf("sipnic = RecordLayer -> run_batched -> CpuGcmEngine, framing included; "
              "EVP = one EVP_CIPHER_CTX, per record IV + AAD + update + final/tag.\n");
  for (const Row& r : rows) {
    const bool aes128 = std::strcmp(r.suite, "AES-128-GCM") == 0;
    const std::string suffix = std::string(aes128 ? "" : "aes256_") + r.label;
    std::printf("BENCH tls_record.sipnic_mb_per_s_%s %.0f MB/s\n", suffix.c_str(), r.sipnic.both_mbps);
    std::printf("BENCH tls_record.evp_mb_per_s_%s %.0f MB/s\n", suffix.c_str(), r.evp.both_mbps);
    std::printf("BENCH tls_record.ratio_vs_evp_%s %.2f x\n", suffix.c_str(), r.ratio);
  }
  return 0;
}
