// TLS 1.3 and TLS 1.2 record-key derivation on OpenSSL 3's EVP_KDF. Every
// EVP handle is owned by a unique_ptr; every intermediate buffer that held
// key material is wiped with OPENSSL_cleanse before it goes out of scope.
#include "tls/key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>
#include <ostream>
#include <vector>

#include "core/ossl_ptr.h"

namespace sipnic::tls {

// ---- Secret ----------------------------------------------------------------

Secret::Secret(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxBytes) return;
  if (!bytes.empty()) std::memcpy(bytes_.data(), bytes.data(), bytes.size());
  size_ = bytes.size();
}

Secret::~Secret() { clear(); }

Secret::Secret(const Secret& other) : size_(other.size_) { bytes_ = other.bytes_; }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    clear();
    bytes_ = other.bytes_;
    size_ = other.size_;
  }
  return *this;
}

Secret::Secret(Secret&& other) noexcept : bytes_(other.bytes_), size_(other.size_) { other.clear(); }

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = other.bytes_;
    size_ = other.size_;
    other.clear();
  }
  return *this;
}

void Secret::clear() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
  size_ = 0;
}

bool operator==(const Secret& a, const Secret& b) {
  return a.size_ == b.size_ && CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), a.size_) == 0;
}

std::ostream& operator<<(std::ostream& os, const Secret& secret) {
  return os << "Secret(" << secret.size() << " bytes)";
}

void PrintTo(const Secret& secret, std::ostream* os) { *os << secret; }

// ---- suites ------------------------------------------------------------------

std::size_t hash_bytes(Hash hash) { return hash == Hash::kSha384 ? 48 : 32; }

Hash suite_hash(GcmSuite suite) { return suite == GcmSuite::kAes256GcmSha384 ? Hash::kSha384 : Hash::kSha256; }

std::size_t suite_key_bytes(GcmSuite suite) { return suite == GcmSuite::kAes256GcmSha384 ? 32 : 16; }

namespace {

const char* digest_name(Hash hash) { return hash == Hash::kSha384 ? "SHA384" : "SHA256"; }

// Runs one EVP_KDF derivation; on failure `out` is zeroed so that no caller
// can use a half-written key by mistake.
bool derive(const char* kdf_name, const OSSL_PARAM* params, std::span<std::uint8_t> out) {
  bool ok = false;
  // Fetched per call: derivation happens per handshake or KeyUpdate, not per
  // record, and OpenSSL caches fetched algorithms itself; keeping none here
  // keeps this file free of shared state.
  core::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, kdf_name, nullptr));
  if (kdf) {
    // EVP_KDF_CTX_free (the deleter) cleanses the key the context was given.
    core::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
    ok = ctx && EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
  }
  if (!ok && !out.empty()) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

// OSSL_PARAM wants non-const pointers even for inputs; the KDFs only read them.
OSSL_PARAM octets(const char* key, std::span<const std::uint8_t> bytes) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(bytes.data()), bytes.size());
}
OSSL_PARAM utf8(const char* key, const char* value) {
  return OSSL_PARAM_construct_utf8_string(key, const_cast<char*>(value), 0);
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A Secret of `length` bytes filled by `fill`; nullopt if it does not fit or
// `fill` fails.
template <typename Fill>
std::optional<Secret> make_secret(std::size_t length, Fill fill) {
  if (length == 0 || length > Secret::kMaxBytes) return std::nullopt;
  std::array<std::uint8_t, Secret::kMaxBytes> buf{};
  std::optional<Secret> result;
  if (fill(std::span<std::uint8_t>(buf.data(), length))) result.emplace(std::span<const std::uint8_t>(buf.data(), length));
  OPENSSL_cleanse(buf.data(), buf.size());
  return result;
}

constexpr std::string_view kTls13LabelPrefix = "tls13 ";
constexpr std::size_t kTls13IvBytes = 12;

}  // namespace

// ---- TLS 1.3 -----------------------------------------------------------------

bool hkdf_expand_label(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                       std::span<const std::uint8_t> context, std::span<std::uint8_t> out) {
  const std::size_t full_label = kTls13LabelPrefix.size() + label.size();
  if (out.empty() || out.size() > 255 * hash_bytes(hash) || full_label > 255 || context.size() > 255 ||
      secret.empty()) {
    if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
    return false;
  }

  // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel;
  // The context is a transcript hash or empty: public, so no wipe needed.
  std::vector<std::uint8_t> info;
  info.reserve(2 + 1 + full_label + 1 + context.size());
  info.push_back(static_cast<std::uint8_t>(out.size() >> 8));
  info.push_back(static_cast<std::uint8_t>(out.size()));
  info.push_back(static_cast<std::uint8_t>(full_label));
  info.insert(info.end(), kTls13LabelPrefix.begin(), kTls13LabelPrefix.end());
  info.insert(info.end(), label.begin(), label.end());
  info.push_back(static_cast<std::uint8_t>(context.size()));
  info.insert(info.end(), context.begin(), context.end());

  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      utf8(OSSL_KDF_PARAM_DIGEST, digest_name(hash)),
      octets(OSSL_KDF_PARAM_KEY, secret),
      octets(OSSL_KDF_PARAM_INFO, info),
      OSSL_PARAM_construct_end(),
  };
  return derive("HKDF", params, out);
}

