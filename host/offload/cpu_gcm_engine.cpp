// CpuGcmEngine on OpenSSL 3 EVP. Every EVP handle is owned by a unique_ptr;
// the key table is wiped with OPENSSL_cleanse (a plain memset may be elided
// by the compiler as a dead store).
#include "offload/cpu_gcm_engine.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace sipnic::offload {

namespace {

// EVP lengths are int; a payload may in principle be up to 4 GiB - 1, so
// updates go in chunks that fit. GCM is a stream mode: chunking does not
// change the output.
constexpr std::size_t kMaxUpdateBytes = std::size_t{1} << 30;
static_assert(kMaxUpdateBytes <= INT_MAX);

bool cipher_update(EVP_CIPHER_CTX* ctx, const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    const std::size_t chunk = std::min(n, kMaxUpdateBytes);
    int outl = 0;
    // In place (out == in) is allowed by EVP for the same, not shifted, buffer.
    if (EVP_CipherUpdate(ctx, out, &outl, in, static_cast<int>(chunk)) != 1 || outl != static_cast<int>(chunk)) {
      return false;
    }
    in += chunk;
    out += chunk;
    n -= chunk;
  }
  return true;
}

}  // namespace

CpuGcmEngine::CpuGcmEngine(std::uint32_t key_slots)
    : aes128_(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr)),
      aes256_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
      table_(key_slots, GcmKey{}),
      contexts_(key_slots) {
  if (!aes128_ || !aes256_) {
    throw std::runtime_error("OpenSSL provides no AES-128-GCM/AES-256-GCM (default provider missing?)");
  }
}

CpuGcmEngine::~CpuGcmEngine() {
  contexts_.clear();
  OPENSSL_cleanse(table_.data(), table_.size() * sizeof(GcmKey));
}

std::uint32_t CpuGcmEngine::key_slots() const { return static_cast<std::uint32_t>(table_.size()); }

bool CpuGcmEngine::set_key(std::uint32_t slot, std::span<const std::uint8_t> key) {
  if (slot >= table_.size()) return false;
  // Wiped first, whatever follows: a caller whose replacement key is refused
  // must not go on sealing with the old one.
  clear_key(slot);
  if (key.size() != 16 && key.size() != 32) return false;

  core::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  const EVP_CIPHER* cipher = key.size() == 16 ? aes128_.get() : aes256_.get();
  // Keyed once here, direction 1; each job re-inits with its own direction and
  // nonce. The GCM key schedule is the same for both directions (AES runs
  // forward only, in counter mode), so one context serves both.
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), nullptr, 1) != 1) return false;

  GcmKey& entry = table_[slot];
  std::memcpy(entry.key, key.data(), key.size());
  entry.key_bytes = static_cast<std::uint8_t>(key.size());
  contexts_[slot] = std::move(ctx);
  return true;
}

void CpuGcmEngine::clear_key(std::uint32_t slot) {
  if (slot >= table_.size()) return;
  contexts_[slot].reset();
  OPENSSL_cleanse(&table_[slot], sizeof(GcmKey));
}

void CpuGcmEngine::run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs,
                       std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  for (std::size_t i = 0; i < n; ++i) {
    GcmResult& result = results[i];
    std::memset(&result, 0, sizeof result);
    const GcmJob& job = jobs[i];
    // Overflow-safe form of offset + length <= size.
    if (job.offset > bytes.size() || job.length > bytes.size() - job.offset) {
      // The key slot is checked first, as in run_one.
      const bool bad_slot = job.key_slot >= table_.size() || table_[job.key_slot].key_bytes == 0;
      result.status = static_cast<std::uint8_t>(bad_slot ? GcmStatus::kBadKeySlot : GcmStatus::kBadJob);
      continue;
    }
    std::uint8_t* payload = bytes.data() + job.offset;
    result.status = static_cast<std::uint8_t>(run_one(job, payload, payload, result));
  }
}

void CpuGcmEngine::run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  for (std::size_t i = 0; i < n; ++i) {
    GcmResult& result = results[i];
    std::memset(&result, 0, sizeof result);
    result.status = static_cast<std::uint8_t>(run_one(jobs[i].job, jobs[i].in, jobs[i].out, result));
  }
}

GcmStatus CpuGcmEngine::run_one(const GcmJob& job, const std::uint8_t* in, std::uint8_t* payload,
                                GcmResult& result) {
  if (job.key_slot >= table_.size() || table_[job.key_slot].key_bytes == 0) return GcmStatus::kBadKeySlot;
  if (job.op != static_cast<std::uint8_t>(GcmOp::kEncrypt) &&
      job.op != static_cast<std::uint8_t>(GcmOp::kDecrypt)) {
    return GcmStatus::kBadJob;
  }
  if (job.aad_bytes > kGcmMaxAadBytes) return GcmStatus::kBadJob;

  EVP_CIPHER_CTX* ctx = contexts_[job.key_slot].get();
  const bool encrypt = job.op == static_cast<std::uint8_t>(GcmOp::kEncrypt);
  const std::size_t length = job.length;

  // Any failure from here on is OpenSSL's, not the job's; the job fails
  // closed: no partial ciphertext with a bogus tag, no unverified plaintext.
  const auto fail_closed = [&] {
    if (length > 0) OPENSSL_cleanse(payload, length);
    std::memset(result.tag, 0, sizeof result.tag);
    return GcmStatus::kAuthFailed;
  };

  // The fast path: no cipher, no key, only the nonce (IV length is GCM's
  // default 12 bytes, so it needs no ctrl).
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, job.nonce, encrypt ? 1 : 0) != 1) return fail_closed();
  int outl = 0;
  if (job.aad_bytes > 0 && EVP_CipherUpdate(ctx, nullptr, &outl, job.aad, job.aad_bytes) != 1) {
    return fail_closed();
  }
  if (!cipher_update(ctx, in, payload, length)) return fail_closed();

  // GCM's final step writes no bytes; the buffer is only there because the
  // API wants one.
  std::uint8_t final_block[EVP_MAX_BLOCK_LENGTH];
  if (encrypt) {
    if (EVP_CipherFinal_ex(ctx, final_block, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagBytes), result.tag) != 1) {
      return fail_closed();
    }
    return GcmStatus::kOk;
  }

  // The ctrl takes a non-const pointer; the job is const input.
  std::uint8_t tag[kGcmTagBytes];
  std::memcpy(tag, job.tag, sizeof tag);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagBytes), tag) != 1 ||
      EVP_CipherFinal_ex(ctx, final_block, &outl) != 1) {
    // Tag mismatch (the usual case) or an OpenSSL failure: either way the
    // plaintext already written in place is not authenticated; erase it.
    return fail_closed();
  }
  return GcmStatus::kOk;
}

}  // namespace sipnic::offload
