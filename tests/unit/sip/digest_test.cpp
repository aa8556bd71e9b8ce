// Digest authentication: challenge parsing, the published vectors (RFC 7616
// §3.9.1, RFC 2617 §3.5), the client's nonce and nc handling, stale=true and
// giving up, and the server's nonces, replay check and verdicts.
#include "sip/digest.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "support/sip_message.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using test::parse_sip;

SipMessage response_with(int status, const std::string& headers) {
  return parse_sip("SIP/2.0 " + std::to_string(status) + " Unauthorized\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
                   "From: <sip:a@127.0.0.2>;tag=1\r\nTo: <sip:a@127.0.0.2>;tag=2\r\n"
                   "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n" +
                   headers + "Content-Length: 0\r\n\r\n");
}

// The value of `name` in an Authorization value (quotes removed).
std::string param(const std::string& value, const std::string& name) {
  auto pos = value.find(" " + name + "=");
  if (pos == std::string::npos) pos = value.find("," + name + "=");
  if (pos == std::string::npos) return "<absent>";
  pos += name.size() + 2;
  if (value[pos] == '"') return value.substr(pos + 1, value.find('"', pos + 1) - pos - 1);
  auto end = value.find(',', pos);
  return value.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

// RFC 7616 §3.9.1.
constexpr std::string_view kRfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kRfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

TEST(DigestResponse, MatchesRfc7616Md5Vector) {
  DigestInputs in{DigestAlgorithm::kMd5, "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                  "/dir/index.html", kRfc7616Nonce, kRfc7616Cnonce, 1, true};
  EXPECT_EQ(digest_response(in), "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestResponse, MatchesRfc7616Sha256Vector) {
  DigestInputs in{DigestAlgorithm::kSha256, "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                  "/dir/index.html", kRfc7616Nonce, kRfc7616Cnonce, 1, true};
  EXPECT_EQ(digest_response(in), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestResponse, MatchesRfc2617Vector) {
  DigestInputs in{DigestAlgorithm::kMd5, "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
                  "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", 1, true};
  EXPECT_EQ(digest_response(in), "6629fae49393a05397450978507c4ef1");
}

TEST(DigestResponse, WithoutQopIsHa1NonceHa2) {
  DigestInputs in{DigestAlgorithm::kMd5, "alice", "sip.example", "pw", "REGISTER", "sip:sip.example", "n1", "", 1,
                  false};
  std::string ha1 = digest_hash_hex(DigestAlgorithm::kMd5, "alice:sip.example:pw");
  std::string ha2 = digest_hash_hex(DigestAlgorithm::kMd5, "REGISTER:sip:sip.example");
  EXPECT_EQ(digest_response(in), digest_hash_hex(DigestAlgorithm::kMd5, ha1 + ":n1:" + ha2));
}

TEST(DigestResponse, SessAlgorithmHashesNonceAndCnonceIntoHa1) {
  DigestInputs in{DigestAlgorithm::kSha256Sess, "alice", "r", "pw", "INVITE", "sip:x", "n", "c", 1, true};
  std::string base = digest_hash_hex(DigestAlgorithm::kSha256, "alice:r:pw");
  EXPECT_EQ(digest_ha1(in), digest_hash_hex(DigestAlgorithm::kSha256, base + ":n:c"));
}

TEST(DigestNc, IsEightLowerCaseHexDigits) {
  EXPECT_EQ(digest_nc(1), "00000001");
  EXPECT_EQ(digest_nc(0xabc), "00000abc");
}

TEST(ParseDigestChallenges, ReadsQuotedEscapedAndCaseInsensitiveParams) {
  auto c = parse_digest_challenges(
      "digest REALM=\"sip.ex\\\"ample\", Nonce=abc123, qop=\"auth-int, AUTH\", algorithm=sha-256, "
      "opaque=\"op\", stale=TRUE");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].realm, "sip.ex\"ample");
  EXPECT_EQ(c[0].nonce, "abc123");
  EXPECT_TRUE(c[0].qop_auth);
  EXPECT_EQ(c[0].algorithm, DigestAlgorithm::kSha256);
  EXPECT_TRUE(c[0].has_opaque);
  EXPECT_EQ(c[0].opaque, "op");
  EXPECT_TRUE(c[0].stale);
}

TEST(ParseDigestChallenges, SplitsSeveralChallengesInOneValueAndSkipsOthers) {
  auto c = parse_digest_challenges(
      "Basic realm=\"b\", Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, "
      "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-512-256, "
      "Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-256");
  ASSERT_EQ(c.size(), 2u);  // Basic and the unknown algorithm are skipped
  EXPECT_EQ(c[0].nonce, "n1");
  EXPECT_EQ(c[1].nonce, "n3");
}

TEST(ParseDigestChallenges, SkipsMalformedChallengesWithoutLosingTheRest) {
  auto c = parse_digest_challenges("Digest realm=\"unterminated, Digest realm=\"r\", nonce=\"n\"");
  EXPECT_TRUE(c.empty());  // the open quote swallows the rest: nothing half-parsed is returned
  auto d = parse_digest_challenges("Digest realm=\"r\", Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\", "
                                   "Digest nonce=\"x\", Digest realm=\"ok\", nonce=\"y\"");
  ASSERT_EQ(d.size(), 1u);  // no nonce; only auth-int; no realm
  EXPECT_EQ(d[0].realm, "ok");
  EXPECT_TRUE(parse_digest_challenges("").empty());
  EXPECT_TRUE(parse_digest_challenges(",,, =x").empty());
}

// Mangled challenges (bytes of a real one cut, duplicated and replaced by a
// seeded generator) never crash the parser (ASan/UBSan hold the rest), and
// whatever it returns has a nonce.
TEST(ParseDigestChallenges, MangledInputYieldsOnlyWholeChallenges) {
  const std::string base =
      "Digest realm=\"a\\\"b\", nonce=\"n,1\", qop=\"auth,auth-int\", algorithm=SHA-256, opaque=\"o\", stale=true, "
      "Basic realm=x, Digest realm=r, nonce=n2";
  const std::string alphabet = "\"\\,= \tDigestrealmnonce\r\n";
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20000; ++i) {
    std::string v = base;
    int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !v.empty(); ++e) {
      std::size_t at = rng() % v.size();
      switch (rng() % 3) {
        case 0: v.erase(at, 1 + rng() % 8); break;
        case 1: v.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: v[at] = static_cast<char>(rng() % 256); break;
      }
    }
    for (const auto& c : parse_digest_challenges(v)) {
      EXPECT_FALSE(c.nonce.empty()) << v;
    }
  }
}

TEST(PickDigestChallenge, PrefersSha256OverMd5AndFiltersByRealm) {
  auto msg = response_with(401,
                           "WWW-Authenticate: Digest realm=\"a\", nonce=\"m\", algorithm=MD5\r\n"
                           "WWW-Authenticate: Digest realm=\"a\", nonce=\"s\", algorithm=SHA-256\r\n"
                           "WWW-Authenticate: Digest realm=\"b\", nonce=\"bm\"\r\n");
  auto all = digest_challenges_of(msg);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(pick_digest_challenge(all, "")->nonce, "s");
  EXPECT_EQ(pick_digest_challenge(all, "b")->nonce, "bm");
  EXPECT_EQ(pick_digest_challenge(all, "c"), nullptr);
}

TEST(DigestChallengesOf, A407ReadsProxyAuthenticateOnly) {
  auto msg = response_with(407,
                           "WWW-Authenticate: Digest realm=\"w\", nonce=\"w\"\r\n"
                           "Proxy-Authenticate: Digest realm=\"p\", nonce=\"p\"\r\n");
  auto all = digest_challenges_of(msg);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].realm, "p");
}

