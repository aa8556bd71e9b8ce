// The xrt backend: opening the card, checking the xclbin against
// docs/kernels.md, and the Device that hands out XrtGcmEngine,
// XrtSipParseEngine and XrtTdmEngine.
#include "offload/xrt_device.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "core/ascii.h"
#include "offload/xrt_context.h"
#include "offload/xrt_gcm_engine.h"
#include "offload/xrt_sip_parse_engine.h"
#include "offload/xrt_tdm_engine.h"

namespace sipnic::offload {
namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

using core::ascii::iequals;

std::string describe(std::string_view name, std::uint64_t offset, std::uint64_t size, bool global) {
  std::ostringstream s;
  s << "'" << name << "' at " << hex(offset) << ", " << size << " bytes, " << (global ? "pointer" : "scalar");
  return s.str();
}

// What to add to XRT's "Could not open device" when the cause is likely the
// set-up rather than the card.
std::string open_hint() {
  if (std::getenv("XILINX_XRT") == nullptr) {
    return " (XILINX_XRT is not set: XRT loads its device driver shim from $XILINX_XRT/lib; "
           "source /opt/xilinx/xrt/setup.sh, see docs/xclbin.md)";
  }
  return " (is a card installed and its xocl driver loaded? 'xbutil examine' lists the devices; "
         "see docs/xclbin.md)";
}

class XrtDevice final : public Device {
 public:
  explicit XrtDevice(std::shared_ptr<const XrtContext> ctx) : ctx_(std::move(ctx)) {}

  std::string_view name() const override { return "xrt"; }

  std::unique_ptr<SipParseEngine> make_sip_parse_engine(SipParseLimits limits) const override {
    return std::make_unique<XrtSipParseEngine>(ctx_, limits);
  }
  std::unique_ptr<GcmEngine> make_gcm_engine(std::uint32_t key_slots) const override {
    return std::make_unique<XrtGcmEngine>(ctx_, key_slots);
  }
  // The TDM kernels of hls/: all three, or no engine.
  std::unique_ptr<TdmEngine> make_tdm_engine() const override {
    if (!ctx_->has_tdm()) {
      throw std::runtime_error("xrt backend: xclbin '" + ctx_->xclbin_path +
                               "' lacks the TDM kernel(s) " + ctx_->missing_tdm_kernels() +
                               " (a line span needs tdm_framer, tdm_mux and hdlc: build the xclbin with "
                               "bitstreams/'s HLS_KERNELS, docs/xclbin.md, or run line spans on the cpu or sim "
                               "backend)");
    }
    return std::make_unique<XrtTdmEngine>(ctx_);
  }

 private:
  std::shared_ptr<const XrtContext> ctx_;
};

}  // namespace

std::string XrtContext::missing_tdm_kernels() const {
  std::string missing;
  const auto note = [&](const xrt::kernel& k, std::string_view name) {
    if (k.get_handle()) return;
    if (!missing.empty()) missing += ", ";
    missing += name;
  };
  note(tdm_framer, kTdmFramerKernel);
  note(tdm_mux, kTdmMuxKernel);
  note(hdlc, kHdlcKernel);
  return missing;
}

