// A small stand-alone AXI testbench for the sip_parse kernel, used while
// developing the RTL (tests/sim/sip_parse_tb.cpp). It models what
// docs/kernels.md asks of sim/'s harness: a flat device memory with a bump
// allocator of 4 KiB-aligned buffers, an AXI4 slave with fixed latency and
// several outstanding bursts, an AXI4-Lite master and start/wait as XRT
// does. The real sim::KernelHarness replaces it in the sim backend.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <vector>

#include "Vsip_parse.h"
#ifdef SIP_PARSE_TB_DEBUG
#include "Vsip_parse___024root.h"
#endif
#include "verilated.h"

namespace sip_parse_tb {

struct Mem {
  std::vector<std::uint8_t> data;
  std::uint64_t next = 0x1000;
  std::uint64_t alloc(std::uint64_t n) {
    const std::uint64_t a = next;
    next += (n + 4095) / 4096 * 4096 + 4096;
    if (next > data.size()) data.resize(next);
    return a;
  }
  void write(std::uint64_t a, const void* p, std::size_t n) {
    if (a + n > data.size()) throw std::runtime_error("write out of memory");
    std::memcpy(data.data() + a, p, n);
  }
  void read(std::uint64_t a, void* p, std::size_t n) const {
    if (a + n > data.size()) throw std::runtime_error("read out of memory");
    std::memcpy(p, data.data() + a, n);
  }
};

struct Harness {
  Vsip_parse top;
  Mem mem;
  std::uint64_t cycles = 0;
  unsigned latency = 100;
  unsigned max_outstanding = 16;

  struct Rd { std::uint64_t addr; unsigned beats; std::uint64_t ready_at; };
  struct Wr { std::uint64_t addr; unsigned beats; };
  std::deque<Rd> rq;        // accepted read bursts
  unsigned r_beat = 0;
  std::deque<Wr> wq;        // accepted write bursts awaiting data
  unsigned w_beat = 0;
  std::deque<std::uint64_t> bq;  // write responses due at
  unsigned w_outstanding = 0;
  std::uint64_t prof_b[8] = {}, prof_f[16] = {}, prof_stall = 0, prof_scan = 0, prof_chunks = 0;
  void prof_reset() {
    for (auto& x : prof_b) x = 0;
    for (auto& x : prof_f) x = 0;
    prof_stall = prof_scan = prof_chunks = 0;
  }
  void prof_print() const {
    std::printf("walker modes: idle %llu seg %llu msg %llu end1 %llu end2 %llu end3 %llu fin %llu | stall %llu scan %llu chunks %llu\n",
      (unsigned long long)prof_b[0], (unsigned long long)prof_b[1], (unsigned long long)prof_b[2], (unsigned long long)prof_b[3],
      (unsigned long long)prof_b[4], (unsigned long long)prof_b[5], (unsigned long long)prof_b[6], (unsigned long long)prof_stall,
      (unsigned long long)prof_scan, (unsigned long long)prof_chunks);
    std::printf("chunker states: fin %llu idle %llu seg0 %llu fill %llu skip %llu setup1 %llu setup2 %llu run %llu wait %llu drain %llu\n",
      (unsigned long long)prof_f[0], (unsigned long long)prof_f[1], (unsigned long long)prof_f[2], (unsigned long long)prof_f[3],
      (unsigned long long)prof_f[4], (unsigned long long)prof_f[5], (unsigned long long)prof_f[6], (unsigned long long)prof_f[7],
      (unsigned long long)prof_f[8], (unsigned long long)prof_f[9]);
  }

  Harness() {
    top.ap_rst_n = 0;
    for (int i = 0; i < 4; ++i) tick();
    top.ap_rst_n = 1;
    tick();
  }

  static void set512(VlWide<16>& w, const std::uint8_t* p) { std::memcpy(w.data(), p, 64); }
  static void get512(const VlWide<16>& w, std::uint8_t* p) { std::memcpy(p, w.data(), 64); }