std::optional<Secret> hkdf_expand_label(Hash hash, const Secret& secret, std::string_view label,
                                        std::span<const std::uint8_t> context, std::size_t length) {
  return make_secret(length, [&](std::span<std::uint8_t> out) {
    return hkdf_expand_label(hash, secret.bytes(), label, context, out);
  });
}

std::optional<TrafficKeys> tls13_traffic_keys(GcmSuite suite, const Secret& traffic_secret) {
  const Hash hash = suite_hash(suite);
  if (traffic_secret.size() != hash_bytes(hash)) return std::nullopt;
  auto key = hkdf_expand_label(hash, traffic_secret, "key", {}, suite_key_bytes(suite));
  auto iv = hkdf_expand_label(hash, traffic_secret, "iv", {}, kTls13IvBytes);
  if (!key || !iv) return std::nullopt;
  return TrafficKeys{std::move(*key), std::move(*iv)};
}

std::optional<Secret> tls13_next_traffic_secret(GcmSuite suite, const Secret& traffic_secret) {
  const Hash hash = suite_hash(suite);
  if (traffic_secret.size() != hash_bytes(hash)) return std::nullopt;
  return hkdf_expand_label(hash, traffic_secret, "traffic upd", {}, hash_bytes(hash));
}

// ---- TLS 1.2 -----------------------------------------------------------------

bool tls12_prf(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
               std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) {
  if (out.empty()) return false;
  // The PRF's seed is label + seed (RFC 5246 §5); both are public (randoms).
  std::vector<std::uint8_t> label_and_seed;
  label_and_seed.reserve(label.size() + seed.size());
  const auto label_bytes = as_bytes(label);
  label_and_seed.insert(label_and_seed.end(), label_bytes.begin(), label_bytes.end());
  label_and_seed.insert(label_and_seed.end(), seed.begin(), seed.end());

  const OSSL_PARAM params[] = {
      utf8(OSSL_KDF_PARAM_DIGEST, digest_name(hash)),
      octets(OSSL_KDF_PARAM_SECRET, secret),
      octets(OSSL_KDF_PARAM_SEED, label_and_seed),
      OSSL_PARAM_construct_end(),
  };
  return derive("TLS1-PRF", params, out);
}

std::optional<Tls12KeyBlock> tls12_key_block(GcmSuite suite, const Secret& master_secret,
                                             std::span<const std::uint8_t, kTls12RandomBytes> client_random,
                                             std::span<const std::uint8_t, kTls12RandomBytes> server_random) {
  if (master_secret.size() != kTls12MasterSecretBytes) return std::nullopt;
  const std::size_t key_bytes = suite_key_bytes(suite);

  // key_block seed is server_random + client_random (RFC 5246 §6.3: the
  // reverse of the master secret's order).
  std::array<std::uint8_t, 2 * kTls12RandomBytes> seed{};
  std::memcpy(seed.data(), server_random.data(), kTls12RandomBytes);
  std::memcpy(seed.data() + kTls12RandomBytes, client_random.data(), kTls12RandomBytes);

  // client_write_MAC_key[0] server_write_MAC_key[0] client_write_key[k]
  // server_write_key[k] client_write_IV[4] server_write_IV[4]
  std::array<std::uint8_t, 2 * 32 + 2 * kTls12GcmSaltBytes> block{};
  const std::span<std::uint8_t> used(block.data(), 2 * key_bytes + 2 * kTls12GcmSaltBytes);
  std::optional<Tls12KeyBlock> result;
  if (tls12_prf(suite_hash(suite), master_secret.bytes(), "key expansion", seed, used)) {
    const std::uint8_t* p = used.data();
    result.emplace();
    result->client_write_key = Secret({p, key_bytes});
    result->server_write_key = Secret({p + key_bytes, key_bytes});
    result->client_write_salt = Secret({p + 2 * key_bytes, kTls12GcmSaltBytes});
    result->server_write_salt = Secret({p + 2 * key_bytes + kTls12GcmSaltBytes, kTls12GcmSaltBytes});
  }
  OPENSSL_cleanse(block.data(), block.size());
  return result;
}

}  // namespace sipnic::tls
