// bench/kernels: the two RTL kernels in simulation (the sim backend: the very
// RTL of kernels/ under Verilator, behind the same engine interfaces the node
// uses), against the cpu backend on one core in the same run.
//
//  - sip_parse: the trunk mix (bench/corpus/trunk_mix, one call's signalling
//    plus an OPTIONS ping) laid out as stream segments, many per batch, as a
//    busy worker's turn would hand them over.
//  - tls_gcm: batches of TLS-sized records of 64 B, 1 KiB and 16 KiB, sealed
//    (encrypt) with AES-128-GCM, 13-byte AAD.
//
// Kernel figures are bytes per clock cycle from start to done as the
// simulation counts them, including the device-memory model's latency and
// width (docs/kernels.md: 512-bit port, 100-cycle latency by default), and
// Gb/s PROJECTED at 300 MHz from those cycles: a projection from a model, not
// a measurement of hardware. The cpu figures are measured on this machine.
// The resource report (yosys: LUT, FF, BRAM, DSP, LUT levels, with its own
// BENCH lines) is bitstreams/synth-report's; this program runs it at the end
// (minutes of synthesis; BENCH_KERNELS_SYNTH=0 skips it).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "offload/device.h"
#include "offload/gcm_engine.h"
#include "offload/sip_parse_engine.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kProjectedClockHz = 300e6;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kernels: %s\n", what.c_str());
  std::exit(1);
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

double projected_gbps(double bytes_per_cycle) { return bytes_per_cycle * kProjectedClockHz * 8 / 1e9; }

// ---- sip_parse -------------------------------------------------------------------------

struct ParseBatch {
  std::vector<std::uint8_t> bytes;
  std::vector<sipnic::offload::SegmentDescriptor> segments;
};

ParseBatch trunk_mix_batch(int segments) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(SIPNIC_BENCH_CORPUS)) {
    if (e.path().extension() == ".sip") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) die("no .sip files in " SIPNIC_BENCH_CORPUS);
  std::string flow;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    flow.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ParseBatch b;
  for (int i = 0; i < segments; ++i) {
    // Segments start on 64-byte boundaries, as the transport's batches do.
    b.bytes.resize((b.bytes.size() + 63) & ~std::size_t{63});
    b.segments.push_back({b.bytes.size(), static_cast<std::uint32_t>(flow.size()), sipnic::offload::kSegmentStream});
    b.bytes.insert(b.bytes.end(), flow.begin(), flow.end());
  }
  return b;
}

struct Figures {
  double bytes_per_cycle = 0;
  double cpu_gb_per_s = 0;
  // tls_gcm only: 16-byte blocks through the AES/GHASH datapath per cycle
  // (a record of n payload blocks takes n + 2: H and the tag mask E(K, J0)
  // through AES, the AAD and length blocks through GHASH), and the payload
  // bytes per cycle that a datapath busy every cycle would give.
  double pipeline_blocks_per_cycle = 0;
  double ceiling_bytes_per_cycle = 0;
};

Figures bench_sip_parse(const sipnic::offload::Device& sim, const sipnic::offload::Device& cpu, int segments) {
  const ParseBatch b = trunk_mix_batch(segments);
  std::size_t payload = 0;
  for (const auto& s : b.segments) payload += s.length;
  Figures f;
  {
    auto engine = sim.make_sip_parse_engine({});
    sipnic::offload::SipParseOutput out;
    engine->parse(b.bytes, b.segments, out);
    const auto cycles = engine->cycles_of_last_run();
    if (!cycles || *cycles == 0) die("the sim sip_parse engine reported no cycles");
    for (const auto& r : out.segments) {
      if (r.error != 0 || r.consumed != b.segments.front().length) die("sim sip_parse did not parse the trunk mix");
    }
    f.bytes_per_cycle = static_cast<double>(payload) / static_cast<double>(*cycles);
  }
  {
    auto engine = cpu.make_sip_parse_engine({});
    sipnic::offload::SipParseOutput out;
    std::uint64_t runs = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (int i = 0; i < 20; ++i) engine->parse(b.bytes, b.segments, out);
      runs += 20;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < 0.5);
    f.cpu_gb_per_s = static_cast<double>(runs * payload) / elapsed / 1e9;
  }
  return f;
}

