#include "offload/xrt_gcm_engine.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace sipnic::offload {

XrtGcmEngine::XrtGcmEngine(std::shared_ptr<const XrtContext> ctx, std::uint32_t key_slots)
    : ctx_(std::move(ctx)), key_slots_(key_slots) {
  if (!ctx_ || !ctx_->has_tls_gcm()) {
    throw std::runtime_error("xrt backend: xclbin '" + (ctx_ ? ctx_->xclbin_path : std::string("?")) +
                             "' has no tls_gcm kernel");
  }
  run_ = xrt::run(ctx_->tls_gcm);
  const std::size_t table_bytes = std::size_t{std::max<std::uint32_t>(key_slots_, 1)} * sizeof(GcmKey);
  keys_.reserve(ctx_->device, ctx_->tls_gcm.group_id(kTlsGcmKeys), table_bytes);
  // Device memory is not zeroed on allocation; an empty slot must read
  // key_bytes == 0 on the device.
  std::memset(keys_.host, 0, keys_.capacity);
  keys_.to_device(keys_.capacity);
}

XrtGcmEngine::~XrtGcmEngine() {
  if (keys_.host == nullptr) return;
  OPENSSL_cleanse(keys_.host, keys_.capacity);
  if (broken_) return;  // a run may still be going; leave the bo alone
  try {
    keys_.to_device(keys_.capacity);
  } catch (...) {
    // Best effort; the device is failing anyway.
  }
}

const xrt::bo& XrtGcmEngine::buffer(TlsGcmArg arg) const {
  switch (arg) {
    case kTlsGcmKeys: return keys_.bo;
    case kTlsGcmJobs: return jobs_.bo;
    case kTlsGcmPayload: return payload_.bo;
    case kTlsGcmResults: return results_.bo;
    default: throw std::invalid_argument("tls_gcm argument " + std::to_string(arg) + " is not a buffer");
  }
}

void XrtGcmEngine::mark_dirty(std::uint32_t slot) {
  if (dirty_lo_ == dirty_hi_) {
    dirty_lo_ = slot;
    dirty_hi_ = slot + 1;
  } else {
    dirty_lo_ = std::min(dirty_lo_, slot);
    dirty_hi_ = std::max(dirty_hi_, slot + 1);
  }
}

void XrtGcmEngine::flush_keys() {
  if (dirty_lo_ == dirty_hi_) return;
  keys_.to_device(std::size_t{dirty_hi_ - dirty_lo_} * sizeof(GcmKey), std::size_t{dirty_lo_} * sizeof(GcmKey));
  dirty_lo_ = dirty_hi_ = 0;
}

bool XrtGcmEngine::set_key(std::uint32_t slot, std::span<const std::uint8_t> key) {
  if (slot >= key_slots_) return false;
  // As CpuGcmEngine: the old key goes first, whatever follows.
  auto* table = reinterpret_cast<GcmKey*>(keys_.host);
  OPENSSL_cleanse(&table[slot], sizeof(GcmKey));
  mark_dirty(slot);
  if (key.size() != 16 && key.size() != 32) return false;
  std::memcpy(table[slot].key, key.data(), key.size());
  table[slot].key_bytes = static_cast<std::uint8_t>(key.size());
  return true;
}

void XrtGcmEngine::clear_key(std::uint32_t slot) {
  if (slot >= key_slots_) return;
  auto* table = reinterpret_cast<GcmKey*>(keys_.host);
  OPENSSL_cleanse(&table[slot], sizeof(GcmKey));
  if (broken_) return;
  // Keys do not linger after a connection ends: the device copy goes now,
  // not with the next batch.
  keys_.to_device(sizeof(GcmKey), std::size_t{slot} * sizeof(GcmKey));
}

