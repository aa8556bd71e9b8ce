// Key schedule: RFC 8448 §3 (Simple 1-RTT Handshake) values for TLS 1.3
// HKDF-Expand-Label and traffic keys, the published TLS 1.2 PRF vectors, and
// real in-memory OpenSSL sessions (TLS 1.2 and TLS 1.3, both GCM suites,
// KeyUpdate) whose records are opened on the offload GcmEngine with keys
// derived here from the keylog secrets: the independent check that the
// whole chain (secret -> key/IV/salt -> nonce/AAD -> GCM) is right.
#include "tls/key_schedule.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/cpu_gcm_engine.h"
#include "support/hex.h"

namespace sipnic::tls {
namespace {

using Bytes = std::vector<std::uint8_t>;

using test::from_hex;

Secret secret_hex(std::string_view hex) { return Secret(from_hex(hex)); }
Bytes bytes_of(const Secret& s) { return Bytes(s.bytes().begin(), s.bytes().end()); }

// ---- RFC 8448 §3, Simple 1-RTT Handshake (TLS_AES_128_GCM_SHA256) -------------

constexpr std::string_view kEarlySecret = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
constexpr std::string_view kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";  // SHA-256("")
constexpr std::string_view kDerivedForHandshake = "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";
constexpr std::string_view kHandshakeSecret = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
constexpr std::string_view kHashClientHelloServerHello = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
constexpr std::string_view kClientHandshakeTrafficSecret = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
constexpr std::string_view kServerHandshakeTrafficSecret = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
constexpr std::string_view kDerivedForMaster = "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4";
constexpr std::string_view kServerHandshakeKey = "3fce516009c21727d0f2e4e86ee403bc";
constexpr std::string_view kServerHandshakeIv = "5d313eb2671276ee13000b30";
constexpr std::string_view kServerFinishedKey = "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8";
constexpr std::string_view kClientHandshakeKey = "dbfaa693d1762c5b666af5d950258d01";
constexpr std::string_view kClientHandshakeIv = "5bd3c71b836e0b76bb73265f";
constexpr std::string_view kClientApplicationTrafficSecret = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
constexpr std::string_view kServerApplicationTrafficSecret = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
constexpr std::string_view kServerApplicationKey = "9f02283b6c9c07efc26bb9f2ac92e356";
constexpr std::string_view kServerApplicationIv = "cf782b88dd83549aadf1e984";
constexpr std::string_view kClientApplicationKey = "17422dda596ed5d9acd890e3c63f5051";
constexpr std::string_view kClientApplicationIv = "5b78923dee08579033e523d9";

void expect_traffic_keys(std::string_view secret, std::string_view key, std::string_view iv) {
  const auto keys = tls13_traffic_keys(GcmSuite::kAes128GcmSha256, secret_hex(secret));
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(bytes_of(keys->key), from_hex(key));
  EXPECT_EQ(bytes_of(keys->iv), from_hex(iv));
}

TEST(KeyScheduleRfc8448, ServerHandshakeTrafficSecretGivesServerHandshakeKeyAndIv) {
  expect_traffic_keys(kServerHandshakeTrafficSecret, kServerHandshakeKey, kServerHandshakeIv);
}

TEST(KeyScheduleRfc8448, ClientHandshakeTrafficSecretGivesClientHandshakeKeyAndIv) {
  expect_traffic_keys(kClientHandshakeTrafficSecret, kClientHandshakeKey, kClientHandshakeIv);
}

TEST(KeyScheduleRfc8448, ServerApplicationTrafficSecretGivesServerApplicationKeyAndIv) {
  expect_traffic_keys(kServerApplicationTrafficSecret, kServerApplicationKey, kServerApplicationIv);
}

TEST(KeyScheduleRfc8448, ClientApplicationTrafficSecretGivesClientApplicationKeyAndIv) {
  expect_traffic_keys(kClientApplicationTrafficSecret, kClientApplicationKey, kClientApplicationIv);
}

TEST(KeyScheduleRfc8448, ExpandLabelWithATranscriptHashContextGivesTheTracesSecrets) {
  // Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Hash(Messages), 32):
  // these use a non-empty context, which the traffic keys do not.
  const Bytes empty_hash = from_hex(kEmptyHash);
  const Bytes ch_sh = from_hex(kHashClientHelloServerHello);
  struct Case {
    std::string_view secret, label;
    const Bytes& context;
    std::string_view want;
  };
  const Case cases[] = {
      {kEarlySecret, "derived", empty_hash, kDerivedForHandshake},
      {kHandshakeSecret, "c hs traffic", ch_sh, kClientHandshakeTrafficSecret},
      {kHandshakeSecret, "s hs traffic", ch_sh, kServerHandshakeTrafficSecret},
      {kHandshakeSecret, "derived", empty_hash, kDerivedForMaster},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.label));
    const auto out = hkdf_expand_label(Hash::kSha256, secret_hex(c.secret), c.label, c.context, 32);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(bytes_of(*out), from_hex(c.want));
  }
}