  void tick() {
    // inputs for this cycle (slave side), evaluated before the edge
    top.m_axi_gmem_arready = rq.size() < max_outstanding;
    top.m_axi_gmem_awready = wq.size() + w_outstanding < max_outstanding;
    top.m_axi_gmem_wready = !wq.empty();
    // read data
    top.m_axi_gmem_rvalid = 0;
    if (!rq.empty() && rq.front().ready_at <= cycles) {
      const Rd& r = rq.front();
      std::uint8_t b[64];
      mem.read(r.addr + 64ull * r_beat, b, 64);
      set512(top.m_axi_gmem_rdata, b);
      top.m_axi_gmem_rvalid = 1;
      top.m_axi_gmem_rlast = (r_beat + 1 == r.beats);
      top.m_axi_gmem_rresp = 0;
    }
    top.m_axi_gmem_bvalid = (!bq.empty() && bq.front() <= cycles);
    top.m_axi_gmem_bresp = 0;
    top.ap_clk = 0;
    top.eval();
    // sample handshakes
    const bool ar = top.m_axi_gmem_arvalid && top.m_axi_gmem_arready;
    const bool rr = top.m_axi_gmem_rvalid && top.m_axi_gmem_rready;
    const bool aw = top.m_axi_gmem_awvalid && top.m_axi_gmem_awready;
    const bool w = top.m_axi_gmem_wvalid && top.m_axi_gmem_wready;
    const bool b = top.m_axi_gmem_bvalid && top.m_axi_gmem_bready;
    Rd nr{top.m_axi_gmem_araddr, static_cast<unsigned>(top.m_axi_gmem_arlen) + 1u, cycles + latency};
    Wr nw{top.m_axi_gmem_awaddr, static_cast<unsigned>(top.m_axi_gmem_awlen) + 1u};
    if (ar) {
      if (top.m_axi_gmem_arsize != 6 || top.m_axi_gmem_arburst != 1) throw std::runtime_error("bad AR");
      if ((nr.addr & 63) != 0) throw std::runtime_error("unaligned AR");
      if ((nr.addr >> 12) != ((nr.addr + 64ull * nr.beats - 1) >> 12)) throw std::runtime_error("AR crosses 4K");
    }
    if (w) {
      if (wq.empty()) throw std::runtime_error("W before AW");
      Wr& cur = wq.front();
      std::uint8_t d[64];
      get512(top.m_axi_gmem_wdata, d);
      const std::uint64_t strb = top.m_axi_gmem_wstrb;
      const std::uint64_t a = cur.addr + 64ull * w_beat;
      for (int i = 0; i < 64; ++i) {
        if ((strb >> i) & 1) {
          if (a + i >= mem.data.size()) throw std::runtime_error("write beyond memory");
          mem.data[a + i] = d[i];
        }
      }
      const bool last = top.m_axi_gmem_wlast;
      if (last != (w_beat + 1 == cur.beats)) throw std::runtime_error("wlast mismatch");
      if (++w_beat == cur.beats) {
        w_beat = 0;
        wq.pop_front();
        bq.push_back(cycles + latency);
        ++w_outstanding;
      }
    }
    top.ap_clk = 1;
    top.eval();
    if (rr) {
      if (++r_beat == rq.front().beats) {
        r_beat = 0;
        rq.pop_front();
      }
    }
    if (ar) rq.push_back(nr);
    if (aw) {
      if ((nw.addr >> 12) != ((nw.addr + 64ull * nw.beats - 1) >> 12)) throw std::runtime_error("AW crosses 4K");
      wq.push_back(nw);
    }
    if (b) {
      bq.pop_front();
      --w_outstanding;
    }
    ++cycles;
#ifdef SIP_PARSE_TB_DEBUG
    {
      auto* r = top.rootp;
      const unsigned mode = r->sip_parse__DOT__u_walker__DOT__mode_q;
      const unsigned fst = r->sip_parse__DOT__u_chunker__DOT__st_q;
      ++prof_b[mode & 7];
      ++prof_f[fst & 15];
      if (r->sip_parse__DOT__stall) ++prof_stall;
      if (r->sip_parse__DOT__u_walker__DOT__scan_q) ++prof_scan;
      if (r->sip_parse__DOT__c_valid && r->sip_parse__DOT__c_kind == 0) ++prof_chunks;
    }
    if (std::getenv("TB_TRACE")) {
      auto* r = top.rootp;
      std::printf("c%llu F st=%u seg=%u nb=%u ep=%u tkv=%u kind=%u x=%llu | W mode=%u ep=%u cv=%u ck=%u stall=%u | R sidx=%u act=%u left=%u dreq=%u | wr st=%u owed=%u | rv=%u bqv=%u bqpop=%u tagv=%u tag=%u\n",
        (unsigned long long)cycles, r->sip_parse__DOT__u_chunker__DOT__st_q, r->sip_parse__DOT__u_chunker__DOT__seg_idx_q,
        r->sip_parse__DOT__u_chunker__DOT__nb_left_q, r->sip_parse__DOT__u_chunker__DOT__epoch_q,
        r->sip_parse__DOT__t_valid, r->sip_parse__DOT__t_kind, (unsigned long long)r->sip_parse__DOT__t_x,
        r->sip_parse__DOT__u_walker__DOT__mode_q, r->sip_parse__DOT__u_walker__DOT__epoch_q,
        r->sip_parse__DOT__c_valid, r->sip_parse__DOT__c_kind, r->sip_parse__DOT__stall,
        r->sip_parse__DOT__u_reader__DOT__sidx_q, r->sip_parse__DOT__u_reader__DOT__act_q,
        r->sip_parse__DOT__u_reader__DOT__left_q, r->sip_parse__DOT__u_reader__DOT__dreq_q,
        r->sip_parse__DOT__u_writer__DOT__st_q, r->sip_parse__DOT__u_writer__DOT__owed_q, top.m_axi_gmem_rvalid, r->sip_parse__DOT__bq_valid, r->sip_parse__DOT__bq_pop,
        r->sip_parse__DOT__u_reader__DOT__tfifo_valid, r->sip_parse__DOT__u_reader__DOT__tfifo_dout);
    }
#endif
  }

