#include "pri/dchannel_capture.h"

#include <pcap/pcap.h>
#include <sys/time.h>

#include <array>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace sipnic::pri {

namespace {

// The Linux cooked pseudo-header of LINKTYPE_LINUX_LAPD, big-endian.
constexpr std::size_t kPseudoHeader = 16;
constexpr std::uint16_t kPacketHost = 0;      // received
constexpr std::uint16_t kPacketOutgoing = 4;  // sent
constexpr std::uint16_t kArphrdLapd = 8445;   // the LAPD hardware type Linux ISDN stacks use
constexpr std::uint16_t kEthPLapd = 0x0030;   // the LAPD pseudo protocol, which Wireshark checks
constexpr std::size_t kMaxFrame = 1024;

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

}  // namespace

void DChannelCapture::Closer::operator()(pcap* p) const { pcap_close(p); }
void DChannelCapture::Closer::operator()(pcap_dumper* d) const { pcap_dump_close(d); }

DChannelCapture::DChannelCapture(const std::string& path, Side side) : path_(path), side_(side) {
  pcap_.reset(pcap_open_dead(DLT_LINUX_LAPD, static_cast<int>(kPseudoHeader + kMaxFrame)));
  if (!pcap_) throw std::runtime_error("D-channel capture " + path + ": libpcap cannot make a LAPD capture");
  dumper_.reset(pcap_dump_open(pcap_.get(), path.c_str()));
  if (!dumper_)
    throw std::runtime_error("D-channel capture " + path + ": " + std::string(pcap_geterr(pcap_.get())));
}

DChannelCapture::~DChannelCapture() = default;

void DChannelCapture::write(std::span<const std::uint8_t> frame, Direction direction) {
  if (frame.size() > kMaxFrame) frame = frame.first(kMaxFrame);
  std::array<std::uint8_t, kPseudoHeader + kMaxFrame> record{};
  put16(&record[0], direction == Direction::kSent ? kPacketOutgoing : kPacketHost);
  put16(&record[2], kArphrdLapd);
  put16(&record[4], 1);                          // address length
  record[6] = side_ == Side::kNetwork ? 1 : 0;   // address octet 0: this end is the network side
  put16(&record[14], kEthPLapd);
  std::memcpy(&record[kPseudoHeader], frame.data(), frame.size());
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(us / 1000000);
  h.ts.tv_usec = static_cast<suseconds_t>(us % 1000000);
  h.caplen = h.len = static_cast<bpf_u_int32>(kPseudoHeader + frame.size());
  pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &h, record.data());
  pcap_dump_flush(dumper_.get());
  ++frames_;
}

}  // namespace sipnic::pri
