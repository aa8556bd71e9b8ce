// sim::KernelHarness<Top>: runs one Verilated Vitis RTL kernel the way XRT
// runs it on a card (docs/kernels.md "The Verilator harness"): clock and
// synchronous reset, an AXI4-Lite master on s_axi_control doing real
// transactions, the AXI4 memory model on m_axi_gmem, and start() /
// wait_done() as xrt::run does (set ap_start; poll ap_done; ap_continue).
//
// Top is the Verilated class of any kernel with the common port names of
// docs/kernels.md (tls_gcm, sip_parse), so one harness drives every kernel.
//
// Not thread-safe; one harness per thread. Each harness has its own
// VerilatedContext, so several kernels can live in one process.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "sim/axi_memory_model.h"
#include "sim/device_memory.h"

namespace sipnic::sim {

// Control register offsets and bits (Vitis ap_ctrl_chain).
inline constexpr std::uint32_t kRegControl = 0x00;
inline constexpr std::uint32_t kRegGie = 0x04;
inline constexpr std::uint32_t kRegIer = 0x08;
inline constexpr std::uint32_t kRegIsr = 0x0C;
inline constexpr std::uint32_t kApStart = 1u << 0;
inline constexpr std::uint32_t kApDone = 1u << 1;
inline constexpr std::uint32_t kApIdle = 1u << 2;
inline constexpr std::uint32_t kApReady = 1u << 3;
inline constexpr std::uint32_t kApContinue = 1u << 4;
inline constexpr std::uint32_t kAutoRestart = 1u << 7;

namespace detail {

// Verilator maps a port to CData/SData/IData/QData (up to 64 bits) or to
// VlWide<N> (wider). These copy byte lanes (lane 0 = bits [7:0]) in and out
// of either, on a little-endian host.
template <class Port>
void port_to_bytes(const Port& port, std::vector<std::uint8_t>& out) {
  if constexpr (std::is_integral_v<Port>) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(port) >> (8 * i));
  } else {
    static_assert(sizeof(port) >= 1);
    std::memcpy(out.data(), &port[0], std::min(out.size(), sizeof(port)));
  }
}

template <class Port>
void bytes_to_port(const std::vector<std::uint8_t>& in, Port& port) {
  if constexpr (std::is_integral_v<Port>) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < in.size() && i < sizeof(Port); ++i) v |= std::uint64_t{in[i]} << (8 * i);
    port = static_cast<Port>(v);
  } else {
    std::memcpy(&port[0], in.data(), std::min(in.size(), sizeof(port)));
  }
}

template <class Port>
void strobes_from_port(const Port& port, std::vector<bool>& out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    if constexpr (std::is_integral_v<Port>) {
      out[i] = (static_cast<std::uint64_t>(port) >> i) & 1u;
    } else {
      out[i] = (port[i / 32] >> (i % 32)) & 1u;
    }
  }
}

}  // namespace detail

template <class Top>
class KernelHarness {
 public:
  // Builds the model and holds it in reset for a few cycles. Throws
  // std::invalid_argument if memory.data_bits is not the kernel's
  // m_axi_gmem data width.
  explicit KernelHarness(MemoryModelConfig memory = {})
      : context_(std::make_unique<VerilatedContext>()),
        top_(std::make_unique<Top>(context_.get())),
        model_(memory_, memory) {
    if (memory.data_bits != sizeof(top_->m_axi_gmem_rdata) * 8) {
      throw std::invalid_argument("sim::KernelHarness: memory data_bits must equal the kernel's m_axi_gmem width");
    }
    master_.wdata.assign(model_.beat_bytes(), 0);
    master_.wstrb.assign(model_.beat_bytes(), false);
    reset();
  }

  ~KernelHarness() { top_->final(); }

  KernelHarness(const KernelHarness&) = delete;
  KernelHarness& operator=(const KernelHarness&) = delete;

  DeviceMemory& memory() { return memory_; }
  const AxiMemoryModel& memory_model() const { return model_; }
  Top& top() { return *top_; }
  // The interrupt pin. Verilator names the port __SYM__interrupt, since
  // `interrupt` is a reserved word for some C++ compilers.
  bool interrupt() const { return top_->__SYM__interrupt != 0; }
  // Clock cycles since construction (reset included).
  std::uint64_t cycles() const { return cycles_; }

  // ap_rst_n low for `cycles` cycles (synchronous reset), then high.
  void reset(unsigned cycles = 4) {
    top_->ap_rst_n = 0;
    for (unsigned i = 0; i < cycles; ++i) tick();
    top_->ap_rst_n = 1;
    tick();
  }

  // One ap_clk cycle: drive the slave side, settle, sample the kernel's
  // outputs (handshakes are decided on these), rising edge.
  void tick() {
    Top& t = *top_;
    drive_memory_inputs();
    drive_control_inputs();
    t.ap_clk = 0;
    t.eval();
    sample_memory_outputs();
    const bool aw_hs = t.s_axi_control_awvalid && t.s_axi_control_awready;
    const bool w_hs = t.s_axi_control_wvalid && t.s_axi_control_wready;
    const bool b_hs = t.s_axi_control_bvalid && t.s_axi_control_bready;
    const bool ar_hs = t.s_axi_control_arvalid && t.s_axi_control_arready;
    const bool r_hs = t.s_axi_control_rvalid && t.s_axi_control_rready;
    const std::uint32_t rdata = t.s_axi_control_rdata;
    t.ap_clk = 1;
    t.eval();
    model_.clock_edge(master_);
    if (aw_hs) lite_.awvalid = false;
    if (w_hs) lite_.wvalid = false;
    if (b_hs) {
      lite_.bready = false;
      lite_.b_done = true;
    }
    if (ar_hs) lite_.arvalid = false;
    if (r_hs) {
      lite_.rready = false;
      lite_.r_done = true;
      lite_.rdata = rdata;
    }
    ++cycles_;
  }

