// Stand-alone differential testbench for the sip_parse RTL during
// development: runs batches through the kernel under Verilator (with the
// small AXI model of sip_parse_tb_axi.h) and through CpuSipParseEngine, and
// compares the output arrays byte for byte. Prints the first difference.
//
//   sip_parse_tb [TESTDATA_DIR [TRUNK_DIR]]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"
#include "sip_parse_tb_axi.h"

using namespace sipnic::offload;

namespace {

struct Batch {
  std::string bytes;
  std::vector<SegmentDescriptor> segs;
  std::uint32_t max_bytes = 64 * 1024;
  std::string name;
};

std::uint64_t g_cycles = 0;

SipParseOutput run_kernel(sip_parse_tb::Harness& h, const Batch& b) {
  auto& m = h.mem;
  m.next = 0x1000;
  const std::uint64_t nbytes = b.bytes.size();
  const std::uint64_t a_bytes = m.alloc(std::max<std::uint64_t>(nbytes, 64));
  const std::uint64_t a_segs = m.alloc(std::max<std::uint64_t>(b.segs.size() * 16, 64));
  const std::uint64_t a_res = m.alloc(std::max<std::uint64_t>(b.segs.size() * 32, 64));
  const std::uint32_t msg_cap = static_cast<std::uint32_t>(nbytes / 4 + 1);
  const std::uint32_t hdr_cap = static_cast<std::uint32_t>(nbytes / 3 + 1);
  const std::uint64_t a_msgs = m.alloc(std::uint64_t{msg_cap} * 64);
  const std::uint64_t a_hdrs = m.alloc(std::uint64_t{hdr_cap} * 16);
  m.write(a_bytes, b.bytes.data(), nbytes);
  std::vector<SegmentDescriptor> segs = b.segs;
  std::vector<bool> outside(segs.size());
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].offset > nbytes || segs[i].length > nbytes - segs[i].offset) {
      outside[i] = true;
      segs[i].offset = 0;
      segs[i].length = 0;
    }
  }
  if (!segs.empty()) m.write(a_segs, segs.data(), segs.size() * 16);
  auto w64 = [&](std::uint32_t off, std::uint64_t v) {
    h.write_reg(off, static_cast<std::uint32_t>(v));
    h.write_reg(off + 4, static_cast<std::uint32_t>(v >> 32));
  };
  w64(0x10, a_bytes);
  w64(0x1C, a_segs);
  w64(0x28, a_res);
  w64(0x34, a_msgs);
  w64(0x40, a_hdrs);
  h.write_reg(0x4C, static_cast<std::uint32_t>(segs.size()));
  h.write_reg(0x54, b.max_bytes);
  h.write_reg(0x5C, msg_cap);
  h.write_reg(0x64, hdr_cap);
  g_cycles = h.run(std::getenv("TB_MAXCYC") ? std::strtoull(std::getenv("TB_MAXCYC"), nullptr, 10) : 50'000'000ull);
  SipParseOutput out;
  out.segments.resize(segs.size());
  if (!segs.empty()) m.read(a_res, out.segments.data(), segs.size() * 32);
  std::uint64_t nm = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (outside[i]) {
      out.segments[i].error = static_cast<std::uint8_t>(ParseError::kBadBytes);
      out.segments[i].error_offset = 0;
    }
    nm += out.segments[i].message_count;
  }
  out.messages.resize(nm);
  if (nm) m.read(a_msgs, out.messages.data(), nm * 64);
  std::uint64_t nh = 0;
  for (const auto& mr : out.messages) nh += mr.header_count;
  out.headers.resize(nh);
  if (nh) m.read(a_hdrs, out.headers.data(), nh * 16);
  return out;
}

template <typename T>
int first_diff(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return -2;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return static_cast<int>(i);
  }
  return -1;
}

void dump_seg(const char* who, const SegmentResult& s) {
  std::printf("  %s seg: first_msg %u count %u consumed %u err %u at %u\n", who, s.first_message, s.message_count,
              s.consumed, s.error, s.error_offset);
}
void dump_msg(const char* who, const MessageRecord& m) {
  std::printf("  %s msg: start %u hl %u bl %u tl %u fh %u hc %u fl %u m{%u,%u} u{%u,%u} v{%u,%u} r{%u,%u} sc %u\n",
              who, m.start, m.header_len, m.body_len, m.total_len, m.first_header, m.header_count, m.flags,
              m.method.off, m.method.len, m.uri.off, m.uri.len, m.version.off, m.version.len, m.reason.off,
              m.reason.len, m.status_code);
}
void dump_hdr(const char* who, const HeaderRecord& h) {
  std::printf("  %s hdr: id %u fl %u name{%u,%u} value{%u,%u}\n", who, h.id, h.flags, h.name_off, h.name_len,
              h.value_off, h.value_len);
}

