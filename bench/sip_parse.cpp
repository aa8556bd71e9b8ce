// bench/sip_parse [CORPUS_DIR]: SIP parsing throughput, single thread, in one
// run: sipnic (CpuSipParseEngine + MessageView decoding what a transaction
// layer needs) against oSIP2 and Sofia-SIP parsing the same messages the way
// their stacks do. Every peer must parse every corpus message; otherwise the
// run aborts (a fast failure is not a result).
//
// sipnic is fed the way the host feeds it: many datagram segments per
// parse() call (one event-loop turn's worth), every header indexed, then each
// message is decoded with sip::decode_transaction_fields: top Via (branch),
// From and To tags, Call-ID, CSeq number and method, Max-Forwards,
// Content-Length. The peers parse one message per call and the
// same fields are read from their parsed structures.
//
// The bound: in the same run, over the same bytes, a plain LF scan that
// parses nothing (a memchr loop, and an AVX2 loop comparing 32 bytes a step
// and popcounting the LFs). Every parser has to find the line ends at least,
// so the faster scan is the speed no parser can beat;
// sip_parse.fraction_of_line_scan says how close sipnic comes to it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <immintrin.h>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/header_values.h"
#include "sip/message_view.h"
#include "sip/transaction_fields.h"

extern "C" {
#include <osipparser2/osip_parser.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
}

#ifndef SIPNIC_BENCH_CORPUS
#define SIPNIC_BENCH_CORPUS "bench/corpus/trunk_mix"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using sipnic::offload::HeaderId;

struct Result {
  const char* name;
  double seconds = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t failures = 0;
  std::uint64_t sink = 0;  // keeps the decoded fields alive for the optimiser
  double mb_per_s() const { return static_cast<double>(bytes) / seconds / 1e6; }
  double msg_per_s() const { return static_cast<double>(messages) / seconds; }
  double ns_per_msg() const { return seconds * 1e9 / static_cast<double>(messages); }
};

std::uint64_t h(std::string_view s) { return s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s[0])); }
std::uint64_t h(const char* s) { return s == nullptr ? 0 : std::strlen(s) + static_cast<unsigned char>(s[0]); }

// Runs `pass` (one pass over the corpus) until at least `min_seconds` passed.
template <typename Pass>
Result run(const char* name, double min_seconds, std::uint64_t corpus_bytes, std::size_t corpus_msgs, Pass pass) {
  Result r{name};
  for (int i = 0; i < 50; ++i) pass(r);  // warm-up
  r.failures = 0;
  r.sink = 0;
  const auto t0 = Clock::now();
  std::uint64_t passes = 0;
  do {
    for (int i = 0; i < 100; ++i) pass(r);
    passes += 100;
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (r.seconds < min_seconds);
  r.messages = passes * corpus_msgs;
  r.bytes = passes * corpus_bytes;
  return r;
}

// The line-scan bound. Both count the LFs of the whole buffer, so that the
// count can be checked and the scan cannot be optimised away.
std::uint64_t count_lf_memchr(const char* p, std::size_t n) {
  std::uint64_t count = 0;
  const char* const end = p + n;
  while (const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
    ++count;
    p = static_cast<const char*>(lf) + 1;
  }
  return count;
}

// Compiled for AVX2 (and POPCNT) by attribute, called only when the CPU has
// both, so the file builds and runs without -mavx2.
__attribute__((target("avx2,popcnt"))) std::uint64_t count_lf_avx2(const char* p, std::size_t n) {
  const __m256i lf = _mm256_set1_epi8('\n');
  std::uint64_t count = 0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    count += static_cast<std::uint64_t>(
        _mm_popcnt_u32(static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)))));
  }
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

