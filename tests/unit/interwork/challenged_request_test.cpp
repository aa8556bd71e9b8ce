// interwork::ChallengedRequest: a request within a dialog that the trunk
// challenges goes again with the dialog's next CSeq and credentials the
// challenger (a sip::DigestServer here) accepts, once per challenge.
#include "interwork/challenged_request.h"

#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"
#include "sip/dialog.h"
#include "sip/digest.h"
#include "support/sip_message.h"

namespace sipnic::interwork {
namespace {

using offload::HeaderId;
using sip::SipMessage;
using test::parse_sip;

// An INVITE from the carrier: sipnic's dialog toward it is the UAS side.
const std::string kInvite =
    "INVITE sip:+441234@192.0.2.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKcarrier1\r\n"
    "Max-Forwards: 70\r\n"
    "Record-Route: <sip:edge.carrier.test;lr>\r\n"
    "From: <sip:+15551234@carrier.test>;tag=carrier1\r\n"
    "To: <sip:+441234@192.0.2.1>\r\n"
    "Call-ID: call1@carrier.test\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:gw@198.51.100.7>\r\n"
    "Content-Length: 0\r\n\r\n";

class ChallengedRequestTest : public ::testing::Test {
 protected:
  ChallengedRequestTest() : dialog_(sip::Dialog::as_uas(parse_sip(kInvite), "sipnic1", "<sip:192.0.2.1:5060>")) {}

  // The carrier's 401 (or 407) to what went on the wire.
  SipMessage challenge(const sip::OutgoingRequest& sent, int status = 401) {
    SipMessage request = parse_sip(sent.serialize());
    std::string response = carrier_.challenge_response(request, clock_.now(), false, "");
    if (status == 407) {
      response.replace(8, 16, "407 Proxy Authentication Required");  // "401 Unauthorized"
      for (std::size_t at = response.find("WWW-Authenticate"); at != std::string::npos;
           at = response.find("WWW-Authenticate"))
        response.replace(at, 16, "Proxy-Authenticate");
    }
    return parse_sip(response);
  }

  core::ManualClock clock_;
  sip::DigestServer carrier_{{.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                             sip::DigestServer::random_key()};
  sip::DigestClient client_{{"sipnic", "s3cret", ""}};
  sip::Dialog dialog_;
};

TEST_F(ChallengedRequestTest, TheFirstSendCarriesNoCredentials) {
  sip::OutgoingRequest bye = dialog_.request("BYE");
  bye.headers = "Reason: SIP;cause=408\r\n";
  ChallengedRequest req(bye);
  EXPECT_EQ(req.wire().serialize(), bye.serialize());
  EXPECT_EQ(req.credentials_line(), "");
}

TEST_F(ChallengedRequestTest, AnAnsweredChallengeGoesAgainWithTheNextCSeqAndCredentialsThatVerify) {
  sip::OutgoingRequest reinvite = dialog_.request("INVITE");
  reinvite.headers = "Session-Expires: 1800;refresher=uac\r\n";
  reinvite.content_type = "application/sdp";
  reinvite.body = "v=0\r\n";
  ChallengedRequest req(reinvite);
  ASSERT_TRUE(req.answer(challenge(req.wire()), client_, dialog_, "0a4f113b"));
  SipMessage again = parse_sip(req.wire().serialize());
  EXPECT_EQ(again.header(HeaderId::kCSeq), std::to_string(reinvite.cseq + 1) + " INVITE");
  EXPECT_EQ(dialog_.local_cseq(), reinvite.cseq + 1);
  EXPECT_EQ(again.header(HeaderId::kCallId), "call1@carrier.test");
  EXPECT_EQ(again.uri(), "sip:gw@198.51.100.7");
  EXPECT_EQ(again.header(HeaderId::kRoute), "<sip:edge.carrier.test;lr>");
  EXPECT_EQ(again.header(HeaderId::kSessionExpires), "1800;refresher=uac");
  EXPECT_EQ(again.body(), "v=0\r\n");
  EXPECT_EQ(carrier_.verify(again, clock_.now()), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(req.credentials_line().rfind("Authorization: Digest ", 0), 0u);
  EXPECT_EQ(req.wire().serialize().find("s3cret"), std::string::npos);
}

TEST_F(ChallengedRequestTest, A407IsAnsweredWithProxyAuthorization) {
  ChallengedRequest req(dialog_.request("BYE"));
  ASSERT_TRUE(req.answer(challenge(req.wire(), 407), client_, dialog_, "0a4f113b"));
  SipMessage again = parse_sip(req.wire().serialize());
  EXPECT_TRUE(again.has(HeaderId::kProxyAuthorization));
  EXPECT_FALSE(again.has(HeaderId::kAuthorization));
}

TEST_F(ChallengedRequestTest, TheSameChallengeToTheCredentialsIsARefusal) {
  ChallengedRequest req(dialog_.request("UPDATE"));
  SipMessage first = challenge(req.wire());
  ASSERT_TRUE(req.answer(first, client_, dialog_, "0a4f113b"));
  std::uint32_t cseq = dialog_.local_cseq();
  EXPECT_FALSE(req.answer(first, client_, dialog_, "0a4f113c"));
  EXPECT_EQ(dialog_.local_cseq(), cseq);  // nothing more sent
}

TEST_F(ChallengedRequestTest, AckAndCancelAreNeverSentAgainWithCredentials) {
  for (const char* method : {"ACK", "CANCEL"}) {
    sip::OutgoingRequest r = dialog_.request("INFO");
    r.method = method;
    ChallengedRequest req(r);
    EXPECT_FALSE(req.answer(challenge(req.wire()), client_, dialog_, "0a4f113b")) << method;
  }
}

}  // namespace
}  // namespace sipnic::interwork