DigestClient client() { return DigestClient({"alice", "s3cret", ""}); }

TEST(DigestClient, Answers401WithAuthorizationQopAuthAndTheRightResponse) {
  auto c = client();
  auto a = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", "
                                       "qop=\"auth\", algorithm=SHA-256, opaque=\"o1\"\r\n"),
                    "REGISTER", "sip:sip.example", "cn1", nullptr);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header, "Authorization");
  EXPECT_EQ(param(a->value, "username"), "alice");
  EXPECT_EQ(param(a->value, "realm"), "sip.example");
  EXPECT_EQ(param(a->value, "uri"), "sip:sip.example");
  EXPECT_EQ(param(a->value, "qop"), "auth");
  EXPECT_EQ(param(a->value, "nc"), "00000001");
  EXPECT_EQ(param(a->value, "cnonce"), "cn1");
  EXPECT_EQ(param(a->value, "opaque"), "o1");
  EXPECT_EQ(param(a->value, "algorithm"), "SHA-256");
  DigestInputs in{DigestAlgorithm::kSha256, "alice", "sip.example", "s3cret", "REGISTER", "sip:sip.example",
                  "n1", "cn1", 1, true};
  EXPECT_EQ(param(a->value, "response"), digest_response(in));
  EXPECT_EQ(a->value.find("s3cret"), std::string::npos);
}

