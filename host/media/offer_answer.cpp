#include "media/offer_answer.h"

#include <algorithm>

#include "core/ascii.h"

namespace sipnic::media {

namespace {

using core::ascii::iequals;

std::optional<G711Law> law_of(const RtpMap& r) {
  if (r.clock_rate != 8000 || r.channels != 1) return std::nullopt;
  if (iequals(r.encoding, "PCMA")) return G711Law::kALaw;
  if (iequals(r.encoding, "PCMU")) return G711Law::kMuLaw;
  return std::nullopt;
}

bool is_telephone_event(const RtpMap& r) { return iequals(r.encoding, "telephone-event") && r.clock_rate == 8000; }

std::uint8_t static_type(G711Law law) { return law == G711Law::kALaw ? kPcmaPayloadType : kPcmuPayloadType; }

std::uint8_t payload_type(const std::string& format) { return static_cast<std::uint8_t>(std::stoi(format)); }

SessionDescription session_of(const LocalMedia& local) {
  SessionDescription s;
  s.origin_user = "sipnic";
  s.session_id = local.session_id;
  s.session_version = local.session_version;
  s.origin = local.address;
  s.session_name = "sipnic";
  s.connection = local.address;
  s.other.emplace_back("t=0 0");  // a session without start or end (RFC 4566 §5.9)
  return s;
}

// What a media description names: its G.711 format (the first, in its
// order of preference) and its telephone-event format.
struct Formats {
  std::optional<std::uint8_t> g711;
  G711Law law = G711Law::kALaw;
  std::optional<std::uint8_t> telephone_event;
};
Formats formats_of(const MediaDescription& m) {
  Formats f;
  for (const std::string& text : m.formats) {
    const std::uint8_t pt = payload_type(text);
    const auto map = m.rtpmap(pt);
    if (!map) continue;
    if (const auto law = law_of(*map); law && !f.g711) {
      f.g711 = pt;
      f.law = *law;
    } else if (is_telephone_event(*map) && !f.telephone_event) {
      f.telephone_event = pt;
    }
  }
  return f;
}

}  // namespace

SessionDescription make_offer(const LocalMedia& local) {
  SessionDescription s = session_of(local);
  MediaDescription m;
  m.port = local.port;
  const G711Law other = local.preferred == G711Law::kALaw ? G711Law::kMuLaw : G711Law::kALaw;
  for (G711Law law : {local.preferred, other}) {
    const std::uint8_t pt = static_type(law);
    m.formats.push_back(std::to_string(pt));
    m.rtpmaps.push_back({pt, law == G711Law::kALaw ? "PCMA" : "PCMU", 8000, 1});
  }
  if (local.telephone_events) {
    const std::uint8_t pt = local.telephone_event_payload_type;
    m.formats.push_back(std::to_string(pt));
    m.rtpmaps.push_back({pt, "telephone-event", 8000, 1});
    m.fmtps.emplace_back(pt, "0-16");  // the DTMF events, RFC 4733 §3.2
  }
  m.ptime = local.ptime_ms;
  m.direction = Direction::kSendRecv;
  s.media.push_back(std::move(m));
  return s;
}

std::optional<Answer> answer_offer(const SessionDescription& offer, const LocalMedia& local) {
  Answer a;
  a.sdp = session_of(local);
  bool taken = false;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& om = offer.media[i];
    MediaDescription am;
    am.media = om.media;
    am.protocol = om.protocol;
    const Connection* remote = offer.connection_of(om);
    const Formats f = om.is_rtp() && om.media == "audio" ? formats_of(om) : Formats{};
    if (taken || om.port == 0 || !f.g711 || !remote || om.protocol != "RTP/AVP") {
      // Rejected (RFC 3264 §6): port 0, the offer's formats.
      am.port = 0;
      am.formats = om.formats;
      a.sdp.media.push_back(std::move(am));
      continue;
    }
    taken = true;
    am.port = local.port;
    am.formats.push_back(std::to_string(*f.g711));
    am.rtpmaps.push_back({*f.g711, f.law == G711Law::kALaw ? "PCMA" : "PCMU", 8000, 1});
    NegotiatedAudio& n = a.audio;
    n.law = f.law;
    n.payload_type = *f.g711;
    if (f.telephone_event && local.telephone_events) {
      am.formats.push_back(std::to_string(*f.telephone_event));
      am.rtpmaps.push_back({*f.telephone_event, "telephone-event", 8000, 1});
      am.fmtps.emplace_back(*f.telephone_event, "0-16");
      n.telephone_event_payload_type = f.telephone_event;
    }
    n.ptime_ms = om.ptime.value_or(local.ptime_ms);
    am.ptime = n.ptime_ms;
    n.direction = answer_direction(offer.direction_of(om));
    am.direction = n.direction;
    n.remote_address = *remote;
    n.remote_port = om.port;
    n.stream = i;
    a.sdp.media.push_back(std::move(am));
  }
  if (!taken) return std::nullopt;
  return a;
}

std::optional<NegotiatedAudio> read_answer(const SessionDescription& offer, const SessionDescription& answer) {
  // RFC 3264 §6: as many m= lines as the offer, in its order.
  if (answer.media.size() != offer.media.size()) return std::nullopt;
  for (std::size_t i = 0; i < answer.media.size(); ++i) {
    const MediaDescription& am = answer.media[i];
    const MediaDescription& om = offer.media[i];
    const Connection* remote = answer.connection_of(am);
    if (am.port == 0 || !remote || !am.is_rtp()) continue;
    const Formats f = formats_of(am);
    if (!f.g711) continue;
    // It must be a format that was offered.
    if (std::find(om.formats.begin(), om.formats.end(), std::to_string(*f.g711)) == om.formats.end()) continue;
    NegotiatedAudio n;
    n.law = f.law;
    n.payload_type = *f.g711;
    // What we send carries the answer's numbers (RFC 3264 §5.1: each side
    // lists the payload types it receives).
    if (f.telephone_event && formats_of(om).telephone_event) n.telephone_event_payload_type = f.telephone_event;
    n.ptime_ms = am.ptime.value_or(om.ptime.value_or(20));
    // The answer's direction is the peer's; ours is its mirror.
    n.direction = answer_direction(answer.direction_of(am));
    n.remote_address = *remote;
    n.remote_port = am.port;
    n.stream = i;
    return n;
  }
  return std::nullopt;
}

}  // namespace sipnic::media
