// RFC 5922 §7.1 identity extraction and §7.2 comparison.
#include "tls/peer_identity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/tls_test_pki.h"

namespace sipnic::tls {
namespace {

using testing::CertSpec;
using testing::make_cert;
using testing::make_key;
using testing::TestKey;

PeerIdentities identities_of(const std::string& cn, std::vector<std::string> san) {
  auto key = make_key(TestKey::kEcdsaP256);
  auto cert = make_cert(CertSpec{cn, std::move(san), false, 7}, key.get());
  return extract_peer_identities(*cert);
}

using Names = std::vector<std::string>;

TEST(PeerIdentity, SipUriHostsAreTheIdentitiesAndDnsNamesAreIgnoredBesideThem) {
  const auto ids = identities_of("cn.example", {"URI:sip:trunk.example.com", "DNS:other.example.com"});
  EXPECT_EQ(ids.source, PeerIdentities::Source::kSipUri);
  EXPECT_EQ(ids.domains, Names{"trunk.example.com"});
}

TEST(PeerIdentity, DnsNamesCountOnlyWithoutSipUris) {
  const auto ids = identities_of("cn.example", {"DNS:a.example.com", "DNS:b.example.com", "URI:https://x.example"});
  EXPECT_EQ(ids.source, PeerIdentities::Source::kDnsName);
  EXPECT_EQ(ids.domains, (Names{"a.example.com", "b.example.com"}));
}

TEST(PeerIdentity, CommonNameOnlyWhenThereIsNoSubjectAltName) {
  const auto no_san = identities_of("legacy.example.com", {});
  EXPECT_EQ(no_san.source, PeerIdentities::Source::kCommonName);
  EXPECT_EQ(no_san.domains, Names{"legacy.example.com"});
  // A SAN without usable identities still hides the CN.
  const auto with_san = identities_of("legacy.example.com", {"URI:mailto:ops@example.com"});
  EXPECT_EQ(with_san.source, PeerIdentities::Source::kNone);
  EXPECT_TRUE(with_san.domains.empty());
}

TEST(PeerIdentity, CommonNameThatIsNotADnsNameIsNoIdentity) {
  EXPECT_TRUE(identities_of("Example Carrier Ltd", {}).domains.empty());
}

TEST(PeerIdentity, SipsUrisAndUriWithUserpartAreNotDomainIdentities) {
  const auto ids = identities_of("x", {"URI:sips:secure.example.com", "URI:sip:alice@example.com"});
  EXPECT_EQ(ids.source, PeerIdentities::Source::kNone);
  EXPECT_FALSE(sip_uri_domain("sips:secure.example.com"));
  EXPECT_FALSE(sip_uri_domain("sip:alice@example.com"));
  EXPECT_FALSE(sip_uri_domain("tel:+15551234"));
  EXPECT_FALSE(sip_uri_domain("sip:"));
}

TEST(PeerIdentity, SipUriHostIsCutFromPortParametersAndHeaders) {
  EXPECT_EQ(sip_uri_domain("sip:example.com"), "example.com");
  EXPECT_EQ(sip_uri_domain("SIP:Example.COM:5061;transport=tls"), "Example.COM");
  EXPECT_EQ(sip_uri_domain("sip:example.com?subject=x"), "example.com");
  EXPECT_EQ(sip_uri_domain("sip:[2001:db8::1]:5061"), "[2001:db8::1]");
}

TEST(PeerIdentity, ComparisonIsCaseInsensitiveWholeName) {
  EXPECT_TRUE(identity_equals("Trunk.Example.COM", "trunk.example.com"));
  EXPECT_FALSE(identity_equals("foo.example.com", "example.com"));  // no suffix match
  EXPECT_FALSE(identity_equals("example.com", "example.com."));
}

TEST(PeerIdentity, WildcardsMatchOnlyThemselves) {
  EXPECT_FALSE(identity_equals("*.example.com", "foo.example.com"));
  EXPECT_FALSE(identity_equals(".example.com", "foo.example.com"));
  EXPECT_TRUE(identity_equals("*.example.com", "*.example.com"));
  const auto ids = identities_of("x", {"DNS:*.example.com"});
  const Names expected{"foo.example.com"};
  EXPECT_FALSE(match_identity(ids, expected));
}

TEST(PeerIdentity, MatchReturnsThePeerIdentityThatMatched) {
  const auto ids = identities_of("x", {"URI:sip:a.example", "URI:sip:B.example"});
  const Names expected{"c.example", "b.EXAMPLE"};
  EXPECT_EQ(match_identity(ids, expected), "B.example");
  EXPECT_FALSE(match_identity(ids, Names{}));
  EXPECT_FALSE(match_identity(PeerIdentities{}, expected));
}

}  // namespace
}  // namespace sipnic::tls
