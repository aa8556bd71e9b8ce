// XrtGcmEngine: GcmEngine on the tls_gcm kernel of a card, through XRT
// (docs/kernels.md "tls_gcm"; the cpu backend is the reference).
//
// Device memory, one xrt::bo per kernel argument, each in the memory group
// XRT reports for that argument (xrt::kernel::group_id):
//   keys     the key table, GcmKey[key_slots], kept on the device across
//            batches; set_key/clear_key edit its host mirror and mark the
//            slots dirty, run() syncs the dirty range before starting, and
//            clear_key also wipes the device copy at once.
//   jobs, payload, results
//            per-batch buffers that grow on demand and are reused.
// run(): copy jobs and payload in, sync to device, set the seven arguments,
// start, wait (ap_ctrl_chain handled by XRT), sync results and payload back,
// copy out, wipe the host-side payload copy (it may hold opened plaintext).
// run_host() gathers the records straight into that copy and scatters from
// it.
//
// Thread model: as CpuGcmEngine, one engine per worker thread; engines of one
// device share the xrt::kernel and nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "offload/gcm_engine.h"
#include "offload/xrt_context.h"

namespace sipnic::offload {

class XrtGcmEngine final : public GcmEngine {
 public:
  // Allocates the key table (all slots empty, zeroed on the device too).
  // Throws std::runtime_error if the context has no tls_gcm kernel or XRT
  // cannot allocate.
  XrtGcmEngine(std::shared_ptr<const XrtContext> ctx, std::uint32_t key_slots);
  // Wipes the key table, host mirror and device copy (best effort: a device
  // error here is swallowed, a destructor must not throw).
  ~XrtGcmEngine() override;

  XrtGcmEngine(const XrtGcmEngine&) = delete;
  XrtGcmEngine& operator=(const XrtGcmEngine&) = delete;

  std::uint32_t key_slots() const override { return key_slots_; }
  bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) override;
  void clear_key(std::uint32_t slot) override;
  // Runs min(jobs.size(), results.size()) jobs (none: no kernel run). Bad
  // jobs get a status from the kernel; device failures (a run that does not
  // complete, XRT errors) throw std::runtime_error, and after a run that did
  // not finish the engine refuses further batches (the kernel may still be
  // writing its buffers). Throws std::length_error for a batch the kernel's
  // u32 arguments cannot describe.
  void run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs, std::span<GcmResult> results) override;
  // As GcmEngine::run_host, with the payloads gathered straight into the
  // device buffer's host mapping and scattered from it (no staging copy).
  void run_host(std::span<const GcmHostJob> jobs, std::span<GcmResult> results) override;

  // For tests and diagnostics: the kernel, the run object of the last batch
  // (its state and argument values), and the buffer bound to a pointer
  // argument.
  const xrt::kernel& kernel() const { return ctx_->tls_gcm; }
  const xrt::run& last_run() const { return run_; }
  const xrt::bo& buffer(TlsGcmArg arg) const;

 private:
  // Room for a batch (throws if the engine is broken or the batch too big).
  void prepare(std::size_t jobs, std::size_t payload_bytes);
  // Jobs and payload already in the host mappings: sync, run, sync back.
  void execute(std::size_t jobs, std::size_t payload_bytes);
  void mark_dirty(std::uint32_t slot);
  void flush_keys();

  std::shared_ptr<const XrtContext> ctx_;
  std::uint32_t key_slots_;
  xrt::run run_;
  XrtBuffer keys_;
  XrtBuffer jobs_;
  XrtBuffer payload_;
  XrtBuffer results_;
  // Dirty key slots [dirty_lo_, dirty_hi_).
  std::uint32_t dirty_lo_ = 0;
  std::uint32_t dirty_hi_ = 0;
  bool broken_ = false;
};

}  // namespace sipnic::offload
