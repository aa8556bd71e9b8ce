// CpuGcmEngine: NIST CAVP AES-GCM vectors (the TLS subset), batches against a
// one-shot EVP reference, authentication failures that never release
// plaintext, per-job status codes that leave neighbouring jobs alone, and the
// key table's slot life cycle.
#include "offload/cpu_gcm_engine.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/device.h"
#include "support/hex.h"

namespace sipnic::offload {
namespace {

using Bytes = std::vector<std::uint8_t>;

using test::from_hex;

// ---- NIST CAVP .rsp files ------------------------------------------------

struct CavpVector {
  Bytes key, iv, pt, ct, aad, tag;
  bool fail = false;  // decrypt files: the tag must not verify
};

// The vectors the engine supports: 96-bit IV, 128-bit tag, AAD of at most 13
// bytes (TLS), AES-128 or AES-256.
bool supported(const CavpVector& v) {
  return (v.key.size() == 16 || v.key.size() == 32) && v.iv.size() == kGcmNonceBytes &&
         v.tag.size() == kGcmTagBytes && v.aad.size() <= kGcmMaxAadBytes;
}

struct CavpFile {
  std::vector<CavpVector> supported;
  std::size_t total = 0;  // every vector in the file, to prove the parse saw it all
};

// Parses "Name = hex" records separated by blank lines; section headers
// ("[Keylen = 128]") are skipped because each vector's field lengths say the
// same thing and are what the engine sees.
CavpFile parse_rsp(const std::filesystem::path& path) {
  CavpFile file;
  std::ifstream in(path);
  std::string line;
  CavpVector cur;
  bool in_vector = false;
  auto flush = [&] {
    if (in_vector) {
      ++file.total;
      if (supported(cur)) file.supported.push_back(cur);
    }
    cur = CavpVector{};
    in_vector = false;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line[0] == '[') {
      if (line.empty()) flush();
      continue;
    }
    if (line == "FAIL") {
      cur.fail = true;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = line.substr(0, eq);
    name.erase(name.find_last_not_of(' ') + 1);
    const std::string value = line.substr(eq + 1);
    if (name == "Count") {
      in_vector = true;
    } else if (name == "Key") {
      cur.key = from_hex(value);
    } else if (name == "IV") {
      cur.iv = from_hex(value);
    } else if (name == "PT") {
      cur.pt = from_hex(value);
    } else if (name == "CT") {
      cur.ct = from_hex(value);
    } else if (name == "AAD") {
      cur.aad = from_hex(value);
    } else if (name == "Tag") {
      cur.tag = from_hex(value);
    }
  }
  flush();
  return file;
}

std::filesystem::path gcm_vectors_dir() { return std::filesystem::path(SIPNIC_CRYPTOGRAPHY_VECTORS) / "ciphers/AES/GCM"; }

// Loads one .rsp file or fails the test (never skips: missing vectors must
// not look like a pass).
CavpFile load_rsp(const std::string& name) {
  const std::string root = SIPNIC_CRYPTOGRAPHY_VECTORS;
  const auto path = gcm_vectors_dir() / name;
  if (root.empty() || !std::filesystem::is_regular_file(path)) {
    ADD_FAILURE() << "NIST GCM vectors not found (" << path
                  << "): install the Debian package python3-cryptography-vectors "
                     "(scripts/install-deps) and re-run cmake";
    return {};
  }
  return parse_rsp(path);
}

// ---- batches ---------------------------------------------------------------

GcmJob make_job(std::uint32_t slot, GcmOp op, std::span<const std::uint8_t> nonce,
                std::span<const std::uint8_t> aad, std::uint64_t offset, std::uint32_t length,
                std::span<const std::uint8_t> tag = {}) {
  GcmJob job{};
  job.key_slot = slot;
  job.op = static_cast<std::uint8_t>(op);
  job.aad_bytes = static_cast<std::uint8_t>(aad.size());
  std::copy(nonce.begin(), nonce.end(), job.nonce);
  std::copy(aad.begin(), aad.begin() + std::min<std::size_t>(aad.size(), sizeof job.aad), job.aad);
  job.offset = offset;
  job.length = length;
  std::copy(tag.begin(), tag.end(), job.tag);
  return job;
}

GcmStatus status_of(const GcmResult& r) { return static_cast<GcmStatus>(r.status); }

bool all_zero(std::span<const std::uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](std::uint8_t b) { return b == 0; });
}

