// The registration client on a FakeStack and a ManualClock: the test is the
// registrar, and checks the client's digest answers with a sip::DigestServer
// of its own (the same verifier sipnic uses for inbound challenges).
#include "interwork/registration.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/response_builder.h"
#include "support/fake_stack.h"
#include "support/sip_message.h"

namespace sipnic::interwork {
namespace {

using namespace std::chrono_literals;
using State = RegistrationStatus::State;
using test::FakeStack;
using test::loopback;
using test::parse_sip;

class RegistrationTest : public ::testing::Test {
 protected:
  Registration::Options options(std::string password = "s3cret") {
    Registration::Options o;
    o.trunk = "itsp";
    o.registrar = {"127.0.0.2", 5060};
    o.aor_user = "4420";
    o.aor_domain = "itsp.example";
    o.expires_s = 3600;
    o.credentials = sip::DigestCredentials{"alice", std::move(password), ""};
    return o;
  }
  Registration& make(Registration::Options o) {
    reg_ = std::make_unique<Registration>(stack_, log_, std::move(o));
    return *reg_;
  }
  void settle() { loop_.run_once(); }
  void advance(core::Clock::duration d) {
    loop_.advance(clock_, d);
    settle();
  }
  std::vector<const FakeStack::Sent*> registers() const { return stack_.sent("REGISTER"); }
  const FakeStack::Sent& last() const { return *registers().back(); }