bool check_xrt_kernel(const xrt::xclbin& xclbin, std::string_view kernel_name,
                      std::span<const KernelArg> contract, const std::string& xclbin_path) {
  const xrt::xclbin::kernel kernel = xclbin.get_kernel(std::string(kernel_name));
  if (!kernel) return false;
  const std::string where = "xrt backend: xclbin '" + xclbin_path + "': kernel " + std::string(kernel_name);

  const std::vector<xrt::xclbin::arg> args = kernel.get_args();
  if (args.size() != contract.size()) {
    throw std::runtime_error(where + " has " + std::to_string(args.size()) + " arguments, docs/kernels.md says " +
                             std::to_string(contract.size()));
  }
  for (std::size_t i = 0; i < contract.size(); ++i) {
    const KernelArg& want = contract[i];
    const xrt::xclbin::arg& arg = args[i];
    const std::string port = arg.get_port();
    // Scalars sit on s_axi_control; pointers on an m_axi port.
    const bool global = !iequals(port, "s_axi_control");
    if (arg.get_index() != i || arg.get_name() != want.name || arg.get_offset() != want.offset ||
        arg.get_size() != want.size || global != want.global) {
      throw std::runtime_error(where + " argument " + std::to_string(i) + ": docs/kernels.md says " +
                               describe(want.name, want.offset, want.size, want.global) + ", the xclbin has " +
                               describe(arg.get_name(), arg.get_offset(), arg.get_size(), global) +
                               " (argument index " + std::to_string(arg.get_index()) + ", port " + port +
                               "); rebuild the xclbin from bitstreams/");
    }
  }

  const std::vector<xrt::xclbin::ip> cus = kernel.get_cus();
  if (cus.empty()) throw std::runtime_error(where + " has no compute unit");
  for (const auto& cu : cus) {
    if (cu.get_control_type() != xrt::xclbin::ip::control_type::chain) {
      throw std::runtime_error(where + ": compute unit " + cu.get_name() +
                               " is not ap_ctrl_chain (docs/kernels.md: the kernel needs ap_continue)");
    }
  }
  return true;
}

std::shared_ptr<const XrtContext> open_xrt_context(unsigned device_index, const std::string& xclbin_path) {
  auto ctx = std::make_shared<XrtContext>();
  ctx->device_index = device_index;
  ctx->xclbin_path = xclbin_path;

  const auto open_device = [&] {
    try {
      return xrt::device(device_index);
    } catch (const std::exception& e) {
      throw std::runtime_error("xrt backend: cannot open XRT device " + std::to_string(device_index) + ": " +
                               e.what() + open_hint());
    }
  };
  if (xclbin_path.empty()) {
    // Without an xclbin the card is what matters first: no card, no start.
    open_device();
    throw std::runtime_error("xrt backend: XRT device " + std::to_string(device_index) +
                             " is there, but no xclbin was given (--xclbin FILE; docs/xclbin.md)");
  }
  // Then the xclbin: a wrong path or a stale xclbin is found without touching
  // a card.
  try {
    ctx->xclbin = xrt::xclbin(xclbin_path);
  } catch (const std::exception& e) {
    throw std::runtime_error("xrt backend: cannot read xclbin '" + xclbin_path + "': " + e.what());
  }
  const bool has_gcm = check_xrt_kernel(ctx->xclbin, kTlsGcmKernel, kTlsGcmArgs, xclbin_path);
  const bool has_sip = check_xrt_kernel(ctx->xclbin, kSipParseKernel, kSipParseArgs, xclbin_path);
  const bool has_framer = check_xrt_kernel(ctx->xclbin, kTdmFramerKernel, kTdmFramerArgs, xclbin_path);
  const bool has_mux = check_xrt_kernel(ctx->xclbin, kTdmMuxKernel, kTdmMuxArgs, xclbin_path);
  const bool has_hdlc = check_xrt_kernel(ctx->xclbin, kHdlcKernel, kHdlcArgs, xclbin_path);
  // Something to run: an RTL kernel, or the whole TDM datapath.
  if (!has_gcm && !has_sip && !(has_framer && has_mux && has_hdlc)) {
    throw std::runtime_error("xrt backend: xclbin '" + xclbin_path + "' has neither a " +
                             std::string(kTlsGcmKernel) + " nor a " + std::string(kSipParseKernel) +
                             " kernel, nor the three TDM kernels " + std::string(kTdmFramerKernel) + ", " +
                             std::string(kTdmMuxKernel) + " and " + std::string(kHdlcKernel));
  }

  ctx->device = open_device();
  try {
    ctx->uuid = ctx->device.load_xclbin(ctx->xclbin);
  } catch (const std::exception& e) {
    throw std::runtime_error("xrt backend: cannot load xclbin '" + xclbin_path + "' onto XRT device " +
                             std::to_string(device_index) + ": " + e.what() +
                             " (is it built for this card's platform? see docs/xclbin.md)");
  }
  const auto open_kernel = [&](std::string_view name) {
    try {
      return xrt::kernel(ctx->device, ctx->uuid, std::string(name));
    } catch (const std::exception& e) {
      throw std::runtime_error("xrt backend: cannot open kernel " + std::string(name) + " of xclbin '" +
                               xclbin_path + "' on XRT device " + std::to_string(device_index) + ": " + e.what());
    }
  };
  if (has_gcm) ctx->tls_gcm = open_kernel(kTlsGcmKernel);
  if (has_sip) ctx->sip_parse = open_kernel(kSipParseKernel);
  if (has_framer) ctx->tdm_framer = open_kernel(kTdmFramerKernel);
  if (has_mux) ctx->tdm_mux = open_kernel(kTdmMuxKernel);
  if (has_hdlc) ctx->hdlc = open_kernel(kHdlcKernel);
  return ctx;
}