// The reference: one-shot EVP, a fresh context per record, nothing shared
// with the engine's per-slot contexts.
struct Sealed {
  Bytes ct;
  Bytes tag;
};
Sealed reference_seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                      std::span<const std::uint8_t> aad, std::span<const std::uint8_t> pt) {
  core::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  Sealed out;
  out.ct.resize(pt.size() + 16);
  out.tag.resize(16);
  int len = 0;
  int total = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nonce.data()), 1);
  if (!aad.empty()) {
    EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), 1);
  }
  if (!pt.empty()) {
    EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), out.ct.data(), &len, pt.data(), static_cast<int>(pt.size())), 1);
    total = len;
  }
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx.get(), out.ct.data() + total, &len), 1);
  total += len;
  out.ct.resize(static_cast<std::size_t>(total));
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.tag.data()), 1);
  return out;
}

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

const Bytes kKey128 = from_hex("feffe9928665731c6d6a8f9467308308");
const Bytes kKey256 = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
const Bytes kNonce = from_hex("cafebabefacedbaddecaf888");
const Bytes kAad13 = from_hex("00000000000000011703030040");  // TLS 1.2 shape: seq, type, version, length

// ---- NIST vectors ------------------------------------------------------------

// Every supported vector of one encrypt file in one batch, each in its own
// slot; ciphertext and tag must equal NIST's.
std::size_t check_encrypt_file(const std::string& name) {
  const CavpFile file = load_rsp(name);
  if (file.supported.empty()) return 0;
  CpuGcmEngine engine(static_cast<std::uint32_t>(file.supported.size()));
  Bytes buffer;
  std::vector<GcmJob> jobs;
  for (std::size_t i = 0; i < file.supported.size(); ++i) {
    const CavpVector& v = file.supported[i];
    EXPECT_TRUE(engine.set_key(static_cast<std::uint32_t>(i), v.key));
    jobs.push_back(make_job(static_cast<std::uint32_t>(i), GcmOp::kEncrypt, v.iv, v.aad, buffer.size(),
                            static_cast<std::uint32_t>(v.pt.size())));
    buffer.insert(buffer.end(), v.pt.begin(), v.pt.end());
  }
  std::vector<GcmResult> results(jobs.size());
  engine.run(buffer, jobs, results);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const CavpVector& v = file.supported[i];
    SCOPED_TRACE(name + " supported vector #" + std::to_string(i));
    EXPECT_EQ(status_of(results[i]), GcmStatus::kOk);
    EXPECT_EQ(Bytes(buffer.begin() + static_cast<std::ptrdiff_t>(jobs[i].offset),
                    buffer.begin() + static_cast<std::ptrdiff_t>(jobs[i].offset + jobs[i].length)),
              v.ct);
    EXPECT_EQ(Bytes(results[i].tag, results[i].tag + kGcmTagBytes), v.tag);
  }
  return file.supported.size();
}

struct DecryptCounts {
  std::size_t pass = 0;
  std::size_t fail = 0;
};

// Every supported vector of one decrypt file in one batch: the good ones give
// NIST's plaintext, the FAIL ones kAuthFailed with their payload zeroed.
DecryptCounts check_decrypt_file(const std::string& name) {
  const CavpFile file = load_rsp(name);
  DecryptCounts counts;
  if (file.supported.empty()) return counts;
  CpuGcmEngine engine(static_cast<std::uint32_t>(file.supported.size()));
  Bytes buffer;
  std::vector<GcmJob> jobs;
  for (std::size_t i = 0; i < file.supported.size(); ++i) {
    const CavpVector& v = file.supported[i];
    EXPECT_TRUE(engine.set_key(static_cast<std::uint32_t>(i), v.key));
    jobs.push_back(make_job(static_cast<std::uint32_t>(i), GcmOp::kDecrypt, v.iv, v.aad, buffer.size(),
                            static_cast<std::uint32_t>(v.ct.size()), v.tag));
    buffer.insert(buffer.end(), v.ct.begin(), v.ct.end());
  }
  std::vector<GcmResult> results(jobs.size());
  engine.run(buffer, jobs, results);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const CavpVector& v = file.supported[i];
    SCOPED_TRACE(name + " supported vector #" + std::to_string(i));
    const std::span<const std::uint8_t> payload(buffer.data() + jobs[i].offset, jobs[i].length);
    EXPECT_TRUE(all_zero({results[i].tag, kGcmTagBytes}));
    if (v.fail) {
      ++counts.fail;
      EXPECT_EQ(status_of(results[i]), GcmStatus::kAuthFailed);
      EXPECT_TRUE(all_zero(payload));
    } else {
      ++counts.pass;
      EXPECT_EQ(status_of(results[i]), GcmStatus::kOk);
      EXPECT_EQ(Bytes(payload.begin(), payload.end()), v.pt);
    }
  }
  return counts;
}

