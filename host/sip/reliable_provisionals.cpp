#include "sip/reliable_provisionals.h"

#include "sip/header_values.h"
#include "sip/option_tags.h"

namespace sipnic::sip {

using core::ExtensionPolicy;
using offload::HeaderId;

namespace {

constexpr std::string_view kTag = "100rel";
constexpr std::uint32_t kLargestFirstRseq = 0x7FFFFFFFu;  // 2**31 - 1
// Early dialogs of one INVITE sipnic tracks (forking); more are not PRACKed.
constexpr std::size_t kMaxEarlyDialogs = 16;

bool lists_100rel(const SipMessage& m, HeaderId id) { return lists_token(m.view(), id, kTag); }

std::string_view to_tag_of(const SipMessage& m) {
  auto to = parse_name_addr(trim_lws(m.header(HeaderId::kTo)));
  return to ? to->tag() : std::string_view{};
}

}  // namespace

// ---------------------------------------------------------------- UAS side

ReliableProvisionalsUas::ReliableProvisionalsUas(ExtensionPolicy policy, std::uint32_t random)
    : policy_(policy), rseq_(random % kLargestFirstRseq) {}  // next_headers() adds 1: 1..2**31-1

ReliableProvisionalsUas::Verdict ReliableProvisionalsUas::on_invite(const SipMessage& invite) {
  Verdict v;
  if (auto cseq = parse_cseq(invite.header(HeaderId::kCSeq))) invite_cseq_ = cseq->number;
  const bool required = lists_100rel(invite, HeaderId::kRequire);
  const bool supports = required || lists_100rel(invite, HeaderId::kSupported);
  if (policy_ == ExtensionPolicy::kOff) {
    if (required) {
      v.reject = 420;
      v.headers = "Unsupported: 100rel\r\n";
    }
    reliable_ = false;
    return v;
  }
  if (policy_ == ExtensionPolicy::kRequired && !supports) {
    v.reject = 421;
    v.headers = "Require: 100rel\r\n";
    return v;
  }
  reliable_ = supports;
  return v;
}

std::string ReliableProvisionalsUas::next_headers() {
  ++rseq_;
  return "Require: 100rel\r\nRSeq: " + std::to_string(rseq_) + "\r\n";
}

core::Millis ReliableProvisionalsUas::sent(std::string bytes, bool has_body, core::Millis t1) {
  outstanding_rseq_ = rseq_;
  outstanding_has_body_ = has_body;
  return outstanding_.start(std::move(bytes), t1, core::Millis::max());
}

ReliableProvisionalsUas::PrackAnswer ReliableProvisionalsUas::on_prack(const SipMessage& prack) {
  PrackAnswer a;
  auto rack = parse_rack(prack.header(HeaderId::kRAck));
  if (!prack.has(HeaderId::kRAck) || !rack || !outstanding_.active()) return a;
  if (rack->rseq != outstanding_rseq_ || rack->cseq != invite_cseq_ || rack->method != "INVITE") return a;
  outstanding_.stop();
  a.status = 200;
  a.released = true;
  return a;
}

// ---------------------------------------------------------------- UAC side

std::string ReliableProvisionalsUac::request_headers() const {
  switch (policy_) {
    case ExtensionPolicy::kOff: return {};
    case ExtensionPolicy::kRequired: return "Supported: 100rel\r\nRequire: 100rel\r\n";
    case ExtensionPolicy::kSupported: break;
  }
  return "Supported: 100rel\r\n";
}

ReliableProvisionalsUac::Provisional ReliableProvisionalsUac::on_provisional(const SipMessage& response) {
  Provisional p;
  const int status = response.status();
  if (policy_ == ExtensionPolicy::kOff || status <= 100 || status >= 200 ||
      !lists_100rel(response, HeaderId::kRequire)) {
    return p;
  }
  p.action = Action::kIgnore;
  auto rseq = parse_rseq(response.header(HeaderId::kRSeq));
  if (!response.has(HeaderId::kRSeq) || !rseq) return p;
  std::string_view tag = to_tag_of(response);
  EarlyDialog* d = nullptr;
  for (auto& e : dialogs_) {
    if (e.to_tag == tag) d = &e;
  }
  if (!d) {
    if (dialogs_.size() >= kMaxEarlyDialogs) return p;
    // The first reliable provisional of an early dialog sets its sequence.
    d = &dialogs_.emplace_back(EarlyDialog{std::string(tag), *rseq - 1, false});
  }
  if (*rseq != d->rseq + 1) return p;  // a retransmission, or one ahead of a lost one
  d->rseq = *rseq;
  p.action = Action::kPrack;
  if (!response.body().empty() && !invite_has_offer_ && !d->offer_seen) {
    p.offer = true;
    d->offer_seen = true;
  }
  return p;
}

}  // namespace sipnic::sip