// ---- tls_gcm ---------------------------------------------------------------------------

struct GcmBatchData {
  std::vector<std::uint8_t> bytes;
  std::vector<sipnic::offload::GcmJob> jobs;
};

GcmBatchData gcm_batch(std::size_t record_bytes, std::size_t records) {
  GcmBatchData b;
  for (std::size_t r = 0; r < records; ++r) {
    b.bytes.resize((b.bytes.size() + 63) & ~std::size_t{63});
    sipnic::offload::GcmJob j{};
    j.key_slot = static_cast<std::uint32_t>(r % 4);
    j.offset = static_cast<std::uint32_t>(b.bytes.size());
    j.length = static_cast<std::uint32_t>(record_bytes);
    j.op = static_cast<std::uint8_t>(sipnic::offload::GcmOp::kEncrypt);
    j.aad_bytes = 13;
    for (std::size_t i = 0; i < sizeof j.nonce; ++i) j.nonce[i] = static_cast<std::uint8_t>(r * 7 + i);
    for (std::size_t i = 0; i < 13; ++i) j.aad[i] = static_cast<std::uint8_t>(r + i);
    b.jobs.push_back(j);
    for (std::size_t i = 0; i < record_bytes; ++i) b.bytes.push_back(static_cast<std::uint8_t>(i * 131 + r));
  }
  return b;
}

void load_keys(sipnic::offload::GcmEngine& e) {
  for (std::uint32_t slot = 0; slot < 4; ++slot) {
    std::uint8_t key[16];
    for (std::size_t i = 0; i < sizeof key; ++i) key[i] = static_cast<std::uint8_t>(slot * 16 + i);
    if (!e.set_key(slot, key)) die("set_key failed");
  }
}

Figures bench_tls_gcm(const sipnic::offload::Device& sim, const sipnic::offload::Device& cpu, std::size_t record_bytes,
                      std::size_t batch_bytes) {
  const std::size_t records = std::max<std::size_t>(4, batch_bytes / record_bytes);
  const GcmBatchData b = gcm_batch(record_bytes, records);
  const double payload = static_cast<double>(records * record_bytes);
  std::vector<sipnic::offload::GcmResult> results(records);
  Figures f;
  std::vector<std::uint8_t> sim_bytes = b.bytes;
  {
    auto engine = sim.make_gcm_engine(4);
    load_keys(*engine);
    engine->run(sim_bytes, b.jobs, results);
    const auto cycles = engine->cycles_of_last_run();
    if (!cycles || *cycles == 0) die("the sim tls_gcm engine reported no cycles");
    for (const auto& r : results) {
      if (r.status != 0) die("sim tls_gcm refused a job");
    }
    f.bytes_per_cycle = payload / static_cast<double>(*cycles);
    const double blocks = static_cast<double>((record_bytes + 15) / 16);
    f.pipeline_blocks_per_cycle = static_cast<double>(records) * (blocks + 2) / static_cast<double>(*cycles);
    f.ceiling_bytes_per_cycle = static_cast<double>(record_bytes) / (blocks + 2);
  }
  {
    auto engine = cpu.make_gcm_engine(4);
    load_keys(*engine);
    std::vector<std::uint8_t> bytes = b.bytes;
    std::vector<sipnic::offload::GcmResult> cpu_results(records);
    engine->run(bytes, b.jobs, cpu_results);
    // The same batch on both backends: the outputs must agree.
    if (bytes != sim_bytes || std::memcmp(cpu_results.data(), results.data(), records * sizeof results[0]) != 0) {
      die("sim and cpu tls_gcm disagree on the benchmark batch");
    }
    std::uint64_t runs = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (int i = 0; i < 10; ++i) engine->run(bytes, b.jobs, cpu_results);
      runs += 10;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < 0.5);
    f.cpu_gb_per_s = static_cast<double>(runs) * payload / elapsed / 1e9;
  }
  return f;
}

}  // namespace