  void answer(const FakeStack::Sent& s, int status, const std::string& headers = {}) {
    sip::SipMessage req = s.message();
    sip::ResponseExtras x{.to_tag = "regtag", .headers = headers};
    sip::Received rx{parse_sip(sip::build_response(req, status, {}, x)), s.target.transport, s.target.address,
                     loopback("127.0.0.1", 5060), {}, {}};
    auto handler = s.handler;
    handler(sip::ClientResult{&rx, status});
  }
  // 200 binding our Contact for `expires` seconds.
  void ok(const FakeStack::Sent& s, std::uint32_t expires) {
    std::string contact(s.message().header(offload::HeaderId::kContact));
    answer(s, 200, "Contact: " + contact + ";expires=" + std::to_string(expires) + "\r\n");
  }
  // As a registrar that authenticates: 401 unless the credentials verify.
  sip::DigestServer::Verdict challenge_or_ok(const FakeStack::Sent& s, std::uint32_t expires) {
    auto verdict = registrar_.verify(s.message(), clock_.now());
    if (verdict == sip::DigestServer::Verdict::kOk) ok(s, expires);
    else answer(s, 401, registrar_.challenge_headers(clock_.now(), verdict == sip::DigestServer::Verdict::kStale));
    return verdict;
  }
  std::string header(const FakeStack::Sent& s, std::string_view name) const {
    return std::string(s.message().view().header(name));
  }
  int warnings() const {
    int n = 0;
    for (const auto& l : lines_) n += l.rfind("warn ", 0) == 0;
    return n;
  }

  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  FakeStack stack_{loop_};
  std::vector<std::string> lines_;
  core::Log log_{core::LogLevel::kDebug, [this](core::LogLevel l, std::string_view line) {
                   lines_.push_back(std::string(core::log_level_name(l)) + " " + std::string(line));
                 }};
  std::array<std::uint8_t, 32> key_{1, 2, 3};
  sip::DigestServer registrar_{{"itsp.example", "alice", "s3cret", 300000ms, 64}, key_};
  std::unique_ptr<Registration> reg_;
};

TEST_F(RegistrationTest, RegistersTheAorWithOurContactAndExpires) {
  auto& r = make(options());
  r.start();
  EXPECT_EQ(r.status().state, State::kRegistering);
  settle();  // the registrar's address is resolved on the loop
  ASSERT_EQ(registers().size(), 1u);
  const auto& s = last();
  EXPECT_EQ(s.target.address, loopback("127.0.0.2", 5060));
  EXPECT_EQ(s.target.trunk, "itsp");
  auto m = s.message();
  EXPECT_EQ(m.uri(), "sip:itsp.example");
  EXPECT_EQ(m.header(offload::HeaderId::kTo), "<sip:4420@itsp.example>");
  EXPECT_NE(m.header(offload::HeaderId::kFrom).find("<sip:4420@itsp.example>;tag="), std::string::npos);
  std::string contact(m.header(offload::HeaderId::kContact));
  EXPECT_EQ(contact.rfind("<sip:4420@127.0.0.1:5060;rinstance=", 0), 0u) << contact;
  EXPECT_EQ(m.header(offload::HeaderId::kExpires), "3600");
  EXPECT_FALSE(m.has(offload::HeaderId::kAuthorization));

  ok(s, 3600);
  auto st = r.status();
  EXPECT_EQ(st.state, State::kRegistered);
  EXPECT_EQ(st.last_status, 200);
  EXPECT_EQ(st.expires_at, clock_.now() + 3600s);
  EXPECT_EQ(st.next_attempt, clock_.now() + 3000s);  // 10 minutes before expiry
  EXPECT_EQ("<" + st.contact + ">", contact);
}

TEST_F(RegistrationTest, Answers401WithCredentialsTheRegistrarVerifies) {
  auto& r = make(options());
  r.start();
  settle();
  EXPECT_EQ(challenge_or_ok(last(), 3600), sip::DigestServer::Verdict::kMissing);
  ASSERT_EQ(registers().size(), 2u);
  EXPECT_EQ(header(last(), "Call-ID"), header(*registers()[0], "Call-ID"));
  EXPECT_EQ(last().request.cseq, registers()[0]->request.cseq + 1);
  EXPECT_EQ(challenge_or_ok(last(), 3600), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(r.status().state, State::kRegistered);
  EXPECT_NE(header(last(), "Authorization").find("algorithm=SHA-256"), std::string::npos);
  for (const auto& l : lines_) EXPECT_EQ(l.find("s3cret"), std::string::npos) << l;
}

TEST_F(RegistrationTest, RefreshesAtHalfTheGrantedExpiryReusingTheNonce) {
  auto& r = make(options());
  r.start();
  settle();
  challenge_or_ok(last(), 3600);
  challenge_or_ok(last(), 120);  // the registrar grants less than asked
  EXPECT_EQ(r.status().expires_at, clock_.now() + 120s);
  advance(59s);
  EXPECT_EQ(registers().size(), 2u);
  advance(1s);
  ASSERT_EQ(registers().size(), 3u);
  EXPECT_NE(header(last(), "Authorization").find("nc=00000002"), std::string::npos);
  EXPECT_EQ(challenge_or_ok(last(), 120), sip::DigestServer::Verdict::kOk);  // no new challenge needed
  EXPECT_EQ(r.status().state, State::kRegistered);
  EXPECT_EQ(r.status().expires_at, clock_.now() + 120s);
}

TEST_F(RegistrationTest, AStaleNonceOnRefreshIsAnsweredAndIsNoFailure) {
  auto& r = make(options());
  r.start();
  settle();
  challenge_or_ok(last(), 1200);
  challenge_or_ok(last(), 1200);
  advance(600s);  // the refresh; the nonce (300 s lifetime) has expired
  EXPECT_EQ(challenge_or_ok(last(), 1200), sip::DigestServer::Verdict::kStale);
  EXPECT_EQ(challenge_or_ok(last(), 1200), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(r.status().state, State::kRegistered);
  EXPECT_EQ(r.status().failures, 0u);
  EXPECT_EQ(warnings(), 0);
}

TEST_F(RegistrationTest, AWrongPasswordFailsOnceWithoutLoopingAndRetriesLater) {
  auto& r = make(options("wrong"));
  r.start();
  settle();
  challenge_or_ok(last(), 3600);
  EXPECT_EQ(challenge_or_ok(last(), 3600), sip::DigestServer::Verdict::kRejected);
  EXPECT_EQ(registers().size(), 2u);  // no third try on the spot
  auto st = r.status();
  EXPECT_EQ(st.state, State::kFailed);
  EXPECT_EQ(st.last_status, 401);
  EXPECT_EQ(st.last_reason, "401: credentials refused");
  ASSERT_TRUE(st.next_attempt);
  EXPECT_GE(*st.next_attempt - clock_.now(), 15s);
  EXPECT_LE(*st.next_attempt - clock_.now(), 30s);
  EXPECT_EQ(warnings(), 1);
  advance(*st.next_attempt - clock_.now());
  ASSERT_EQ(registers().size(), 3u);
  EXPECT_EQ(header(last(), "Authorization"), "");  // the retry starts afresh, not with the refused nonce
}

TEST_F(RegistrationTest, ARefreshToARestartedRegistrarIsChallengedAndAnswered) {
  auto& r = make(options());
  r.start();
  settle();
  challenge_or_ok(last(), 600);
  challenge_or_ok(last(), 600);
  registrar_ = sip::DigestServer({"itsp.example", "alice", "s3cret", 300000ms, 64}, std::array<std::uint8_t, 32>{9});
  advance(300s);  // the refresh reuses a nonce the new registrar never issued
  auto verdict = registrar_.verify(last().message(), clock_.now());
  EXPECT_EQ(verdict, sip::DigestServer::Verdict::kStale);  // right password, foreign nonce
  answer(last(), 401, registrar_.challenge_headers(clock_.now(), false));  // a registrar that does not say stale
  EXPECT_EQ(challenge_or_ok(last(), 600), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(r.status().state, State::kRegistered);
  EXPECT_EQ(warnings(), 0);
}

TEST_F(RegistrationTest, BacksOffExponentiallyOnTimeoutsAndRecovers) {
  auto& r = make(options());
  r.start();
  settle();
  std::vector<core::Clock::duration> waits;
  for (int i = 0; i < 3; ++i) {
    auto handler = last().handler;
    handler(sip::ClientResult{nullptr, 408});
    auto st = r.status();
    EXPECT_EQ(st.state, State::kFailed);
    EXPECT_EQ(st.last_reason, "timeout");
    EXPECT_EQ(st.failures, static_cast<std::uint32_t>(i + 1));
    waits.push_back(*st.next_attempt - clock_.now());
    std::size_t before = registers().size();
    advance(waits.back());
    ASSERT_EQ(registers().size(), before + 1);
    EXPECT_EQ(r.status().state, State::kRegistering);
  }
  // 50..100% of 30 s, 60 s, 120 s.
  for (int i = 0; i < 3; ++i) {
    auto nominal = 30s * (1 << i);
    EXPECT_GE(waits[i], nominal / 2) << i;
    EXPECT_LE(waits[i], nominal) << i;
  }
  EXPECT_EQ(warnings(), 1);  // one line for the state change, not one per attempt
  challenge_or_ok(last(), 3600);
  challenge_or_ok(last(), 3600);
  EXPECT_EQ(r.status().state, State::kRegistered);
  EXPECT_EQ(r.status().failures, 0u);
  EXPECT_NE(lines_.back().find("trunk itsp: registration registered"), std::string::npos) << lines_.back();
}

TEST_F(RegistrationTest, TheBackOffIsCapped) {
  auto o = options();
  o.retry_max = 100s;
  auto& r = make(o);
  r.start();
  settle();
  for (int i = 0; i < 6; ++i) {
    auto handler = last().handler;
    handler(sip::ClientResult{nullptr, 503});
    auto wait = *r.status().next_attempt - clock_.now();
    EXPECT_LE(wait, 100s);
    advance(wait);
  }
  EXPECT_EQ(r.status().last_reason, "transport error");
}

TEST_F(RegistrationTest, IntervalTooBriefIsRetriedWithMinExpires) {
  auto& r = make(options());
  r.start();
  settle();
  answer(last(), 423, "Min-Expires: 7200\r\n");
  ASSERT_EQ(registers().size(), 2u);
  EXPECT_EQ(header(last(), "Expires"), "7200");
  answer(last(), 423, "Min-Expires: 7200\r\n");  // the same again: give up for now
  EXPECT_EQ(registers().size(), 2u);
  EXPECT_EQ(r.status().state, State::kFailed);
  EXPECT_EQ(r.status().last_status, 423);
}

TEST_F(RegistrationTest, OtherFailuresAndAnUnboundContactFail) {
  auto& r = make(options());
  r.start();
  settle();
  answer(last(), 403);
  EXPECT_EQ(r.status().state, State::kFailed);
  EXPECT_EQ(r.status().last_reason, "403 Forbidden");
  advance(*r.status().next_attempt - clock_.now());
  answer(last(), 200, "Contact: <sip:someone@127.0.0.9>;expires=60\r\n");
  EXPECT_EQ(r.status().state, State::kFailed);
  EXPECT_EQ(r.status().last_status, 200);
}

TEST_F(RegistrationTest, StopCancelsRefreshAndIgnoresLateAnswers) {
  auto& r = make(options());
  r.start();
  settle();
  const auto& pending = last();
  r.stop();
  ok(pending, 3600);
  EXPECT_EQ(r.status().state, State::kStopped);
  advance(7200s);
  EXPECT_EQ(registers().size(), 1u);
}

// RFC 3261 §10.2.2 on the way out: the binding is removed with Expires: 0
// for the same Contact, Call-ID and the next CSeq, a challenge answered;
// `done` runs once the registrar answered, and nothing more is sent.
TEST_F(RegistrationTest, UnregisterRemovesTheBindingWithExpiresZeroAndAnswersAChallenge) {
  auto& r = make(options());
  r.start();
  settle();
  challenge_or_ok(last(), 3600);
  challenge_or_ok(last(), 3600);
  ASSERT_EQ(r.status().state, State::kRegistered);
  const auto& bound = last();
  int done = 0;
  r.unregister([&done] { ++done; });
  ASSERT_EQ(registers().size(), 3u);
  EXPECT_EQ(header(last(), "Expires"), "0");
  EXPECT_EQ(header(last(), "Contact"), header(bound, "Contact"));
  EXPECT_EQ(header(last(), "Call-ID"), header(bound, "Call-ID"));
  EXPECT_EQ(last().request.cseq, bound.request.cseq + 1);
  EXPECT_EQ(last().target.address, bound.target.address);
  advance(1s);
  answer(last(), 401, registrar_.challenge_headers(clock_.now(), false));  // a new nonce
  ASSERT_EQ(registers().size(), 4u);
  EXPECT_EQ(header(last(), "Expires"), "0");
  EXPECT_EQ(registrar_.verify(last().message(), clock_.now()), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(done, 0);
  answer(last(), 200);
  EXPECT_EQ(done, 1);
  auto st = r.status();
  EXPECT_EQ(st.state, State::kStopped);
  EXPECT_FALSE(st.expires_at);
  EXPECT_FALSE(st.next_attempt);
  EXPECT_NE(lines_.back().find("trunk itsp: registration stopped (binding removed, 200 OK)"), std::string::npos)
      << lines_.back();
  advance(7200s);
  EXPECT_EQ(registers().size(), 4u);  // no refresh, no retry
}

TEST_F(RegistrationTest, UnregisterWithNothingBoundIsDoneAtOnceAndAFailureIsNotRetried) {
  auto& r = make(options());
  int done = 0;
  r.unregister([&done] { ++done; });  // never started
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(registers().empty());

  r.start();
  settle();
  challenge_or_ok(last(), 3600);
  challenge_or_ok(last(), 3600);
  r.unregister([&done] { ++done; });
  auto handler = last().handler;
  handler(sip::ClientResult{nullptr, 408});  // the registrar is gone
  EXPECT_EQ(done, 2);
  EXPECT_EQ(r.status().state, State::kStopped);
  advance(7200s);
  EXPECT_EQ(registers().size(), 3u);
}

TEST_F(RegistrationTest, MatchesOnlyItsOwnContact) {
  auto& r = make(options());
  r.start();
  settle();
  std::string contact = r.status().contact;
  EXPECT_TRUE(r.matches_contact(contact));
  EXPECT_TRUE(r.matches_contact("sip:+4420123@127.0.0.1:5060;rinstance=" + contact.substr(contact.find('=') + 1)));
  EXPECT_FALSE(r.matches_contact("sip:4420@127.0.0.1:5060"));
  EXPECT_FALSE(r.matches_contact("sip:4420@127.0.0.1:5060;rinstance=other"));
  EXPECT_FALSE(r.matches_contact("tel:+4420"));
}

TEST_F(RegistrationTest, RegistersTheInstanceItIsGiven) {
  auto o = options();
  o.instance = "feedface00000001";
  o.call_id = "owned-by-worker-0";
  auto& r = make(o);
  r.start();
  settle();
  EXPECT_NE(r.status().contact.find(";rinstance=feedface00000001"), std::string::npos);
  EXPECT_TRUE(is_registered_contact(r.status().contact, "feedface00000001"));
  EXPECT_EQ(header(last(), "Call-ID"), "owned-by-worker-0");
}

TEST(RegistrationOptions, DefaultToThePeerAndTheAuthUser) {
  core::TrunkConfig t;
  t.name = "itsp";
  t.transport = core::Transport::kTcp;
  t.peer = {"itsp.example", 0};
  t.auth_username = "alice";
  t.auth_realm = "r";
  t.register_enabled = true;
  auto o = Registration::options_for(t, "pw");
  EXPECT_EQ(o.registrar, (core::HostPort{"itsp.example", 0}));
  EXPECT_EQ(o.aor_user, "alice");
  EXPECT_EQ(o.aor_domain, "itsp.example");
  EXPECT_EQ(o.transport, core::Transport::kTcp);
  ASSERT_TRUE(o.credentials);
  EXPECT_EQ(o.credentials->realm, "r");
  t.registrar = {"127.0.0.5", 5070};
  t.register_user = "4420";
  t.register_domain = "sip.example";
  t.auth_username.clear();
  o = Registration::options_for(t, "");
  EXPECT_EQ(o.registrar, (core::HostPort{"127.0.0.5", 5070}));
  EXPECT_EQ(o.aor_user, "4420");
  EXPECT_EQ(o.aor_domain, "sip.example");
  EXPECT_FALSE(o.credentials);
  EXPECT_EQ(o.retry_base, 30000ms);
  EXPECT_EQ(o.retry_max, 1800000ms);
  t.register_retry_s = 5;
  t.register_retry_max_s = 120;
  o = Registration::options_for(t, "");
  EXPECT_EQ(o.retry_base, 5000ms);
  EXPECT_EQ(o.retry_max, 120000ms);
}

}  // namespace
}  // namespace sipnic::interwork