int g_fail = 0, g_pass = 0;
unsigned g_err_hist[16] = {};
std::uint64_t g_bytes_total = 0, g_cycles_total = 0;

bool check(sip_parse_tb::Harness& h, const Batch& b, bool verbose = true) {
  SipParseOutput ref;
  CpuSipParseEngine cpu({b.max_bytes});
  cpu.parse({reinterpret_cast<const std::uint8_t*>(b.bytes.data()), b.bytes.size()}, b.segs, ref);
  SipParseOutput got;
  try {
    got = run_kernel(h, b);
  } catch (const std::exception& e) {
    std::printf("FAIL %s: %s\n", b.name.c_str(), e.what());
    ++g_fail;
    return false;
  }
  if (std::getenv("TB_CORRUPT") && !got.headers.empty()) got.headers.back().value_len ^= 1;
  for (const auto& sr : ref.segments) ++g_err_hist[sr.error % 16];
  g_bytes_total += b.bytes.size();
  g_cycles_total += g_cycles;
  const int ds = first_diff(ref.segments, got.segments);
  const int dm = first_diff(ref.messages, got.messages);
  const int dh = first_diff(ref.headers, got.headers);
  if (ds == -1 && dm == -1 && dh == -1) {
    ++g_pass;
    return true;
  }
  ++g_fail;
  if (!verbose) return false;
  std::printf("FAIL %s (segs %zu/%zu msgs %zu/%zu hdrs %zu/%zu)\n", b.name.c_str(), ref.segments.size(),
              got.segments.size(), ref.messages.size(), got.messages.size(), ref.headers.size(), got.headers.size());
  if (ds != -1) {
    for (std::size_t i = 0; i < ref.segments.size() && i < got.segments.size(); ++i) {
      if (std::memcmp(&ref.segments[i], &got.segments[i], 32) != 0) {
        std::printf(" segment %zu (offset %llu len %u flags %u):\n", i,
                    static_cast<unsigned long long>(b.segs[i].offset), b.segs[i].length, b.segs[i].flags);
        dump_seg("cpu", ref.segments[i]);
        dump_seg("rtl", got.segments[i]);
        break;
      }
    }
  }
  if (dm >= 0) {
    std::printf(" message %d:\n", dm);
    dump_msg("cpu", ref.messages[dm]);
    dump_msg("rtl", got.messages[dm]);
  } else if (dm == -2 && ds == -1) {
    std::printf(" message count differs\n");
  }
  if (dh >= 0) {
    std::printf(" header %d:\n", dh);
    dump_hdr("cpu", ref.headers[dh]);
    dump_hdr("rtl", got.headers[dh]);
  }
  return false;
}

