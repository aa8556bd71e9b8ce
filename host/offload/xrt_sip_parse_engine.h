// XrtSipParseEngine: SipParseEngine on the sip_parse kernel of a card,
// through XRT (docs/kernels.md "sip_parse"; the cpu backend is the
// reference).
//
// Per batch: the stream bytes and the descriptors go to the device; the
// kernel writes one SegmentResult per descriptor and appends MessageRecords
// and HeaderRecords into arrays whose capacities the host sizes so that they
// cannot overflow (a message needs at least 4 bytes of its segment, a header
// line at least 3: sum over segments of length/4, resp. length/3, plus one).
// Back come the segment results, then only as many message and header
// records as the results say were written.
//
// Thread model: one engine per worker thread, as every SipParseEngine.
#pragma once

#include <memory>
#include <vector>
#include <span>

#include "offload/sip_parse_device_batch.h"
#include "offload/sip_parse_engine.h"
#include "offload/xrt_context.h"

namespace sipnic::offload {

class XrtSipParseEngine final : public SipParseEngine {
 public:
  // Throws std::runtime_error if the context has no sip_parse kernel.
  XrtSipParseEngine(std::shared_ptr<const XrtContext> ctx, SipParseLimits limits = {});

  // Clears `out` and fills it for this batch. Bad input is reported per
  // segment by the kernel; device failures throw std::runtime_error (after a
  // run that did not finish, every later batch throws too), and output that
  // breaks the contract (records beyond the capacities, indices that do not
  // chain) throws std::runtime_error rather than being passed on.
  void parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
             SipParseOutput& out) override;

  const SipParseLimits& limits() const { return limits_; }

  // For tests and diagnostics: the kernel, the run object of the last batch,
  // the buffer bound to a pointer argument, and the capacities passed last.
  const xrt::kernel& kernel() const { return ctx_->sip_parse; }
  const xrt::run& last_run() const { return run_; }
  const xrt::bo& buffer(SipParseArg arg) const;
  std::uint32_t last_message_capacity() const { return message_capacity_; }
  std::uint32_t last_header_capacity() const { return header_capacity_; }

 private:
  std::shared_ptr<const XrtContext> ctx_;
  SipParseLimits limits_;
  xrt::run run_;
  XrtBuffer bytes_;
  XrtBuffer segments_;
  XrtBuffer results_;
  XrtBuffer messages_;
  XrtBuffer headers_;
  std::uint32_t message_capacity_ = 0;
  std::uint32_t header_capacity_ = 0;
  SipParseDeviceBatch batch_;  // descriptors as the kernel gets them, capacities
  bool broken_ = false;
};

}  // namespace sipnic::offload
