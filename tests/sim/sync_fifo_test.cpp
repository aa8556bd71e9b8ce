// kernels/common/sync_fifo.sv in both read styles (Verilated with WIDTH 16,
// DEPTH 4 by sim/CMakeLists.txt): words leave in the order they entered,
// none lost or doubled, under random valid/ready on both sides; `count` is
// the words held; in_ready says the array has room; the first word's
// latency (one edge for the asynchronous read, two through the output
// register); capacity DEPTH (plus the output register); `clear` empties it.
#include <Vsync_fifo_0.h>
#include <Vsync_fifo_1.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>

namespace sipnic::sim {
namespace {

constexpr unsigned kDepth = 4;

template <class Model, bool kRegistered>
struct Style {
  using Top = Model;
  static constexpr bool registered = kRegistered;
};

template <class S>
class SyncFifo : public ::testing::Test {
 protected:
  using Top = typename S::Top;
  static constexpr bool kRegistered = S::registered;
  static constexpr unsigned kCapacity = kDepth + (kRegistered ? 1 : 0);

  SyncFifo() : m(std::make_unique<Top>()) {
    m->clk = 0;
    m->rst_n = 0;
    m->clear = 0;
    m->in_valid = 0;
    m->in_data = 0;
    m->out_ready = 0;
    edge();
    edge();
    m->rst_n = 1;
    m->eval();
  }
  ~SyncFifo() override { m->final(); }

  // One rising edge; the outputs settle after it.
  void edge() {
    m->clk = 0;
    m->eval();
    m->clk = 1;
    m->eval();
  }
  // Pushes `word` on the next edge (the FIFO must have room).
  void push(std::uint16_t word) {
    ASSERT_TRUE(m->in_ready);
    m->in_valid = 1;
    m->in_data = word;
    edge();
    m->in_valid = 0;
    m->eval();
  }

  std::unique_ptr<Top> m;
};

using Styles = ::testing::Types<Style<Vsync_fifo_0, false>, Style<Vsync_fifo_1, true>>;
TYPED_TEST_SUITE(SyncFifo, Styles);

TYPED_TEST(SyncFifo, RandomTrafficLeavesInOrderWithCountAndReadyTrue) {
  auto& m = *this->m;
  std::deque<std::uint16_t> held;
  std::uint32_t lcg = 12345;
  auto coin = [&](unsigned percent) {
    lcg = lcg * 1103515245u + 12345u;
    return (lcg >> 16) % 100 < percent;
  };
  std::uint16_t next_word = 1;
  unsigned moved_out = 0, idle_with_words = 0;
  for (int cycle = 0; cycle < 20000; ++cycle) {
    // Phases of mostly filling and mostly draining, so full and empty occur.
    const bool filling = (cycle / 500) % 2 == 0;
    m.in_valid = coin(filling ? 80 : 30);
    m.in_data = next_word;
    m.out_ready = coin(filling ? 30 : 80);
    m.eval();
    // Before the edge: what the outputs say about the words held.
    ASSERT_EQ(unsigned{m.count}, held.size()) << "cycle " << cycle;
    const unsigned in_array = static_cast<unsigned>(held.size()) - (this->kRegistered ? m.out_valid : 0u);
    ASSERT_EQ(static_cast<bool>(m.in_ready), in_array < kDepth) << "cycle " << cycle;
    if (m.out_valid) {
      ASSERT_FALSE(held.empty());
      ASSERT_EQ(unsigned{m.out_data}, unsigned{held.front()}) << "cycle " << cycle;
    }
    if (!this->kRegistered) {
      ASSERT_EQ(static_cast<bool>(m.out_valid), !held.empty());
    }
    // The registered style shows a held word within one edge of having it.
    idle_with_words = (!held.empty() && !m.out_valid) ? idle_with_words + 1 : 0;
    ASSERT_LE(idle_with_words, 1u) << "cycle " << cycle;
    const bool in_moves = m.in_valid && m.in_ready;
    const bool out_moves = m.out_valid && m.out_ready;
    this->edge();
    if (out_moves) {
      held.pop_front();
      ++moved_out;
    }
    if (in_moves) held.push_back(next_word++);
  }
  EXPECT_GT(moved_out, 5000u);
}

TYPED_TEST(SyncFifo, FirstWordShowsAfterOneEdgeOrTwoThroughTheOutputRegister) {
  auto& m = *this->m;
  EXPECT_FALSE(m.out_valid);
  this->push(0xBEEF);
  if (this->kRegistered) {
    EXPECT_FALSE(m.out_valid);
    this->edge();
  }
  EXPECT_TRUE(m.out_valid);
  EXPECT_EQ(unsigned{m.out_data}, 0xBEEFu);
  EXPECT_EQ(unsigned{m.count}, 1u);
}

TYPED_TEST(SyncFifo, HoldsDepthWordsPlusTheOutputRegisterThenRefuses) {
  auto& m = *this->m;
  for (unsigned i = 0; i < this->kCapacity; ++i) {
    if (!m.in_ready) this->edge();  // the registered style moves its head out first
    this->push(static_cast<std::uint16_t>(100 + i));
  }
  this->edge();
  EXPECT_EQ(unsigned{m.count}, this->kCapacity);
  EXPECT_FALSE(m.in_ready);
  for (unsigned i = 0; i < this->kCapacity; ++i) {
    ASSERT_TRUE(m.out_valid);
    EXPECT_EQ(unsigned{m.out_data}, 100u + i);
    m.out_ready = 1;
    this->edge();
    m.out_ready = 0;
    m.eval();
    if (!m.out_valid && i + 1 < this->kCapacity) this->edge();
  }
  EXPECT_FALSE(m.out_valid);
  EXPECT_EQ(unsigned{m.count}, 0u);
}

TYPED_TEST(SyncFifo, ClearEmptiesItAndLaterWordsFlow) {
  auto& m = *this->m;
  this->push(1);
  this->push(2);
  this->edge();
  m.clear = 1;
  this->edge();
  m.clear = 0;
  m.eval();
  EXPECT_EQ(unsigned{m.count}, 0u);
  EXPECT_FALSE(m.out_valid);
  EXPECT_TRUE(m.in_ready);
  this->push(3);
  this->edge();
  EXPECT_TRUE(m.out_valid);
  EXPECT_EQ(unsigned{m.out_data}, 3u);
}

}  // namespace
}  // namespace sipnic::sim