void XrtGcmEngine::prepare(std::size_t jobs, std::size_t payload_bytes) {
  if (broken_) {
    throw std::runtime_error("xrt backend: tls_gcm engine unusable after a run that did not complete");
  }
  constexpr std::size_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
  if (jobs > kMaxU32 || payload_bytes > kMaxU32) {
    throw std::length_error("xrt backend: tls_gcm batch too large (job_count and payload_bytes are u32)");
  }
  const xrt::kernel& k = ctx_->tls_gcm;
  jobs_.reserve(ctx_->device, k.group_id(kTlsGcmJobs), jobs * sizeof(GcmJob));
  results_.reserve(ctx_->device, k.group_id(kTlsGcmResults), jobs * sizeof(GcmResult));
  payload_.reserve(ctx_->device, k.group_id(kTlsGcmPayload), payload_bytes);
}

void XrtGcmEngine::execute(std::size_t jobs, std::size_t payload_bytes) {
  jobs_.to_device(jobs * sizeof(GcmJob));
  payload_.to_device(payload_bytes);
  flush_keys();

  run_.set_arg(kTlsGcmKeys, keys_.bo);
  run_.set_arg(kTlsGcmJobs, jobs_.bo);
  run_.set_arg(kTlsGcmPayload, payload_.bo);
  run_.set_arg(kTlsGcmResults, results_.bo);
  run_.set_arg(kTlsGcmJobCount, static_cast<std::uint32_t>(jobs));
  run_.set_arg(kTlsGcmKeySlots, key_slots_);
  run_.set_arg(kTlsGcmPayloadBytes, static_cast<std::uint32_t>(payload_bytes));
  try {
    xrt_start_and_wait(run_, kTlsGcmKernel, ctx_->run_timeout);
  } catch (...) {
    broken_ = true;
    throw;
  }
  results_.from_device(jobs * sizeof(GcmResult));
  payload_.from_device(payload_bytes);
}

void XrtGcmEngine::run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs, std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  if (n == 0) return;
  prepare(n, bytes.size());
  std::memcpy(jobs_.host, jobs.data(), n * sizeof(GcmJob));
  if (!bytes.empty()) std::memcpy(payload_.host, bytes.data(), bytes.size());
  execute(n, bytes.size());
  std::memcpy(results.data(), results_.host, n * sizeof(GcmResult));
  if (!bytes.empty()) {
    std::memcpy(bytes.data(), payload_.host, bytes.size());
    // Opened records are plaintext; the caller owns its copy, this one goes.
    OPENSSL_cleanse(payload_.host, bytes.size());
  }
}

void XrtGcmEngine::run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  if (n == 0) return;
  // The layout of GcmEngine::run_host: payloads one after the other, each on
  // a 64-byte boundary (one device-memory beat); gathered straight into the
  // payload buffer's host mapping instead of a staging vector.
  constexpr std::size_t kAlign = 64;
  const auto align_up = [](std::size_t v) { return (v + kAlign - 1) & ~(kAlign - 1); };
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) total = align_up(total) + jobs[i].job.length;
  prepare(n, total);
  auto* device_jobs = reinterpret_cast<GcmJob*>(jobs_.host);
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    at = align_up(at);
    device_jobs[i] = jobs[i].job;
    device_jobs[i].offset = static_cast<std::uint32_t>(at);
    if (jobs[i].job.length > 0) std::memcpy(payload_.host + at, jobs[i].in, jobs[i].job.length);
    at += jobs[i].job.length;
  }
  execute(n, total);
  std::memcpy(results.data(), results_.host, n * sizeof(GcmResult));
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t length = jobs[i].job.length;
    if (length == 0) continue;
    const auto status = static_cast<GcmStatus>(results[i].status);
    if (status == GcmStatus::kOk) {
      std::memcpy(jobs[i].out, payload_.host + device_jobs[i].offset, length);
    } else if (status == GcmStatus::kAuthFailed) {
      std::memset(jobs[i].out, 0, length);
    }
  }
  if (total > 0) OPENSSL_cleanse(payload_.host, total);
}

}  // namespace sipnic::offload
