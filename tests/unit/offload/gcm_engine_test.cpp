// GcmEngine::run_host: the default (gather into one device-format buffer,
// run(), scatter back), which the sim and xrt backends use, against the cpu
// backend's own run_host that reads and writes the host buffers directly.
// Both must leave byte-identical outputs and results: in place and out of
// place, encrypt and decrypt, authentication failures (output zeroed) and
// refused jobs (output untouched).
#include "offload/gcm_engine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "offload/cpu_gcm_engine.h"

namespace sipnic::offload {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A backend that has only the device form: run() on one buffer. run_host is
// GcmEngine's default.
class DeviceFormOnly final : public GcmEngine {
 public:
  explicit DeviceFormOnly(std::uint32_t slots) : inner_(slots) {}
  std::uint32_t key_slots() const override { return inner_.key_slots(); }
  bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) override { return inner_.set_key(slot, key); }
  void clear_key(std::uint32_t slot) override { inner_.clear_key(slot); }
  void run(std::span<std::uint8_t> bytes, std::span<const GcmJob> jobs, std::span<GcmResult> results) override {
    ++runs;
    for (const GcmJob& j : jobs) {
      EXPECT_EQ(j.offset % 64, 0u) << "device-format payloads start on 64-byte beats";
      EXPECT_LE(std::size_t{j.offset} + j.length, bytes.size());
    }
    inner_.run(bytes, jobs, results);
  }
  int runs = 0;

 private:
  CpuGcmEngine inner_;
};

struct Case {
  Bytes input;
  Bytes output;
  bool in_place = false;
  GcmJob job{};
};

// Random jobs over slots 0..3 (slot 3 stays empty), random lengths, some
// decrypts with a wrong tag, one with a bad op.
std::vector<Case> make_cases(std::mt19937& rng, int count) {
  std::vector<Case> cases(count);
  for (int i = 0; i < count; ++i) {
    Case& c = cases[i];
    const std::size_t length = rng() % 3000;
    c.input.resize(length);
    for (auto& b : c.input) b = static_cast<std::uint8_t>(rng());
    c.output.assign(length, 0xEE);  // sentinel: untouched stays 0xEE
    c.in_place = rng() % 2 == 0;
    c.job.key_slot = static_cast<std::uint32_t>(rng() % 4);
    c.job.op = static_cast<std::uint8_t>(rng() % 2);
    c.job.length = static_cast<std::uint32_t>(length);
    c.job.aad_bytes = static_cast<std::uint8_t>(rng() % 14);
    for (auto& b : c.job.nonce) b = static_cast<std::uint8_t>(rng());
    for (auto& b : c.job.aad) b = static_cast<std::uint8_t>(rng());
    for (auto& b : c.job.tag) b = static_cast<std::uint8_t>(rng());
    if (i == 7) c.job.op = 5;  // refused: kBadJob
  }
  return cases;
}

std::vector<GcmHostJob> host_jobs(std::vector<Case>& cases, std::vector<Bytes>& buffers) {
  std::vector<GcmHostJob> jobs;
  buffers.clear();
  for (Case& c : cases) buffers.push_back(c.in_place ? c.input : c.output);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Case& c = cases[i];
    if (c.in_place) {
      jobs.push_back({c.job, buffers[i].data(), buffers[i].data()});
    } else {
      jobs.push_back({c.job, c.input.data(), buffers[i].data()});
    }
  }
  return jobs;
}

void load_keys(GcmEngine& e) {
  Bytes k128(16), k256(32);
  for (std::size_t i = 0; i < k128.size(); ++i) k128[i] = static_cast<std::uint8_t>(i * 7 + 1);
  for (std::size_t i = 0; i < k256.size(); ++i) k256[i] = static_cast<std::uint8_t>(i * 13 + 5);
  ASSERT_TRUE(e.set_key(0, k128));
  ASSERT_TRUE(e.set_key(1, k256));
  ASSERT_TRUE(e.set_key(2, k128));
}