std::vector<std::string> read_dir(const std::string& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto n = e.path().filename().string();
    if (e.is_regular_file() && n != "README.txt" && n != "SHA256SUMS") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  const std::string td = argc > 1 ? argv[1] : "/work/shared/testdata";
  const std::string trunk = argc > 2 ? argv[2] : "bench/corpus/trunk_mix";
  const char* only = std::getenv("TB_ONLY");
  sip_parse_tb::Harness h;

  std::vector<std::string> corpus = read_dir(td + "/sip/rfc4475");
  for (auto& f : read_dir(td + "/sip/rfc5118")) corpus.push_back(f);
  std::vector<std::string> trunk_mix = read_dir(trunk);

  auto single = [&](const std::string& name, const std::string& bytes, std::uint32_t flags,
                    std::uint32_t max_bytes = 64 * 1024) {
    Batch b;
    b.name = name;
    b.bytes = bytes;
    b.segs.push_back({0, static_cast<std::uint32_t>(bytes.size()), flags});
    b.max_bytes = max_bytes;
    return check(h, b);
  };

  if (!only || std::string(only) == "basic") {
    single("bye-datagram",
           "BYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nl: 0\r\n\r\n", 0);
    single("bye-stream",
           "\r\n\r\nBYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 0\r\n\r\nOPTIONS sip:b@x SIP/2.0\r\nVia: x",
           kSegmentStream);
    single("response", "SIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0);
  }
  if (!only || std::string(only) == "empties") {
    for (int variant = 0; variant < 4; ++variant) {
      Batch b;
      b.name = "empties-" + std::to_string(variant);
      const std::string m = trunk_mix[5];
      b.segs.push_back({0, static_cast<std::uint32_t>(m.size()), 0});
      b.bytes = m;
      if (variant >= 1) b.segs.push_back({0, 0, 0});
      if (variant >= 2) b.segs.push_back({3, 0, kSegmentStream});
      if (variant >= 3) b.segs.push_back({0, static_cast<std::uint32_t>(m.size()), kSegmentStream});
      b.segs.push_back({b.bytes.size(), 4, kSegmentStream});
      b.bytes += "\r\n\r\n";
      check(h, b);
    }
  }
  if (!only || std::string(only) == "corpus") {
    for (std::size_t i = 0; i < corpus.size(); ++i) {
      single("corpus-dgram-" + std::to_string(i), corpus[i], 0);
      single("corpus-stream-" + std::to_string(i), corpus[i], kSegmentStream);
    }
  }
  if (!only || std::string(only) == "trunk") {
    Batch b;
    b.name = "trunk";
    for (int k = 0; k < 8; ++k) {
      for (const auto& m : trunk_mix) {
        b.segs.push_back({b.bytes.size(), static_cast<std::uint32_t>(m.size()), 0});
        b.bytes += m;
      }
    }
    const std::uint64_t c0 = g_cycles_total, b0 = g_bytes_total;
#ifdef SIP_PARSE_TB_DEBUG
    h.prof_reset();
#endif
    check(h, b);
#ifdef SIP_PARSE_TB_DEBUG
    h.prof_print();
#endif
    std::printf("trunk mix: %zu bytes, %llu cycles, %.2f bytes/cycle\n", b.bytes.size(),
                static_cast<unsigned long long>(g_cycles_total - c0),
                static_cast<double>(g_bytes_total - b0) / static_cast<double>(g_cycles_total - c0));
  }
  if (!only || std::string(only) == "cuts") {
    // one TCP stream of the trunk mix, cut at every offset of the first messages
    std::string stream;
    for (const auto& m : trunk_mix) stream += m;
    Batch b;
    b.name = "stream-cuts";
    for (std::uint32_t cut = 0; cut <= 1300; ++cut) {
      b.segs.push_back({0, cut, kSegmentStream});
    }
    b.bytes = stream;
    check(h, b);
  }
  if (!only || std::string(only) == "mutate") {
    std::mt19937 rng(std::getenv("TB_SEED") ? std::strtoul(std::getenv("TB_SEED"), nullptr, 10) : 4475);
    const int iters = std::getenv("TB_ITERS") ? std::atoi(std::getenv("TB_ITERS")) : 200;
    const char alphabet[] = "\r\n :\t\\,;\x00\x01\x7f" "aZ09-";
    for (int iter = 0; iter < iters; ++iter) {
      Batch b;
      b.name = "mutate-" + std::to_string(iter);
      for (int k = 0; k < 8; ++k) {
        std::string m = (rng() % 3 == 0) ? trunk_mix[rng() % trunk_mix.size()] : corpus[rng() % corpus.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !m.empty(); ++e) {
          const std::size_t p = rng() % m.size();
          switch (rng() % 3) {
            case 0: m[p] = alphabet[rng() % (sizeof(alphabet) - 1)]; break;
            case 1: m.insert(m.begin() + static_cast<long>(p), alphabet[rng() % (sizeof(alphabet) - 1)]); break;
            default: m.erase(m.begin() + static_cast<long>(p)); break;
          }
        }
        b.segs.push_back({b.bytes.size(), static_cast<std::uint32_t>(m.size()),
                          (rng() % 2) ? std::uint32_t{kSegmentStream} : 0u});
        b.bytes += m;
      }
      b.max_bytes = (rng() % 4 == 0) ? 200 + rng() % 1000 : (rng() % 8 == 0) ? rng() % 300 : 64 * 1024;
      check(h, b);
    }
  }
  std::printf("reference segment errors:");
  for (int e = 0; e < 11; ++e) std::printf(" %d:%u", e, g_err_hist[e]);
  std::printf("\npassed %d, failed %d\n", g_pass, g_fail);
  return g_fail == 0 ? 0 : 1;
}