// The TLS subset of each CAVS 14.0 file is 5 PT lengths x 15 vectors (AAD 0,
// IV 96, tag 128) = 75; a parsing bug that drops most of them must fail.
constexpr std::size_t kMinVectorsPerFile = 60;

TEST(CpuGcmEngineNist, Encrypt128VectorsGiveNistCiphertextAndTag) {
  const std::size_t n = check_encrypt_file("gcmEncryptExtIV128.rsp");
  RecordProperty("vectors_used", static_cast<int>(n));
  EXPECT_GE(n, kMinVectorsPerFile);
}

TEST(CpuGcmEngineNist, Encrypt256VectorsGiveNistCiphertextAndTag) {
  const std::size_t n = check_encrypt_file("gcmEncryptExtIV256.rsp");
  RecordProperty("vectors_used", static_cast<int>(n));
  EXPECT_GE(n, kMinVectorsPerFile);
}

TEST(CpuGcmEngineNist, Decrypt128VectorsGivePlaintextOrAuthFailedWithZeroedPayload) {
  const DecryptCounts c = check_decrypt_file("gcmDecrypt128.rsp");
  RecordProperty("vectors_used", static_cast<int>(c.pass + c.fail));
  EXPECT_GE(c.pass + c.fail, kMinVectorsPerFile);
  EXPECT_GE(c.pass, 20u);
  EXPECT_GE(c.fail, 10u);
}

TEST(CpuGcmEngineNist, Decrypt256VectorsGivePlaintextOrAuthFailedWithZeroedPayload) {
  const DecryptCounts c = check_decrypt_file("gcmDecrypt256.rsp");
  RecordProperty("vectors_used", static_cast<int>(c.pass + c.fail));
  EXPECT_GE(c.pass + c.fail, kMinVectorsPerFile);
  EXPECT_GE(c.pass, 20u);
  EXPECT_GE(c.fail, 10u);
}

TEST(CpuGcmEngineNist, ParserSeesEveryVectorOfTheFile) {
  // CAVS 14.0 gcmEncryptExtIV128.rsp: 7 tag lengths x 5 PT x 5 AAD x 3 IV
  // lengths x 15 = 7875 vectors; only the TLS subset runs, but the parser
  // must have walked them all.
  const CavpFile file = load_rsp("gcmEncryptExtIV128.rsp");
  EXPECT_EQ(file.total, 7875u);
}

// ---- batches against the reference -------------------------------------------