TEST(KeyScheduleRfc8448, ServerFinishedKeyIsExpandLabelFinished) {
  const auto out = hkdf_expand_label(Hash::kSha256, secret_hex(kServerHandshakeTrafficSecret), "finished", {}, 32);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(bytes_of(*out), from_hex(kServerFinishedKey));
}

// ---- TLS 1.2 PRF, published vectors --------------------------------------------
// The IETF TLS WG list's P_SHA256 / P_SHA384 vectors
// (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), as used
// by BearSSL's and other stacks' known-answer tests.

TEST(KeyScheduleTls12Prf, Sha256MatchesThePublishedVector) {
  const Bytes secret = from_hex("9bbe436ba940f017b17652849a71db35");
  const Bytes seed = from_hex("a0ba9f936cda311827a6f796ffd5198c");
  const Bytes want = from_hex(
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
      "87347b66");
  ASSERT_EQ(want.size(), 100u);
  Bytes out(want.size());
  ASSERT_TRUE(tls12_prf(Hash::kSha256, secret, "test label", seed, out));
  EXPECT_EQ(out, want);
}

TEST(KeyScheduleTls12Prf, Sha384MatchesThePublishedVector) {
  const Bytes secret = from_hex("b80b733d6ceefcdc71566ea48e5567df");
  const Bytes seed = from_hex("cd665cf6a8447dd6ff8b27555edb7465");
  const Bytes want = from_hex(
      "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
      "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
      "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
      "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
      "91c8f3a26854308d5eaa3be85e0990703d73e56f");
  ASSERT_EQ(want.size(), 148u);
  Bytes out(want.size());
  ASSERT_TRUE(tls12_prf(Hash::kSha384, secret, "test label", seed, out));
  EXPECT_EQ(out, want);
}

// ---- input checks and Secret -----------------------------------------------------

TEST(KeySchedule, WrongSizedSecretsAndLengthsAreRefusedAsValues) {
  const Secret s32(Bytes(32, 0x11));
  const Secret s48(Bytes(48, 0x22));
  EXPECT_FALSE(tls13_traffic_keys(GcmSuite::kAes256GcmSha384, s32).has_value());  // SHA-384 wants 48
  EXPECT_FALSE(tls13_traffic_keys(GcmSuite::kAes128GcmSha256, s48).has_value());
  EXPECT_FALSE(tls13_next_traffic_secret(GcmSuite::kAes128GcmSha256, Secret{}).has_value());
  EXPECT_FALSE(hkdf_expand_label(Hash::kSha256, s32, "key", {}, Secret::kMaxBytes + 1).has_value());
  EXPECT_FALSE(hkdf_expand_label(Hash::kSha256, s32, "key", {}, 0).has_value());

  Bytes out(16, 0xee);
  EXPECT_FALSE(hkdf_expand_label(Hash::kSha256, s32.bytes(), std::string(250, 'x'), {}, out));  // "tls13 " + 250 > 255
  EXPECT_EQ(out, Bytes(16, 0)) << "a failed derivation leaves no half-written key";
  out.assign(16, 0xee);
  EXPECT_FALSE(hkdf_expand_label(Hash::kSha256, s32.bytes(), "key", Bytes(256, 0), out));
  EXPECT_EQ(out, Bytes(16, 0));

  const std::array<std::uint8_t, 32> random{};
  EXPECT_FALSE(tls12_key_block(GcmSuite::kAes128GcmSha256, s32, random, random).has_value());  // master is 48
  EXPECT_TRUE(tls12_key_block(GcmSuite::kAes128GcmSha256, s48, random, random).has_value());
}

