// Tests for `sipnic parse` (host/app/parse_command.cpp): they run the built
// binary on RFC 4475 torture messages, as an operator would, and check the
// JSON it prints and its exit codes (0 valid, 1 rejected, 2 usage error).
#include <fcntl.h>
#include <gtest/gtest.h>

#include "support/run_command.h"
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>


namespace {

namespace fs = std::filesystem;

const std::string kRfc4475 = std::string(SIPNIC_TESTDATA) + "/sip/rfc4475/";

using sipnic::test::slurp;
using sipnic::test::TempDir;
using Result = sipnic::test::RunResult;

Result run(const std::string& program, const std::vector<std::string>& args) {
  return sipnic::test::run_program(program, args);
}

Result sipnic_parse(std::vector<std::string> args) {
  args.insert(args.begin(), "parse");
  return run(SIPNIC_BINARY, args);
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Loads `json` with Python's json module (a real JSON parser, not ours) and
// prints one summary line per message: kind, start-line fields, header names.
std::string summarize_with_python(const std::string& json) {
  TempDir dir;
  const fs::path f = dir.file("out.json", json);
  const Result r = run("python3", {"-c",
                                   "import json,sys\n"
                                   "d = json.load(open(sys.argv[1]))\n"
                                   "for m in d['messages']:\n"
                                   "    head = [m['kind'], m.get('method', ''), m.get('uri', ''), m['version'],\n"
                                   "            m.get('status', ''), m.get('reason', '')]\n"
                                   "    print('|'.join(head + [h['name'] for h in m['headers']]))\n",
                                   f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(ParseCommand, ValidRequestPrintsParseableJsonWithStartLineAndEveryHeaderAndExitsZero) {
  const Result r = sipnic_parse({kRfc4475 + "dblreq.dat"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"file\":\"" + kRfc4475 + "dblreq.dat\"")) << r.out;
  EXPECT_FALSE(contains(r.out, "\"error\"")) << r.out;
  EXPECT_EQ(summarize_with_python(r.out),
            "request|REGISTER|sip:example.com|SIP/2.0|||To|From|Max-Forwards|I|Contact|CSeq|Via|Content-Length\n");
  // Header records carry the compact-name flag and the canonical id name.
  EXPECT_TRUE(contains(r.out, "{\"id\":4,\"id_name\":\"Call-ID\",\"name\":\"I\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"flags\":[\"compact_name\"]")) << r.out;
}

TEST(ParseCommand, ValidResponseWithEmptyReasonPrintsStatusAndExitsZero) {
  const Result r = sipnic_parse({kRfc4475 + "noreason.dat"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = summarize_with_python(r.out);
  EXPECT_EQ(summary.rfind("response|||SIP/2.0|100||Via|", 0), 0u) << summary;
}

TEST(ParseCommand, TruncatedBodyPrintsParseErrorWithOffsetAndReasonAndExitsOne) {
  const Result r = sipnic_parse({kRfc4475 + "clerr.dat"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "\"error\":{\"code\":\"body_truncated\",\"reason\":\"body is shorter than Content-Length\","
                       "\"status\":400,\"offset\":"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "\"messages\":[]")) << r.out;
}

TEST(ParseCommand, MessageRejectedByValidationPrintsTheRuleAndExitsOne) {
  // badinv01: an empty Via element; the engine indexes it, validation rejects it.
  const Result r = sipnic_parse({kRfc4475 + "badinv01.dat"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.out, "\"error\":{\"code\":")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"message\":0,\"offset\":0}")) << r.out;
}

TEST(ParseCommand, StreamWithTwoCoalescedMessagesPrintsBoth) {
  const std::string bye =
      "BYE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-7\r\nMax-Forwards: 70\r\n"
      "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c7\r\nCSeq: 7 BYE\r\n"
      "Content-Length: 0\r\n\r\n";
  const std::string ok = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-7\r\n"
                         "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c7\r\n"
                         "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
  TempDir dir;
  const fs::path f = dir.file("two.sip", bye + ok);
  const Result r = sipnic_parse({"--stream", f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summarize_with_python(r.out),
            "request|BYE|sip:b@example.com|SIP/2.0|||Via|Max-Forwards|From|To|Call-ID|CSeq|Content-Length\n"
            "response|||SIP/2.0|200|OK|Via|From|To|Call-ID|CSeq|Content-Length\n");
  // Without --stream the same file is one datagram: one message.
  const Result d = sipnic_parse({f.string()});
  EXPECT_EQ(summarize_with_python(d.out).find('\n'), summarize_with_python(d.out).size() - 1);
}

TEST(ParseCommand, UnknownOptionExitsTwoWithUsage) {
  const Result r = sipnic_parse({"--no-such-option", kRfc4475 + "dblreq.dat"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no-such-option")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ParseCommand, UnreadableFileExitsTwoBeforeAnyOutput) {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.sip").string();
  const Result r = sipnic_parse({kRfc4475 + "dblreq.dat", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "cannot read '" + missing + "'")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(sipnic_parse({dir.path().string()}).exit_code, 2);  // a directory is not a readable file
}

TEST(ParseCommand, UnknownOffloadBackendExitsTwoNamingTheChoices) {
  const Result r = sipnic_parse({"--offload", "fpga", kRfc4475 + "dblreq.dat"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown offload backend 'fpga' (expected cpu, sim or xrt)")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