  void write_reg(std::uint32_t addr, std::uint32_t v) {
    top.s_axi_control_awvalid = 1;
    top.s_axi_control_awaddr = addr;
    top.s_axi_control_wvalid = 1;
    top.s_axi_control_wdata = v;
    top.s_axi_control_wstrb = 0xF;
    top.s_axi_control_bready = 1;
    int guard = 0;
    for (;;) {
      top.ap_clk = 0;
      top.eval();
      const bool acc = top.s_axi_control_awready;
      tick();
      if (acc) break;
      if (++guard > 100) throw std::runtime_error("AXI-lite write stuck");
    }
    top.s_axi_control_awvalid = 0;
    top.s_axi_control_wvalid = 0;
    while (!top.s_axi_control_bvalid) tick();
    tick();
    top.s_axi_control_bready = 0;
  }

  std::uint32_t read_reg(std::uint32_t addr) {
    top.s_axi_control_arvalid = 1;
    top.s_axi_control_araddr = addr;
    top.s_axi_control_rready = 0;
    for (;;) {
      top.ap_clk = 0;
      top.eval();
      const bool acc = top.s_axi_control_arready;
      tick();
      if (acc) break;
    }
    top.s_axi_control_arvalid = 0;
    while (!top.s_axi_control_rvalid) tick();
    const std::uint32_t v = top.s_axi_control_rdata;
    top.s_axi_control_rready = 1;
    tick();
    top.s_axi_control_rready = 0;
    return v;
  }

  // start / wait as xrt::run: ap_start, poll ap_done, ap_continue
  std::uint64_t run(std::uint64_t max_cycles) {
    const std::uint64_t c0 = cycles;
    write_reg(0x00, 1);
    for (;;) {
      for (int i = 0; i < 16; ++i) tick();
      if (read_reg(0x00) & 2) break;
      if (cycles - c0 > max_cycles) {
        std::printf("harness: rq %zu wq %zu bq %zu w_out %u\n", rq.size(), wq.size(), bq.size(), w_outstanding);
        throw std::runtime_error("kernel did not finish in its cycle budget");
      }
    }
    write_reg(0x00, 0x10);
    return cycles - c0;
  }
};

}  // namespace sip_parse_tb
