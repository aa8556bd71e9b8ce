#include "core/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace sipnic::core {
namespace {

// True while `fd` names an open descriptor of this process.
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (::pipe(fds) == 0) {
      read_end = fds[0];
      write_end = fds[1];
    }
  }
};

TEST(UniqueFd, DefaultHoldsNothing) {
  const UniqueFd fd;
  EXPECT_FALSE(fd);
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesWhatItHoldsWhenDestroyed) {
  Pipe p;
  ASSERT_GE(p.read_end, 0);
  { const UniqueFd owner(p.read_end); EXPECT_TRUE(owner); }
  EXPECT_FALSE(is_open(p.read_end));
  ::close(p.write_end);
}

TEST(UniqueFd, MoveHandsOwnershipOverAndLeavesTheSourceEmpty) {
  Pipe p;
  ASSERT_GE(p.read_end, 0);
  UniqueFd first(p.read_end);
  UniqueFd second(std::move(first));
  EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(second.get(), p.read_end);
  UniqueFd third(p.write_end);
  third = std::move(second);  // closes the write end, takes the read end
  EXPECT_FALSE(is_open(p.write_end));
  EXPECT_EQ(third.get(), p.read_end);
  EXPECT_TRUE(is_open(p.read_end));
}

TEST(UniqueFd, ReleaseGivesTheDescriptorUpWithoutClosingIt) {
  Pipe p;
  ASSERT_GE(p.read_end, 0);
  int released = -1;
  {
    UniqueFd owner(p.read_end);
    released = owner.release();
    EXPECT_FALSE(owner);
  }
  EXPECT_EQ(released, p.read_end);
  EXPECT_TRUE(is_open(p.read_end));
  ::close(p.read_end);
  ::close(p.write_end);
}

TEST(UniqueFd, ResetClosesTheOldDescriptorAndTakesTheNew) {
  Pipe p;
  ASSERT_GE(p.read_end, 0);
  UniqueFd owner(p.read_end);
  owner.reset(p.write_end);
  EXPECT_FALSE(is_open(p.read_end));
  EXPECT_EQ(owner.get(), p.write_end);
  owner.reset();
  EXPECT_FALSE(is_open(p.write_end));
  EXPECT_FALSE(owner);
}

}  // namespace
}  // namespace sipnic::core
