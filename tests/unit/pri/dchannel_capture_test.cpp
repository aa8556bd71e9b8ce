// Tests for host/pri/dchannel_capture.cpp: the pcap it writes, read back with
// libpcap (what Wireshark makes of it is the tshark interop test's).
#include "pri/dchannel_capture.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <string>
#include <vector>

#include "support/run_command.h"

namespace sipnic::pri {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Record {
  Bytes bytes;
};

std::vector<Record> read_capture(const std::string& path, int* linktype) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  EXPECT_NE(p, nullptr) << err;
  std::vector<Record> out;
  if (!p) return out;
  *linktype = pcap_datalink(p);
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) out.push_back(Record{Bytes(data, data + h->caplen)});
  pcap_close(p);
  return out;
}

TEST(DChannelCapture, FramesGoBehindTheLinuxLapdPseudoHeaderWithTheirDirectionAndSide) {
  test::TempDir dir("sipnic-capture");
  const std::string path = (dir.path() / "d.pcap").string();
  const Bytes sabme{0x02, 0x01, 0x7F}, ua{0x02, 0x01, 0x73};
  {
    DChannelCapture c(path, Side::kNetwork);
    c.write(sabme, DChannelCapture::Direction::kSent);
    c.write(ua, DChannelCapture::Direction::kReceived);
    EXPECT_EQ(c.frames(), 2u);
  }
  int linktype = 0;
  const auto records = read_capture(path, &linktype);
  EXPECT_EQ(linktype, 177);  // LINKTYPE_LINUX_LAPD
  ASSERT_EQ(records.size(), 2u);
  const Bytes& first = records[0].bytes;
  ASSERT_EQ(first.size(), 16u + 3u);
  EXPECT_EQ(first[0] << 8 | first[1], 4);     // PACKET_OUTGOING: sent
  EXPECT_EQ(first[6], 1);                     // this end is the network side
  EXPECT_EQ(first[14] << 8 | first[15], 0x30);  // ETH_P_LAPD
  EXPECT_EQ(Bytes(first.begin() + 16, first.end()), sabme);
  const Bytes& second = records[1].bytes;
  EXPECT_EQ(second[0] << 8 | second[1], 0);  // PACKET_HOST: received
  EXPECT_EQ(Bytes(second.begin() + 16, second.end()), ua);
}

TEST(DChannelCapture, AFileThatCannotBeWrittenIsRefusedByName) {
  try {
    DChannelCapture c("/nonexistent-dir/d.pcap", Side::kUser);
    FAIL() << "opened a capture in a folder that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/d.pcap"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sipnic::pri