TEST(CpuGcmEngine, ManyJobsWithDifferentSlotsKeysAndLengthsMatchOneShotEvpAndRoundTrip) {
  std::mt19937 rng(20240601);
  constexpr std::uint32_t kSlots = 32;
  CpuGcmEngine engine(kSlots);
  std::vector<Bytes> keys(kSlots);
  for (std::uint32_t s = 0; s < kSlots; ++s) {
    keys[s] = random_bytes(rng, s % 2 ? 32 : 16);
    ASSERT_TRUE(engine.set_key(s, keys[s]));
  }

  const std::vector<std::uint32_t> edge_lengths = {0, 1, 12, 13, 15, 16, 17, 31, 32, 33, 255, 256, 1500, 16384, 16400};
  struct Rec {
    std::uint32_t slot;
    Bytes nonce, aad, plain;
    std::uint64_t offset;
  };
  std::vector<Rec> recs;
  Bytes buffer;
  for (std::size_t i = 0; i < 120; ++i) {
    Rec r;
    r.slot = static_cast<std::uint32_t>(rng() % kSlots);
    r.nonce = random_bytes(rng, kGcmNonceBytes);
    r.aad = random_bytes(rng, rng() % (kGcmMaxAadBytes + 1));
    const std::uint32_t len = i < edge_lengths.size() ? edge_lengths[i] : static_cast<std::uint32_t>(rng() % 16401);
    r.plain = random_bytes(rng, len);
    r.offset = buffer.size();
    buffer.insert(buffer.end(), r.plain.begin(), r.plain.end());
    buffer.push_back(0x5a);  // a guard byte between payloads that no job may touch
    recs.push_back(std::move(r));
  }

  std::vector<GcmJob> jobs;
  for (const Rec& r : recs) {
    jobs.push_back(make_job(r.slot, GcmOp::kEncrypt, r.nonce, r.aad, r.offset, static_cast<std::uint32_t>(r.plain.size())));
  }
  std::vector<GcmResult> sealed(jobs.size());
  engine.run(buffer, jobs, sealed);

  for (std::size_t i = 0; i < recs.size(); ++i) {
    const Rec& r = recs[i];
    SCOPED_TRACE("job " + std::to_string(i) + " length " + std::to_string(r.plain.size()));
    ASSERT_EQ(status_of(sealed[i]), GcmStatus::kOk);
    const Sealed want = reference_seal(keys[r.slot], r.nonce, r.aad, r.plain);
    EXPECT_TRUE(std::equal(want.ct.begin(), want.ct.end(), buffer.begin() + static_cast<std::ptrdiff_t>(r.offset)));
    EXPECT_EQ(Bytes(sealed[i].tag, sealed[i].tag + kGcmTagBytes), want.tag);
    EXPECT_EQ(buffer[r.offset + r.plain.size()], 0x5a);
  }

  // Round trip: open every record with the tag it got.
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].op = static_cast<std::uint8_t>(GcmOp::kDecrypt);
    std::copy(sealed[i].tag, sealed[i].tag + kGcmTagBytes, jobs[i].tag);
  }
  std::vector<GcmResult> opened(jobs.size());
  engine.run(buffer, jobs, opened);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const Rec& r = recs[i];
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(status_of(opened[i]), GcmStatus::kOk);
    EXPECT_TRUE(all_zero({opened[i].tag, kGcmTagBytes}));
    EXPECT_TRUE(std::equal(r.plain.begin(), r.plain.end(), buffer.begin() + static_cast<std::ptrdiff_t>(r.offset)));
    EXPECT_EQ(buffer[r.offset + r.plain.size()], 0x5a);
  }
}

TEST(CpuGcmEngine, IdenticalBatchesGiveByteIdenticalResultsWithReservedBytesZero) {
  std::mt19937 rng(7);
  std::vector<GcmJob> jobs;
  Bytes plain;
  for (std::uint32_t i = 0; i < 16; ++i) {
    const Bytes nonce = random_bytes(rng, 12);
    const Bytes aad = random_bytes(rng, i % 14);
    const std::uint32_t len = 100 + i * 37;
    // Bad jobs too: their results must be just as deterministic.
    const std::uint32_t slot = i == 5 ? 99 : i % 4;
    jobs.push_back(make_job(slot, i % 3 == 2 ? GcmOp::kDecrypt : GcmOp::kEncrypt, nonce, aad, plain.size(), len,
                            random_bytes(rng, 16)));
    const Bytes p = random_bytes(rng, len);
    plain.insert(plain.end(), p.begin(), p.end());
  }
  auto run_once = [&](std::uint8_t fill) {
    CpuGcmEngine engine(8);
    EXPECT_TRUE(engine.set_key(0, kKey128));
    EXPECT_TRUE(engine.set_key(1, kKey256));
    EXPECT_TRUE(engine.set_key(2, kKey128));
    EXPECT_TRUE(engine.set_key(3, kKey256));
    Bytes bytes = plain;
    std::vector<GcmResult> results(jobs.size());
    std::memset(results.data(), fill, results.size() * sizeof(GcmResult));  // stale garbage must not leak through
    engine.run(bytes, jobs, results);
    return std::make_pair(bytes, results);
  };
  const auto [bytes_a, results_a] = run_once(0xaa);
  const auto [bytes_b, results_b] = run_once(0x55);
  EXPECT_EQ(bytes_a, bytes_b);
  ASSERT_EQ(results_a.size(), results_b.size());
  EXPECT_EQ(std::memcmp(results_a.data(), results_b.data(), results_a.size() * sizeof(GcmResult)), 0);
  for (std::size_t i = 0; i < results_a.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_TRUE(all_zero(results_a[i].reserved));
    if (status_of(results_a[i]) != GcmStatus::kOk || jobs[i].op == static_cast<std::uint8_t>(GcmOp::kDecrypt)) {
      EXPECT_TRUE(all_zero(results_a[i].tag));
    }
  }
  EXPECT_EQ(status_of(results_a[5]), GcmStatus::kBadKeySlot);
  EXPECT_EQ(status_of(results_a[2]), GcmStatus::kAuthFailed);  // a random tag does not verify
}

