// Tests for the `sipnic` command line (host/app/main.cpp,
// host/app/check_config_command.cpp): they run the built binary, as an
// operator or a script would, and check output and exit codes (docs/cli.md).
#include <fcntl.h>
#include <gtest/gtest.h>
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

#include "core/config.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sipnic-cli-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error(std::strerror(errno));
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path file(const std::string& name, std::string_view content) const {
    fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Result {
  int exit_code = -1;  // -1: did not exit normally
  std::string out;
  std::string err;
};

// Runs SIPNIC_BINARY with `args`; stdout and stderr go to files (no pipes, so
// a chatty child cannot block on a full pipe).
Result run_sipnic(const std::vector<std::string>& args) {
  TempDir dir;
  fs::path out = dir.path() / "stdout";
  fs::path err = dir.path() / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_s = {SIPNIC_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, SIPNIC_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  Result r;
  if (rc != 0) {
    r.err = std::string("posix_spawn: ") + std::strerror(rc);
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

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
  for (const char* cmd : {"run", "parse", "check-config", "help"}) {
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

}  // namespace
