// Tests for the `sipnic` command line (host/app/main.cpp,
// host/app/check_config_command.cpp, host/app/certs_command.cpp): they run the built binary, as an
// operator or a script would, and check output and exit codes (docs/cli.md).
#include <fcntl.h>
#include <gtest/gtest.h>

#include "support/run_command.h"
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/config.h"


namespace {

namespace fs = std::filesystem;

using sipnic::test::slurp;
using sipnic::test::TempDir;
using Result = sipnic::test::RunResult;

// Runs SIPNIC_BINARY with `args` and captures what it printed.
Result run_sipnic(const std::vector<std::string>& args) { return sipnic::test::run_program(SIPNIC_BINARY, args); }

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// The version CMake gives the binary, read from the same place.
std::string project_version() {
  std::string cmake = slurp(fs::path(SIPNIC_SOURCE_DIR) / "CMakeLists.txt");
  std::smatch m;
  if (!std::regex_search(cmake, m, std::regex(R"(project\(sipnic\s+VERSION\s+([0-9.]+))"))) return "?";
  return m[1];
}

const std::string kExample = std::string(SIPNIC_SOURCE_DIR) + "/examples/regression.conf";

TEST(Cli, HelpListsEverySubcommandAndExitsZero) {
  Result r = run_sipnic({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* cmd : {"run", "parse", "check-config", "status", "help"}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\n  ") + cmd + " +\\S"))) << cmd << "\n" << r.out;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Cli, HelpSubcommandPrintsTheSameUsageAsDashDashHelp) {
  Result help = run_sipnic({"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.out, run_sipnic({"-h"}).out);
  EXPECT_TRUE(contains(help.out, "check-config"));
}

TEST(Cli, NoArgumentsPrintsUsageToStderrAndExitsTwo) {
  Result r = run_sipnic({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "usage: sipnic")) << r.err;
  EXPECT_TRUE(contains(r.err, "check-config")) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, VersionPrintsSipnicAndTheProjectVersion) {
  Result r = run_sipnic({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "sipnic " + project_version() + "\n");
  EXPECT_EQ(run_sipnic({"-V"}).out, r.out);
}

TEST(Cli, UnknownSubcommandIsNamedWithUsageAndExitsTwo) {
  Result r = run_sipnic({"frobnicate", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'frobnicate'")) << r.err;
  EXPECT_TRUE(contains(r.err, "usage: sipnic")) << r.err;
}

TEST(Cli, UnknownTopLevelOptionExitsTwo) {
  Result r = run_sipnic({"--frob", "check-config", kExample});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "frob")) << r.err;
}

TEST(Cli, CheckConfigOnAGoodExampleSaysOkWithCountsAndExitsZero) {
  Result r = run_sipnic({"check-config", kExample});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  sipnic::core::Config c = sipnic::core::load_config_file(kExample);
  EXPECT_EQ(r.out, kExample + ": ok (" + std::to_string(c.listen.size()) + " listen, " +
                       std::to_string(c.trunks.size()) + " trunks, " + std::to_string(c.routes.size()) +
                       " routes)\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Cli, CheckConfigAcceptsEveryExampleFile) {
  int seen = 0;
  for (const auto& e : fs::directory_iterator(fs::path(SIPNIC_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".conf") continue;
    ++seen;
    Result r = run_sipnic({"check-config", e.path().string()});
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.err;
  }
  EXPECT_GE(seen, 2);
}

TEST(Cli, CheckConfigOnABadFilePrintsFileLineKeyAndExitsOne) {
  TempDir dir;
  fs::path bad = dir.file("bad.conf",
                          "[listen]\n"
                          "udp = 127.0.0.1:5060\n"
                          "\n"
                          "[trunk a]\n"
                          "peer = 10.0.0.1\n"
                          "max-calls = lots\n");
  Result r = run_sipnic({"check-config", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind(bad.string() + ":6: max-calls: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line expected:\n" << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Cli, CheckConfigCountsSpansAndPrintsTheirEffectiveKeys) {
  const std::string example = std::string(SIPNIC_SOURCE_DIR) + "/examples/pri-pbx.conf";
  Result r = run_sipnic({"check-config", example});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, example + ": ok (1 listen, 1 trunks, 0 routes, 5 spans)\n");
  Result printed = run_sipnic({"check-config", "--print", example});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_TRUE(contains(printed.out, "\n[span carrier]\ntype = t1\nside = te\nswitch = ni2\n")) << printed.out;
  EXPECT_TRUE(contains(printed.out, "\nt322 = 4000\n")) << "defaults are spelled out:\n" << printed.out;
  // A span without a D-channel prints its one socket as its connect line.
  EXPECT_TRUE(contains(printed.out, "connect = /run/sipnic/carrier2-c.sock\n")) << printed.out;
  EXPECT_FALSE(contains(printed.out, "b-channels-socket = /run/sipnic/carrier2-c.sock")) << printed.out;
  EXPECT_EQ(sipnic::core::parse_config(printed.out, example), sipnic::core::load_config_file(example));
}

TEST(Cli, CheckConfigReportsASpanErrorAsFileLineKeyAndExitsOne) {
  TempDir dir;
  fs::path bad = dir.file("span.conf",
                          "[listen]\n"
                          "udp = 127.0.0.1:5060\n"
                          "[span pbx]\n"
                          "type = e1\n"
                          "listen = /run/sipnic/pbx.sock\n"
                          "channels = 1-16\n");
  Result r = run_sipnic({"check-config", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, bad.string() + ":6: channels: 16 is the D-channel of an E1\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
  fs::path twice = dir.file("twice.conf",
                            "[listen]\n"
                            "udp = 127.0.0.1:5060\n"
                            "[span a]\n"
                            "type = t1\n"
                            "connect = /run/sipnic/t1.sock\n"
                            "[span b]\n"
                            "type = t1\n"
                            "connect = /run/sipnic/t1.sock\n");
  r = run_sipnic({"check-config", twice.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, twice.string() + ":8: connect: '/run/sipnic/t1.sock' is already the socket of span 'a' (line 3)\n");
}

// The certificate in a PEM file, or null.
std::unique_ptr<X509, decltype(&X509_free)> read_cert(const fs::path& path) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "r"), &std::fclose);
  return {f ? PEM_read_X509(f.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free};
}

TEST(Cli, CertsInitWithIpPutsEachAddressInTheNodeCertificate) {
  TempDir dir("sipnic-certs");
  const fs::path pki = dir.path() / "pki";
  Result r = run_sipnic({"certs", "init", pki.string(), "--ip", "127.0.0.1", "--ip", "::1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "NOT FOR PRODUCTION"));
  auto node = read_cert(pki / "node.crt");
  ASSERT_TRUE(node);
  EXPECT_EQ(X509_check_ip_asc(node.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(node.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(node.get(), "node.sipnic.test", 0, 0, nullptr), 1);
  auto pbx = read_cert(pki / "pbx.crt");
  ASSERT_TRUE(pbx);
  EXPECT_EQ(X509_check_ip_asc(pbx.get(), "127.0.0.1", 0), 0);
}

TEST(Cli, CertsInitWithABadIpIsAUsageErrorAndWritesNothing) {
  TempDir dir("sipnic-certs");
  for (const char* bad : {"localhost", "300.1.1.1", "[::1]", "127.0.0.1:5061"}) {
    const fs::path pki = dir.path() / "pki";
    Result r = run_sipnic({"certs", "init", pki.string(), "--ip", "127.0.0.1", "--ip", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_TRUE(contains(r.err, std::string("--ip '") + bad + "' is not an IPv4 or IPv6 address")) << r.err;
    EXPECT_FALSE(fs::exists(pki)) << bad;
  }
}

TEST(Cli, CertsHelpListsTheIpOption) {
  Result r = run_sipnic({"certs", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "--ip")) << r.out;
}

TEST(Cli, CheckConfigOnAMissingFileNamesItAndExitsOne) {
  TempDir dir;
  fs::path missing = dir.path() / "nope.conf";
  Result r = run_sipnic({"check-config", missing.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, missing.string() + ": " + std::strerror(ENOENT) + "\n");
}

TEST(Cli, CheckConfigUsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"check-config"}, {"check-config", kExample, kExample},
        {"check-config", "--bogus", kExample}}) {
    Result r = run_sipnic(args);
    EXPECT_EQ(r.exit_code, 2) << args.size() << " args: " << r.err;
    EXPECT_TRUE(contains(r.err, "usage: sipnic check-config")) << r.err;
  }
}

TEST(Cli, SpanPeerRefusesAnNfasGroupItCannotBeNamingTheOption) {
  struct Case {
    std::vector<std::string> extra;
    const char* says;
  };
  const Case cases[] = {
      {{"--line", "e1", "--nfas-interface", "0"}, "NFAS needs --line t1"},
      {{"--line", "t1", "--nfas-interface", "128"}, "--nfas-interface must be 0..127"},
      {{"--line", "t1", "--nfas-span", "interface=1,connect=/x,bogus=1"}, "'bogus=1' is not interface=N"},
      {{"--line", "t1", "--nfas-span", "d-channel=backup,connect=/x"}, "needs interface=N and listen=PATH or connect=PATH"},
      {{"--line", "t1", "--nfas-span", "interface=0,connect=/x"}, "interface 0 is taken"},
      {{"--line", "t1", "--nfas-span", "interface=1,d-channel=backup,connect=/x", "--nfas-span",
        "interface=2,d-channel=backup,connect=/y"},
       "a second backup D-channel"},
      {{"--line", "t1", "--t200", "2000", "--t203", "1000"}, "--t203 above it"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"span-peer", "--side", "te", "--connect", "/nonexistent.sock"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    Result r = run_sipnic(args);
    EXPECT_EQ(r.exit_code, 2) << c.says << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.says)) << r.err;
  }
}

TEST(Cli, CheckConfigHelpShowsItsOptionsAndExitsZero) {
  Result r = run_sipnic({"check-config", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "--print")) << r.out;
}

TEST(Cli, CheckConfigPrintWritesTheEffectiveConfigThatReadsBackEqual) {
  Result r = run_sipnic({"check-config", "--print", kExample});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# " + kExample + ": ok (", 0), 0u) << r.out;
  EXPECT_TRUE(contains(r.out, "tcp-idle-timeout = ")) << "defaults are spelled out:\n" << r.out;
  sipnic::core::Config printed = sipnic::core::parse_config(r.out, kExample);
  EXPECT_EQ(printed, sipnic::core::load_config_file(kExample));
}

#if SIPNIC_XRT
// No card here: `--offload xrt` must stop the node at start, naming the
// device index and carrying XRT's own error, before any socket opens.
TEST(Cli, RunOnXrtWithoutACardFailsAtStartNamingTheDeviceIndexAndXrtsError) {
  Result r = run_sipnic({"run", "--offload", "xrt", "--device", "7"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "sipnic run: xrt backend: cannot open XRT device 7: ")) << r.err;
  EXPECT_FALSE(contains(r.err, " running: ")) << r.err;
}
#endif

}  // namespace