TEST(DigestClient, Answers407WithProxyAuthorizationAndNoQopWhenNoneOffered) {
  auto c = client();
  auto a = c.answer(response_with(407, "Proxy-Authenticate: Digest realm=\"p\", nonce=\"n\"\r\n"), "INVITE",
                    "sip:1234@127.0.0.2", "cn", nullptr);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header, "Proxy-Authorization");
  EXPECT_EQ(param(a->value, "qop"), "<absent>");
  EXPECT_EQ(param(a->value, "nc"), "<absent>");
  DigestInputs in{DigestAlgorithm::kMd5, "alice", "p", "s3cret", "INVITE", "sip:1234@127.0.0.2", "n", "", 1, false};
  EXPECT_EQ(param(a->value, "response"), digest_response(in));
}

TEST(DigestClient, ReusesTheNonceWithIncreasingNc) {
  auto c = client();
  EXPECT_FALSE(c.authorize("REGISTER", "sip:r", "x"));  // nothing to reuse yet
  ASSERT_TRUE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth\r\n"),
                       "REGISTER", "sip:r", "c1", nullptr));
  auto second = c.authorize("REGISTER", "sip:r", "c2");
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->preemptive);
  EXPECT_EQ(param(second->value, "nc"), "00000002");
  EXPECT_EQ(param(second->value, "nonce"), "n");
  EXPECT_EQ(param(c.authorize("REGISTER", "sip:r", "c3")->value, "nc"), "00000003");
  c.reset();
  EXPECT_FALSE(c.authorize("REGISTER", "sip:r", "c4"));
}

TEST(DigestClient, GivesUpWhenTheSameNonceComesBack) {
  auto c = client();
  auto ch = response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth\r\n");
  auto a = c.answer(ch, "REGISTER", "sip:r", "c1", nullptr);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->realm, "r");
  EXPECT_EQ(a->nonce, "n");
  EXPECT_FALSE(c.answer(ch, "REGISTER", "sip:r", "c2", &*a));
  // Even stale=true with that same nonce would loop.
  EXPECT_FALSE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", stale=true\r\n"),
                        "REGISTER", "sip:r", "c3", &*a));
}

TEST(DigestClient, GivesUpWhenANewNonceWithoutStaleFollowsAnAnswer) {
  auto c = client();
  auto a = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\"\r\n"), "REGISTER",
                    "sip:r", "c1", nullptr);
  ASSERT_TRUE(a);
  EXPECT_FALSE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\"\r\n"), "REGISTER",
                        "sip:r", "c2", &*a));
}

TEST(DigestClient, StaleTrueIsAnsweredWithTheNewNonceAndNcFromOne) {
  auto c = client();
  auto first = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=auth\r\n"),
                        "REGISTER", "sip:r", "c1", nullptr);
  ASSERT_TRUE(first);
  auto a = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", qop=auth, stale=true\r\n"),
                    "REGISTER", "sip:r", "c2", &*first);
  ASSERT_TRUE(a);
  EXPECT_EQ(param(a->value, "nonce"), "n2");
  EXPECT_EQ(param(a->value, "nc"), "00000001");
}

TEST(DigestClient, AChallengeToPreemptiveCredentialsIsAnsweredOnce) {
  auto c = client();
  ASSERT_TRUE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\"\r\n"), "REGISTER",
                       "sip:r", "c1", nullptr));
  auto reused = c.authorize("REGISTER", "sip:r", "c2");
  ASSERT_TRUE(reused);
  // The registrar restarted and forgot n1: a new nonce, no stale.
  auto a = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\"\r\n"), "REGISTER",
                    "sip:r", "c3", &*reused);
  ASSERT_TRUE(a);
  EXPECT_FALSE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n3\"\r\n"), "REGISTER",
                        "sip:r", "c4", &*a));
}

