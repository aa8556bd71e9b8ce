// XrtTdmEngine: TdmEngine on the three TDM kernels of a card (tdm_framer,
// tdm_mux, hdlc: the HLS kernels of hls/, packaged by bitstreams/ with
// v++ -c), through XRT (docs/kernels.md "HLS kernels" and "The TDM engine";
// the cpu backend, the kernels' C simulation, is the reference).
//
// Device memory: one xrt::bo per array of TdmEngine's argument memory, in the
// memory group XRT reports for the kernel argument it is bound to
// (xrt::kernel::group_id), grown on demand (XrtBuffer) and reused. An array
// that one kernel writes and another reads (the receive payload, framer ->
// mux; the received D-channel octets, mux -> hdlc; the transmit payload,
// mux -> the next run's framer; the transmit D-channel octets, hdlc -> the
// next run's mux) is one bo bound to both arguments when both are in the same
// group (bitstreams/ puts the three kernels on one bank), and otherwise a bo
// per argument, the engine copying from one to the other between the runs.
//
// run(): the inputs the host wrote (controls, receive line, transmit
// timeslots, layouts, transmit requests and octets) go to the device; the
// state arrays (framer states, hdlc receive and transmit states) stay on the
// device between runs and are uploaded only after configure() reset them (with
// every other array, so that the device starts from the host's reset values:
// the flags the D-channels send before hdlc has run, an empty summary); then
// tdm_framer, tdm_mux and hdlc run one after the other, each waited for, and
// the outputs and states come back into TdmEngine's arrays: states, statuses,
// the line blocks to send, both payloads, timeslot and D-channel blocks, the
// hdlc summary and, of the received frames, only the records and octets it
// counts, transmit statuses. Output that breaks docs/kernels.md (a summary
// beyond the capacities, a frame outside the octets written or on a channel
// that is not there, a status other than ok) throws std::runtime_error
// instead of reaching the host.
//
// A run that does not complete (XRT reports another state, or the run
// timeout passes) throws std::runtime_error, and every later run throws too:
// the kernel may still be writing its buffers.
//
// Thread model: one engine per worker thread, as every TdmEngine; engines of
// one device share the xrt::kernels and nothing else.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "offload/tdm_engine.h"
#include "offload/xrt_context.h"

namespace sipnic::offload {

class XrtTdmEngine final : public TdmEngine {
 public:
  // Throws std::runtime_error if the context lacks one of the three kernels.
  // Allocates nothing: the buffers come with the first run after configure().
  explicit XrtTdmEngine(std::shared_ptr<const XrtContext> ctx);

  // For tests and diagnostics: the run object of each kernel's last start
  // (its state and argument values) and the buffer bound to a pointer
  // argument (throws std::invalid_argument for a scalar; an empty bo before
  // the first run).
  const xrt::run& framer_run() const { return runs_[kFramer]; }
  const xrt::run& mux_run() const { return runs_[kMux]; }
  const xrt::run& hdlc_run() const { return runs_[kHdlc]; }
  const xrt::bo& buffer(TdmFramerArg arg) const { return bound(kFramer, arg); }
  const xrt::bo& buffer(TdmMuxArg arg) const { return bound(kMux, arg); }
  const xrt::bo& buffer(HdlcArg arg) const { return bound(kHdlc, arg); }
  // Arrays that needed a bo per argument (their two kernels' memory groups
  // differ) and were copied from one to the other; 0 when all three kernels
  // share a bank.
  std::size_t split_arrays() const;

 protected:
  void run_kernels() override;
  void on_configured() override { upload_all_ = true; }

 private:
  // The kernels, in the order a run starts them.
  enum Kernel : int { kFramer = 0, kMux = 1, kHdlc = 2, kKernelCount = 3 };
  // One kernel pointer argument.
  struct Use {
    Kernel kernel;
    int arg;
  };
  // How an array moves: written by the host and read by a kernel; a
  // kernel's state (read and written, kept on the device); written by a
  // kernel (and maybe read by another, in this run or the next).
  enum class Flow { kInput, kState, kOutput };
  // One array of TdmEngine's argument memory: its first use is its writer
  // (kOutput, kState) or its only reader (kInput); an output that another
  // kernel reads has that reader as its second use.
  struct Array {
    Flow flow;
    Use first;
    bool has_second;
    Use second;
  };
  static const std::array<Array, 20> kArrays;

  struct Buffers {
    XrtBuffer first;   // bound to the first use
    XrtBuffer second;  // bound to the second, when its group differs
    bool split = false;
  };

  const xrt::kernel& kernel(Kernel k) const;
  const xrt::bo& bound(Kernel k, int arg) const;
  // The host bytes of array i (TdmEngine's vectors as they are now).
  std::span<std::uint8_t> host_bytes(std::size_t i);
  // Room for every array; true if a buffer was (re)allocated.
  bool reserve();
  void upload(std::size_t i, XrtBuffer& to);
  void set_args(Kernel k);
  // Before kernel k starts: the arrays it reads through a bo of their own
  // get their contents (from the writer's bo in this run, from the host
  // vector, which holds the last run's output, otherwise).
  void feed_split_readers(Kernel k);
  void start(Kernel k);
  void fetch(std::size_t i, std::size_t bytes);
  // Brings back hdlc's summary, checks it, then only what it counts.
  void fetch_received_frames();

  std::shared_ptr<const XrtContext> ctx_;
  std::array<xrt::run, kKernelCount> runs_;
  std::array<Buffers, 20> buffers_;
  bool upload_all_ = true;
  bool broken_ = false;
};

}  // namespace sipnic::offload
