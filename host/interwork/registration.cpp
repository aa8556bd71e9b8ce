#include "interwork/registration.h"

#include <algorithm>
#include <charconv>

#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using State = RegistrationStatus::State;

constexpr std::uint32_t kMaxExpires = 86400;

std::string host_for_uri(std::string_view host) {
  return host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
}

// The rinstance of a Contact or Request-URI ("" if none or not a SIP URI).
std::string_view rinstance_of(std::string_view uri) {
  auto u = sip::parse_uri(uri);
  return u && u->is_sip ? u->params.get("rinstance") : std::string_view();
}

}  // namespace

bool is_registered_contact(std::string_view request_uri, std::string_view instance) {
  return !instance.empty() && rinstance_of(request_uri) == instance;
}

std::string_view registration_state_name(State s) {
  switch (s) {
    case State::kRegistering: return "registering";
    case State::kRegistered: return "registered";
    case State::kFailed: return "failed";
    case State::kStopped: return "stopped";
  }
  return "stopped";
}

Registration::Options Registration::options_for(const core::TrunkConfig& trunk, std::string password) {
  Options o;
  o.trunk = trunk.name;
  o.transport = trunk.transport;
  o.registrar = trunk.registrar.host.empty() ? trunk.peer : trunk.registrar;
  o.aor_user = trunk.register_user.empty() ? trunk.auth_username : trunk.register_user;
  o.aor_domain = trunk.register_domain.empty() ? trunk.peer.host : trunk.register_domain;
  o.expires_s = trunk.register_expires_s;
  o.retry_base = core::Millis(std::uint64_t{trunk.register_retry_s} * 1000);
  o.retry_max = core::Millis(std::uint64_t{trunk.register_retry_max_s} * 1000);
  if (!trunk.auth_username.empty()) o.credentials = sip::DigestCredentials{trunk.auth_username, std::move(password), trunk.auth_realm};
  return o;
}

Registration::Registration(sip::Stack& stack, core::Log& log, Options options)
    : stack_(stack), log_(log), opt_(std::move(options)), expires_s_(opt_.expires_s) {
  if (opt_.credentials) digest_.emplace(*opt_.credentials);
  opt_.credentials.reset();  // one copy of the password: the DigestClient's
  call_id_ = opt_.call_id.empty() ? stack_.random_token(24) : opt_.call_id;
  from_tag_ = stack_.random_token(12);
  instance_ = opt_.instance.empty() ? stack_.random_token(16) : opt_.instance;
}

Registration::~Registration() { stop(); }

void Registration::start() {
  stop();
  ++generation_;
  set(State::kRegistering, 0, "");
  resolve_and_send();
}

void Registration::stop() {
  ++generation_;
  if (timer_) stack_.cancel_timer(*timer_);
  timer_.reset();
  std::lock_guard lock(status_mutex_);
  status_.state = State::kStopped;
  status_.next_attempt.reset();
}

void Registration::unregister(std::function<void()> done) {
  bool bound = status().state == State::kRegistered && registrar_;
  stop();
  if (!bound) {
    if (done) done();
    return;
  }
  unregistered_ = done ? std::move(done) : [] {};
  send(*registrar_, digest_ ? digest_->authorize("REGISTER", "sip:" + host_for_uri(opt_.aor_domain),
                                                 stack_.random_token(16))
                            : std::nullopt);
}

void Registration::unregistered(int status, std::string reason) {
  auto done = std::move(unregistered_);
  unregistered_ = nullptr;
  ++generation_;  // nothing more of this binding is awaited
  {
    std::lock_guard lock(status_mutex_);
    status_.expires_at.reset();
  }
  set(State::kStopped, status, status >= 200 && status < 300 ? "binding removed, " + reason : std::move(reason));
  done();
}

RegistrationStatus Registration::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void Registration::resolve_and_send() {
  std::weak_ptr<bool> alive = alive_;
  std::uint64_t gen = generation_;
  stack_.resolve(opt_.registrar, opt_.transport,
                 [this, alive, gen](std::vector<sip::ResolvedTarget> targets, std::string error) {
                   if (alive.expired() || gen != generation_) return;
                   if (targets.empty()) return failed(0, "registrar: " + error);
                   send(targets.front(), digest_ ? digest_->authorize("REGISTER", "sip:" + host_for_uri(opt_.aor_domain),
                                                                      stack_.random_token(16))
                                                 : std::nullopt);
                 });
}

