// GcmEngine::run_host for backends that work on one device buffer.
#include "offload/gcm_engine.h"

#include <string.h>  // explicit_bzero (glibc)

#include <algorithm>
#include <cstring>
#include <vector>

namespace sipnic::offload {
namespace {

// Payloads start on 64-byte boundaries: one 512-bit device-memory beat, so a
// kernel's reads of a record never straddle two jobs.
constexpr std::size_t kDeviceAlign = 64;

std::size_t align_up(std::size_t n) { return (n + kDeviceAlign - 1) & ~(kDeviceAlign - 1); }

}  // namespace

void GcmEngine::run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  std::vector<GcmJob> device_jobs(n);
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    device_jobs[i] = jobs[i].job;
    total = align_up(total);
    device_jobs[i].offset = static_cast<std::uint32_t>(total);
    total += jobs[i].job.length;
  }
  std::vector<std::uint8_t> bytes(total);
  for (std::size_t i = 0; i < n; ++i) {
    if (jobs[i].job.length > 0) std::memcpy(bytes.data() + device_jobs[i].offset, jobs[i].in, jobs[i].job.length);
  }
  run(bytes, std::span<const GcmJob>(device_jobs.data(), n), results.first(n));
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t length = jobs[i].job.length;
    if (length == 0) continue;
    const auto status = static_cast<GcmStatus>(results[i].status);
    if (status == GcmStatus::kOk) {
      std::memcpy(jobs[i].out, bytes.data() + device_jobs[i].offset, length);
    } else if (status == GcmStatus::kAuthFailed) {
      std::memset(jobs[i].out, 0, length);
    }
  }
  // The staging buffer held plaintext (inputs of seals, outputs of opens).
  if (!bytes.empty()) ::explicit_bzero(bytes.data(), bytes.size());
}

}  // namespace sipnic::offload
