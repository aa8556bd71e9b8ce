#include "core/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "support/run_command.h"

namespace sipnic::core {
namespace {

using namespace std::chrono_literals;

std::string echo(std::string_view request) { return "you said '" + std::string(request) + "'\n"; }

// A Unix stream socket connected to `path`, for clients that misbehave.
int raw_client(const std::filesystem::path& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_to_eof(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

class ControlSocketFixture : public ::testing::Test {
 protected:
  std::filesystem::path path() const { return dir_.path() / "node.ctl"; }
  test::TempDir dir_{"sipnic-ctl"};
  Log log_{LogLevel::kError};
};

TEST_F(ControlSocketFixture, AnswersEachRequestLineOnItsOwnConnection) {
  ControlServer server(path(), echo, log_);
  EXPECT_EQ(control_request(path(), "status"), "you said 'status'\n");
  EXPECT_EQ(control_request(path(), "status json"), "you said 'status json'\n");
}

TEST_F(ControlSocketFixture, SocketIsOwnerOnlyAndRemovedWithTheServer) {
  {
    ControlServer server(path(), echo, log_);
    struct stat st{};
    ASSERT_EQ(::stat(path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(ControlSocketFixture, NoNodeOnThePathIsAClearError) {
  try {
    control_request(path(), "status");
    FAIL() << "an answer from nowhere";
  } catch (const ControlError& e) {
    EXPECT_EQ(std::string(e.what()), "no sipnic node answers on " + path().string() + ": no such file or directory");
  }
  // A socket file left by a node that died: nobody listens on it.
  int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path().c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(stale);
  try {
    control_request(path(), "status");
    FAIL() << "an answer from a stale socket";
  } catch (const ControlError& e) {
    EXPECT_EQ(std::string(e.what()), "no sipnic node answers on " + path().string() + ": connection refused");
  }
  // A new server takes the stale file over.
  ControlServer server(path(), echo, log_);
  EXPECT_EQ(control_request(path(), "x"), "you said 'x'\n");
}

TEST_F(ControlSocketFixture, APathAnotherServerAnswersOnIsNotTakenOver) {
  ControlServer first(path(), echo, log_);
  try {
    ControlServer second(path(), echo, log_);
    FAIL() << "two servers on one path";
  } catch (const ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("another process answers on it"), std::string::npos) << e.what();
  }
  EXPECT_EQ(control_request(path(), "still"), "you said 'still'\n");
}

TEST_F(ControlSocketFixture, APathThatIsNotASocketIsLeftAlone) {
  std::ofstream(path()) << "keep me\n";
  EXPECT_THROW(ControlServer(path(), echo, log_), ControlError);
  EXPECT_EQ(test::slurp(path()), "keep me\n");
}

TEST_F(ControlSocketFixture, AClientThatSendsNothingIsDroppedAndTheNextIsAnswered) {
  ControlServer server(path(), echo, log_, 50ms);
  int silent = raw_client(path());
  ASSERT_GE(silent, 0);
  // The next client waits behind the silent one only until its read timeout.
  EXPECT_EQ(control_request(path(), "next"), "you said 'next'\n");
  EXPECT_EQ(read_to_eof(silent), "");  // closed without an answer
  ::close(silent);
}

TEST_F(ControlSocketFixture, AnOverlongRequestIsRefusedWithoutReachingTheHandler) {
  std::atomic<bool> called{false};
  ControlServer server(path(), [&](std::string_view r) { called = true; return echo(r); }, log_);
  const std::string answer = control_request(path(), std::string(kMaxControlRequest + 100, 'x'));
  EXPECT_EQ(answer, "error: request longer than 1024 bytes\n");
  EXPECT_FALSE(called);
}

TEST_F(ControlSocketFixture, AHandlerThatThrowsAnswersAnError) {
  ControlServer server(path(), [](std::string_view) -> std::string { throw std::runtime_error("no status yet"); },
                       log_);
  EXPECT_EQ(control_request(path(), "status"), "error: no status yet\n");
}

TEST_F(ControlSocketFixture, APathTooLongForASocketIsAnError) {
  const std::filesystem::path long_path = dir_.path() / std::string(200, 'p');
  EXPECT_THROW(ControlServer(long_path, echo, log_), ControlError);
  EXPECT_THROW(control_request(long_path, "status"), ControlError);
}

}  // namespace
}  // namespace sipnic::core