void Registration::send(const sip::ResolvedTarget& target, std::optional<sip::DigestAuthorization> auth) {
  auto addr = core::SocketAddress::from_ip(target.address, target.port);
  if (!addr) return failed(0, "registrar address " + target.address + " is no IP");
  sip::Target dest{target.transport, *addr, {}, opt_.trunk};
  auto local = stack_.local_address(dest);  // the trunk's own address (two-sided nodes)
  if (!local.valid()) return failed(0, "no local address for " + std::string(core::transport_name(target.transport)));
  std::string aor = "sip:" + opt_.aor_user + "@" + host_for_uri(opt_.aor_domain);
  contact_uri_ = "sip:" + opt_.aor_user + "@" + local.to_string() +
                 (target.transport == core::Transport::kUdp ? "" : ";transport=" + std::string(core::transport_name(target.transport))) +
                 ";rinstance=" + instance_;
  sip::OutgoingRequest req;
  req.method = "REGISTER";
  req.uri = "sip:" + host_for_uri(opt_.aor_domain);
  req.from = "<" + aor + ">;tag=" + from_tag_;
  req.to = "<" + aor + ">";
  req.call_id = call_id_;  // one Call-ID for every REGISTER of this binding (RFC 3261 §10.2)
  req.cseq = ++cseq_;
  req.contact = "<" + contact_uri_ + ">";
  // An un-REGISTER asks for 0 (RFC 3261 §10.2.2), on the Contact too.
  req.headers = "Expires: " + std::to_string(unregistered_ ? 0 : expires_s_) + "\r\n";
  if (auth) req.headers += auth->line();
  last_sent_ = std::move(auth);
  {
    std::lock_guard lock(status_mutex_);
    status_.contact = contact_uri_;
  }
  std::weak_ptr<bool> alive = alive_;
  std::uint64_t gen = generation_;
  stack_.send_request(std::move(req), dest, [this, alive, gen, target](const sip::ClientResult& r) {
    if (alive.expired() || gen != generation_) return;
    on_result(gen, target, r);
  });
}

void Registration::on_result(std::uint64_t, const sip::ResolvedTarget& target, const sip::ClientResult& r) {
  if (unregistered_) {
    // Removing the binding: one challenge answered, any other end is the end.
    if (!r.response) return unregistered(r.status, r.status == 408 ? "timeout" : "transport error");
    const sip::SipMessage& m = r.response->message;
    if (m.status() < 200) return;
    if ((m.status() == 401 || m.status() == 407) && digest_) {
      if (auto auth = digest_->answer(m, "REGISTER", "sip:" + host_for_uri(opt_.aor_domain), stack_.random_token(16),
                                      last_sent_ ? &*last_sent_ : nullptr))
        return send(target, std::move(auth));
    }
    return unregistered(m.status(), std::to_string(m.status()) + " " + std::string(m.reason()));
  }
  if (!r.response) return failed(r.status, r.status == 408 ? "timeout" : "transport error");
  const sip::SipMessage& m = r.response->message;
  int status = m.status();
  if (status < 200) return;
  std::string reason = std::to_string(status) + " " + std::string(m.reason());
  if (status >= 200 && status < 300) {
    std::uint32_t granted = granted_expiry(m);
    if (granted == 0) return failed(status, reason + " without our Contact bound");
    registrar_ = target;
    return registered(granted, reason);
  }
  if (status == 401 || status == 407) {
    if (!digest_) return failed(status, std::to_string(status) + ": no credentials configured");
    auto auth = digest_->answer(m, "REGISTER", "sip:" + host_for_uri(opt_.aor_domain), stack_.random_token(16),
                                last_sent_ ? &*last_sent_ : nullptr);
    if (!auth) return failed(status, std::to_string(status) + ": credentials refused");
    return send(target, std::move(auth));
  }
  if (status == 423) {
    auto min = sip::parse_delta_seconds(sip::trim_lws(m.view().header("Min-Expires")));
    if (min && *min > expires_s_ && *min <= kMaxExpires) {
      expires_s_ = *min;
      return send(target, digest_ ? digest_->authorize("REGISTER", "sip:" + host_for_uri(opt_.aor_domain),
                                                       stack_.random_token(16))
                                  : std::nullopt);
    }
    return failed(status, reason + " (Min-Expires unusable)");
  }
  failed(status, reason);
}

