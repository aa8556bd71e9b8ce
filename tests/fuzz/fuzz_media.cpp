// libFuzzer target: what the media layer reads from peers. The input is
// taken as an SDP body (an INVITE's or a response's) and as an RTP
// datagram. Checked:
//   - nothing crashes, leaks or trips UBSan in parse_sdp, format_sdp,
//     answer_offer, read_answer;
//   - a body that parses writes out as one that parses, and writing that
//     again changes nothing (format_sdp loses nothing parse_sdp kept; the
//     first write may only put lines into RFC 4566's order);
//   - an answer sipnic makes to it parses, and reads back as an answer to
//     it with the same negotiated audio seen from the other side's port;
//   - an RTP datagram that reads has its parts inside it, and its header
//     and payload written again read back the same.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "media/offer_answer.h"
#include "media/rtp_packet.h"
#include "media/sdp.h"

using namespace sipnic;

namespace {

void check_rtp(std::span<const std::uint8_t> datagram) {
  const auto p = media::read_rtp(datagram);
  if (!p) return;
  auto inside = [&](std::span<const std::uint8_t> part) {
    return part.empty() || (part.data() >= datagram.data() && part.data() + part.size() <= datagram.data() + datagram.size());
  };
  if (!inside(p->payload) || !inside(p->csrcs) || !inside(p->extension)) std::abort();
  std::vector<std::uint8_t> out(media::kRtpHeaderBytes + p->payload.size());
  if (media::write_rtp(p->header, p->payload, out) != out.size()) std::abort();
  const auto again = media::read_rtp(out);
  if (!again || again->header.sequence != p->header.sequence || again->header.ssrc != p->header.ssrc ||
      again->header.timestamp != p->header.timestamp || again->header.payload_type != p->header.payload_type ||
      again->header.marker != p->header.marker ||
      !std::equal(again->payload.begin(), again->payload.end(), p->payload.begin(), p->payload.end()))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_rtp(std::span(data, size));
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const media::ParsedSdp parsed = media::parse_sdp(body);
  if (!parsed.ok()) return 0;
  const std::string written = media::format_sdp(parsed.sdp);
  const media::ParsedSdp again = media::parse_sdp(written);
  if (!again.ok() || media::format_sdp(again.sdp) != written) std::abort();
  if (again.sdp.media.size() != parsed.sdp.media.size()) std::abort();

  media::LocalMedia local;
  local.address = {"IP4", "192.0.2.10"};
  local.port = 20000;
  const auto answer = media::answer_offer(parsed.sdp, local);
  if (answer) {
    const media::ParsedSdp ours = media::parse_sdp(media::format_sdp(answer->sdp));
    if (!ours.ok()) std::abort();
    const auto read = media::read_answer(parsed.sdp, ours.sdp);
    if (!read || read->law != answer->audio.law || read->remote_port != local.port) std::abort();
  }
  (void)media::read_answer(media::make_offer(local), parsed.sdp);
  return 0;
}
