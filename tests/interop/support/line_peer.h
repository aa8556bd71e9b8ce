// Interop harness: a command-driven peer program as a child of a test.
// Commands go to its stdin, one line each; its stdout is read back as lines
// and its stderr goes to a log file. Stdout goes to a file rather than a
// pipe, so that a chatty child never blocks on a pipe the test is not
// reading, and the file stays for a look after the run
// (SIPNIC_KEEP_TEST_DIRS=1).
//
//   LinePeer peer({binary, "--side", "nt", ...}, dir.file("nt.out"), dir.file("nt.err"));
//   peer.send("answer 1");
//   auto line = peer.take(std::regex("^event hangup .*cause=16"), 20s);
//   ASSERT_TRUE(line) << peer.output();
//
// take() takes the first line not taken before that matches, whatever came
// before it, so that lines of two peers racing each other are found in any
// order, and a line counts once (two waits for one kind of line need two of
// them). The limits bound a failure; nothing here measures time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.h"

namespace sipnic::test {

class LinePeer {
 public:
  // Starts argv[0] (a path, or a name searched in PATH). Throws if it cannot.
  LinePeer(std::vector<std::string> argv, std::string stdout_path, std::string stderr_path);
  ~LinePeer() = default;
  LinePeer(const LinePeer&) = delete;
  LinePeer& operator=(const LinePeer&) = delete;

  // Writes `line` and a newline to the peer's stdin; false once it has gone.
  bool send(std::string_view line);
  // Closes the peer's stdin (it reads end of file).
  void close_stdin() { process_.close_stdin(); }

  // Waits up to `limit` for a line not taken yet that `match` accepts, takes
  // it and returns it; nullopt at the limit.
  std::optional<std::string> take(const std::function<bool(std::string_view)>& match,
                                  std::chrono::milliseconds limit);
  // The same for a line in which `pattern` is found (std::regex_search).
  std::optional<std::string> take(const std::regex& pattern, std::chrono::milliseconds limit);

  // Every complete line the peer has written so far, taken or not.
  const std::vector<std::string>& lines();
  // How many of them `match` accepts, taken or not.
  std::size_t count(const std::function<bool(std::string_view)>& match);

  std::string output() const { return process_.stdout_text(); }  // stdout so far
  std::string log() const { return process_.stderr_text(); }      // stderr so far

  // Waits for the peer to exit on its own; its wait status, nullopt at the limit.
  std::optional<int> wait_exit(std::chrono::milliseconds limit) { return process_.wait_for(limit); }
  // SIGTERM, a grace, then SIGKILL; always reaps. Its wait status.
  std::optional<int> stop() { return process_.kill(); }
  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }

 private:
  void read_new_lines();  // appends the complete lines written since the last read

  std::string stdout_path_;
  ChildProcess process_;
  std::vector<std::string> lines_;
  std::vector<bool> taken_;
  std::uintmax_t read_offset_ = 0;
  std::string partial_;  // a last line not finished yet
};

}  // namespace sipnic::test