// The expiry granted for our Contact: its expires parameter, else the
// Expires header, else what we asked (RFC 3261 §10.2.4). 0: not bound.
std::uint32_t Registration::granted_expiry(const sip::SipMessage& ok) const {
  sip::MessageView v = ok.view();
  bool listed = false;
  for (const auto& h : v.all(offload::HeaderId::kContact)) {
    sip::CommaValues values(v.value(h));
    while (auto one = values.next()) {
      auto na = sip::parse_name_addr(*one);
      if (!na || rinstance_of(na->uri) != instance_) continue;
      listed = true;
      if (auto p = na->params.find("expires"); p && p->has_value) {
        if (auto e = sip::parse_delta_seconds(p->value)) return *e;
      }
    }
  }
  if (!listed && v.has(offload::HeaderId::kContact)) return 0;  // the registrar lists others, not us
  if (v.has(offload::HeaderId::kExpires)) {
    if (auto e = sip::parse_delta_seconds(sip::trim_lws(v.header(offload::HeaderId::kExpires)))) return *e;
  }
  return expires_s_;
}

void Registration::registered(std::uint32_t granted_s, std::string reason) {
  // Refresh at half the expiry up to 20 minutes, else 10 minutes before it,
  // so a refresh has time for its retransmissions and one challenge.
  std::uint32_t refresh_s = granted_s <= 1200 ? granted_s / 2 : granted_s - 600;
  auto now = stack_.now();
  {
    std::lock_guard lock(status_mutex_);
    status_.expires_at = now + std::chrono::seconds(granted_s);
    status_.failures = 0;
  }
  set(State::kRegistered, 200, reason);
  schedule(std::chrono::seconds(std::max<std::uint32_t>(refresh_s, 1)));
}

void Registration::failed(int status, std::string reason) {
  if (unregistered_) return unregistered(status, std::move(reason));  // no retry on the way out
  std::uint32_t failures;
  {
    std::lock_guard lock(status_mutex_);
    failures = ++status_.failures;
    status_.expires_at.reset();
  }
  // The next attempt starts without a nonce: the registrar may have
  // restarted, or refused the credentials on this one.
  if (digest_) digest_->reset();
  // RFC 5626 §4.5: min(max, base * 2^(n-1)), of which 50..100%.
  auto nominal = opt_.retry_base;
  for (std::uint32_t i = 1; i < failures && nominal < opt_.retry_max; ++i) nominal *= 2;
  nominal = std::min(nominal, opt_.retry_max);
  std::string token = stack_.random_token(8);
  std::uint32_t r = 0;
  std::from_chars(token.data(), token.data() + token.size(), r, 16);
  auto wait = core::Millis(nominal.count() / 2 + static_cast<core::Millis::rep>((nominal.count() / 2) * (r % 1001) / 1000));
  set(State::kFailed, status, std::move(reason));
  schedule(wait);
}

void Registration::schedule(core::Millis delay) {
  if (timer_) stack_.cancel_timer(*timer_);
  std::weak_ptr<bool> alive = alive_;
  std::uint64_t gen = generation_;
  timer_ = stack_.add_timer(delay, [this, alive, gen] {
    if (alive.expired() || gen != generation_) return;
    timer_.reset();
    {
      std::lock_guard lock(status_mutex_);
      status_.next_attempt.reset();
    }
    if (status().state == State::kFailed) set(State::kRegistering, status().last_status, status().last_reason);
    resolve_and_send();
  });
  std::lock_guard lock(status_mutex_);
  status_.next_attempt = stack_.now() + delay;
}

void Registration::set(State state, int status, std::string reason) {
  {
    std::lock_guard lock(status_mutex_);
    status_.state = state;
    status_.last_status = status;
    status_.last_reason = reason;
  }
  // One line per change of outcome: a refresh that succeeds as before, or a
  // retry that fails as before, says nothing new.
  if (state == State::kRegistering) return;
  std::string outcome = std::string(registration_state_name(state)) + "|" + std::to_string(status) + "|" + reason;
  if (outcome == logged_outcome_) return;
  logged_outcome_ = outcome;
  std::string line = "trunk " + opt_.trunk + ": registration " + std::string(registration_state_name(state));
  if (!reason.empty()) line += " (" + reason + ")";
  if (auto exp = this->status().expires_at; state == State::kRegistered && exp)
    line += ", expires in " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*exp - stack_.now()).count()) + " s";
  limiter_.write(log_, state == State::kFailed ? core::LogLevel::kWarn : core::LogLevel::kInfo, "register",
                 "register|" + opt_.trunk + "|" + outcome, line, stack_.now());
}

}  // namespace sipnic::interwork
