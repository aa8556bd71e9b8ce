// Registration client for one trunk (RFC 3261 §10.2): REGISTERs the trunk's
// AOR at its registrar on a sip::Stack, answers 401/407 with the trunk's
// digest credentials (sip/digest.h), retries a 423 with the registrar's
// Min-Expires, refreshes before the granted expiry, and after a failure
// (timeout, transport error, any other final response, refused credentials)
// retries with bounded exponential back-off and jitter (RFC 5626 §4.5).
//
// The Contact it registers carries a random `rinstance` URI parameter, so that
// an inbound request sent to that Contact is recognised as this trunk's
// (matches_contact), without naming the trunk to the outside.
//
// Runs on the loop of the Stack it is given; status() may be read from any
// thread. Log lines come once per change of state or status, through a
// core::LogLimiter; no line carries the password.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/log_limiter.h"
#include "sip/digest.h"
#include "sip/stack.h"

namespace sipnic::interwork {

struct RegistrationStatus {
  enum class State : std::uint8_t { kRegistering, kRegistered, kFailed, kStopped };
  State state = State::kStopped;
  std::optional<core::Clock::time_point> expires_at;  // while registered
  std::optional<core::Clock::time_point> next_attempt;  // the refresh or the retry
  int last_status = 0;      // status of the last final answer (408: timeout, 503: transport error)
  std::string last_reason;  // e.g. "200 OK", "401: credentials refused", "timeout"
  std::uint32_t failures = 0;  // consecutive failed attempts
  std::string contact;      // the Contact URI registered (or being registered)
};
std::string_view registration_state_name(RegistrationStatus::State s);

// True if `request_uri` is a SIP URI whose rinstance parameter is `instance`
// (a Contact registered with it). Thread-safe.
bool is_registered_contact(std::string_view request_uri, std::string_view instance);  // "registering", "registered", "failed", "stopped"

class Registration {
 public:
  struct Options {
    std::string trunk;  // for logs and sip::Target::trunk
    core::Transport transport = core::Transport::kUdp;
    core::HostPort registrar;  // where REGISTER goes (RFC 3263 when a bare domain)
    std::string aor_user;
    std::string aor_domain;  // Request-URI and AOR host
    std::uint32_t expires_s = 3600;
    std::optional<sip::DigestCredentials> credentials;
    std::string call_id;  // of every REGISTER ("" = random); the node picks one its worker owns
    std::string instance;  // the Contact's rinstance ("" = random); the node's is in TrunkState
    core::Millis retry_base{30000};   // first retry after 50..100% of this
    core::Millis retry_max{1800000};  // the back-off's cap
  };
  // From a trunk's config (register = on): registrar, AOR and expiry with
  // their defaults (the peer), and the credentials if auth-username is set
  // (`password` read by the caller with core::read_secret_file).
  static Options options_for(const core::TrunkConfig& trunk, std::string password);

  Registration(sip::Stack& stack, core::Log& log, Options options);
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

  // Sends the first REGISTER (again after stop()). Loop thread.
  void start();
  // Stops refreshing and retrying; answers still in flight are ignored.
  void stop();
  // Removes the binding (RFC 3261 §10.2.2: REGISTER with Expires: 0 for
  // our Contact, a challenge answered), then stops; `done` runs once the
  // registrar answered or the attempt failed, or at once when nothing is
  // bound. Loop thread. For a shutdown.
  void unregister(std::function<void()> done);

  RegistrationStatus status() const;
  // True if `request_uri` is the Contact this client registers (its
  // rinstance parameter), i.e. the registrar sent the request to this trunk.
  // Thread-safe: the rinstance is fixed at construction.
  bool matches_contact(std::string_view request_uri) const { return is_registered_contact(request_uri, instance_); }

 private:
  void resolve_and_send();
  void send(const sip::ResolvedTarget& target, std::optional<sip::DigestAuthorization> auth);
  void unregistered(int status, std::string reason);
  void on_result(std::uint64_t generation, const sip::ResolvedTarget& target, const sip::ClientResult& r);
  void registered(std::uint32_t granted_s, std::string reason);
  void failed(int status, std::string reason);
  void schedule(core::Millis delay);
  void set(RegistrationStatus::State state, int status, std::string reason);
  std::uint32_t granted_expiry(const sip::SipMessage& ok) const;

  sip::Stack& stack_;
  core::Log& log_;
  Options opt_;
  std::optional<sip::DigestClient> digest_;
  std::optional<sip::DigestAuthorization> last_sent_;  // what the REGISTER in flight carries
  std::string call_id_;
  std::string from_tag_;
  std::string instance_;  // the rinstance value
  std::string contact_uri_;
  std::uint32_t cseq_ = 0;
  std::uint32_t expires_s_;  // asked for; raised by a 423
  std::uint64_t generation_ = 0;  // answers of an older generation are ignored
  std::optional<sip::ResolvedTarget> registrar_;  // where the binding was made
  std::function<void()> unregistered_;  // set while an un-REGISTER is under way
  std::optional<sip::Stack::TimerId> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  core::LogLimiter limiter_;
  std::string logged_outcome_;  // the outcome of the last line written
  mutable std::mutex status_mutex_;
  RegistrationStatus status_;
};

}  // namespace sipnic::interwork
