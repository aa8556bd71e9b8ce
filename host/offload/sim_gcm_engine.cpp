// SimGcmEngine: XRT's host-side sequence against the Verilated tls_gcm.
#include "offload/sim_gcm_engine.h"

#include <Vtls_gcm.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "offload/kernel_registers.h"
#include "sim/device_memory.h"
#include "sim/kernel_harness.h"

namespace sipnic::offload {

namespace {

constexpr std::uint32_t reg(TlsGcmArg arg) { return arg_offset(kTlsGcmArgs, arg); }

// Cycle budget of one run: generous multiples of what the kernel needs (one
// 16-byte block per cycle, a few hundred cycles of memory latency per job
// in the worst case), so only a hung kernel runs out of it.
std::uint64_t cycle_budget(std::size_t payload_bytes, std::size_t jobs) {
  return 100'000 + 8 * (payload_bytes / 16) + 2'000 * std::uint64_t{jobs};
}

}  // namespace

struct SimGcmEngine::Card {
  explicit Card(sim::MemoryModelConfig memory) : harness(memory) {}

  sim::KernelHarness<Vtls_gcm> harness;
  std::uint64_t key_table = 0;
  sim::GrowingBuffer jobs;
  sim::GrowingBuffer payload;
  sim::GrowingBuffer results;
};

SimGcmEngine::SimGcmEngine(std::uint32_t key_slots, sim::MemoryModelConfig memory)
    : card_(std::make_unique<Card>(memory)), key_slots_(key_slots) {
  // The table is zero-filled at allocation: every slot empty (key_bytes 0).
  card_->key_table = card_->harness.memory().allocate(std::uint64_t{key_slots} * sizeof(GcmKey));
}

SimGcmEngine::~SimGcmEngine() {
  // Keys never linger, not even in simulated device memory.
  card_->harness.memory().fill(card_->key_table, std::uint64_t{key_slots_} * sizeof(GcmKey), 0);
}

std::uint32_t SimGcmEngine::key_slots() const { return key_slots_; }

bool SimGcmEngine::set_key(std::uint32_t slot, std::span<const std::uint8_t> key) {
  if (slot >= key_slots_) return false;
  clear_key(slot);
  if (key.size() != 16 && key.size() != 32) return false;
  GcmKey entry{};
  std::memcpy(entry.key, key.data(), key.size());
  entry.key_bytes = static_cast<std::uint8_t>(key.size());
  card_->harness.memory().write(card_->key_table + std::uint64_t{slot} * sizeof(GcmKey),
                                {reinterpret_cast<const std::uint8_t*>(&entry), sizeof entry});
  std::memset(&entry, 0, sizeof entry);
  return true;
}

void SimGcmEngine::clear_key(std::uint32_t slot) {
  if (slot >= key_slots_) return;
  card_->harness.memory().fill(card_->key_table + std::uint64_t{slot} * sizeof(GcmKey), sizeof(GcmKey), 0);
}

void SimGcmEngine::run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs, std::span<GcmResult> results) {
  const std::size_t n = std::min(jobs.size(), results.size());
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max() || n > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("SimGcmEngine: batch exceeds the kernel's 32-bit arguments");
  }
  Card& card = *card_;
  sim::DeviceMemory& memory = card.harness.memory();

  // Buffers (XRT: xrt::bo) and host-to-device sync.
  card.jobs.reserve(memory, n * sizeof(GcmJob));
  card.payload.reserve(memory, bytes.size());
  card.results.reserve(memory, n * sizeof(GcmResult));
  memory.write(card.jobs.addr, {reinterpret_cast<const std::uint8_t*>(jobs.data()), n * sizeof(GcmJob)});
  memory.write(card.payload.addr, bytes);

  // Arguments, start, wait (XRT: xrt::run set_arg/start/wait).
  auto& h = card.harness;
  h.write_reg64(reg(kTlsGcmKeys), card.key_table);
  h.write_reg64(reg(kTlsGcmJobs), card.jobs.addr);
  h.write_reg64(reg(kTlsGcmPayload), card.payload.addr);
  h.write_reg64(reg(kTlsGcmResults), card.results.addr);
  h.write_reg(reg(kTlsGcmJobCount), static_cast<std::uint32_t>(n));
  h.write_reg(reg(kTlsGcmKeySlots), key_slots_);
  h.write_reg(reg(kTlsGcmPayloadBytes), static_cast<std::uint32_t>(bytes.size()));
  const std::uint64_t started = h.cycles();
  h.start();
  h.wait_done(cycle_budget(bytes.size(), n));
  last_run_cycles_ = h.cycles() - started;

  // Device-to-host sync.
  memory.read(card.payload.addr, bytes);
  memory.read(card.results.addr, {reinterpret_cast<std::uint8_t*>(results.data()), n * sizeof(GcmResult)});
}

std::uint64_t SimGcmEngine::last_run_cycles() const { return last_run_cycles_; }

}  // namespace sipnic::offload
