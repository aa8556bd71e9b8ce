// Tests for host/media/offer_answer.cpp: the gateway's G.711 offer, its
// answers to the offers carriers and phones make (RFC 3264), and how it
// reads an answer to its own offer.
#include "media/offer_answer.h"

#include <gtest/gtest.h>

namespace sipnic::media {
namespace {

LocalMedia local(G711Law law = G711Law::kALaw) {
  LocalMedia l;
  l.address = {"IP4", "192.0.2.10"};
  l.port = 20000;
  l.preferred = law;
  l.session_id = 77;
  l.session_version = 1;
  return l;
}

SessionDescription parsed(std::string_view body) {
  const ParsedSdp p = parse_sdp(body);
  EXPECT_TRUE(p.ok()) << p.line << ": " << p.error;
  return p.sdp;
}

TEST(OfferAnswer, TheOfferPutsTheSpansLawFirstWithTelephoneEventsAndPtime) {
  const SessionDescription a = make_offer(local(G711Law::kALaw));
  ASSERT_EQ(a.media.size(), 1u);
  EXPECT_EQ(a.media[0].formats, (std::vector<std::string>{"8", "0", "101"}));
  EXPECT_EQ(a.media[0].ptime, 20u);
  EXPECT_EQ(a.connection, (Connection{"IP4", "192.0.2.10"}));
  EXPECT_EQ(a.media[0].port, 20000);
  const SessionDescription u = make_offer(local(G711Law::kMuLaw));
  EXPECT_EQ(u.media[0].formats, (std::vector<std::string>{"0", "8", "101"}));
  // What it writes is an SDP body that reads back the same.
  EXPECT_EQ(parse_sdp(format_sdp(u)).sdp, u);
  const std::string text = format_sdp(u);
  EXPECT_NE(text.find("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16"), std::string::npos) << text;
}

TEST(OfferAnswer, AnAnswerTakesTheOfferersFirstG711AndItsTelephoneEventType) {
  const SessionDescription offer = parsed(
      "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.8\nt=0 0\n"
      "m=audio 30000 RTP/AVP 18 0 8 96\na=rtpmap:18 G729/8000\na=rtpmap:96 telephone-event/8000\n"
      "a=fmtp:96 0-15\na=ptime:30\n");
  const auto answer = answer_offer(offer, local(G711Law::kALaw));
  ASSERT_TRUE(answer);
  const NegotiatedAudio& n = answer->audio;
  EXPECT_EQ(n.law, G711Law::kMuLaw) << "the offerer preferred PCMU over PCMA";
  EXPECT_EQ(n.payload_type, 0);
  EXPECT_EQ(n.telephone_event_payload_type, 96);
  EXPECT_EQ(n.ptime_ms, 30u);
  EXPECT_EQ(n.remote_address.address, "198.51.100.8");
  EXPECT_EQ(n.remote_port, 30000);
  EXPECT_EQ(n.direction, Direction::kSendRecv);
  const MediaDescription& m = answer->sdp.media.at(0);
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "96"}));
  EXPECT_EQ(m.port, 20000);
  EXPECT_EQ(m.ptime, 30u);
  EXPECT_EQ(answer->sdp.connection->address, "192.0.2.10");
}

TEST(OfferAnswer, EveryOtherStreamIsAnsweredWithPortZeroAndTheDirectionIsMirrored) {
  const SessionDescription offer = parsed(
      "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.8\nt=0 0\n"
      "m=video 5000 RTP/AVP 31\n"
      "m=audio 5002 RTP/SAVP 0\n"
      "m=audio 5004 RTP/AVP 8\na=sendonly\n"
      "m=audio 5006 RTP/AVP 0\n");
  const auto answer = answer_offer(offer, local());
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->sdp.media.size(), 4u) << "as many m= lines as the offer";
  EXPECT_EQ(answer->sdp.media[0].port, 0);
  EXPECT_EQ(answer->sdp.media[0].formats, (std::vector<std::string>{"31"}));
  EXPECT_EQ(answer->sdp.media[1].port, 0) << "no SRTP yet";
  EXPECT_EQ(answer->sdp.media[2].port, 20000);
  EXPECT_EQ(answer->sdp.media[2].direction, Direction::kRecvOnly);
  EXPECT_EQ(answer->sdp.media[3].port, 0) << "one audio stream per call";
  EXPECT_EQ(answer->audio.stream, 2u);
  EXPECT_EQ(answer->audio.direction, Direction::kRecvOnly);
  EXPECT_FALSE(answer->audio.telephone_event_payload_type);
  EXPECT_EQ(answer->audio.ptime_ms, 20u) << "no ptime offered: ours";
}

TEST(OfferAnswer, AnOfferWithoutUsableAudioGetsNoAnswer) {
  for (std::string_view body : {
           "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.8\nt=0 0\nm=audio 5000 RTP/AVP 18\n",
           "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.8\nt=0 0\nm=audio 0 RTP/AVP 0\n",
           "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.8\nt=0 0\n"
           "m=audio 5000 RTP/AVP 96\na=rtpmap:96 PCMA/16000\n",
           "v=0\no=- 1 1 IN IP4 198.51.100.7\ns=-\nt=0 0\n",
       })
    EXPECT_FALSE(answer_offer(parsed(body), local())) << body;
}

TEST(OfferAnswer, AnAnswerToOurOfferGivesWhatWeSendAndWhere) {
  const SessionDescription offer = make_offer(local());
  const auto n = read_answer(offer, parsed("v=0\no=- 9 9 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.6\nt=0 0\n"
                                           "m=audio 40000 RTP/AVP 0 97\na=rtpmap:97 telephone-event/8000\n"
                                           "a=ptime:30\na=recvonly\n"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->law, G711Law::kMuLaw);
  EXPECT_EQ(n->telephone_event_payload_type, 97) << "we send with the answer's numbers";
  EXPECT_EQ(n->ptime_ms, 30u);
  EXPECT_EQ(n->remote_port, 40000);
  EXPECT_EQ(n->remote_address.address, "203.0.113.6");
  EXPECT_EQ(n->direction, Direction::kSendOnly) << "the peer only receives";
  // An answer that takes what was not offered, or rejects the stream.
  EXPECT_FALSE(read_answer(offer, parsed("v=0\no=- 9 9 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.6\nt=0 0\n"
                                         "m=audio 40000 RTP/AVP 18\n")));
  EXPECT_FALSE(read_answer(offer, parsed("v=0\no=- 9 9 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.6\nt=0 0\n"
                                         "m=audio 0 RTP/AVP 8\n")));
  EXPECT_FALSE(read_answer(offer, parsed("v=0\no=- 9 9 IN IP4 203.0.113.5\ns=-\nt=0 0\n"))) << "no m= line";
}

TEST(OfferAnswer, TwoGatewaysAgreeOnTheFirstLawOfTheOffer) {
  const SessionDescription offer = make_offer(local(G711Law::kMuLaw));
  LocalMedia b = local(G711Law::kALaw);
  b.address = {"IP4", "192.0.2.20"};
  b.port = 30000;
  const auto answer = answer_offer(parse_sdp(format_sdp(offer)).sdp, b);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->audio.law, G711Law::kMuLaw);
  const auto read = read_answer(offer, parse_sdp(format_sdp(answer->sdp)).sdp);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->law, G711Law::kMuLaw);
  EXPECT_EQ(read->remote_port, 30000);
  EXPECT_EQ(read->telephone_event_payload_type, 101);
  EXPECT_EQ(answer->audio.remote_port, 20000);
}

}  // namespace
}  // namespace sipnic::media
