// CpuGcmEngine: the reference GcmEngine and the fast path without a card, on
// OpenSSL 3 EVP AES-GCM (the map: "The offload contract", "tls_gcm").
//
// Key table: a std::vector<GcmKey> in the device format (what the RTL reads
// from device memory), mirrored by one EVP_CIPHER_CTX per occupied slot. The
// context is keyed once in set_key, so the AES key schedule and the GHASH key
// are computed once per key; each job then only sets its nonce on the slot's
// context (EVP_CipherInit_ex with no cipher and no key), which is the cheap
// path OpenSSL offers for per-record work.
//
// Thread model: NOT thread-safe. One engine per worker thread (the map:
// "Scale", one offload queue per worker); the per-slot contexts carry
// per-job state, so two threads must never run jobs on one engine, not even
// on different slots, and set_key/clear_key must not race run().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/gcm_engine.h"

namespace sipnic::offload {

class CpuGcmEngine final : public GcmEngine {
 public:
  static constexpr std::uint32_t kDefaultKeySlots = 4096;

  // A key table of `key_slots` empty slots. Throws std::runtime_error if
  // OpenSSL has no AES-GCM (a broken installation; found at start-up, not
  // per job).
  explicit CpuGcmEngine(std::uint32_t key_slots = kDefaultKeySlots);
  // Wipes every key (table and contexts).
  ~CpuGcmEngine() override;

  CpuGcmEngine(const CpuGcmEngine&) = delete;
  CpuGcmEngine& operator=(const CpuGcmEngine&) = delete;

  std::uint32_t key_slots() const override;
  // Keys the slot's context once (AES-128 for 16 bytes, AES-256 for 32).
  // Returns false if the slot or size is out of range, or if OpenSSL fails;
  // after a failure on an in-range slot the slot is empty (never left holding
  // the old key, which the caller meant to replace).
  bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) override;
  // Wipes the table entry (OPENSSL_cleanse) and frees the slot's context
  // (OpenSSL cleanses the context's key schedule when freeing it). Out of
  // range slots are ignored.
  void clear_key(std::uint32_t slot) override;

  // Jobs run in order, each in place on its own payload. Per job, checked in
  // this order: key slot in range and not empty (else kBadKeySlot); op is
  // encrypt or decrypt, aad_bytes <= 13, payload inside `bytes` (else
  // kBadJob). A job that fails a check leaves its payload untouched.
  // Reserved job fields and AAD bytes past aad_bytes are ignored.
  // Encrypt: payload becomes ciphertext, tag in the result. Decrypt: payload
  // becomes plaintext only if the tag verifies; otherwise kAuthFailed and the
  // payload is zeroed (unauthenticated plaintext never leaves the engine).
  // If OpenSSL itself fails on a job (it does not, short of memory
  // corruption), the job fails closed: payload zeroed, kAuthFailed.
  // Each result is fully written, reserved bytes zero, so identical batches
  // give byte-identical results. Only min(jobs.size(), results.size()) jobs
  // run; the interface asks for one result per job.
  void run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs,
           std::span<GcmResult> results) override;
  // The same per job, straight from each job's `in` to its `out` (EVP
  // reads and writes the host buffers; no staging copy).
  void run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results) override;

 private:
  // One job from `in` to `out` (job.offset is not looked at here).
  GcmStatus run_one(const GcmJob& job, const std::uint8_t* in, std::uint8_t* out, GcmResult& result);

  // Fetched once: an implicit fetch would otherwise happen on every set_key.
  core::EvpCipherPtr aes128_;
  core::EvpCipherPtr aes256_;
  std::vector<GcmKey> table_;    // device-format key table
  std::vector<core::EvpCipherCtxPtr> contexts_;  // keyed context per occupied slot, else null
};

}  // namespace sipnic::offload
