#include "sip/outgoing_request.h"

#include <gtest/gtest.h>

namespace sipnic::sip {
namespace {

OutgoingRequest invite() {
  OutgoingRequest r;
  r.method = "INVITE";
  r.uri = "sip:+15551234@192.0.2.7:5060";
  r.via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport";
  r.from = "<sip:alice@192.0.2.1>;tag=f1";
  r.to = "<sip:+15551234@192.0.2.7:5060>";
  r.call_id = "cid";
  r.cseq = 7;
  r.routes = {"<sip:edge1;lr>", "<sip:edge2;lr>"};
  r.contact = "<sip:192.0.2.1:5060>";
  r.headers = "P-Asserted-Identity: <sip:alice@example.com>\r\n";
  r.content_type = "application/sdp";
  r.body = "v=0\r\n";
  return r;
}

TEST(OutgoingRequest, SerializesHeadersInOrderWithContentLength) {
  EXPECT_EQ(invite().serialize(),
            "INVITE sip:+15551234@192.0.2.7:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport\r\n"
            "Max-Forwards: 70\r\n"
            "Route: <sip:edge1;lr>\r\n"
            "Route: <sip:edge2;lr>\r\n"
            "From: <sip:alice@192.0.2.1>;tag=f1\r\n"
            "To: <sip:+15551234@192.0.2.7:5060>\r\n"
            "Call-ID: cid\r\n"
            "CSeq: 7 INVITE\r\n"
            "Contact: <sip:192.0.2.1:5060>\r\n"
            "P-Asserted-Identity: <sip:alice@example.com>\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "v=0\r\n");
}

TEST(OutgoingRequest, AckForFailureKeepsViaRoutesAndCSeqNumberWithTheResponsesTo) {
  std::string ack = invite().ack_for_failure("<sip:+15551234@192.0.2.7:5060>;tag=srv");
  EXPECT_EQ(ack.rfind("ACK sip:+15551234@192.0.2.7:5060 SIP/2.0\r\n", 0), 0u);
  EXPECT_NE(ack.find("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport\r\n"), std::string::npos);
  EXPECT_NE(ack.find("Route: <sip:edge1;lr>\r\nRoute: <sip:edge2;lr>\r\n"), std::string::npos);
  EXPECT_NE(ack.find("To: <sip:+15551234@192.0.2.7:5060>;tag=srv\r\n"), std::string::npos);
  EXPECT_NE(ack.find("CSeq: 7 ACK\r\n"), std::string::npos);
  EXPECT_EQ(ack.find("v=0"), std::string::npos);  // no body
  EXPECT_EQ(ack.find("Contact:"), std::string::npos);
}

TEST(OutgoingRequest, CancelKeepsTheInvitesBranchAndCSeqNumber) {
  OutgoingRequest c = invite().cancel();
  EXPECT_EQ(c.method, "CANCEL");
  EXPECT_EQ(c.via, invite().via);
  EXPECT_EQ(c.cseq, 7u);
  std::string wire = c.serialize();
  EXPECT_NE(wire.find("CSeq: 7 CANCEL\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("P-Asserted-Identity"), std::string::npos);
}

}  // namespace
}  // namespace sipnic::sip