TEST(DigestClient, ConcurrentRequestsAreEachAnsweredOnce) {
  auto c = client();
  // Two calls sent without credentials, each challenged with its own nonce.
  auto a = c.answer(response_with(407, "Proxy-Authenticate: Digest realm=\"r\", nonce=\"na\"\r\n"), "INVITE",
                    "sip:1@h", "c1", nullptr);
  auto b = c.answer(response_with(407, "Proxy-Authenticate: Digest realm=\"r\", nonce=\"nb\"\r\n"), "INVITE",
                    "sip:2@h", "c2", nullptr);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->nonce, "na");
  EXPECT_EQ(b->nonce, "nb");
}

TEST(DigestClient, AnotherRealmAfterAnAnswerIsAnswered) {
  auto c = client();
  auto a = c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"registrar\", nonce=\"n1\"\r\n"), "REGISTER",
                    "sip:r", "c1", nullptr);
  ASSERT_TRUE(a);
  auto p = c.answer(response_with(407, "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"p1\"\r\n"), "REGISTER",
                    "sip:r", "c2", &*a);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header, "Proxy-Authorization");
}

TEST(DigestClient, GivesUpOnOtherRealmsOrNoDigest) {
  DigestClient c({"alice", "pw", "mine"});
  EXPECT_FALSE(c.answer(response_with(401, "WWW-Authenticate: Digest realm=\"theirs\", nonce=\"n\"\r\n"), "REGISTER",
                        "sip:r", "c", nullptr));
  EXPECT_FALSE(c.answer(response_with(401, "WWW-Authenticate: Basic realm=\"mine\"\r\n"), "REGISTER", "sip:r", "c",
                        nullptr));
  EXPECT_FALSE(c.answer(response_with(403, ""), "REGISTER", "sip:r", "c", nullptr));
}

// ------------------------------------------------------------------ server

std::array<std::uint8_t, 32> key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> k;
  k.fill(fill);
  return k;
}

DigestServer server(std::uint8_t k = 7) {
  return DigestServer({"sipnic", "carrier", "pw", 300000ms, 4}, key(k));
}

const core::Clock::time_point kT0 = core::Clock::time_point(std::chrono::hours(1));

SipMessage invite_with(const std::string& auth) {
  return parse_sip("INVITE sip:100@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK2\r\n"
                   "From: <sip:c@127.0.0.2>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\n"
                   "Call-ID: c2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n" +
                   auth + "Content-Length: 0\r\n\r\n");
}

// The client's answer to the server's challenge, as a request header line.
std::string answer_line(const DigestServer& s, core::Clock::time_point now, DigestClient& c, std::string cnonce) {
  auto challenge = response_with(401, s.challenge_headers(now, false));
  auto a = c.answer(challenge, "INVITE", "sip:100@127.0.0.1", cnonce, nullptr);
  return a ? a->line() : std::string();
}

TEST(DigestServer, ChallengesSha256FirstThenMd5WithOneNonce) {
  auto s = server();
  auto all = digest_challenges_of(response_with(401, s.challenge_headers(kT0, true)));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].algorithm, DigestAlgorithm::kSha256);
  EXPECT_EQ(all[1].algorithm, DigestAlgorithm::kMd5);
  EXPECT_EQ(all[0].nonce, all[1].nonce);
  EXPECT_TRUE(all[0].qop_auth);
  EXPECT_TRUE(all[0].stale);
  EXPECT_EQ(all[0].realm, "sipnic");
}

TEST(DigestServer, ChallengeResponseIsA401ToTheRequestWithBothChallenges) {
  auto s = server();
  auto r = parse_sip(s.challenge_response(invite_with(""), kT0, false, "t1"));
  EXPECT_EQ(r.status(), 401);
  EXPECT_EQ(r.header(offload::HeaderId::kCallId), "c2");
  EXPECT_NE(r.header(offload::HeaderId::kTo).find(";tag=t1"), std::string::npos);
  auto all = digest_challenges_of(r);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].stale);
}

TEST(DigestServer, RandomKeysDiffer) { EXPECT_NE(DigestServer::random_key(), DigestServer::random_key()); }