void XrtBuffer::reserve(const xrt::device& device, int group, std::size_t bytes) {
  constexpr std::size_t kPage = 4096;
  if (bytes <= capacity && host != nullptr) return;
  std::size_t want = std::max({bytes, capacity * 2, kPage});
  want = (want + kPage - 1) / kPage * kPage;
  // Group ids come from xrt::kernel::group_id and are small non-negative
  // bank (or bank group) indices.
  bo = xrt::bo(device, want, static_cast<xrt::memory_group>(group));
  host = bo.map<std::uint8_t*>();
  capacity = want;
}

void XrtBuffer::to_device(std::size_t bytes, std::size_t offset) {
  if (bytes > 0) bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, bytes, offset);
}

void XrtBuffer::from_device(std::size_t bytes, std::size_t offset) {
  if (bytes > 0) bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, bytes, offset);
}

std::string_view ert_state_name(ert_cmd_state state) {
  switch (state) {
    case ERT_CMD_STATE_NEW: return "NEW";
    case ERT_CMD_STATE_QUEUED: return "QUEUED";
    case ERT_CMD_STATE_RUNNING: return "RUNNING";
    case ERT_CMD_STATE_COMPLETED: return "COMPLETED";
    case ERT_CMD_STATE_ERROR: return "ERROR";
    case ERT_CMD_STATE_ABORT: return "ABORT";
    case ERT_CMD_STATE_SUBMITTED: return "SUBMITTED";
    case ERT_CMD_STATE_TIMEOUT: return "TIMEOUT";
    case ERT_CMD_STATE_NORESPONSE: return "NORESPONSE";
    case ERT_CMD_STATE_SKERROR: return "SKERROR";
    default: return "UNKNOWN";
  }
}

void xrt_start_and_wait(xrt::run& run, std::string_view kernel_name, std::chrono::milliseconds timeout) {
  run.start();
  ert_cmd_state state = run.wait(timeout);
  if (state == ERT_CMD_STATE_COMPLETED) return;
  std::string what = "xrt backend: kernel " + std::string(kernel_name) + " run ended in state " +
                     std::string(ert_state_name(state));
  if (state == ERT_CMD_STATE_TIMEOUT || state == ERT_CMD_STATE_NEW || state == ERT_CMD_STATE_QUEUED ||
      state == ERT_CMD_STATE_SUBMITTED || state == ERT_CMD_STATE_RUNNING) {
    what += " after " + std::to_string(timeout.count()) + " ms";
    try {
      what += "; abort: " + std::string(ert_state_name(run.abort()));
    } catch (const std::exception& e) {
      what += "; abort failed: " + std::string(e.what());
    }
  }
  throw std::runtime_error(what);
}

std::unique_ptr<Device> make_xrt_device(unsigned device_index, std::string xclbin_path) {
  return std::make_unique<XrtDevice>(open_xrt_context(device_index, xclbin_path));
}

}  // namespace sipnic::offload