  // One AXI4-Lite write (address and data together, then the response);
  // `strobes` bit i enables byte lane i (bits [8i+7:8i]).
  void write_reg(std::uint32_t addr, std::uint32_t value, std::uint8_t strobes = 0xF) {
    lite_.awvalid = true;
    lite_.wvalid = true;
    lite_.bready = true;
    lite_.b_done = false;
    lite_.addr = addr;
    lite_.wdata = value;
    lite_.wstrb = strobes & 0xF;
    run_until([&] { return lite_.b_done; }, "AXI4-Lite write");
  }

  // One AXI4-Lite read.
  std::uint32_t read_reg(std::uint32_t addr) {
    lite_.arvalid = true;
    lite_.rready = true;
    lite_.r_done = false;
    lite_.addr = addr;
    run_until([&] { return lite_.r_done; }, "AXI4-Lite read");
    return lite_.rdata;
  }

  // A 64-bit pointer argument: low word at `offset`, high word at +4.
  void write_reg64(std::uint32_t offset, std::uint64_t value) {
    write_reg(offset, static_cast<std::uint32_t>(value));
    write_reg(offset + 4, static_cast<std::uint32_t>(value >> 32));
  }

  // xrt::run::start: sets ap_start (arguments written before).
  void start() { write_reg(kRegControl, kApStart); }

  // xrt::run::wait: polls the control register until ap_done, then
  // acknowledges it with ap_continue. Throws std::runtime_error if the run
  // has not finished within `max_cycles` cycles from the call.
  void wait_done(std::uint64_t max_cycles) {
    const std::uint64_t deadline = cycles_ + max_cycles;
    while ((read_reg(kRegControl) & kApDone) == 0) {
      if (cycles_ >= deadline) {
        std::ostringstream msg;
        msg << "sim::KernelHarness: kernel not done within " << max_cycles << " cycles";
        throw std::runtime_error(msg.str());
      }
      // Poll every few cycles: a busy AXI4-Lite loop would only slow the
      // simulation, and XRT does not poll every cycle either.
      for (int i = 0; i < 8; ++i) tick();
    }
    write_reg(kRegControl, kApContinue);
  }

 private:
  struct LiteMaster {
    bool awvalid = false;
    bool wvalid = false;
    bool bready = false;
    bool arvalid = false;
    bool rready = false;
    bool b_done = false;
    bool r_done = false;
    std::uint32_t addr = 0;
    std::uint32_t wdata = 0;
    std::uint8_t wstrb = 0xF;
    std::uint32_t rdata = 0;
  };

  template <class Done>
  void run_until(Done done, const char* what) {
    constexpr int kMaxCycles = 1000;  // a register access takes a few cycles
    for (int i = 0; i < kMaxCycles && !done(); ++i) tick();
    if (!done()) throw std::runtime_error(std::string("sim::KernelHarness: ") + what + " got no response");
  }

  void drive_control_inputs() {
    Top& t = *top_;
    t.s_axi_control_awvalid = lite_.awvalid;
    t.s_axi_control_awaddr = lite_.addr;
    t.s_axi_control_wvalid = lite_.wvalid;
    t.s_axi_control_wdata = lite_.wdata;
    t.s_axi_control_wstrb = lite_.wstrb;
    t.s_axi_control_bready = lite_.bready;
    t.s_axi_control_arvalid = lite_.arvalid;
    t.s_axi_control_araddr = lite_.addr;
    t.s_axi_control_rready = lite_.rready;
  }

  void drive_memory_inputs() {
    Top& t = *top_;
    const AxiSlaveSignals& s = model_.outputs();
    t.m_axi_gmem_arready = s.arready;
    t.m_axi_gmem_rvalid = s.rvalid;
    detail::bytes_to_port(s.rdata, t.m_axi_gmem_rdata);
    t.m_axi_gmem_rlast = s.rlast;
    t.m_axi_gmem_rresp = s.rresp;
    t.m_axi_gmem_awready = s.awready;
    t.m_axi_gmem_wready = s.wready;
    t.m_axi_gmem_bvalid = s.bvalid;
    t.m_axi_gmem_bresp = s.bresp;
  }

  void sample_memory_outputs() {
    Top& t = *top_;
    master_.arvalid = t.m_axi_gmem_arvalid;
    master_.araddr = t.m_axi_gmem_araddr;
    master_.arlen = t.m_axi_gmem_arlen;
    master_.arsize = t.m_axi_gmem_arsize;
    master_.arburst = t.m_axi_gmem_arburst;
    master_.rready = t.m_axi_gmem_rready;
    master_.awvalid = t.m_axi_gmem_awvalid;
    master_.awaddr = t.m_axi_gmem_awaddr;
    master_.awlen = t.m_axi_gmem_awlen;
    master_.awsize = t.m_axi_gmem_awsize;
    master_.awburst = t.m_axi_gmem_awburst;
    master_.wvalid = t.m_axi_gmem_wvalid;
    if (master_.wvalid) {
      detail::port_to_bytes(t.m_axi_gmem_wdata, master_.wdata);
      detail::strobes_from_port(t.m_axi_gmem_wstrb, master_.wstrb);
    }
    master_.wlast = t.m_axi_gmem_wlast;
    master_.bready = t.m_axi_gmem_bready;
  }

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Top> top_;
  DeviceMemory memory_;
  AxiMemoryModel model_;
  AxiMasterSignals master_;
  LiteMaster lite_;
  std::uint64_t cycles_ = 0;
};

}  // namespace sipnic::sim