TEST(DigestServer, AcceptsTheRightCredentialsAndRejectsAReplayedNc) {
  auto s = server();
  DigestClient c({"carrier", "pw", ""});
  EXPECT_EQ(s.verify(invite_with(""), kT0), DigestServer::Verdict::kMissing);
  std::string line = answer_line(s, kT0, c, "cA");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(s.verify(invite_with(line), kT0 + 1s), DigestServer::Verdict::kOk);
  EXPECT_EQ(s.verify(invite_with(line), kT0 + 2s), DigestServer::Verdict::kRejected);  // same nc again
  auto next = c.authorize("INVITE", "sip:100@127.0.0.1", "cB");
  EXPECT_EQ(s.verify(invite_with(next->line()), kT0 + 3s), DigestServer::Verdict::kOk);  // nc 2
}

TEST(DigestServer, AcceptsMd5FromAClientThatOnlyDoesMd5) {
  auto s = server();
  auto challenge = response_with(401, s.challenge_headers(kT0, false));
  auto md5 = digest_challenges_of(challenge)[1];
  DigestInputs in{DigestAlgorithm::kMd5, "carrier", "sipnic", "pw", "INVITE", "sip:100@127.0.0.1", md5.nonce, "x", 1,
                  true};
  std::string line = "Authorization: Digest username=\"carrier\", realm=\"sipnic\", nonce=\"" + md5.nonce +
                     "\", uri=\"sip:100@127.0.0.1\", response=\"" + digest_response(in) +
                     "\", qop=auth, nc=00000001, cnonce=\"x\"\r\n";
  EXPECT_EQ(s.verify(invite_with(line), kT0), DigestServer::Verdict::kOk);
}

TEST(DigestServer, RejectsAWrongPasswordUserOrUri) {
  auto s = server();
  DigestClient wrong_pw({"carrier", "nope", ""});
  EXPECT_EQ(s.verify(invite_with(answer_line(s, kT0, wrong_pw, "c")), kT0), DigestServer::Verdict::kRejected);
  DigestClient wrong_user({"other", "pw", ""});
  EXPECT_EQ(s.verify(invite_with(answer_line(s, kT0, wrong_user, "c")), kT0), DigestServer::Verdict::kRejected);
  DigestClient c({"carrier", "pw", ""});
  auto a = c.answer(response_with(401, s.challenge_headers(kT0, false)), "INVITE", "sip:999@127.0.0.1", "c", nullptr);
  EXPECT_EQ(s.verify(invite_with(a->line()), kT0), DigestServer::Verdict::kRejected);
}

TEST(DigestServer, AnExpiredNonceIsStale) {
  auto s = server();
  DigestClient c({"carrier", "pw", ""});
  std::string line = answer_line(s, kT0, c, "c");
  EXPECT_EQ(s.verify(invite_with(line), kT0 + 301s), DigestServer::Verdict::kStale);
}

TEST(DigestServer, ANonceOfAnotherKeyWithTheRightPasswordIsStale) {
  auto before_restart = server(1);
  auto s = server(2);
  DigestClient c({"carrier", "pw", ""});
  EXPECT_EQ(s.verify(invite_with(answer_line(before_restart, kT0, c, "c")), kT0), DigestServer::Verdict::kStale);
}

TEST(DigestServer, TrackedNoncesAreBoundedAndExpire) {
  auto s = server();  // tracks at most 4
  for (int i = 0; i < 4; ++i) {
    DigestClient c({"carrier", "pw", ""});
    EXPECT_EQ(s.verify(invite_with(answer_line(s, kT0 + std::chrono::seconds(i), c, "c")), kT0 + 10s),
              DigestServer::Verdict::kOk);
  }
  DigestClient fifth({"carrier", "pw", ""});
  std::string line = answer_line(s, kT0 + 5s, fifth, "c");
  EXPECT_EQ(s.verify(invite_with(line), kT0 + 10s), DigestServer::Verdict::kStale);
  // Once the first four expire, a fresh nonce is tracked again.
  DigestClient later({"carrier", "pw", ""});
  EXPECT_EQ(s.verify(invite_with(answer_line(s, kT0 + 299s, later, "c")), kT0 + 304s), DigestServer::Verdict::kOk);
}

}  // namespace
}  // namespace sipnic::sip
