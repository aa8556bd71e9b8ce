// Tests for `sipnic kernel` (host/app/kernel_command.cpp), run as an operator
// would: the built binary on files. tls_gcm against the AES-GCM spec's known
// answers (McGrew & Viega, test cases 1, 2 and 13-15) and its own round trip;
// sip_parse against `sipnic parse --stream`; bad input named by file and line.
// Backend-against-backend runs are in kernel_backends_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/run_command.h"

namespace {

namespace fs = std::filesystem;
using sipnic::test::slurp;
using sipnic::test::TempDir;
using Result = sipnic::test::RunResult;

Result sipnic(const std::vector<std::string>& args) { return sipnic::test::run_program(SIPNIC_BINARY, args); }
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

const std::string kZero16(32, '0');
const std::string kZero32(64, '0');
const std::string kNonce0(24, '0');

TEST(KernelCommand, TlsGcmGivesTheSpecsKnownAnswersOneLinePerJobInOrder) {
  TempDir dir;
  const fs::path in = dir.file("jobs.jsonl",
                               // Test case 1: empty payload, tag only.
                               "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\"}\n"
                               // Test case 2: one zero block.
                               "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 +
                               "\",\"payload\":\"" + kZero16 + "\"}\n"
                               "\n"  // blank lines are skipped
                               // Test case 14 (AES-256): one zero block.
                               "{\"op\":\"encrypt\",\"key\":\"" + kZero32 + "\",\"nonce\":\"" + kNonce0 +
                               "\",\"aad\":\"\",\"payload\":\"" + kZero16 + "\"}\n"
                               // Test case 2 opened again, then with a flipped tag bit.
                               "{\"op\":\"decrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 +
                               "\",\"payload\":\"0388dace60b6a392f328c2b971b2fe78\","
                               "\"tag\":\"ab6e47d42cec13bdf53a67b21257bddf\"}\n"
                               "{\"op\":\"decrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 +
                               "\",\"payload\":\"0388dace60b6a392f328c2b971b2fe78\","
                               "\"tag\":\"ab6e47d42cec13bdf53a67b21257bdde\"}\n");
  const fs::path out = dir.path() / "out.jsonl";
  const Result r = sipnic({"kernel", "tls_gcm", "--in", in.string(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out),
            "{\"payload\":\"\",\"tag\":\"58e2fccefa7e3061367f1d57a4e7455a\"}\n"
            "{\"payload\":\"0388dace60b6a392f328c2b971b2fe78\",\"tag\":\"ab6e47d42cec13bdf53a67b21257bddf\"}\n"
            "{\"payload\":\"cea7403d4d606b6e074ec5d3baf39d18\",\"tag\":\"d0d1c8a799996bf0265b98b5d48ab919\"}\n"
            "{\"payload\":\"" + kZero16 + "\"}\n"
            "{\"error\":\"auth\"}\n");
}

TEST(KernelCommand, TlsGcmAadAndMultiBlockPayloadRoundTrip) {
  // Test case 4 of the GCM spec (60-byte payload, 20-byte AAD) has an AAD
  // longer than TLS needs; 13 bytes (TLS 1.2's AAD) is the limit here, so
  // this checks the round trip of a 13-byte AAD and a 1000-byte payload.
  TempDir dir;
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += "0123456789abcdef"[i % 16];
  const std::string key = "feffe9928665731c6d6a8f9467308308", nonce = "cafebabefacedbaddecaf888",
                    aad = "feedfacedeadbeeffeedfacede";
  const fs::path in = dir.file("seal.jsonl", "{\"op\":\"encrypt\",\"key\":\"" + key + "\",\"nonce\":\"" + nonce +
                                                 "\",\"aad\":\"" + aad + "\",\"payload\":\"" + payload + "\"}\n");
  const fs::path sealed = dir.path() / "sealed.jsonl";
  ASSERT_EQ(sipnic({"kernel", "tls_gcm", "--in", in.string(), "--out", sealed.string()}).exit_code, 0);
  const std::string line = slurp(sealed);
  const auto p = line.find("\"payload\":\"") + 11;
  const std::string ct = line.substr(p, line.find('"', p) - p);
  const auto t = line.find("\"tag\":\"") + 7;
  const std::string tag = line.substr(t, 32);
  ASSERT_EQ(ct.size(), payload.size());
  EXPECT_NE(ct, payload);
  const fs::path back = dir.file("open.jsonl", "{\"op\":\"decrypt\",\"key\":\"" + key + "\",\"nonce\":\"" + nonce +
                                                   "\",\"aad\":\"" + aad + "\",\"payload\":\"" + ct +
                                                   "\",\"tag\":\"" + tag + "\"}\n");
  const Result r = sipnic({"kernel", "tls_gcm", "--in", back.string(), "--out", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"payload\":\"" + payload + "\"}\n");
}

struct BadLine {
  const char* label;
  std::string line;
  std::string reason;
};

TEST(KernelCommand, TlsGcmBadLineIsNamedByFileAndLineAndNothingIsWritten) {
  const std::string good = "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\"}";
  const std::vector<BadLine> cases = {
      {"not json", "{op: encrypt}", "not JSON"},
      {"not an object", "[1,2]", "not a JSON object"},
      {"unknown op", "{\"op\":\"seal\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\"}", "\"op\" must be"},
      {"short key", "{\"op\":\"encrypt\",\"key\":\"00\",\"nonce\":\"" + kNonce0 + "\"}", "key: 16 or 32 bytes"},
      {"upper-case hex", "{\"op\":\"encrypt\",\"key\":\"" + std::string(32, 'A') + "\",\"nonce\":\"" + kNonce0 + "\"}",
       "not a lowercase hex digit"},
      {"long aad", "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\",\"aad\":\"" +
                       std::string(28, '0') + "\"}",
       "aad: at most 13 bytes"},
      {"decrypt without tag", "{\"op\":\"decrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\"}",
       "missing \"tag\""},
      {"tag on encrypt", "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\",\"tag\":\"" +
                             kZero16 + "\"}",
       "for decrypt jobs only"},
      {"unknown member", "{\"op\":\"encrypt\",\"key\":\"" + kZero16 + "\",\"nonce\":\"" + kNonce0 + "\",\"iv\":\"\"}",
       "unknown member \"iv\""},
  };
  for (const BadLine& c : cases) {
    SCOPED_TRACE(c.label);
    TempDir dir;
    const fs::path in = dir.file("jobs.jsonl", good + "\n" + good + "\n" + c.line + "\n" + good + "\n");
    const fs::path out = dir.path() / "out.jsonl";
    const Result r = sipnic({"kernel", "tls_gcm", "--in", in.string(), "--out", out.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.err, in.string() + ":3: ")) << r.err;
    EXPECT_TRUE(contains(r.err, c.reason)) << r.err;
    EXPECT_FALSE(fs::exists(out)) << "nothing is written for bad input";
  }
}

TEST(KernelCommand, SipParsePrintsWhatSipnicParseStreamPrints) {
  const std::string invite = slurp(std::string(SIPNIC_TESTDATA) + "/sip/rfc4475/wsinv.dat");
  const std::string bye =
      "BYE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-7\r\nMax-Forwards: 70\r\n"
      "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c7\r\nCSeq: 7 BYE\r\n"
      "Content-Length: 0\r\n\r\n";
  TempDir dir;
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"two.sip", bye + bye}, {"torture.sip", invite}, {"cut.sip", bye + bye.substr(0, 40)}}) {
    SCOPED_TRACE(name);
    const fs::path in = dir.file(name, bytes);
    const Result kernel = sipnic({"kernel", "sip_parse", "--in", in.string(), "--out", "-"});
    const Result parse = sipnic({"parse", "--stream", in.string()});
    EXPECT_EQ(kernel.exit_code, 0) << kernel.err;
    EXPECT_FALSE(kernel.out.empty());
    EXPECT_EQ(kernel.out, parse.out);
  }
}

TEST(KernelCommand, UsageErrorsExitTwo) {
  TempDir dir;
  const fs::path in = dir.file("x", "");
  EXPECT_EQ(sipnic({"kernel", "--in", in.string(), "--out", "-"}).exit_code, 2);  // no kernel named
  EXPECT_EQ(sipnic({"kernel", "aes", "--in", in.string(), "--out", "-"}).exit_code, 2);
  EXPECT_EQ(sipnic({"kernel", "tls_gcm", "--out", "-"}).exit_code, 2);  // no --in
  const Result missing = sipnic({"kernel", "tls_gcm", "--in", (dir.path() / "nope").string(), "--out", "-"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "cannot read")) << missing.err;
  const Result backend = sipnic({"kernel", "tls_gcm", "--offload", "fpga", "--in", in.string(), "--out", "-"});
  EXPECT_EQ(backend.exit_code, 2);
  EXPECT_TRUE(contains(backend.err, "unknown offload backend 'fpga'")) << backend.err;
}

}  // namespace
