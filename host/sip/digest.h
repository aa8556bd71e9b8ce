// SIP digest authentication (RFC 3261 §22.4, RFC 7616 with RFC 8760 for
// SHA-256, RFC 2617 compatibility). Three parts:
//   - parsing: the Digest challenges of WWW-Authenticate / Proxy-Authenticate
//     values (several per value or several headers; unparsable ones skipped);
//   - DigestClient: sipnic answering a trunk's 401/407 with that trunk's
//     credentials (qop=auth with nc and cnonce, or RFC 2069-style no qop);
//   - DigestServer: sipnic challenging requests from a trunk identified by
//     address only (401, stateless HMAC nonces, nc replay check).
// Hashing is OpenSSL's one-shot EVP_Digest / EVP_Q_mac (no handles to own).
// Passwords are held here and in nothing that is logged: no function of this
// file puts a password (or HA1) into an error text.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "sip/message.h"

namespace sipnic::sip {

enum class DigestAlgorithm : std::uint8_t { kMd5, kMd5Sess, kSha256, kSha256Sess };
// "MD5", "MD5-sess", "SHA-256", "SHA-256-sess".
std::string_view digest_algorithm_name(DigestAlgorithm a);
// Case-insensitive; nullopt for one sipnic does not support (e.g. SHA-512-256).
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view s);

struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool has_opaque = false;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;  // absent = MD5 (RFC 7616 §3.3)
  bool qop_auth = false;  // "auth" is among the offered qop values
  bool stale = false;
};

// The Digest challenges of one header value, in order. Other schemes, and
// Digest challenges without realm or nonce, with an unknown algorithm, or
// offering qop without "auth" (only auth-int), are skipped.
std::vector<DigestChallenge> parse_digest_challenges(std::string_view value);
// Of every WWW-Authenticate (401) or Proxy-Authenticate (407) header of a response.
std::vector<DigestChallenge> digest_challenges_of(const SipMessage& response);
// The one to answer: of those whose realm is `realm` (any when empty), the
// first SHA-256 one, else the first MD5 one (RFC 8760 §2.4: the preferred
// algorithm first). nullptr if none fits.
const DigestChallenge* pick_digest_challenge(std::span<const DigestChallenge> challenges, std::string_view realm);

// H(data) as lower-case hex.
std::string digest_hash_hex(DigestAlgorithm a, std::string_view data);
// nc as 8 hex digits (RFC 7616 §3.4).
std::string digest_nc(std::uint32_t nc);

// The inputs of one digest response (RFC 7616 §3.4.1-3.4.3).
struct DigestInputs {
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  std::string_view username;
  std::string_view realm;
  std::string_view password;
  std::string_view method;
  std::string_view uri;  // digest-uri: the Request-URI
  std::string_view nonce;
  std::string_view cnonce;  // qop and -sess only
  std::uint32_t nc = 1;
  bool qop_auth = true;  // false: RFC 2069 response (no qop, nc, cnonce)
};
// HA1: H(username:realm:password), for -sess H(that:nonce:cnonce).
std::string digest_ha1(const DigestInputs& in);
// The request-digest ("response" parameter).
std::string digest_response(const DigestInputs& in);

struct DigestCredentials {
  std::string username;
  std::string password;
  std::string realm;  // answer only challenges of this realm; "" = any realm
};

// One request's header carrying credentials.
struct DigestAuthorization {
  std::string header;  // "Authorization" (for a 401) or "Proxy-Authorization" (407)
  std::string value;   // "Digest username=..., ..."
  std::string realm;   // what it answers, for the next answer()
  std::string nonce;
  bool preemptive = false;  // from authorize(): a reused nonce, not an answer to a challenge
  std::string line() const { return header + ": " + value + "\r\n"; }
};

// The client side for one trunk (one set of credentials). It keeps the last
// challenge of each realm, so later requests reuse its nonce with the next nc
// (authorize()). Whether to answer a challenge depends only on the request
// that was challenged (`sent`), so one client serves concurrent requests
// (calls, a registration) alike. Not thread-safe; one per trunk per loop.
class DigestClient {
 public:
  explicit DigestClient(DigestCredentials credentials) : creds_(std::move(credentials)) {}

