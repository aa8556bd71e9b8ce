// pri::DChannelCapture: a span's D-channel written to a pcap file (the span's
// `capture = FILE`) as Wireshark reads LAPD captured on Linux:
// LINKTYPE_LINUX_LAPD (177), each frame (without its FCS) behind the 16-octet
// "cooked" pseudo-header that says its direction (packet type 0: received,
// 4: sent) and whether this end is the network side (address octet 0), which
// Wireshark needs to tell commands from responses. Written through libpcap,
// flushed after every frame, so a capture can be read while the span runs.
// Timestamps are wall-clock time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "pri/side.h"

struct pcap;
struct pcap_dumper;

namespace sipnic::pri {

class DChannelCapture {
 public:
  // Creates (truncates) `path`. Throws std::runtime_error naming it when it
  // cannot be written.
  DChannelCapture(const std::string& path, Side side);
  ~DChannelCapture();
  DChannelCapture(const DChannelCapture&) = delete;
  DChannelCapture& operator=(const DChannelCapture&) = delete;

  enum class Direction : std::uint8_t { kReceived, kSent };
  void write(std::span<const std::uint8_t> frame, Direction direction);
  std::uint64_t frames() const { return frames_; }
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(pcap* p) const;
    void operator()(pcap_dumper* d) const;
  };
  std::string path_;
  Side side_;
  std::unique_ptr<pcap, Closer> pcap_;
  std::unique_ptr<pcap_dumper, Closer> dumper_;
  std::uint64_t frames_ = 0;
};

}  // namespace sipnic::pri