int main() {
  std::unique_ptr<sipnic::offload::Device> sim, cpu;
  try {
    sim = sipnic::offload::make_device("sim");
    cpu = sipnic::offload::make_device("cpu");
  } catch (const std::exception& e) {
    die(e.what());
  }
  const int segments = std::max(1, env_int("BENCH_KERNELS_SEGMENTS", 64));
  const std::size_t gcm_batch_bytes = static_cast<std::size_t>(std::max(1024, env_int("BENCH_KERNELS_GCM_BYTES", 256 * 1024)));

  const Figures parse = bench_sip_parse(*sim, *cpu, segments);
  struct GcmRow {
    const char* label;
    std::size_t bytes;
    Figures f;
  };
  std::vector<GcmRow> gcm = {{"64", 64, {}}, {"1k", 1024, {}}, {"16k", 16384, {}}};
  for (auto& row : gcm) row.f = bench_tls_gcm(*sim, *cpu, row.bytes, gcm_batch_bytes);

  std::printf("Offload kernels: RTL under Verilator (sim) vs the cpu backend on one core (measured here)\n");
  std::printf("%-26s | %12s %16s | %12s\n", "workload", "bytes/cycle", "Gb/s @300 MHz", "cpu GB/s");
  std::printf("%-26s | %12.2f %16.1f | %12.2f\n", "sip_parse trunk mix", parse.bytes_per_cycle,
              projected_gbps(parse.bytes_per_cycle), parse.cpu_gb_per_s);
  for (const auto& row : gcm) {
    const std::string name = std::string("tls_gcm ") + row.label + " B records";
    std::printf("%-26s | %12.2f %16.1f | %12.2f\n", name.c_str(), row.f.bytes_per_cycle,
                projected_gbps(row.f.bytes_per_cycle), row.f.cpu_gb_per_s);
  }
  std::printf("\ntls_gcm datapath (one 16-byte block a cycle; a record of n blocks takes n + 2 slots):\n");
  std::printf("%-26s | %16s %24s\n", "workload", "blocks/cycle", "ceiling bytes/cycle");
  for (const auto& row : gcm) {
    const std::string name = std::string("tls_gcm ") + row.label + " B records";
    std::printf("%-26s | %16.3f %24.2f\n", name.c_str(), row.f.pipeline_blocks_per_cycle,
                row.f.ceiling_bytes_per_cycle);
  }
  std::printf("bytes/cycle: simulated clock cycles start to done, device-memory model included (512-bit port,\n"
              "100-cycle latency); Gb/s @300 MHz is PROJECTED from those cycles, not measured on hardware.\n"
              "sip_parse: %d stream segments of the trunk mix per batch; tls_gcm: %zu KiB of records per batch.\n",
              segments, gcm_batch_bytes / 1024);
  std::printf("BENCH sip_parse_rtl.bytes_per_cycle %.2f bytes/cycle\n", parse.bytes_per_cycle);
  std::printf("BENCH sip_parse_rtl.projected_gbps_300mhz %.1f Gb/s\n", projected_gbps(parse.bytes_per_cycle));
  std::printf("BENCH sip_parse_cpu.gb_per_s %.2f GB/s\n", parse.cpu_gb_per_s);
  for (const auto& row : gcm) {
    std::printf("BENCH tls_gcm_rtl.bytes_per_cycle_%s %.2f bytes/cycle\n", row.label, row.f.bytes_per_cycle);
    std::printf("BENCH tls_gcm_rtl.projected_gbps_300mhz_%s %.1f Gb/s\n", row.label,
                projected_gbps(row.f.bytes_per_cycle));
    std::printf("BENCH tls_gcm_cpu.gb_per_s_%s %.2f GB/s\n", row.label, row.f.cpu_gb_per_s);
    std::printf("BENCH tls_gcm_rtl.pipeline_blocks_per_cycle_%s %.3f blocks/cycle\n", row.label,
                row.f.pipeline_blocks_per_cycle);
  }
  std::fflush(stdout);
  if (env_int("BENCH_KERNELS_SYNTH", 1) != 0) {
    // The yosys resource report (LUT/FF/BRAM/DSP, LUT levels) with its own
    // BENCH lines.
    const std::string cmd = std::string(SIPNIC_SOURCE_DIR) + "/bitstreams/synth-report";
    const int rc = std::system(cmd.c_str());
    if (rc != 0) die("bitstreams/synth-report failed");
  }
  return 0;
}