  // The credentials to send again after `response` (a 401 or 407) to
  // method/uri, with `cnonce` (random hex from the caller); `sent` is what
  // the challenged request carried (nullptr: none). nullopt: give up,
  // because no challenge fits (scheme, algorithm, realm), or `sent` was for
  // the challenge's realm and the challenge has the same nonce, or (`sent`
  // answering a challenge) a new nonce without stale=true: the credentials
  // were refused. stale=true with a new nonce is answered (an expired nonce
  // is no credential failure), and so is a new nonce after preemptive
  // credentials (e.g. the peer restarted and forgot the old one).
  std::optional<DigestAuthorization> answer(const SipMessage& response, std::string_view method,
                                            std::string_view uri, std::string_view cnonce,
                                            const DigestAuthorization* sent);
  // Credentials for a new request from the last challenge answered (its
  // nonce, nc + 1), so that a refresh need not be challenged again; nullopt
  // before any challenge. A challenge to these is answered once more.
  std::optional<DigestAuthorization> authorize(std::string_view method, std::string_view uri, std::string_view cnonce);
  // Forgets every nonce (e.g. after the peer restarted).
  void reset() { realms_.clear(); last_realm_.clear(); }

  const std::string& username() const { return creds_.username; }

 private:
  struct RealmState {
    DigestChallenge challenge;
    std::string header;
    std::uint32_t nc = 0;
  };
  DigestAuthorization build(RealmState& st, std::string_view method, std::string_view uri, std::string_view cnonce);

  DigestCredentials creds_;
  std::map<std::string, RealmState> realms_;
  std::string last_realm_;
};

// The server side: sipnic challenging one trunk's requests. Nonces are
// "<time hex>.<HMAC-SHA256(key, time:realm) hex>", checked by the HMAC and
// the time alone; the per-nonce state is only the highest nc seen, kept for
// nonces that were used in a valid response and not yet expired (bounded).
class DigestServer {
 public:
  struct Options {
    std::string realm;
    std::string username;  // the credential the trunk must present
    std::string password;
    core::Millis nonce_lifetime{300000};
    std::size_t max_tracked_nonces = 4096;
  };
  // `key`: random per node (e.g. from RAND_bytes); never leaves this object.
  DigestServer(Options options, std::array<std::uint8_t, 32> key);

  enum class Verdict {
    kOk,
    kMissing,   // no credentials for our realm: challenge
    kStale,     // valid credentials on an expired (or untracked) nonce: challenge with stale=true
    kRejected,  // wrong user, password, uri, nonce or a replayed nc: challenge anew (or 403)
  };
  // Checks the Authorization headers of `request` (RFC 7616 §3.4; qop=auth
  // is required, SHA-256 or MD5). The digest compare is constant-time.
  Verdict verify(const SipMessage& request, core::Clock::time_point now);
  // The WWW-Authenticate header lines of a 401 (SHA-256 first, then MD5,
  // RFC 8760 §2.4), each "WWW-Authenticate: Digest ...\r\n".
  std::string challenge_headers(core::Clock::time_point now, bool stale) const;
  // The whole 401 to `request` with those headers (sip::build_response;
  // `to_tag` is added to To), for an IncomingRequest::respond(401, ...).
  std::string challenge_response(const SipMessage& request, core::Clock::time_point now, bool stale,
                                 std::string_view to_tag) const;
  // A key for the constructor: 32 bytes from OpenSSL's RAND_bytes. Throws
  // std::runtime_error when the generator fails.
  static std::array<std::uint8_t, 32> random_key();

  const std::string& realm() const { return opt_.realm; }

 private:
  std::string make_nonce(std::uint64_t ticks) const;
  std::optional<std::uint64_t> nonce_time(std::string_view nonce) const;

  Options opt_;
  std::array<std::uint8_t, 32> key_;
  std::map<std::string, std::pair<std::uint64_t, core::Clock::time_point>> seen_;  // nonce -> {highest nc, expiry}
};

}  // namespace sipnic::sip
