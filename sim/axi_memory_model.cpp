#include "sim/axi_memory_model.h"

#include <algorithm>
#include <bit>
#include <sstream>
#include <stdexcept>

namespace sipnic::sim {

namespace {

constexpr std::uint64_t kPageBytes = 4096;
constexpr std::uint8_t kBurstIncr = 1;

}  // namespace

AxiMemoryModel::AxiMemoryModel(DeviceMemory& memory, MemoryModelConfig config) : memory_(memory), config_(config) {
  if (config_.data_bits < 32 || config_.data_bits > 1024 || !std::has_single_bit(config_.data_bits)) {
    throw std::invalid_argument("sim::MemoryModelConfig: data_bits must be a power of two in 32..1024");
  }
  if (config_.read_latency < 1 || config_.write_latency < 1 || config_.max_outstanding < 1) {
    throw std::invalid_argument("sim::MemoryModelConfig: latencies and max_outstanding must be at least 1");
  }
  out_.rdata.assign(beat_bytes(), 0);
  update_outputs();
}

void AxiMemoryModel::check_burst(const char* channel, std::uint64_t addr, std::uint8_t len, std::uint8_t size,
                                 std::uint8_t burst) const {
  const auto fail = [&](const char* rule) {
    std::ostringstream msg;
    msg << "AXI protocol error on " << channel << " (addr 0x" << std::hex << addr << std::dec << ", len "
        << unsigned{len} << ", size " << unsigned{size} << ", burst " << unsigned{burst} << "): " << rule;
    throw std::logic_error(msg.str());
  };
  const unsigned bytes = beat_bytes();
  if (burst != kBurstIncr) fail("only INCR bursts are modelled");
  if ((1u << size) != bytes) fail("size must be the full beat width");
  if (addr % bytes != 0) fail("address not aligned to the beat");
  const std::uint64_t total = std::uint64_t{len + 1u} * bytes;
  if (addr % kPageBytes + total > kPageBytes) fail("burst crosses a 4 KiB boundary");
}

void AxiMemoryModel::clock_edge(const AxiMasterSignals& m) {
  const unsigned bytes = beat_bytes();

  // R beat.
  if (out_.rvalid && m.rready) {
    ReadBurst& r = reads_.front();
    ++r.next_beat;
    ++stats_.read_beats;
    if (r.next_beat == r.beats) reads_.pop_front();
  }
  // AR.
  if (out_.arready && m.arvalid) {
    check_burst("AR", m.araddr, m.arlen, m.arsize, m.arburst);
    const unsigned beats = m.arlen + 1u;
    if (!memory_.contains(m.araddr, std::uint64_t{beats} * bytes)) {
      std::ostringstream msg;
      msg << "AXI read burst at 0x" << std::hex << m.araddr << " outside the device memory buffers";
      throw std::out_of_range(msg.str());
    }
    reads_.push_back({m.araddr, beats, 0, cycle_ + config_.read_latency});
    ++stats_.read_bursts;
  }
  // W beat: goes to the oldest burst still waiting for data.
  if (out_.wready && m.wvalid) {
    WriteBurst& w = writes_.front();
    if (m.wdata.size() != bytes || m.wstrb.size() != bytes) {
      throw std::logic_error("AXI W beat of the wrong width for this memory model");
    }
    const bool last = w.next_beat + 1 == w.beats;
    if (m.wlast != last) {
      throw std::logic_error(last ? "AXI protocol error on W: wlast missing on the last beat of a burst"
                                  : "AXI protocol error on W: wlast before the last beat of a burst");
    }
    const std::uint64_t beat_addr = w.addr + std::uint64_t{w.next_beat} * bytes;
    for (unsigned i = 0; i < bytes;) {
      // Runs of enabled lanes in one copy.
      if (!m.wstrb[i]) {
        ++i;
        continue;
      }
      unsigned j = i;
      while (j < bytes && m.wstrb[j]) ++j;
      memory_.write(beat_addr + i, std::span<const std::uint8_t>(m.wdata.data() + i, j - i));
      i = j;
    }
    ++w.next_beat;
    ++stats_.write_beats;
    if (last) {
      w.response_cycle = std::max(w.response_cycle, cycle_ + 1);
      responses_.push_back(w);
      writes_.pop_front();
    }
  }
  // AW.
  if (out_.awready && m.awvalid) {
    check_burst("AW", m.awaddr, m.awlen, m.awsize, m.awburst);
    const unsigned beats = m.awlen + 1u;
    if (!memory_.contains(m.awaddr, std::uint64_t{beats} * bytes)) {
      std::ostringstream msg;
      msg << "AXI write burst at 0x" << std::hex << m.awaddr << " outside the device memory buffers";
      throw std::out_of_range(msg.str());
    }
    writes_.push_back({m.awaddr, beats, 0, cycle_ + config_.write_latency});
    ++stats_.write_bursts;
  }
  // B.
  if (out_.bvalid && m.bready) responses_.pop_front();

  stats_.max_reads_outstanding = std::max(stats_.max_reads_outstanding, static_cast<unsigned>(reads_.size()));
  stats_.max_writes_outstanding = std::max(stats_.max_writes_outstanding, writes_outstanding());
  ++cycle_;
  update_outputs();
}

void AxiMemoryModel::update_outputs() {
  out_.arready = reads_.size() < config_.max_outstanding;
  out_.awready = writes_outstanding() < config_.max_outstanding;
  out_.wready = !writes_.empty();
  out_.rresp = 0;
  out_.bresp = 0;

  out_.rvalid = !reads_.empty() && cycle_ >= reads_.front().first_beat_cycle;
  out_.rlast = false;
  if (out_.rvalid) {
    const ReadBurst& r = reads_.front();
    memory_.read(r.addr + std::uint64_t{r.next_beat} * beat_bytes(), out_.rdata);
    out_.rlast = r.next_beat + 1 == r.beats;
  }
  out_.bvalid = !responses_.empty() && cycle_ >= responses_.front().response_cycle;
}

}  // namespace sipnic::sim