TEST(KeySchedule, SecretNeverPrintsItsBytes) {
  const Secret s(from_hex("3fce516009c21727d0f2e4e86ee403bc"));
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "Secret(16 bytes)");
  EXPECT_EQ(::testing::PrintToString(s), "Secret(16 bytes)");
}

TEST(KeySchedule, SecretCopiesCompareEqualAndMovesWipeTheSource) {
  Secret a(from_hex("0102030405"));
  const Secret copy = a;
  EXPECT_EQ(copy, a);
  Secret moved = std::move(a);
  EXPECT_EQ(moved, copy);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is the point
  EXPECT_FALSE(moved == Secret(from_hex("0102030406")));
  EXPECT_TRUE(Secret(Bytes(Secret::kMaxBytes + 1, 1)).empty()) << "oversize input gives an empty Secret";
  moved.clear();
  EXPECT_TRUE(moved.empty());
}

// ---- real OpenSSL sessions, records opened on the GcmEngine -----------------------

using core::SslCtxPtr;
using core::SslPtr;

// Keylog lines land in the client context's app data: no global state.
void keylog_to_vector(const SSL* ssl, const char* line) {
  auto* lines = static_cast<std::vector<std::string>*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  lines->emplace_back(line);
}

// A client and a server over memory BIOs that the test pumps by hand, as
// sipnic's TLS layer does.
class SessionPair {
 public:
  SessionPair(int version, const char* cipher) {
    core::EvpPkeyPtr key(EVP_EC_gen("P-256"));
    core::X509Ptr cert(X509_new());
    if (!key || !cert) throw std::runtime_error("key or certificate allocation failed");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("keyschedule.test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");

    client_ctx_.reset(SSL_CTX_new(TLS_client_method()));
    server_ctx_.reset(SSL_CTX_new(TLS_server_method()));
    for (SSL_CTX* ctx : {client_ctx_.get(), server_ctx_.get()}) {
      SSL_CTX_set_min_proto_version(ctx, version);
      SSL_CTX_set_max_proto_version(ctx, version);
      if (version == TLS1_3_VERSION) {
        SSL_CTX_set_ciphersuites(ctx, cipher);
      } else {
        SSL_CTX_set_cipher_list(ctx, cipher);
      }
    }
    SSL_CTX_use_certificate(server_ctx_.get(), cert.get());
    SSL_CTX_use_PrivateKey(server_ctx_.get(), key.get());
    // No NewSessionTickets: the server's first application record is then
    // its first record under the application keys (TLS 1.3 sequence 0).
    SSL_CTX_set_num_tickets(server_ctx_.get(), 0);
    SSL_CTX_set_options(server_ctx_.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_app_data(client_ctx_.get(), &keylog_);
    SSL_CTX_set_keylog_callback(client_ctx_.get(), keylog_to_vector);

    client_.reset(SSL_new(client_ctx_.get()));
    server_.reset(SSL_new(server_ctx_.get()));
    client_in_ = mem_bio();
    client_out_ = BIO_new(BIO_s_mem());
    server_in_ = mem_bio();
    server_out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(client_.get(), client_in_, client_out_);  // the SSLs own the BIOs
    SSL_set_bio(server_.get(), server_in_, server_out_);
    SSL_set_connect_state(client_.get());
    SSL_set_accept_state(server_.get());
  }

  bool handshake() {
    for (int turn = 0; turn < 32; ++turn) {
      SSL_do_handshake(client_.get());
      SSL_do_handshake(server_.get());
      const bool moved = pump();
      if (SSL_is_init_finished(client_.get()) && SSL_is_init_finished(server_.get()) && !moved) return true;
    }
    return false;
  }

  // The records one side wrote and that are still in its output BIO.
  Bytes take_server_output() { return drain(server_out_); }
  Bytes take_client_output() { return drain(client_out_); }

  SSL* client() { return client_.get(); }
  SSL* server() { return server_.get(); }

  // The secret of a keylog line with this label, for this connection.
  std::optional<Secret> keylog_secret(std::string_view label) const {
    for (const std::string& line : keylog_) {
      std::istringstream in(line);
      std::string l, random, secret;
      in >> l >> random >> secret;
      if (l == label) return Secret(from_hex(secret));
    }
    return std::nullopt;
  }
  std::string keylog_client_random(std::string_view label) const {
    for (const std::string& line : keylog_) {
      std::istringstream in(line);
      std::string l, random;
      in >> l >> random;
      if (l == label) return random;
    }
    return {};
  }

 private:
  static BIO* mem_bio() {
    BIO* b = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(b, -1);  // empty means "try again", not end of stream
    return b;
  }
  static Bytes drain(BIO* b) {
    Bytes out;
    std::uint8_t buf[4096];
    int n = 0;
    while ((n = BIO_read(b, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
    return out;
  }
  bool pump() {
    const Bytes c = drain(client_out_);
    const Bytes s = drain(server_out_);
    if (!c.empty()) BIO_write(server_in_, c.data(), static_cast<int>(c.size()));
    if (!s.empty()) BIO_write(client_in_, s.data(), static_cast<int>(s.size()));
    return !c.empty() || !s.empty();
  }

  std::vector<std::string> keylog_;
  SslCtxPtr client_ctx_, server_ctx_;
  SslPtr client_, server_;
  BIO *client_in_ = nullptr, *client_out_ = nullptr, *server_in_ = nullptr, *server_out_ = nullptr;
};

struct Record {
  std::uint8_t type;
  Bytes header;  // 5 bytes
  Bytes body;
};

std::vector<Record> split_records(const Bytes& wire) {
  std::vector<Record> out;
  std::size_t i = 0;
  while (i + 5 <= wire.size()) {
    const std::size_t len = std::size_t{wire[i + 3]} << 8 | wire[i + 4];
    if (i + 5 + len > wire.size()) break;
    out.push_back({wire[i], Bytes(wire.begin() + static_cast<std::ptrdiff_t>(i), wire.begin() + static_cast<std::ptrdiff_t>(i + 5)),
                   Bytes(wire.begin() + static_cast<std::ptrdiff_t>(i + 5), wire.begin() + static_cast<std::ptrdiff_t>(i + 5 + len))});
    i += 5 + len;
  }
  EXPECT_EQ(i, wire.size()) << "trailing bytes that are not a whole record";
  return out;
}

// Opens one record body (ciphertext + 16-byte tag) on the offload engine.
std::optional<Bytes> open_on_engine(const Secret& key, const Bytes& nonce, const Bytes& aad, const Bytes& sealed) {
  if (sealed.size() < offload::kGcmTagBytes || nonce.size() != offload::kGcmNonceBytes) return std::nullopt;
  offload::CpuGcmEngine engine(1);
  if (!engine.set_key(0, key.bytes())) return std::nullopt;
  Bytes payload(sealed.begin(), sealed.end() - offload::kGcmTagBytes);
  offload::GcmJob job{};
  job.key_slot = 0;
  job.op = static_cast<std::uint8_t>(offload::GcmOp::kDecrypt);
  job.aad_bytes = static_cast<std::uint8_t>(aad.size());
  std::memcpy(job.nonce, nonce.data(), nonce.size());
  std::memcpy(job.aad, aad.data(), aad.size());
  job.offset = 0;
  job.length = static_cast<std::uint32_t>(payload.size());
  std::memcpy(job.tag, sealed.data() + payload.size(), offload::kGcmTagBytes);
  offload::GcmResult result{};
  engine.run(payload, {&job, 1}, {&result, 1});
  if (result.status != static_cast<std::uint8_t>(offload::GcmStatus::kOk)) return std::nullopt;
  return payload;
}

// TLS 1.3 (RFC 8446 §5.2, §5.3): nonce = iv XOR seq (left-padded), AAD = the
// record header; the plaintext ends with the inner content type.
std::optional<Bytes> open_tls13(const TrafficKeys& keys, std::uint64_t seq, const Record& rec, std::uint8_t& inner_type) {
  Bytes nonce(keys.iv.bytes().begin(), keys.iv.bytes().end());
  for (int i = 0; i < 8; ++i) nonce[nonce.size() - 1 - static_cast<std::size_t>(i)] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  auto plain = open_on_engine(keys.key, nonce, rec.header, rec.body);
  if (!plain) return std::nullopt;
  while (!plain->empty() && plain->back() == 0) plain->pop_back();  // padding
  if (plain->empty()) return std::nullopt;
  inner_type = plain->back();
  plain->pop_back();
  return plain;
}

// TLS 1.2 AES-GCM (RFC 5288 §3): nonce = salt (4) + explicit nonce (8, sent
// first in the body); AAD = seq (8) + type + version + plaintext length.
std::optional<Bytes> open_tls12(const Secret& key, const Secret& salt, std::uint64_t seq, const Record& rec) {
  if (rec.body.size() < 8 + offload::kGcmTagBytes) return std::nullopt;
  Bytes nonce(salt.bytes().begin(), salt.bytes().end());
  nonce.insert(nonce.end(), rec.body.begin(), rec.body.begin() + 8);
  const std::size_t plain_len = rec.body.size() - 8 - offload::kGcmTagBytes;
  Bytes aad;
  for (int i = 7; i >= 0; --i) aad.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
  aad.insert(aad.end(), rec.header.begin(), rec.header.begin() + 3);
  aad.push_back(static_cast<std::uint8_t>(plain_len >> 8));
  aad.push_back(static_cast<std::uint8_t>(plain_len));
  return open_on_engine(key, nonce, aad, Bytes(rec.body.begin() + 8, rec.body.end()));
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct SuiteCase {
  GcmSuite suite;
  const char* openssl_name;
};

class KeyScheduleTls12Session : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(KeyScheduleTls12Session, KeyBlockFromKeylogMasterSecretOpensBothDirectionsRecords) {
  SessionPair pair(TLS1_2_VERSION, GetParam().openssl_name);
  ASSERT_TRUE(pair.handshake());
  ASSERT_STREQ(SSL_get_cipher_name(pair.server()), GetParam().openssl_name);

  const auto master = pair.keylog_secret("CLIENT_RANDOM");
  ASSERT_TRUE(master.has_value()) << "no CLIENT_RANDOM keylog line";
  std::array<std::uint8_t, kTls12RandomBytes> client_random{}, server_random{};
  ASSERT_EQ(SSL_get_client_random(pair.client(), client_random.data(), client_random.size()), client_random.size());
  ASSERT_EQ(SSL_get_server_random(pair.client(), server_random.data(), server_random.size()), server_random.size());
  ASSERT_EQ(from_hex(pair.keylog_client_random("CLIENT_RANDOM")), Bytes(client_random.begin(), client_random.end()));

  const auto block = tls12_key_block(GetParam().suite, *master, client_random, server_random);
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->client_write_key.size(), suite_key_bytes(GetParam().suite));
  EXPECT_EQ(block->server_write_salt.size(), kTls12GcmSaltBytes);

  // Sequence 0 under the new keys was each side's Finished; data is seq 1.
  const std::string from_server = "SIP/2.0 200 OK from the server";
  const std::string from_client = "OPTIONS sip:node.sipnic.test SIP/2.0 from the client";
  ASSERT_EQ(SSL_write(pair.server(), from_server.data(), static_cast<int>(from_server.size())), static_cast<int>(from_server.size()));
  ASSERT_EQ(SSL_write(pair.client(), from_client.data(), static_cast<int>(from_client.size())), static_cast<int>(from_client.size()));
  const auto server_records = split_records(pair.take_server_output());
  const auto client_records = split_records(pair.take_client_output());
  ASSERT_EQ(server_records.size(), 1u);
  ASSERT_EQ(client_records.size(), 1u);
  ASSERT_EQ(server_records[0].type, 23);

  const auto server_plain = open_tls12(block->server_write_key, block->server_write_salt, 1, server_records[0]);
  ASSERT_TRUE(server_plain.has_value()) << "server record did not open with the derived server keys";
  EXPECT_EQ(*server_plain, text(from_server));
  const auto client_plain = open_tls12(block->client_write_key, block->client_write_salt, 1, client_records[0]);
  ASSERT_TRUE(client_plain.has_value()) << "client record did not open with the derived client keys";
  EXPECT_EQ(*client_plain, text(from_client));
  // The wrong direction's keys must not open it.
  EXPECT_FALSE(open_tls12(block->client_write_key, block->client_write_salt, 1, server_records[0]).has_value());
}

INSTANTIATE_TEST_SUITE_P(Suites, KeyScheduleTls12Session,
                         ::testing::Values(SuiteCase{GcmSuite::kAes128GcmSha256, "ECDHE-ECDSA-AES128-GCM-SHA256"},
                                           SuiteCase{GcmSuite::kAes256GcmSha384, "ECDHE-ECDSA-AES256-GCM-SHA384"}),
                         [](const auto& info) { return info.param.suite == GcmSuite::kAes128GcmSha256 ? "Aes128Sha256" : "Aes256Sha384"; });

class KeyScheduleTls13Session : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(KeyScheduleTls13Session, TrafficKeysFromKeylogSecretsOpenRecordsAndFollowKeyUpdate) {
  SessionPair pair(TLS1_3_VERSION, GetParam().openssl_name);
  ASSERT_TRUE(pair.handshake());
  ASSERT_STREQ(SSL_get_cipher_name(pair.server()), GetParam().openssl_name);
  const GcmSuite suite = GetParam().suite;

  const auto server_secret0 = pair.keylog_secret("SERVER_TRAFFIC_SECRET_0");
  const auto client_secret0 = pair.keylog_secret("CLIENT_TRAFFIC_SECRET_0");
  ASSERT_TRUE(server_secret0 && client_secret0);
  ASSERT_EQ(server_secret0->size(), hash_bytes(suite_hash(suite)));
  const auto server_keys0 = tls13_traffic_keys(suite, *server_secret0);
  const auto client_keys0 = tls13_traffic_keys(suite, *client_secret0);
  ASSERT_TRUE(server_keys0 && client_keys0);

  const std::string first = "first record under application keys";
  const std::string client_says = "client record under application keys";
  ASSERT_GT(SSL_write(pair.server(), first.data(), static_cast<int>(first.size())), 0);
  ASSERT_GT(SSL_write(pair.client(), client_says.data(), static_cast<int>(client_says.size())), 0);
  const auto s0 = split_records(pair.take_server_output());
  const auto c0 = split_records(pair.take_client_output());
  ASSERT_EQ(s0.size(), 1u);
  ASSERT_EQ(c0.size(), 1u);
  std::uint8_t inner = 0;
  auto plain = open_tls13(*server_keys0, 0, s0[0], inner);
  ASSERT_TRUE(plain.has_value()) << "server record did not open with the derived server keys";
  EXPECT_EQ(inner, 23);
  EXPECT_EQ(*plain, text(first));
  plain = open_tls13(*client_keys0, 0, c0[0], inner);
  ASSERT_TRUE(plain.has_value()) << "client record did not open with the derived client keys";
  EXPECT_EQ(*plain, text(client_says));

  // KeyUpdate: the KeyUpdate message goes under the old keys (seq 1), the
  // next data under "traffic upd" of the old secret (seq 0).
  ASSERT_EQ(SSL_key_update(pair.server(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  const std::string after = "record after KeyUpdate";
  ASSERT_GT(SSL_write(pair.server(), after.data(), static_cast<int>(after.size())), 0);
  const auto s1 = split_records(pair.take_server_output());
  ASSERT_EQ(s1.size(), 2u);
  plain = open_tls13(*server_keys0, 1, s1[0], inner);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(inner, 22);  // handshake
  ASSERT_FALSE(plain->empty());
  EXPECT_EQ((*plain)[0], 24);  // key_update

  const auto server_secret1 = tls13_next_traffic_secret(suite, *server_secret0);
  ASSERT_TRUE(server_secret1.has_value());
  const auto server_keys1 = tls13_traffic_keys(suite, *server_secret1);
  ASSERT_TRUE(server_keys1.has_value());
  plain = open_tls13(*server_keys1, 0, s1[1], inner);
  ASSERT_TRUE(plain.has_value()) << "record after KeyUpdate did not open with the updated keys";
  EXPECT_EQ(inner, 23);
  EXPECT_EQ(*plain, text(after));
  EXPECT_FALSE(open_tls13(*server_keys0, 2, s1[1], inner).has_value()) << "old keys must not open it";
}

INSTANTIATE_TEST_SUITE_P(Suites, KeyScheduleTls13Session,
                         ::testing::Values(SuiteCase{GcmSuite::kAes128GcmSha256, "TLS_AES_128_GCM_SHA256"},
                                           SuiteCase{GcmSuite::kAes256GcmSha384, "TLS_AES_256_GCM_SHA384"}),
                         [](const auto& info) { return info.param.suite == GcmSuite::kAes128GcmSha256 ? "Aes128Sha256" : "Aes256Sha384"; });

}  // namespace
}  // namespace sipnic::tls