// The corpus does not change between passes, and a scan is a pure function of
// it: without this barrier the compiler computes it once for the whole loop.
const char* opaque(const char* p) {
  asm volatile("" : "+r"(p) : : "memory");
  return p;
}

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("popcnt") != 0; }

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : SIPNIC_BENCH_CORPUS;
  std::vector<std::string> corpus;
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "sip_parse: no messages in %s\n", dir.c_str());
    return 2;
  }
  // One batch = the corpus repeated to kBatch messages, laid out back to back
  // as one receive buffer with one datagram descriptor per message.
  constexpr std::size_t kRepeat = 8;
  std::string buffer;
  std::vector<sipnic::offload::SegmentDescriptor> segs;
  for (std::size_t k = 0; k < kRepeat; ++k) {
    for (const auto& m : corpus) {
      segs.push_back({buffer.size(), static_cast<std::uint32_t>(m.size()), 0});
      buffer += m;
    }
  }
  const std::uint64_t batch_bytes = buffer.size();
  const std::size_t batch_msgs = segs.size();
  const double min_seconds = 1.0;

  // ---- sipnic
  sipnic::offload::CpuSipParseEngine engine;
  sipnic::offload::SipParseOutput out;
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size());
  const Result sipnic_r = run("sipnic (cpu engine + txn fields)", min_seconds, batch_bytes, batch_msgs, [&](Result& r) {
    engine.parse(bytes, segs, out);
    for (std::size_t i = 0; i < out.segments.size(); ++i) {
      const auto& sr = out.segments[i];
      if (sr.error != 0 || sr.message_count != 1) {
        ++r.failures;
        continue;
      }
      const std::string_view seg(buffer.data() + segs[i].offset, segs[i].length);
      const auto m = sipnic::sip::MessageView::from_batch(seg, out.messages[sr.first_message], out.headers);
      // One pass over the header records, then the shared decoders: top Via
      // (parsed, branch read), From and To (name-addr parsed, tags read),
      // Call-ID, CSeq number and method, Max-Forwards, Content-Length.
      const auto f = sipnic::sip::decode_transaction_fields(m);
      if (!f.ok() || !f.has_content_length) {
        ++r.failures;
        continue;
      }
      r.sink += h(f.branch) + h(f.from_tag) + h(f.to_tag) + h(f.call_id) + f.cseq.number + h(f.cseq.method) +
                f.max_forwards + f.content_length;
    }
  });

  // ---- oSIP2
  parser_init();
  const Result osip_r = run("oSIP2 5.x (osip_message_parse)", min_seconds, batch_bytes, batch_msgs, [&](Result& r) {
    for (std::size_t i = 0; i < segs.size(); ++i) {
      osip_message_t* sip = nullptr;
      osip_message_init(&sip);
      if (osip_message_parse(sip, buffer.data() + segs[i].offset, segs[i].length) != 0) {
        ++r.failures;
        osip_message_free(sip);
        continue;
      }
      osip_via_t* via = nullptr;
      osip_generic_param_t* branch = nullptr;
      osip_generic_param_t* ftag = nullptr;
      osip_generic_param_t* ttag = nullptr;
      osip_header_t* mf = nullptr;
      osip_message_get_via(sip, 0, &via);
      if (via != nullptr) osip_via_param_get_byname(via, const_cast<char*>("branch"), &branch);
      if (sip->from != nullptr) osip_from_param_get_byname(sip->from, const_cast<char*>("tag"), &ftag);
      if (sip->to != nullptr) osip_to_param_get_byname(sip->to, const_cast<char*>("tag"), &ttag);
      osip_message_get_max_forwards(sip, 0, &mf);
      if (via == nullptr || branch == nullptr || sip->call_id == nullptr || sip->cseq == nullptr) ++r.failures;
      r.sink += h(branch ? branch->gvalue : nullptr) + h(ftag ? ftag->gvalue : nullptr) +
                h(ttag ? ttag->gvalue : nullptr) + h(sip->call_id ? sip->call_id->number : nullptr) +
                h(sip->cseq ? sip->cseq->number : nullptr) + h(sip->cseq ? sip->cseq->method : nullptr) +
                h(mf ? mf->hvalue : nullptr) + h(sip->content_length ? sip->content_length->value : nullptr);
      osip_message_free(sip);
    }
  });

  // ---- Sofia-SIP
  msg_mclass_t const* mclass = sip_default_mclass();
  const Result sofia_r = run("Sofia-SIP 1.12 (msg_extract)", min_seconds, batch_bytes, batch_msgs, [&](Result& r) {
    for (std::size_t i = 0; i < segs.size(); ++i) {
      msg_t* msg = msg_create(mclass, 0);
      void* b = msg_buf_alloc(msg, segs[i].length + 1);
      if (b == nullptr) {
        ++r.failures;
        msg_destroy(msg);
        continue;
      }
      std::memcpy(b, buffer.data() + segs[i].offset, segs[i].length);
      msg_buf_commit(msg, segs[i].length, 1);
      const int n = msg_extract(msg);
      sip_t const* sip = sip_object(msg);
      if (n <= 0 || sip == nullptr || sip->sip_via == nullptr || sip->sip_cseq == nullptr ||
          sip->sip_call_id == nullptr || sip->sip_from == nullptr || sip->sip_to == nullptr ||
          msg_extract_errors(msg) != 0) {
        ++r.failures;
        msg_destroy(msg);
        continue;
      }
      r.sink += h(sip->sip_via->v_branch) + h(sip->sip_from->a_tag) + h(sip->sip_to->a_tag) +
                h(sip->sip_call_id->i_id) + sip->sip_cseq->cs_seq + h(sip->sip_cseq->cs_method_name) +
                (sip->sip_max_forwards ? sip->sip_max_forwards->mf_count : 0) +
                (sip->sip_content_length ? sip->sip_content_length->l_length : 0);
      msg_destroy(msg);
    }
  });

  // ---- the line-scan bound, over the same buffer
  const auto expected_lfs = static_cast<std::uint64_t>(std::count(buffer.begin(), buffer.end(), '\n'));
  const Result memchr_r = run("LF scan: memchr loop", min_seconds, batch_bytes, batch_msgs, [&](Result& r) {
    const std::uint64_t n = count_lf_memchr(opaque(buffer.data()), buffer.size());
    if (n != expected_lfs) ++r.failures;
    r.sink += n;
  });
  const bool have_avx2 = cpu_has_avx2();
  Result avx2_r{"LF scan: AVX2 cmpeq+popcnt, 32 B/step"};
  if (have_avx2) {
    avx2_r = run(avx2_r.name, min_seconds, batch_bytes, batch_msgs, [&](Result& r) {
      const std::uint64_t n = count_lf_avx2(opaque(buffer.data()), buffer.size());
      if (n != expected_lfs) ++r.failures;
      r.sink += n;
    });
  }
  const Result& best_scan = have_avx2 && avx2_r.mb_per_s() > memchr_r.mb_per_s() ? avx2_r : memchr_r;

  std::vector<const Result*> all = {&sipnic_r, &osip_r, &sofia_r, &memchr_r};
  if (have_avx2) all.push_back(&avx2_r);
  bool failed = false;
  for (const Result* r : all) {
    if (r->failures != 0) {
      std::fprintf(stderr, "sip_parse: %s failed on %llu messages of the corpus\n", r->name,
                   static_cast<unsigned long long>(r->failures));
      failed = true;
    }
  }
  if (failed) return 1;

  std::printf("corpus: %s, %zu messages, %llu bytes; sipnic batch: %zu segments per parse() call, SIMD %s\n",
              dir.c_str(), corpus.size(), static_cast<unsigned long long>(batch_bytes / kRepeat), batch_msgs,
              engine.simd_level() == sipnic::offload::SimdLevel::kAvx2 ? "avx2" : "sse2");
  std::printf("%-40s %10s %14s %12s %10s\n", "parser", "MB/s", "messages/s", "ns/message", "vs sipnic");
  for (const Result* r : all) {
    std::printf("%-40s %10.1f %14.0f %12.1f %9.2fx\n", r->name, r->mb_per_s(), r->msg_per_s(), r->ns_per_msg(),
                sipnic_r.mb_per_s() / r->mb_per_s());
  }
  if (!have_avx2) std::printf("(no AVX2 LF scan: this CPU lacks AVX2 or POPCNT; the bound is the memchr loop)\n");
  std::printf("line-scan bound: %s; sipnic parses at %.3f of it\n", best_scan.name,
              sipnic_r.mb_per_s() / best_scan.mb_per_s());
  // Printing the sums of the decoded fields keeps the optimiser from dropping the decoding.
  std::printf("(field checksums %llu %llu %llu; LF counts %llu %llu)\n", static_cast<unsigned long long>(sipnic_r.sink),
              static_cast<unsigned long long>(osip_r.sink), static_cast<unsigned long long>(sofia_r.sink),
              static_cast<unsigned long long>(memchr_r.sink), static_cast<unsigned long long>(avx2_r.sink));
  std::printf("BENCH sip_parse.mb_per_s %.1f MB/s\n", sipnic_r.mb_per_s());
  std::printf("BENCH sip_parse.ratio_vs_sofia %.2f x\n", sipnic_r.mb_per_s() / sofia_r.mb_per_s());
  std::printf("BENCH sip_parse.ratio_vs_osip2 %.2f x\n", sipnic_r.mb_per_s() / osip_r.mb_per_s());
  std::printf("BENCH sip_parse.ns_per_message %.1f ns\n", sipnic_r.ns_per_msg());
  std::printf("BENCH sip_parse.line_scan_memchr_mb_per_s %.1f MB/s\n", memchr_r.mb_per_s());
  if (have_avx2) std::printf("BENCH sip_parse.line_scan_avx2_mb_per_s %.1f MB/s\n", avx2_r.mb_per_s());
  std::printf("BENCH sip_parse.fraction_of_line_scan %.3f ratio\n", sipnic_r.mb_per_s() / best_scan.mb_per_s());
  return 0;
}