// ---- authentication failures -----------------------------------------------

// Seals `plain` into three records (same key, nonce, AAD) and returns a
// decrypt batch for them; the test then spoils one of the three.
struct TamperBatch {
  Bytes bytes;
  std::vector<GcmJob> jobs;
};
TamperBatch sealed_triplet(CpuGcmEngine& engine, const Bytes& plain) {
  TamperBatch b;
  for (int i = 0; i < 3; ++i) {
    b.jobs.push_back(make_job(0, GcmOp::kEncrypt, kNonce, kAad13, b.bytes.size(), static_cast<std::uint32_t>(plain.size())));
    b.bytes.insert(b.bytes.end(), plain.begin(), plain.end());
  }
  std::vector<GcmResult> results(3);
  engine.run(b.bytes, b.jobs, results);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(status_of(results[i]), GcmStatus::kOk);
    b.jobs[i].op = static_cast<std::uint8_t>(GcmOp::kDecrypt);
    std::copy(results[i].tag, results[i].tag + kGcmTagBytes, b.jobs[i].tag);
  }
  return b;
}

void expect_only_middle_fails(const Bytes& plain, TamperBatch& b, CpuGcmEngine& engine) {
  std::vector<GcmResult> results(3);
  engine.run(b.bytes, b.jobs, results);
  EXPECT_EQ(status_of(results[0]), GcmStatus::kOk);
  EXPECT_EQ(status_of(results[1]), GcmStatus::kAuthFailed);
  EXPECT_EQ(status_of(results[2]), GcmStatus::kOk);
  const std::size_t n = plain.size();
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), b.bytes.begin()));
  EXPECT_TRUE(all_zero({b.bytes.data() + n, n})) << "unauthenticated plaintext was released";
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), b.bytes.begin() + static_cast<std::ptrdiff_t>(2 * n)));
}

class CpuGcmEngineTamper : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CpuGcmEngineTamper, FlippedPayloadByteGivesAuthFailedAndZeroedPayload) {
  CpuGcmEngine engine(4);
  ASSERT_TRUE(engine.set_key(0, GetParam() == 16 ? kKey128 : kKey256));
  const Bytes plain(1000, 0x42);
  TamperBatch b = sealed_triplet(engine, plain);
  b.bytes[plain.size() + 500] ^= 0x01;
  expect_only_middle_fails(plain, b, engine);
}

TEST_P(CpuGcmEngineTamper, FlippedAadByteGivesAuthFailedAndZeroedPayload) {
  CpuGcmEngine engine(4);
  ASSERT_TRUE(engine.set_key(0, GetParam() == 16 ? kKey128 : kKey256));
  const Bytes plain(1000, 0x42);
  TamperBatch b = sealed_triplet(engine, plain);
  b.jobs[1].aad[12] ^= 0x80;
  expect_only_middle_fails(plain, b, engine);
}

TEST_P(CpuGcmEngineTamper, FlippedTagByteGivesAuthFailedAndZeroedPayload) {
  CpuGcmEngine engine(4);
  ASSERT_TRUE(engine.set_key(0, GetParam() == 16 ? kKey128 : kKey256));
  const Bytes plain(1000, 0x42);
  TamperBatch b = sealed_triplet(engine, plain);
  b.jobs[1].tag[15] ^= 0x01;
  expect_only_middle_fails(plain, b, engine);
}

TEST_P(CpuGcmEngineTamper, ShorterAadThanSealedGivesAuthFailed) {
  CpuGcmEngine engine(4);
  ASSERT_TRUE(engine.set_key(0, GetParam() == 16 ? kKey128 : kKey256));
  const Bytes plain(64, 0x42);
  TamperBatch b = sealed_triplet(engine, plain);
  b.jobs[1].aad_bytes = 12;
  expect_only_middle_fails(plain, b, engine);
}