TEST(GcmEngineRunHost, DefaultGatherScatterMatchesTheCpuBackendsDirectPathByteForByte) {
  std::mt19937 rng(4242);
  std::vector<Case> cases = make_cases(rng, 60);
  // Make a few decrypts authentic: seal them first on the cpu engine.
  CpuGcmEngine cpu(4);
  DeviceFormOnly device(4);
  load_keys(cpu);
  load_keys(device);
  for (int i = 0; i < 60; i += 5) {
    Case& c = cases[i];
    if (c.job.key_slot == 3) continue;
    GcmJob seal = c.job;
    seal.op = static_cast<std::uint8_t>(GcmOp::kEncrypt);
    Bytes ct = c.input;
    GcmResult r{};
    GcmHostJob j{seal, ct.data(), ct.data()};
    cpu.run_host({&j, 1}, {&r, 1});
    ASSERT_EQ(r.status, static_cast<std::uint8_t>(GcmStatus::kOk));
    c.input = ct;
    c.job.op = static_cast<std::uint8_t>(GcmOp::kDecrypt);
    std::memcpy(c.job.tag, r.tag, sizeof r.tag);
  }

  std::vector<Bytes> cpu_out, dev_out;
  std::vector<Case> cpu_cases = cases, dev_cases = cases;
  auto cpu_jobs = host_jobs(cpu_cases, cpu_out);
  auto dev_jobs = host_jobs(dev_cases, dev_out);
  std::vector<GcmResult> cpu_res(cases.size()), dev_res(cases.size());
  cpu.run_host(cpu_jobs, cpu_res);
  device.run_host(dev_jobs, dev_res);
  EXPECT_EQ(device.runs, 1) << "one device run for the whole batch";

  int ok = 0, auth = 0, refused = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(std::memcmp(&cpu_res[i], &dev_res[i], sizeof(GcmResult)), 0);
    EXPECT_EQ(cpu_out[i], dev_out[i]);
    const auto status = static_cast<GcmStatus>(cpu_res[i].status);
    const Bytes& out = cpu_out[i];
    if (status == GcmStatus::kOk) {
      ++ok;
    } else if (status == GcmStatus::kAuthFailed) {
      ++auth;
      EXPECT_EQ(out, Bytes(out.size(), 0)) << "unauthenticated plaintext must not be released";
    } else {
      ++refused;
      EXPECT_EQ(out, cases[i].in_place ? cases[i].input : Bytes(out.size(), 0xEE)) << "a refused job's output is untouched";
    }
    // Out of place never writes the input.
    if (!cases[i].in_place) {
      EXPECT_EQ(cpu_cases[i].input, cases[i].input);
    }
  }
  EXPECT_GT(ok, 10);
  EXPECT_GT(auth, 5);
  EXPECT_GT(refused, 5);  // slot 3 is empty, job 7 has a bad op
}

TEST(GcmEngineRunHost, SealedOutOfPlaceOpensInPlaceToTheSamePlaintext) {
  CpuGcmEngine cpu(1);
  DeviceFormOnly device(1);
  const Bytes key(16, 0x42);
  ASSERT_TRUE(cpu.set_key(0, key));
  ASSERT_TRUE(device.set_key(0, key));
  for (std::size_t length : {0u, 1u, 15u, 16u, 17u, 4096u, 16401u}) {
    SCOPED_TRACE(length);
    Bytes plain(length);
    for (std::size_t i = 0; i < length; ++i) plain[i] = static_cast<std::uint8_t>(i * 31 + 3);
    GcmJob seal{};
    seal.op = static_cast<std::uint8_t>(GcmOp::kEncrypt);
    seal.length = static_cast<std::uint32_t>(length);
    seal.aad_bytes = 5;
    Bytes ct(length);
    GcmResult sealed{};
    GcmHostJob s{seal, plain.data(), ct.data()};
    device.run_host({&s, 1}, {&sealed, 1});
    ASSERT_EQ(sealed.status, static_cast<std::uint8_t>(GcmStatus::kOk));
    if (length > 0) {
      EXPECT_NE(ct, plain);
    }
    GcmJob open = seal;
    open.op = static_cast<std::uint8_t>(GcmOp::kDecrypt);
    std::memcpy(open.tag, sealed.tag, sizeof open.tag);
    GcmResult opened{};
    GcmHostJob o{open, ct.data(), ct.data()};
    cpu.run_host({&o, 1}, {&opened, 1});
    ASSERT_EQ(opened.status, static_cast<std::uint8_t>(GcmStatus::kOk));
    EXPECT_EQ(ct, plain);
  }
}

}  // namespace
}  // namespace sipnic::offload
