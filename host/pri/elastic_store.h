// pri::ElasticStore: the receive FIFO of a TDM stream whose two ends keep
// their own clocks (a virtual line's blocks, a frames span's B-channel
// datagrams): blocks of 1 ms wait here until the local clock takes them. It
// plays out once it holds `fill` blocks (the jitter of two processes'
// timers); taking from it dry is a slip (that millisecond has nothing) and it
// fills up again; a block pushed onto `max` waiting ones drops the oldest, a
// slip too. Header-only: one small value type.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

namespace sipnic::pri {

template <std::size_t kBlockOctets>
class ElasticStore {
 public:
  using Block = std::array<std::uint8_t, kBlockOctets>;

  ElasticStore(std::size_t fill, std::size_t max) : fill_(fill), max_(max) {}

  // `block` holds at most kBlockOctets (the rest of the slot is zero).
  void push(std::span<const std::uint8_t> block) {
    if (blocks_.size() >= max_) {
      blocks_.pop_front();
      ++slips_;
    }
    Block b{};
    std::copy(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(std::min(block.size(), kBlockOctets)),
              b.begin());
    blocks_.push_back(b);
  }
  // The next block, or null (filling, or run dry: a slip). Valid until the
  // next push or take.
  const Block* take() {
    if (!playing_ && blocks_.size() >= fill_) playing_ = true;
    if (playing_ && !blocks_.empty()) {
      current_ = blocks_.front();
      blocks_.pop_front();
      return &current_;
    }
    if (playing_) ++slips_;
    playing_ = false;
    return nullptr;
  }
  // Forgets what waits (the peer went) and fills afresh.
  void clear() {
    blocks_.clear();
    playing_ = false;
  }
  std::uint64_t slips() const { return slips_; }
  std::size_t size() const { return blocks_.size(); }

 private:
  const std::size_t fill_, max_;
  std::deque<Block> blocks_;
  Block current_{};
  bool playing_ = false;
  std::uint64_t slips_ = 0;
};

}  // namespace sipnic::pri