INSTANTIATE_TEST_SUITE_P(KeySizes, CpuGcmEngineTamper, ::testing::Values(std::size_t{16}, std::size_t{32}));

// ---- bad jobs ------------------------------------------------------------------

TEST(CpuGcmEngine, BadJobsGetStatusCodesAndLeaveNeighboursAndTheirOwnPayloadAlone) {
  constexpr std::uint32_t kSlots = 8;
  CpuGcmEngine engine(kSlots);
  ASSERT_TRUE(engine.set_key(0, kKey128));
  ASSERT_TRUE(engine.set_key(1, kKey256));
  // slot 2 stays empty

  const Bytes plain(64, 0x17);
  Bytes bytes;
  for (int i = 0; i < 8; ++i) bytes.insert(bytes.end(), plain.begin(), plain.end());
  const std::uint32_t n = static_cast<std::uint32_t>(plain.size());
  Bytes aad14(14, 0x01);

  std::vector<GcmJob> jobs = {
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, 0 * n, n),              // ok
      make_job(kSlots, GcmOp::kEncrypt, kNonce, kAad13, 1 * n, n),         // slot out of range
      make_job(2, GcmOp::kEncrypt, kNonce, kAad13, 2 * n, n),              // empty slot
      make_job(1, GcmOp::kEncrypt, kNonce, kAad13, 3 * n, n),              // ok
      make_job(0, GcmOp::kEncrypt, kNonce, aad14, 4 * n, n),               // aad_bytes 14
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, 7 * n + 1, n),          // one byte past the end
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, bytes.size() + 1, 0),  // offset past the end
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, ~std::uint64_t{0} - 3, 8),  // offset + length wraps
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, 5 * n, n),              // ok
      make_job(0, GcmOp::kEncrypt, kNonce, kAad13, 6 * n, n),              // unknown op (below)
      make_job(0xffffffffu, GcmOp::kDecrypt, kNonce, kAad13, 6 * n, n),    // slot far out of range
      make_job(1, GcmOp::kEncrypt, kNonce, kAad13, bytes.size(), 0),       // empty payload at the very end: ok
  };
  jobs[9].op = 2;
  std::vector<GcmResult> results(jobs.size());
  engine.run(bytes, jobs, results);

  const std::vector<GcmStatus> want = {
      GcmStatus::kOk,     GcmStatus::kBadKeySlot, GcmStatus::kBadKeySlot, GcmStatus::kOk,
      GcmStatus::kBadJob, GcmStatus::kBadJob,     GcmStatus::kBadJob,     GcmStatus::kBadJob,
      GcmStatus::kOk,     GcmStatus::kBadJob,     GcmStatus::kBadKeySlot, GcmStatus::kOk,
  };
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(status_of(results[i]), want[i]);
    EXPECT_TRUE(all_zero(results[i].reserved));
    if (want[i] != GcmStatus::kOk) {
      EXPECT_TRUE(all_zero(results[i].tag));
    }
  }
  auto region = [&](std::size_t k) { return Bytes(bytes.begin() + k * n, bytes.begin() + (k + 1) * n); };
  EXPECT_EQ(region(0), reference_seal(kKey128, kNonce, kAad13, plain).ct);
  EXPECT_EQ(Bytes(results[0].tag, results[0].tag + 16), reference_seal(kKey128, kNonce, kAad13, plain).tag);
  EXPECT_EQ(region(3), reference_seal(kKey256, kNonce, kAad13, plain).ct);
  EXPECT_EQ(region(5), reference_seal(kKey128, kNonce, kAad13, plain).ct);
  EXPECT_EQ(Bytes(results[11].tag, results[11].tag + 16), reference_seal(kKey256, kNonce, kAad13, {}).tag);
  // The bad jobs' payloads (regions 1, 2, 4, 6, 7) are untouched.
  for (std::size_t k : {1u, 2u, 4u, 6u, 7u}) {
    EXPECT_EQ(region(k), plain) << "region " << k;
  }
}

