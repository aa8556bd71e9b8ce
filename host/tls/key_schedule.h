// Record-key derivation for the record layer that sipnic runs on the offload
// GcmEngine after OpenSSL has done the handshake (the map: "TLS: handshake in
// OpenSSL, records on the offload engine").
//
//  - TLS 1.3: HKDF-Expand-Label (RFC 8446 §7.1), traffic key and IV from a
//    traffic secret (§7.3), and the KeyUpdate step "traffic upd" (§7.2).
//  - TLS 1.2: the key block from the master secret by the PRF (RFC 5246
//    §6.3) with the suite's hash; AES-GCM suites have no MAC keys and a
//    4-byte implicit IV ("salt") per direction (RFC 5288 §3).
//
// Only the AES-GCM suites exist here, because only they run on the engine.
// All derivation goes through OpenSSL 3's EVP_KDF ("HKDF" expand-only and
// "TLS1-PRF"): no hand-rolled HMAC. Errors are values (std::optional / bool),
// never exceptions: the only failures are OpenSSL's or bad sizes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace sipnic::tls {

enum class Hash : std::uint8_t { kSha256, kSha384 };

// Output length of the hash in bytes (32 or 48).
std::size_t hash_bytes(Hash hash);

// The AES-GCM cipher suites, by what matters to the key schedule. TLS 1.3:
// TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384. TLS 1.2: the
// *_WITH_AES_128_GCM_SHA256 and *_WITH_AES_256_GCM_SHA384 suites (ECDHE-ECDSA,
// ECDHE-RSA, ...), whose PRF hash is the suite's hash.
enum class GcmSuite : std::uint8_t { kAes128GcmSha256, kAes256GcmSha384 };

Hash suite_hash(GcmSuite suite);
std::size_t suite_key_bytes(GcmSuite suite);  // 16 or 32

// Key material: a fixed-capacity byte string that wipes itself
// (OPENSSL_cleanse) when destroyed or overwritten, lives inline (no heap copy
// to forget), and never prints its bytes: operator<< and gtest's PrintTo
// show only the length.
class Secret {
 public:
  static constexpr std::size_t kMaxBytes = 64;

  Secret() = default;
  // Copies `bytes`; an empty Secret if there are more than kMaxBytes (check
  // size() when the input is not known to fit).
  explicit Secret(std::span<const std::uint8_t> bytes);
  ~Secret();
  Secret(const Secret& other);
  Secret& operator=(const Secret& other);
  // Moving copies and wipes the source: the bytes live inline, so a move
  // cannot steal a pointer.
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;

  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Wipes and empties.
  void clear();

  // Constant-time in the contents (CRYPTO_memcmp), for tests and checks.
  friend bool operator==(const Secret& a, const Secret& b);

 private:
  std::array<std::uint8_t, kMaxBytes> bytes_{};
  std::size_t size_ = 0;
};

// Prints "Secret(N bytes)", never the bytes, so a key cannot reach a log or a
// test failure message by accident.
std::ostream& operator<<(std::ostream& os, const Secret& secret);
void PrintTo(const Secret& secret, std::ostream* os);

// Key and IV of one direction (RFC 8446 §7.3). For TLS 1.3 `iv` is the
// 12-byte per-direction IV, XORed with the record sequence number to form
// the nonce (§5.3).
struct TrafficKeys {
  Secret key;  // 16 or 32 bytes
  Secret iv;   // 12 bytes
};

// ---- TLS 1.3 -------------------------------------------------------------

// RFC 8446 §7.1: HKDF-Expand(secret, HkdfLabel, out.size()) with
// HkdfLabel = uint16 length, opaque label<7..255> = "tls13 " + label,
// opaque context<0..255>. `secret` is the PRK (a traffic secret or an
// intermediate secret). False if a length is out of range (label longer
// than 249 bytes, context longer than 255, out longer than 255 * hash
// length or empty) or OpenSSL fails; `out` is then zeroed.
bool hkdf_expand_label(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                       std::span<const std::uint8_t> context, std::span<std::uint8_t> out);

// The same, into a Secret of `length` bytes (at most Secret::kMaxBytes).
std::optional<Secret> hkdf_expand_label(Hash hash, const Secret& secret, std::string_view label,
                                        std::span<const std::uint8_t> context, std::size_t length);

// RFC 8446 §7.3: key = HKDF-Expand-Label(secret, "key", "", key_length),
// iv = HKDF-Expand-Label(secret, "iv", "", 12). `traffic_secret` must be
// hash-length (32 or 48 bytes) for the suite, else nullopt.
std::optional<TrafficKeys> tls13_traffic_keys(GcmSuite suite, const Secret& traffic_secret);

// RFC 8446 §7.2 (KeyUpdate): application_traffic_secret_N+1 =
// HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length).
std::optional<Secret> tls13_next_traffic_secret(GcmSuite suite, const Secret& traffic_secret);

// ---- TLS 1.2 -------------------------------------------------------------

inline constexpr std::size_t kTls12RandomBytes = 32;
inline constexpr std::size_t kTls12MasterSecretBytes = 48;
inline constexpr std::size_t kTls12GcmSaltBytes = 4;

// RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed),
// `out.size()` bytes. False if OpenSSL fails or `out` is empty; `out` is
// then zeroed.
bool tls12_prf(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
               std::span<const std::uint8_t> seed, std::span<std::uint8_t> out);

// The AES-GCM key block (RFC 5246 §6.3 with RFC 5288 §3): PRF(master_secret,
// "key expansion", server_random + client_random), cut into client write
// key, server write key, client write salt, server write salt (the MAC keys
// are empty for AEAD suites). The record nonce is salt (4) + the 8-byte
// explicit nonce sent with each record.
struct Tls12KeyBlock {
  Secret client_write_key;
  Secret server_write_key;
  Secret client_write_salt;  // 4 bytes
  Secret server_write_salt;  // 4 bytes
};

// nullopt if master_secret is not 48 bytes or OpenSSL fails.
std::optional<Tls12KeyBlock> tls12_key_block(GcmSuite suite, const Secret& master_secret,
                                             std::span<const std::uint8_t, kTls12RandomBytes> client_random,
                                             std::span<const std::uint8_t, kTls12RandomBytes> server_random);

}  // namespace sipnic::tls