TEST(CpuGcmEngine, RunsOnlyAsManyJobsAsThereAreResults) {
  CpuGcmEngine engine(2);
  ASSERT_TRUE(engine.set_key(0, kKey128));
  Bytes bytes(32, 0x01);
  const std::vector<GcmJob> jobs = {make_job(0, GcmOp::kEncrypt, kNonce, {}, 0, 16),
                                    make_job(0, GcmOp::kEncrypt, kNonce, {}, 16, 16)};
  std::vector<GcmResult> results(1);
  engine.run(bytes, jobs, results);
  EXPECT_EQ(status_of(results[0]), GcmStatus::kOk);
  EXPECT_EQ(Bytes(bytes.begin() + 16, bytes.end()), Bytes(16, 0x01));
}

// ---- key table -------------------------------------------------------------------

TEST(CpuGcmEngine, ClearKeyMakesTheSlotEmpty) {
  CpuGcmEngine engine(4);
  ASSERT_TRUE(engine.set_key(3, kKey256));
  Bytes bytes(40, 0x33);
  const GcmJob job = make_job(3, GcmOp::kEncrypt, kNonce, kAad13, 0, 40);
  GcmResult result{};
  engine.run(bytes, {&job, 1}, {&result, 1});
  EXPECT_EQ(status_of(result), GcmStatus::kOk);

  engine.clear_key(3);
  const Bytes before = bytes;
  engine.run(bytes, {&job, 1}, {&result, 1});
  EXPECT_EQ(status_of(result), GcmStatus::kBadKeySlot);
  EXPECT_EQ(bytes, before);
  engine.clear_key(3);   // clearing an empty slot is harmless
  engine.clear_key(99);  // and so is an out-of-range one
}

TEST(CpuGcmEngine, SetKeyRejectsBadSlotsAndSizesAndReplacesAnExistingKey) {
  CpuGcmEngine engine(4);
  EXPECT_EQ(engine.key_slots(), 4u);
  EXPECT_FALSE(engine.set_key(4, kKey128));
  EXPECT_FALSE(engine.set_key(0, Bytes(24, 1)));  // AES-192 is not a TLS GCM suite
  EXPECT_FALSE(engine.set_key(0, Bytes(15, 1)));
  EXPECT_FALSE(engine.set_key(0, {}));

  ASSERT_TRUE(engine.set_key(0, kKey128));
  ASSERT_TRUE(engine.set_key(0, kKey256));  // rekey in place
  const Bytes plain(100, 0x61);
  Bytes bytes = plain;
  const GcmJob job = make_job(0, GcmOp::kEncrypt, kNonce, kAad13, 0, 100);
  GcmResult result{};
  engine.run(bytes, {&job, 1}, {&result, 1});
  ASSERT_EQ(status_of(result), GcmStatus::kOk);
  const Sealed want = reference_seal(kKey256, kNonce, kAad13, plain);
  EXPECT_EQ(bytes, want.ct);
  EXPECT_EQ(Bytes(result.tag, result.tag + 16), want.tag);

  // A failed set_key leaves the slot empty rather than holding the old key.
  EXPECT_FALSE(engine.set_key(0, Bytes(24, 1)));
  bytes = plain;
  engine.run(bytes, {&job, 1}, {&result, 1});
  EXPECT_EQ(status_of(result), GcmStatus::kBadKeySlot);
}

TEST(CpuGcmEngine, DefaultEngineHas4096Slots) {
  CpuGcmEngine engine;
  EXPECT_EQ(engine.key_slots(), 4096u);
  EXPECT_TRUE(engine.set_key(4095, kKey128));
  EXPECT_FALSE(engine.set_key(4096, kKey128));
}

TEST(CpuGcmEngine, CpuDeviceMakesWorkingGcmEngines) {
  const auto device = make_device("cpu");
  const auto engine = device->make_gcm_engine(16);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->key_slots(), 16u);
  ASSERT_TRUE(engine->set_key(15, kKey128));
  const Bytes plain(33, 0x77);
  Bytes bytes = plain;
  const GcmJob job = make_job(15, GcmOp::kEncrypt, kNonce, kAad13, 0, 33);
  GcmResult result{};
  engine->run(bytes, {&job, 1}, {&result, 1});
  EXPECT_EQ(status_of(result), GcmStatus::kOk);
  EXPECT_EQ(bytes, reference_seal(kKey128, kNonce, kAad13, plain).ct);
}

}  // namespace
}  // namespace sipnic::offload
