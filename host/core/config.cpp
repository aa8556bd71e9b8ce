// Config file reader. The file is INI-style (docs/config.md). Line splitting is
// done here, not by Boost's config-file parser, so that every key keeps the line
// it came from; the typed definition of each section's keys (types, defaults,
// repeatable keys, required keys) is a Boost.Program_options description, and
// Boost's store()/notify() find unknown keys, bad values, repeats and missing
// keys. Every error leaves as a ConfigError naming FILE:LINE and the key.
#include "core/config.h"

#include "core/dial_plan.h"

#include <filesystem>

#include <arpa/inet.h>
#include <sys/un.h>

#include <boost/any.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <map>
#include <optional>
#include <utility>
#include <variant>

#include "core/ascii.h"
#include "core/log.h"
#include "core/secret_file.h"

namespace sipnic::core {

namespace po = boost::program_options;

namespace {

// ---------------------------------------------------------------------------
// Typed values with their own Boost validators. Boost's stock validator for
// unsigned types goes through lexical_cast, which turns "-1" into 4294967295;
// these use from_chars and check the legal range, so the range lives in the
// option definition and the reason names it.

// Thrown by the validators below; store() adds the option context and rethrows
// it unchanged, so the reason survives to the ConfigError.
class BadValue : public po::error_with_option_name {
 public:
  explicit BadValue(std::string why) : po::error_with_option_name("bad value"), why_(std::move(why)) {}
  const std::string& why() const { return why_; }

 private:
  std::string why_;
};

template <std::uint32_t Min, std::uint32_t Max>
struct Bounded {
  std::uint32_t v = Min;
};

struct Rate {  // calls per second: a non-negative decimal
  double v = 0;
};

constexpr double kMaxCps = 100000;

const std::string& single_token(const boost::any& store, const std::vector<std::string>& tokens) {
  po::validators::check_first_occurrence(store);  // a repeated key is an error
  if (tokens.size() != 1) throw BadValue("takes exactly one value");
  return tokens.front();
}

template <std::uint32_t Min, std::uint32_t Max>
void validate(boost::any& store, const std::vector<std::string>& tokens, Bounded<Min, Max>*, int) {
  const std::string& s = single_token(store, tokens);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec == std::errc::invalid_argument || end != s.data() + s.size()) {
    throw BadValue("'" + s + "' is not a whole number (expected " + std::to_string(Min) + ".." +
                   std::to_string(Max) + ")");
  }
  if (ec == std::errc::result_out_of_range || n < Min || n > Max) {
    throw BadValue(s + " is out of range " + std::to_string(Min) + ".." + std::to_string(Max));
  }
  store = Bounded<Min, Max>{static_cast<std::uint32_t>(n)};
}

void validate(boost::any& store, const std::vector<std::string>& tokens, Rate*, int) {
  const std::string& s = single_token(store, tokens);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) {
    throw BadValue("'" + s + "' is not a number (expected 0..100000, decimals allowed)");
  }
  if (d < 0 || d > kMaxCps) throw BadValue(s + " is out of range 0..100000");
  store = Rate{d};
}

// ---------------------------------------------------------------------------
// Lines as read.

struct Entry {
  std::string key;
  std::string value;
  int line = 0;
};

struct Section {
  std::string kind;  // node, listen, timers, tls, stir, trunk, route, span
  std::string name;  // trunk, route and span only
  int line = 0;
  std::vector<Entry> entries;
};

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// '#' starts a comment at the start of a line or after whitespace, so a value
// such as "*#31" keeps its '#'.
std::string_view strip_comment(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
  }
  return s;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

constexpr std::string_view kSectionKinds = "node, listen, timers, tls, stir, trunk NAME, route NAME, span NAME";

std::vector<Section> split_sections(std::string_view text, const std::string& source) {
  std::vector<Section> sections;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM from some editors
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (raw.ends_with('\r')) raw.remove_suffix(1);  // CRLF files
    for (char c : raw) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        throw ConfigError(source, line_no, "", "control character in line (binary file?)");
      }
    }
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    line = trim(strip_comment(line));
    if (line.empty()) continue;

    if (line.front() == '[') {
      if (line.back() != ']') {
        throw ConfigError(source, line_no, std::string(line), "section header must end with ']'");
      }
      std::vector<std::string> words = split_ws(line.substr(1, line.size() - 2));
      std::string header(line);
      if (words.empty()) throw ConfigError(source, line_no, header, "empty section name");
      Section s;
      s.kind = words[0];
      s.line = line_no;
      bool named = s.kind == "trunk" || s.kind == "route" || s.kind == "span";
      bool plain = s.kind == "node" || s.kind == "listen" || s.kind == "timers" || s.kind == "tls" ||
                   s.kind == "stir";
      if (!named && !plain) {
        throw ConfigError(source, line_no, header,
                          "unknown section; expected one of " + std::string(kSectionKinds));
      }
      if (plain && words.size() != 1) {
        throw ConfigError(source, line_no, header, "[" + s.kind + "] takes no name");
      }
      if (named) {
        if (words.size() != 2) {
          throw ConfigError(source, line_no, header,
                            "expected [" + s.kind + " NAME] with one name");
        }
        if (!valid_name(words[1])) {
          throw ConfigError(source, line_no, header,
                            "name must be 1-64 characters of letters, digits, '-', '_', '.'");
        }
        s.name = words[1];
      }
      sections.push_back(std::move(s));
      continue;
    }

    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw ConfigError(source, line_no, "", "expected 'key = value' or '[section]', got '" + std::string(line) + "'");
    }
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    if (key.empty()) throw ConfigError(source, line_no, "", "missing key before '='");
    if (sections.empty()) {
      throw ConfigError(source, line_no, key,
                        "key outside any section; a [section] header must come first");
    }
    sections.back().entries.push_back({std::move(key), std::move(value), line_no});
  }
  return sections;
}

// ---------------------------------------------------------------------------
// The key definitions, one description per section kind. Defaults come from
// the value types in config.h so the two cannot drift apart.

using Workers = Bounded<0, 1024>;
using MessageSize = Bounded<1024, 16 * 1024 * 1024>;
using T1 = Bounded<1, 60000>;
using T2 = Bounded<1, 600000>;
using T4 = Bounded<1, 600000>;
using TimerC = Bounded<1000, 3600000>;
using PartialTimeout = Bounded<100, 3600000>;
using IdleTimeout = Bounded<1000, 86400000>;
using MaxCalls = Bounded<0, 1000000>;
using OptionsInterval = Bounded<0, 86400000>;
using Strip = Bounded<0, 32>;
using HandshakeTimeout = Bounded<100, 600000>;
using HandshakeRate = Bounded<0, 100000>;
using KeyUpdateRecords = Bounded<1, (1u << 24)>;
using KeepaliveInterval = Bounded<0, 86400000>;
using FirstMessageTimeout = Bounded<100, 3600000>;
using MaxConnections = Bounded<0, 1000000>;
using OutputBuffer = Bounded<16384, 1024 * 1024 * 1024>;
using UnknownSourceRate = Bounded<0, 100000>;
using StirMaxAge = Bounded<1, 3600>;
// RFC 4028 §4, §5: no session interval below 90 s; a day is plenty above.
using SessionSeconds = Bounded<90, 86400>;
using RegisterExpires = Bounded<10, 86400>;
using RegisterRetrySeconds = Bounded<1, 86400>;
// [span NAME]: Q.921's T200, T203, N200 and window k (modulo 128: at most
// 127 frames outstanding), and the Q.931 timers (100 ms up allows quick test
// runs; an hour is more than any of them needs).
using LapdT200 = Bounded<100, 30000>;
using LapdT203 = Bounded<1000, 600000>;
using LapdN200 = Bounded<1, 16>;
using LapdWindow = Bounded<1, 127>;
using Q931Timer = Bounded<100, 3600000>;
using Q931T309 = Bounded<0, 3600000>;  // 0 = off
using NfasInterface = Bounded<0, 127>;  // Q.931 channel identification: a 7-bit interface identifier

// What a SIP URI's user part holds unescaped (RFC 3261 unreserved and
// user-unreserved), and '%' for escapes.
constexpr const char* kSipUserChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,?/%";

template <typename B>
po::typed_value<B>* bounded(std::uint32_t def) {
  return po::value<B>()->default_value(B{def}, std::to_string(def));
}

po::typed_value<std::vector<std::string>>* repeatable() {
  return po::value<std::vector<std::string>>()->composing()->multitoken();
}

po::options_description node_options() {
  const Config d;
  po::options_description o("[node]");
  o.add_options()
      ("workers", bounded<Workers>(d.workers), "event-loop threads; 0 = one per core")
      ("log-level", po::value<std::string>()->default_value(d.log_level), "error | warn | info | debug")
      ("max-message-size", bounded<MessageSize>(d.max_message_bytes), "largest SIP message in bytes")
      ("metrics", po::value<std::string>(), "Prometheus endpoint IP:PORT (GET /metrics); none by default")
      ("max-connections", bounded<MaxConnections>(d.max_connections),
       "inbound TCP/TLS connections open at once, whole node; 0 = auto (3/4 of ulimit -n)")
      ("max-connections-per-source", bounded<MaxConnections>(d.max_connections_per_source),
       "inbound TCP/TLS connections open at once from one IP; 0 = no limit")
      ("max-output-buffer", bounded<OutputBuffer>(d.max_output_buffer_bytes),
       "bytes waiting to be written on one connection before it is closed")
      ("unknown-source", po::value<std::string>()->default_value(std::string(unknown_source_name(d.unknown_source))),
       "reject | drop: requests from a source that is no trunk")
      ("unknown-source-rate", bounded<UnknownSourceRate>(d.unknown_source_rate),
       "requests per second per IP that is no trunk's; 0 = no limit");
  return o;
}

po::options_description listen_options() {
  po::options_description o("[listen]");
  o.add_options()
      ("udp", repeatable(), "UDP listen address IP:PORT")
      ("tcp", repeatable(), "TCP listen address IP:PORT")
      ("tls", repeatable(), "TLS listen address IP:PORT");
  return o;
}

po::options_description timer_options() {
  const TimerConfig d;
  po::options_description o("[timers]");
  o.add_options()
      ("t1", bounded<T1>(d.t1_ms), "RFC 3261 T1, ms")
      ("t2", bounded<T2>(d.t2_ms), "RFC 3261 T2, ms")
      ("t4", bounded<T4>(d.t4_ms), "RFC 3261 T4, ms")
      ("timer-c", bounded<TimerC>(d.timer_c_ms), "RFC 3261 Timer C, ms")
      ("partial-message-timeout", bounded<PartialTimeout>(d.partial_message_timeout_ms), "ms")
      ("first-message-timeout", bounded<FirstMessageTimeout>(d.first_message_timeout_ms), "ms")
      ("tcp-idle-timeout", bounded<IdleTimeout>(d.tcp_idle_timeout_ms), "ms")
      ("keepalive-interval", bounded<KeepaliveInterval>(d.keepalive_interval_ms), "ms; 0 = off");
  return o;
}

po::options_description tls_options() {
  const TlsConfig d;
  po::options_description o("[tls]");
  o.add_options()
      ("certificate", po::value<std::string>(), "PEM certificate chain the node presents")
      ("private-key", po::value<std::string>(), "PEM private key of that certificate")
      ("ca", po::value<std::string>(), "PEM CA file: trust anchors for TLS trunks without tls-ca")
      ("crl", po::value<std::string>(), "PEM CRL file")
      ("min-version", po::value<std::string>()->default_value(d.min_version), "1.2 | 1.3")
      ("max-version", po::value<std::string>()->default_value(d.max_version), "1.2 | 1.3")
      ("handshake-timeout", bounded<HandshakeTimeout>(d.handshake_timeout_ms), "ms")
      ("handshake-rate", bounded<HandshakeRate>(d.handshake_rate), "new TLS connections per second per IP; 0 = no limit")
      ("key-update-records", bounded<KeyUpdateRecords>(d.key_update_records),
       "TLS 1.3 records sealed under one key before the node sends its own KeyUpdate");
  return o;
}

po::options_description stir_options() {
  const StirConfig d;
  po::options_description o("[stir]");
  o.add_options()
      ("certificate-url", po::value<std::string>(), "https URL of the node's STI certificate (x5u, Identity info)")
      ("private-key", po::value<std::string>(), "PEM EC P-256 private key of that certificate")
      ("repository", po::value<std::string>(), "index file: x5u URL -> PEM file of signers' certificates")
      ("ca", po::value<std::string>(), "PEM STI-CA trust anchors for signers' certificates")
      ("max-age", bounded<StirMaxAge>(d.max_age_s), "seconds a PASSporT's iat may be from now");
  return o;
}

po::options_description trunk_options() {
  const TrunkConfig d;
  po::options_description o("[trunk NAME]");
  o.add_options()
      ("transport", po::value<std::string>()->default_value("udp"), "udp | tcp | tls")
      ("peer", po::value<std::string>()->required(), "far end: IP[:PORT] or DOMAIN[:PORT]")
      ("local", po::value<std::string>(), "the node's IP on this trunk's leg (a listen address)")
      ("inbound-from", repeatable(), "extra source IPs of this trunk")
      ("max-calls", bounded<MaxCalls>(d.max_calls), "concurrent calls; 0 = no limit")
      ("max-cps", po::value<Rate>()->default_value(Rate{d.max_cps}, "0"), "calls per second; 0 = no limit")
      ("max-rps", po::value<Rate>()->default_value(Rate{d.max_rps}, "0"),
       "out-of-dialog MESSAGE, PUBLISH and SUBSCRIBE per second; 0 = no limit")
      ("options-interval", bounded<OptionsInterval>(d.options_interval_ms), "OPTIONS ping, ms; 0 = off")
      ("refer", po::value<std::string>()->default_value("relay"), "REFER from this trunk: relay or refuse")
      ("redirection", po::value<std::string>()->default_value("keep"), "keep, diversion or history-info")
      ("map-response", repeatable(), "FROM:TO final response mapping")
      ("cause-profile", po::value<std::string>(), "rfc3398: how Q.850 causes and SIP status codes map on gateway calls")
      ("cause-to-status", repeatable(), "CAUSE:STATUS, an exception to the profile (Q.850 cause -> SIP final response)")
      ("status-to-cause", repeatable(), "STATUS:CAUSE, an exception to the profile (SIP final response -> Q.850 cause)")
      ("tls-identity", repeatable(), "a name the peer's certificate must carry (RFC 5922)")
      ("tls-ca", po::value<std::string>(), "PEM CA file for this trunk")
      ("tls-crl", po::value<std::string>(), "PEM CRL file for this trunk")
      ("tls-certificate", po::value<std::string>(), "PEM chain presented to this trunk")
      ("tls-private-key", po::value<std::string>(), "its private key")
      ("stir-attest", po::value<std::string>()->default_value("off"), "off | A | B | C: sign INVITEs sent to this trunk")
      ("stir-verify", po::value<std::string>()->default_value("off"),
       "off | on | required: check the Identity of INVITEs from this trunk")
      ("session-timer", po::value<std::string>()->default_value(std::string(extension_policy_name(d.session_timer))),
       "off | supported | required: RFC 4028 session timers on this leg")
      ("session-expires", bounded<SessionSeconds>(d.session_expires_s), "session interval sipnic asks for, s")
      ("min-se", bounded<SessionSeconds>(d.min_se_s), "smallest session interval sipnic accepts, s (422 below)")
      ("100rel", po::value<std::string>()->default_value(std::string(extension_policy_name(d.prack))),
       "off | supported | required: RFC 3262 reliable provisionals on this leg")
      ("auth-username", po::value<std::string>(), "digest user sipnic answers this trunk's 401/407 with")
      ("auth-password-file", po::value<std::string>(), "file holding that user's password (mode 0600)")
      ("auth-realm", po::value<std::string>(), "answer only challenges of this realm")
      ("inbound-auth-username", po::value<std::string>(), "challenge inbound requests: the user the trunk must present")
      ("inbound-auth-password-file", po::value<std::string>(), "file holding its password (mode 0600)")
      ("inbound-auth-realm", po::value<std::string>()->default_value(d.inbound_auth_realm), "realm of sipnic's challenges")
      ("register", po::value<std::string>()->default_value("off"), "on | off: REGISTER at the registrar")
      ("register-user", po::value<std::string>(), "user part of the registered AOR (default: auth-username)")
      ("register-domain", po::value<std::string>(), "host of the AOR (default: the peer's host)")
      ("registrar", po::value<std::string>(), "IP[:PORT] or DOMAIN[:PORT] (default: the peer)")
      ("register-expires", bounded<RegisterExpires>(d.register_expires_s), "seconds asked for in REGISTER")
      ("register-retry", bounded<RegisterRetrySeconds>(d.register_retry_s), "seconds before the first retry of a failed REGISTER")
      ("register-retry-max", bounded<RegisterRetrySeconds>(d.register_retry_max_s), "the retries' back-off cap in seconds");
  return o;
}

po::options_description route_options() {
  const RouteConfig d;
  po::options_description o("[route NAME]");
  o.add_options()
      ("match-prefix", po::value<std::string>()->default_value(d.match_prefix, "\"\""), "Request-URI user prefix")
      ("from-trunk", po::value<std::string>()->default_value(d.from_trunk, "\"\""), "source trunk")
      ("to-trunk", po::value<std::string>()->required(), "target trunk")
      ("strip", bounded<Strip>(d.strip), "leading digits removed")
      ("prepend", po::value<std::string>()->default_value(d.prepend, "\"\""), "put in front after strip")
      ("method", repeatable(), "a request method the route takes (default: all the B2BUA relays)")
      ("match-param", repeatable(), "a Request-URI parameter, name or name=value, that must be present");
  return o;
}

// The Q.931 timer keys of [span NAME] and where each lives in Q931Timers.
struct Q931TimerKey {
  const char* key;
  std::uint32_t Q931Timers::*field;
};
constexpr Q931TimerKey kQ931TimerKeys[] = {
    {"t301", &Q931Timers::t301_ms}, {"t302", &Q931Timers::t302_ms}, {"t303", &Q931Timers::t303_ms},
    {"t304", &Q931Timers::t304_ms}, {"t305", &Q931Timers::t305_ms}, {"t308", &Q931Timers::t308_ms},
    {"t309", &Q931Timers::t309_ms}, {"t310", &Q931Timers::t310_ms}, {"t313", &Q931Timers::t313_ms},
    {"t316", &Q931Timers::t316_ms}, {"t322", &Q931Timers::t322_ms},
};
constexpr std::string_view kT309 = "t309";

po::options_description span_options() {
  const SpanConfig d;
  po::options_description o("[span NAME]");
  o.add_options()
      ("type", po::value<std::string>()->required(), "e1 | t1")
      ("side", po::value<std::string>()->default_value(std::string(span_side_name(d.side))),
       "te (user side) | nt (network side)")
      ("switch", po::value<std::string>(), "euroisdn | ni2 | dms100 | 4ess | 5ess | qsig (default: euroisdn on E1, ni2 on T1)")
      ("backend", po::value<std::string>()->default_value(std::string(span_backend_name(d.backend))), "frames | line")
      ("connect", po::value<std::string>(), "Unix socket path the backend connects to")
      ("listen", po::value<std::string>(), "Unix socket path the backend listens on")
      ("b-channels-socket", po::value<std::string>(), "frames backend: the B-channels' Unix socket (as connect or listen says)")
      ("channels", po::value<std::string>(), "B-channels in service, e.g. 1-15,17-31 (default: all)")
      ("group", po::value<std::string>(), "span group hunted over (default: the span's name)")
      ("hunting", po::value<std::string>(), "ascending | descending | round-robin (default: descending on nt, ascending on te)")
      ("capture", po::value<std::string>(), "pcap file of the D-channel")
      ("country-code", po::value<std::string>(), "E.164 country code of the span's numbers, 1-3 digits (default: none)")
      ("area-code", po::value<std::string>(), "national destination code of its subscriber numbers (default: none)")
      ("national-prefix", po::value<std::string>(), "dialled before a national number (default: 0 on e1, 1 on t1)")
      ("international-prefix", po::value<std::string>(), "dialled before an international number (default: 00 on e1, 011 on t1)")
      ("dial-plan", repeatable(), "patterns of complete numbers for overlap receiving, e.g. NXXNXXXXXX 011.")
      ("cause-profile", po::value<std::string>(), "rfc3398: how Q.850 causes and SIP status codes map on gateway calls")
      ("cause-to-status", repeatable(), "CAUSE:STATUS, an exception to the profile and the trunk's")
      ("status-to-cause", repeatable(), "STATUS:CAUSE, an exception to the profile and the trunk's")
      ("crc4", po::value<std::string>(), "on | off: E1 CRC-4 multiframe on the line backend (default on)")
      ("t200", bounded<LapdT200>(d.q921.t200_ms), "Q.921 T200, ms")
      ("t203", bounded<LapdT203>(d.q921.t203_ms), "Q.921 T203, ms")
      ("n200", bounded<LapdN200>(d.q921.n200), "Q.921 N200")
      ("k", bounded<LapdWindow>(d.q921.k), "Q.921 window");
  for (const auto& [key, field] : kQ931TimerKeys) {
    const std::uint32_t def = d.q931.*field;
    const po::value_semantic* v = key == kT309 ? static_cast<const po::value_semantic*>(bounded<Q931T309>(def))
                                               : bounded<Q931Timer>(def);
    o.add_options()(key, v, "Q.931 timer, ms");
  }
  o.add_options()
      ("nfas-group", po::value<std::string>(), "NFAS group whose D-channel signals this span (T1)")
      ("nfas-interface", po::value<NfasInterface>(), "this span's interface identifier in its NFAS group, 0..127")
      ("d-channel", po::value<std::string>(), "primary | backup | none (default: primary; none in an NFAS group)");
  return o;
}

std::string key_list(const po::options_description& desc) {
  std::string out;
  for (const auto& opt : desc.options()) {
    if (!out.empty()) out += ", ";
    out += opt->long_name();
  }
  return out;
}

// ---------------------------------------------------------------------------
// Section -> variables_map through Boost.

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(int line, const std::string& key, const std::string& why) const {
    throw ConfigError(source_, line, key, why);
  }

  po::variables_map store_section(const Section& s, const po::options_description& desc) const {
    // A key that is not repeatable takes one value; Boost's stored definition
    // (max_tokens) says which are.
    for (const Entry& e : s.entries) {
      const po::option_description* d = desc.find_nothrow(e.key, false, false, false);
      if (d && tokens(e).size() > d->semantic()->max_tokens()) {
        fail(e.line, e.key, "takes one value, got '" + e.value + "'");
      }
    }
    po::variables_map vm;
    try {
      po::store(parsed(s, desc, s.entries.size()), vm);
    } catch (const po::error&) {
      // store() stops at the first bad option but does not say which one it
      // was. Replay growing prefixes of the section to find the line.
      for (std::size_t n = 1; n <= s.entries.size(); ++n) {
        po::variables_map scratch;
        try {
          po::store(parsed(s, desc, n), scratch);
        } catch (const po::error& e) {
          explain(e, s, desc, s.entries[n - 1]);
        }
      }
      fail(s.line, "", "internal error: config section rejected without a culprit");
    }
    try {
      po::notify(vm);
    } catch (const po::required_option& e) {
      fail(s.line, e.get_option_name(), "missing; every [" + s.kind + "] needs it");
    } catch (const po::error& e) {
      fail(s.line, "", e.what());
    }
    return vm;
  }

  // Line of the last occurrence of `key`, or the section header if absent.
  static int line_of(const Section& s, std::string_view key) {
    int line = s.line;
    for (const Entry& e : s.entries) {
      if (e.key == key) line = e.line;
    }
    return line;
  }

  // Each value of a repeatable key with its line, in file order (the order in
  // which Boost composed them).
  static std::vector<std::pair<std::string, int>> values_of(const Section& s, std::string_view key) {
    std::vector<std::pair<std::string, int>> out;
    for (const Entry& e : s.entries) {
      if (e.key != key) continue;
      for (auto& t : tokens(e)) out.emplace_back(std::move(t), e.line);
    }
    return out;
  }

  static std::vector<std::string> values_of(const Entry& e) { return tokens(e); }

 private:
  // A value is split at whitespace so that repeatable keys may list several
  // values on one line; an empty value is one empty token ("prepend =").
  static std::vector<std::string> tokens(const Entry& e) {
    std::vector<std::string> t = split_ws(e.value);
    if (t.empty()) t.emplace_back();
    return t;
  }

  static po::parsed_options parsed(const Section& s, const po::options_description& desc, std::size_t n) {
    po::parsed_options p(&desc);
    for (std::size_t i = 0; i < n; ++i) {
      const Entry& e = s.entries[i];
      po::option o(e.key, tokens(e));
      o.original_tokens = {e.key, e.value};
      p.options.push_back(std::move(o));
    }
    return p;
  }

  [[noreturn]] void explain(const po::error& err, const Section& s, const po::options_description& desc,
                            const Entry& e) const {
    if (auto* bad = dynamic_cast<const BadValue*>(&err)) fail(e.line, e.key, bad->why());
    if (dynamic_cast<const po::unknown_option*>(&err)) {
      fail(e.line, e.key, "unknown key in [" + s.kind + "]; known keys: " + key_list(desc));
    }
    if (dynamic_cast<const po::multiple_occurrences*>(&err)) {
      int first = 0;
      for (const Entry& x : s.entries) {
        if (x.key == e.key) {
          first = x.line;
          break;
        }
      }
      fail(e.line, e.key, "given twice in this section (first at line " + std::to_string(first) + ")");
    }
    fail(e.line, e.key, err.what());
  }

  std::string source_;
};

// ---------------------------------------------------------------------------
// Addresses.

struct ParsedAddress {
  HostPort hp;
  bool is_ip = false;
};

std::optional<std::string> canonical_ip(const std::string& s, int family) {
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(family, s.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, buf, out, sizeof out)) return std::nullopt;
  return std::string(out);
}

bool valid_domain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);  // fully qualified form
  std::size_t start = 0;
  std::string_view last;
  while (start <= s.size()) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // An all-numeric top label is a mistyped IPv4 address, not a domain.
  return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT", "DOMAIN", "DOMAIN:PORT".
// Returns the reason on failure.
std::variant<ParsedAddress, std::string> parse_address(const std::string& text) {
  if (text.empty()) return std::string("empty address");
  ParsedAddress out;
  std::string host;
  std::string_view port;
  if (text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos) return std::string("missing ']' after IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = std::string_view(text).substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::string("expected ':PORT' after ']'");
      port = rest.substr(1);
      if (port.empty()) return std::string("empty port after ':'");
    }
    auto ip = canonical_ip(host, AF_INET6);
    if (!ip) return "'" + host + "' is not an IPv6 address";
    out.hp.host = *ip;
    out.is_ip = true;
  } else {
    std::size_t colons = std::count(text.begin(), text.end(), ':');
    if (colons > 1) {
      // Show the bracketed form of what was probably meant: the part after
      // the last ':' taken as the port when the rest is still an address.
      std::size_t last = text.rfind(':');
      std::string head = text.substr(0, last);
      std::string tail = text.substr(last + 1);
      bool tail_is_port = !tail.empty() && tail.size() <= 5 &&
                          std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (tail_is_port && canonical_ip(head, AF_INET6)) {
        return "IPv6 address must be in brackets, e.g. [" + head + "]:" + tail;
      }
      if (canonical_ip(text, AF_INET6)) return "IPv6 address must be in brackets, e.g. [" + text + "]:5060";
      return "'" + text + "' is not an address";
    }
    std::size_t colon = text.find(':');
    host = text.substr(0, colon);
    if (colon != std::string::npos) {
      port = std::string_view(text).substr(colon + 1);
      if (port.empty()) return std::string("empty port after ':'");
    }
    if (auto ip = canonical_ip(host, AF_INET)) {
      out.hp.host = *ip;
      out.is_ip = true;
    } else if (!host.empty() && std::all_of(host.begin(), host.end(),
                                            [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
      return "'" + host + "' is not a valid IPv4 address";
    } else if (valid_domain(host)) {
      out.hp.host = host;
    } else {
      return "'" + host + "' is neither an IP address nor a domain name";
    }
  }
  if (!port.empty()) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || end != port.data() + port.size() || n == 0 || n > 65535) {
      return "port '" + std::string(port) + "' is not 1..65535";
    }
    out.hp.port = static_cast<std::uint16_t>(n);
  }
  return out;
}

std::string format_host_port(const HostPort& hp) {
  std::string host = hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host;
  return hp.port ? host + ":" + std::to_string(hp.port) : host;
}

std::optional<Transport> parse_transport(std::string_view s) {
  if (s == "udp") return Transport::kUdp;
  if (s == "tcp") return Transport::kTcp;
  if (s == "tls") return Transport::kTls;
  return std::nullopt;
}

// Digits and the characters a dial string or E.164 number uses.
// A URI parameter as RFC 3261 §25.1 writes one: pname ["=" pvalue], both
// made of paramchar (unreserved, param-unreserved and escapes).
bool valid_uri_param(std::string_view s) {
  auto paramchar = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-_.!~*'()[]/:&+$%").find(ch) != std::string_view::npos;
  };
  std::size_t eq = s.find('=');
  std::string_view name = s.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? std::string_view{} : s.substr(eq + 1);
  if (name.empty() || (eq != std::string_view::npos && value.empty())) return false;
  for (char ch : name)
    if (!paramchar(ch)) return false;
  for (char ch : value)
    if (!paramchar(ch)) return false;
  return true;
}

bool valid_number_part(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '*' || c == '#' || c == '-' || c == '.' || c == '_';
  });
}

// The values of the [span NAME] words, in the order errors list them.
constexpr SpanType kSpanTypes[] = {SpanType::kE1, SpanType::kT1};
constexpr SpanSide kSpanSides[] = {SpanSide::kUser, SpanSide::kNetwork};
constexpr SwitchVariant kSwitchVariants[] = {SwitchVariant::kEuroIsdn, SwitchVariant::kNi2, SwitchVariant::kDms100,
                                             SwitchVariant::k4ess, SwitchVariant::k5ess, SwitchVariant::kQsig};
constexpr SpanBackend kSpanBackends[] = {SpanBackend::kFrames, SpanBackend::kLine};
constexpr CauseProfile kCauseProfiles[] = {CauseProfile::kRfc3398};
constexpr ChannelHunting kChannelHuntings[] = {ChannelHunting::kAscending, ChannelHunting::kDescending,
                                               ChannelHunting::kRoundRobin};
constexpr DChannelRole kDChannelRoles[] = {DChannelRole::kPrimary, DChannelRole::kBackup, DChannelRole::kNone};

// What a span of this type calls its channels in errors.
std::string span_type_label(SpanType t) { return t == SpanType::kE1 ? "an E1" : "a T1"; }

void format_cause_mapping(std::ostream& o, const CauseMapping& m) {
  o << "cause-profile = " << cause_profile_name(m.profile) << "\n";
  for (const auto& [cause, status] : m.cause_to_status) o << "cause-to-status = " << int{cause} << ":" << status << "\n";
  for (const auto& [status, cause] : m.status_to_cause) o << "status-to-cause = " << status << ":" << int{cause} << "\n";
}

// "1-15,17-31": runs of consecutive channels as N-M, others alone.
std::string format_channels(const std::vector<std::uint8_t>& channels) {
  std::string out;
  for (std::size_t i = 0; i < channels.size();) {
    std::size_t j = i;
    while (j + 1 < channels.size() && channels[j + 1] == channels[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(channels[i]);
    if (j > i) out += "-" + std::to_string(channels[j]);
    i = j + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Section contents -> Config.

class Builder {
 public:
  explicit Builder(std::string source) : reader_(source), source_(std::move(source)) {
    config_.source = source_;
  }

  Config build(const std::vector<Section>& sections) {
    std::map<std::string, int> singletons;  // kind -> line
    std::map<std::string, int> trunk_lines, route_lines, span_lines;
    for (const Section& s : sections) {
      std::string header = s.name.empty() ? "[" + s.kind + "]" : "[" + s.kind + " " + s.name + "]";
      if (s.kind == "trunk" || s.kind == "route" || s.kind == "span") {
        auto& seen = s.kind == "trunk" ? trunk_lines : s.kind == "route" ? route_lines : span_lines;
        auto [it, fresh] = seen.emplace(s.name, s.line);
        if (!fresh) {
          reader_.fail(s.line, header,
                       "duplicate " + s.kind + " name (first at line " + std::to_string(it->second) + ")");
        }
      } else {
        auto [it, fresh] = singletons.emplace(s.kind, s.line);
        if (!fresh) {
          reader_.fail(s.line, header, "section given twice (first at line " + std::to_string(it->second) +
                                           "); merge them");
        }
      }
      if (s.kind == "node") node(s);
      else if (s.kind == "listen") listen(s);
      else if (s.kind == "timers") timers(s);
      else if (s.kind == "tls") tls(s);
      else if (s.kind == "stir") stir(s);
      else if (s.kind == "trunk") trunk(s);
      else if (s.kind == "span") span(s);
      else route(s);
    }
    cross_check(sections);
    check_spans(sections);
    return std::move(config_);
  }

 private:
  void node(const Section& s) {
    po::variables_map vm = reader_.store_section(s, node_options());
    config_.workers = vm["workers"].as<Workers>().v;
    config_.max_message_bytes = vm["max-message-size"].as<MessageSize>().v;
    config_.max_connections = vm["max-connections"].as<MaxConnections>().v;
    config_.max_connections_per_source = vm["max-connections-per-source"].as<MaxConnections>().v;
    config_.max_output_buffer_bytes = vm["max-output-buffer"].as<OutputBuffer>().v;
    if (config_.max_output_buffer_bytes < config_.max_message_bytes) {
      // One message must fit: a relayed request of max-message-size would
      // otherwise close the connection it is sent on.
      bool buffer_given = !vm["max-output-buffer"].defaulted();
      const char* key = buffer_given ? "max-output-buffer" : "max-message-size";
      reader_.fail(Reader::line_of(s, key), key,
                   "max-output-buffer (" + std::to_string(config_.max_output_buffer_bytes) +
                       ") must not be below max-message-size (" + std::to_string(config_.max_message_bytes) + ")");
    }
    const auto& level = vm["log-level"].as<std::string>();
    auto parsed = parse_log_level(level);
    if (!parsed) reader_.fail(Reader::line_of(s, "log-level"), "log-level", "'" + level + "' is not error, warn, info or debug");
    config_.log_level = std::string(log_level_name(*parsed));
    const auto& unknown = vm["unknown-source"].as<std::string>();
    if (unknown == "reject") config_.unknown_source = UnknownSource::kReject;
    else if (unknown == "drop") config_.unknown_source = UnknownSource::kDrop;
    else reader_.fail(Reader::line_of(s, "unknown-source"), "unknown-source", "'" + unknown + "' is not reject or drop");
    config_.unknown_source_rate = vm["unknown-source-rate"].as<UnknownSourceRate>().v;
    if (vm.count("metrics"))
      config_.metrics = ip_and_port(Reader::line_of(s, "metrics"), "metrics", vm["metrics"].as<std::string>(),
                                    "metrics", "9090");
  }

  // An IP literal with a port (what a socket binds); fails naming `key`.
  HostPort ip_and_port(int line, const std::string& key, const std::string& value, std::string_view what,
                       std::string_view example_port) {
    auto r = parse_address(value);
    if (auto* why = std::get_if<std::string>(&r)) reader_.fail(line, key, *why);
    auto& a = std::get<ParsedAddress>(r);
    if (!a.is_ip)
      reader_.fail(line, key, std::string(what) + " needs an IP address, not the domain name '" + a.hp.host + "'");
    if (a.hp.port == 0)
      reader_.fail(line, key, std::string(what) + " needs a port, e.g. " + format_host_port(a.hp) + ":" +
                                  std::string(example_port));
    return a.hp;
  }

  void listen(const Section& s) {
    reader_.store_section(s, listen_options());
    for (const Entry& e : s.entries) {
      Transport t = *parse_transport(e.key);  // store_section accepted only udp/tcp/tls
      const int line = e.line;
      for (const auto& value : Reader::values_of(e)) {
        ListenConfig l{t, ip_and_port(line, e.key, value, "listen", "5060")};
        for (const auto& other : config_.listen) {
          if (other == l) reader_.fail(line, e.key, format_host_port(l.address) + " is listed twice");
        }
        config_.listen.push_back(std::move(l));
      }
    }
  }

  void timers(const Section& s) {
    po::variables_map vm = reader_.store_section(s, timer_options());
    TimerConfig& t = config_.timers;
    t.t1_ms = vm["t1"].as<T1>().v;
    t.t2_ms = vm["t2"].as<T2>().v;
    t.t4_ms = vm["t4"].as<T4>().v;
    t.timer_c_ms = vm["timer-c"].as<TimerC>().v;
    t.partial_message_timeout_ms = vm["partial-message-timeout"].as<PartialTimeout>().v;
    t.first_message_timeout_ms = vm["first-message-timeout"].as<FirstMessageTimeout>().v;
    t.tcp_idle_timeout_ms = vm["tcp-idle-timeout"].as<IdleTimeout>().v;
    t.keepalive_interval_ms = vm["keepalive-interval"].as<KeepaliveInterval>().v;
    if (t.keepalive_interval_ms != 0 && t.keepalive_interval_ms < 1000) {
      reader_.fail(Reader::line_of(s, "keepalive-interval"), "keepalive-interval", "must be 0 (off) or at least 1000 ms");
    }
    if (t.t1_ms > t.t2_ms) {
      // Blame whichever of the two the file set; T1 when it set both.
      bool t1_given = !vm["t1"].defaulted();
      reader_.fail(Reader::line_of(s, t1_given ? "t1" : "t2"), t1_given ? "t1" : "t2",
                   "t1 (" + std::to_string(t.t1_ms) + " ms) must not exceed t2 (" + std::to_string(t.t2_ms) +
                       " ms)");
    }
  }

  // A file path from the config: resolved against the config file's folder,
  // and it must be readable now (a typo is caught by check-config, not at the
  // first TLS handshake).
  std::string path_of(const Section& s, const po::variables_map& vm, const char* key) {
    if (!vm.count(key)) return {};
    std::filesystem::path p = vm[key].as<std::string>();
    if (p.empty()) return {};
    if (p.is_relative() && source_ != "<built-in>") p = std::filesystem::path(source_).parent_path() / p;
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) reader_.fail(Reader::line_of(s, key), key, p.string() + ": " + std::strerror(errno));
    std::fclose(f);
    return p.string();
  }

  void tls(const Section& s) {
    po::variables_map vm = reader_.store_section(s, tls_options());
    TlsConfig& t = config_.tls;
    t.certificate = path_of(s, vm, "certificate");
    t.private_key = path_of(s, vm, "private-key");
    t.ca = path_of(s, vm, "ca");
    t.crl = path_of(s, vm, "crl");
    t.min_version = vm["min-version"].as<std::string>();
    if (t.min_version != "1.2" && t.min_version != "1.3")
      reader_.fail(Reader::line_of(s, "min-version"), "min-version", "'" + t.min_version + "' is not 1.2 or 1.3");
    t.max_version = vm["max-version"].as<std::string>();
    if (t.max_version != "1.2" && t.max_version != "1.3")
      reader_.fail(Reader::line_of(s, "max-version"), "max-version", "'" + t.max_version + "' is not 1.2 or 1.3");
    if (t.max_version < t.min_version)
      reader_.fail(Reader::line_of(s, "max-version"), "max-version",
                   "max-version " + t.max_version + " is below min-version " + t.min_version);
    t.handshake_timeout_ms = vm["handshake-timeout"].as<HandshakeTimeout>().v;
    t.handshake_rate = vm["handshake-rate"].as<HandshakeRate>().v;
    t.key_update_records = vm["key-update-records"].as<KeyUpdateRecords>().v;
    if (t.certificate.empty() != t.private_key.empty()) {
      const char* missing = t.certificate.empty() ? "certificate" : "private-key";
      reader_.fail(s.line, missing, std::string("[tls] needs both certificate and private-key; ") + missing +
                                        " is missing");
    }
  }

  void stir(const Section& s) {
    po::variables_map vm = reader_.store_section(s, stir_options());
    StirConfig& t = config_.stir;
    if (vm.count("certificate-url")) {
      t.certificate_url = vm["certificate-url"].as<std::string>();
      const std::string_view url = t.certificate_url;
      if (!(url.starts_with("https://") || url.starts_with("http://")) || url.size() <= 8 ||
          url.find_first_of(" \t<>\"") != std::string_view::npos) {
        reader_.fail(Reader::line_of(s, "certificate-url"), "certificate-url",
                     "'" + t.certificate_url + "' is not an https:// (or http://) URL");
      }
    }
    t.private_key = path_of(s, vm, "private-key");
    t.repository = path_of(s, vm, "repository");
    t.ca = path_of(s, vm, "ca");
    t.max_age_s = vm["max-age"].as<StirMaxAge>().v;
    if (t.certificate_url.empty() != t.private_key.empty()) {
      const char* missing = t.certificate_url.empty() ? "certificate-url" : "private-key";
      reader_.fail(s.line, missing, std::string("[stir] signs with both certificate-url and private-key; ") + missing +
                                        " is missing");
    }
    if (t.repository.empty() != t.ca.empty()) {
      const char* missing = t.repository.empty() ? "repository" : "ca";
      reader_.fail(s.line, missing, std::string("[stir] verifies with both repository and ca; ") + missing +
                                        " is missing");
    }
  }

  void trunk(const Section& s) {
    po::variables_map vm = reader_.store_section(s, trunk_options());
    TrunkConfig t;
    t.name = s.name;
    const auto& transport = vm["transport"].as<std::string>();
    auto tr = parse_transport(transport);
    if (!tr) reader_.fail(Reader::line_of(s, "transport"), "transport", "'" + transport + "' is not udp, tcp or tls");
    t.transport = *tr;

    auto peer = parse_address(vm["peer"].as<std::string>());
    if (auto* why = std::get_if<std::string>(&peer)) reader_.fail(Reader::line_of(s, "peer"), "peer", *why);
    t.peer = std::get<ParsedAddress>(peer).hp;

    if (vm.count("local")) {
      const int line = Reader::line_of(s, "local");
      const auto& value = vm["local"].as<std::string>();
      auto ip = canonical_ip(value, AF_INET6);
      if (!ip) ip = canonical_ip(value, AF_INET);
      if (!ip) reader_.fail(line, "local", "'" + value + "' is not an IP address (no port, no brackets)");
      t.local = *ip;
      local_lines_[t.name] = line;
    }

    for (const auto& [value, line] : Reader::values_of(s, "inbound-from")) {
      auto r = parse_address(value);
      std::string ip;
      if (auto ip6 = canonical_ip(value, AF_INET6)) ip = *ip6;  // bare IPv6 is unambiguous without a port
      else if (auto* why = std::get_if<std::string>(&r)) reader_.fail(line, "inbound-from", *why);
      else {
        auto& a = std::get<ParsedAddress>(r);
        if (!a.is_ip) reader_.fail(line, "inbound-from", "needs an IP address, not the domain name '" + a.hp.host + "'");
        if (a.hp.port) reader_.fail(line, "inbound-from", "takes an IP address without a port");
        ip = a.hp.host;
      }
      auto [it, fresh] = inbound_owner_.emplace(ip, t.name);
      if (!fresh) {
        reader_.fail(line, "inbound-from", ip + " already identifies trunk '" + it->second + "'");
      }
      t.inbound_from.push_back(ip);
    }

    t.max_calls = vm["max-calls"].as<MaxCalls>().v;
    t.max_cps = vm["max-cps"].as<Rate>().v;
    t.max_rps = vm["max-rps"].as<Rate>().v;
    t.options_interval_ms = vm["options-interval"].as<OptionsInterval>().v;
    const auto& refer = vm["refer"].as<std::string>();
    if (refer == "refuse") t.refuse_refer = true;
    else if (refer != "relay") reader_.fail(Reader::line_of(s, "refer"), "refer", "'" + refer + "' is not relay or refuse");
    const auto& redirection = vm["redirection"].as<std::string>();
    if (redirection == "diversion") t.redirection = RedirectionHeader::kDiversion;
    else if (redirection == "history-info") t.redirection = RedirectionHeader::kHistoryInfo;
    else if (redirection != "keep")
      reader_.fail(Reader::line_of(s, "redirection"), "redirection",
                   "'" + redirection + "' is not keep, diversion or history-info");
    if (t.options_interval_ms != 0 && t.options_interval_ms < 1000) {
      reader_.fail(Reader::line_of(s, "options-interval"), "options-interval",
                   "must be 0 (off) or at least 1000 ms");
    }

    for (const auto& [value, line] : Reader::values_of(s, "map-response")) {
      auto colon = value.find(':');
      auto code = [&](std::string_view v) -> int {
        int n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.size() != 3 || ec != std::errc() || end != v.data() + v.size() || n < 300 || n > 699) return 0;
        return n;
      };
      int from = colon == std::string::npos ? 0 : code(std::string_view(value).substr(0, colon));
      int to = colon == std::string::npos ? 0 : code(std::string_view(value).substr(colon + 1));
      if (!from || !to) {
        reader_.fail(line, "map-response", "'" + value + "' is not FROM:TO with two final failure codes 300..699");
      }
      if (!t.response_map.emplace(from, to).second) {
        reader_.fail(line, "map-response", std::to_string(from) + " is mapped twice");
      }
    }
    t.causes = cause_mapping(s, vm);
    for (const auto& [value, line] : Reader::values_of(s, "tls-identity")) {
      if (value.empty() || value.find_first_of(" \t/@") != std::string::npos)
        reader_.fail(line, "tls-identity", "'" + value + "' is not a domain name");
      t.tls_identities.push_back(value);
    }
    t.tls_ca = path_of(s, vm, "tls-ca");
    t.tls_crl = path_of(s, vm, "tls-crl");
    t.tls_certificate = path_of(s, vm, "tls-certificate");
    t.tls_private_key = path_of(s, vm, "tls-private-key");
    if (t.tls_certificate.empty() != t.tls_private_key.empty()) {
      const char* missing = t.tls_certificate.empty() ? "tls-certificate" : "tls-private-key";
      reader_.fail(s.line, missing, std::string("a trunk's own TLS identity needs both tls-certificate and "
                                                "tls-private-key; ") + missing + " is missing");
    }
    const auto& attest = vm["stir-attest"].as<std::string>();
    if (attest == "off") t.stir_attest = StirAttest::kOff;
    else if (attest == "A") t.stir_attest = StirAttest::kA;
    else if (attest == "B") t.stir_attest = StirAttest::kB;
    else if (attest == "C") t.stir_attest = StirAttest::kC;
    else reader_.fail(Reader::line_of(s, "stir-attest"), "stir-attest", "'" + attest + "' is not off, A, B or C");
    const auto& verify = vm["stir-verify"].as<std::string>();
    if (verify == "off") t.stir_verify = StirVerify::kOff;
    else if (verify == "on") t.stir_verify = StirVerify::kOn;
    else if (verify == "required") t.stir_verify = StirVerify::kRequired;
    else reader_.fail(Reader::line_of(s, "stir-verify"), "stir-verify", "'" + verify + "' is not off, on or required");
    stir_lines_[t.name] = {Reader::line_of(s, "stir-attest"), Reader::line_of(s, "stir-verify")};
    t.session_timer = extension_policy(s, vm, "session-timer");
    t.session_expires_s = vm["session-expires"].as<SessionSeconds>().v;
    t.min_se_s = vm["min-se"].as<SessionSeconds>().v;
    if (t.session_expires_s < t.min_se_s) {
      // The key written in the file is the one to fix (session-expires may be its default).
      bool written = std::any_of(s.entries.begin(), s.entries.end(),
                                 [](const Entry& e) { return e.key == "session-expires"; });
      const char* key = written ? "session-expires" : "min-se";
      reader_.fail(Reader::line_of(s, key), key,
                   std::to_string(t.session_expires_s) + " s is below min-se " + std::to_string(t.min_se_s) + " s");
    }
    t.prack = extension_policy(s, vm, "100rel");
    auth(s, vm, t);
    tls_trunk_lines_[t.name] = s.line;
    config_.trunks.push_back(std::move(t));
  }

  ExtensionPolicy extension_policy(const Section& s, const po::variables_map& vm, const char* key) {
    const auto& v = vm[key].as<std::string>();
    for (auto p : {ExtensionPolicy::kOff, ExtensionPolicy::kSupported, ExtensionPolicy::kRequired}) {
      if (v == extension_policy_name(p)) return p;
    }
    reader_.fail(Reader::line_of(s, key), key, "'" + v + "' is not off, supported or required");
    return ExtensionPolicy::kOff;
  }

  // A file that holds a secret: path_of's rules and core/secret_file.h's.
  std::string secret_path_of(const Section& s, const po::variables_map& vm, const char* key) {
    std::string p = path_of(s, vm, key);
    if (!p.empty()) {
      if (std::string why = secret_file_problem(p); !why.empty()) reader_.fail(Reader::line_of(s, key), key, p + ": " + why);
    }
    return p;
  }

  // Digest credentials both ways and registration (docs/config.md, "Authentication").
  void auth(const Section& s, const po::variables_map& vm, TrunkConfig& t) {
    auto text = [&](const char* key) { return vm.count(key) ? vm[key].as<std::string>() : std::string(); };
    auto both = [&](const char* user_key, const std::string& user, const char* file_key, const std::string& file) {
      if (user.empty() == file.empty()) return;
      const char* missing = user.empty() ? user_key : file_key;
      reader_.fail(Reader::line_of(s, user.empty() ? file_key : user_key), missing,
                   std::string(user_key) + " and " + file_key + " go together; " + missing + " is missing");
    };
    t.auth_username = text("auth-username");
    t.auth_password_file = secret_path_of(s, vm, "auth-password-file");
    t.auth_realm = text("auth-realm");
    both("auth-username", t.auth_username, "auth-password-file", t.auth_password_file);
    t.inbound_auth_username = text("inbound-auth-username");
    t.inbound_auth_password_file = secret_path_of(s, vm, "inbound-auth-password-file");
    t.inbound_auth_realm = vm["inbound-auth-realm"].as<std::string>();
    both("inbound-auth-username", t.inbound_auth_username, "inbound-auth-password-file", t.inbound_auth_password_file);
    if (t.inbound_auth_realm.empty() || t.inbound_auth_realm.find_first_of("\"\\") != std::string::npos)
      reader_.fail(Reader::line_of(s, "inbound-auth-realm"), "inbound-auth-realm", "must be non-empty, without quotes or backslashes");

    const auto& reg = vm["register"].as<std::string>();
    if (reg != "on" && reg != "off") reader_.fail(Reader::line_of(s, "register"), "register", "'" + reg + "' is not on or off");
    t.register_enabled = reg == "on";
    t.register_user = text("register-user");
    // The AOR's user part goes into URIs as written.
    if (t.register_user.find_first_not_of(kSipUserChars) != std::string::npos)
      reader_.fail(Reader::line_of(s, "register-user"), "register-user",
                   "'" + t.register_user + "' has a character a SIP user part cannot hold unescaped");
    t.register_domain = text("register-domain");
    if (!t.register_domain.empty()) {
      auto d = parse_address(t.register_domain);
      if (auto* why = std::get_if<std::string>(&d)) reader_.fail(Reader::line_of(s, "register-domain"), "register-domain", *why);
      if (std::get<ParsedAddress>(d).hp.port)
        reader_.fail(Reader::line_of(s, "register-domain"), "register-domain", "takes a host without a port");
      t.register_domain = std::get<ParsedAddress>(d).hp.host;
    }
    if (vm.count("registrar")) {
      auto r = parse_address(vm["registrar"].as<std::string>());
      if (auto* why = std::get_if<std::string>(&r)) reader_.fail(Reader::line_of(s, "registrar"), "registrar", *why);
      t.registrar = std::get<ParsedAddress>(r).hp;
    }
    t.register_expires_s = vm["register-expires"].as<RegisterExpires>().v;
    t.register_retry_s = vm["register-retry"].as<RegisterRetrySeconds>().v;
    t.register_retry_max_s = vm["register-retry-max"].as<RegisterRetrySeconds>().v;
    if (t.register_retry_max_s < t.register_retry_s)
      reader_.fail(Reader::line_of(s, vm["register-retry-max"].defaulted() ? "register-retry" : "register-retry-max"),
                   "register-retry-max", "is below register-retry (" + std::to_string(t.register_retry_s) + " s)");
    if (t.register_enabled && t.register_user.empty() && t.auth_username.empty())
      reader_.fail(Reader::line_of(s, "register"), "register-user", "register = on needs register-user (or auth-username)");
    if (t.register_enabled && t.register_user.empty() && t.auth_username.find_first_not_of(kSipUserChars) != std::string::npos)
      reader_.fail(Reader::line_of(s, "register"), "register-user",
                   "auth-username '" + t.auth_username + "' cannot be the AOR's user part; set register-user");
    for (const char* key :
         {"register-user", "register-domain", "registrar", "register-expires", "register-retry", "register-retry-max"}) {
      if (!t.register_enabled && vm.count(key) && !vm[key].defaulted())
        reader_.fail(Reader::line_of(s, key), key, "needs register = on");
    }
  }

  void route(const Section& s) {
    po::variables_map vm = reader_.store_section(s, route_options());
    RouteConfig r;
    r.name = s.name;
    r.match_prefix = vm["match-prefix"].as<std::string>();
    r.from_trunk = vm["from-trunk"].as<std::string>();
    r.to_trunk = vm["to-trunk"].as<std::string>();
    r.strip = vm["strip"].as<Strip>().v;
    r.prepend = vm["prepend"].as<std::string>();
    for (const char* key : {"match-prefix", "prepend"}) {
      if (!valid_number_part(vm[key].as<std::string>())) {
        reader_.fail(Reader::line_of(s, key), key,
                     "only digits, letters and + * # - . _ are allowed in a user part");
      }
    }
    if (r.to_trunk.empty()) reader_.fail(Reader::line_of(s, "to-trunk"), "to-trunk", "empty; name a trunk");
    for (const auto& [value, line] : Reader::values_of(s, "method")) {
      std::string method = value;
      for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (!is_routed_method(method))
        reader_.fail(line, "method", "'" + value + "' is not a method routes take (" + std::string(kRoutedMethods) + ")");
      r.methods.push_back(std::move(method));
    }
    for (const auto& [value, line] : Reader::values_of(s, "match-param")) {
      if (!valid_uri_param(value)) reader_.fail(line, "match-param", "'" + value + "' is not name or name=value");
      r.match_params.push_back(value);
    }
    config_.routes.push_back(std::move(r));
  }

  // country-code, area-code and the prefixes of a [span]: digits, each
  // within its length.
  SpanNumbering numbering(const Section& s, const po::variables_map& vm, SpanType type) {
    SpanNumbering n;
    if (type == SpanType::kT1) {
      n.national_prefix = "1";
      n.international_prefix = "011";
    }
    auto digits = [&](const char* key, std::string& into, std::size_t most) {
      if (!vm.count(key)) return;
      const std::string value = vm[key].as<std::string>();
      if (value.empty() || value.size() > most || value.find_first_not_of("0123456789") != std::string::npos)
        reader_.fail(Reader::line_of(s, key), key,
                     "'" + value + "' is not 1 to " + std::to_string(most) + " digits");
      into = value;
    };
    digits("country-code", n.country_code, 3);
    digits("area-code", n.area_code, 6);
    digits("national-prefix", n.national_prefix, 4);
    digits("international-prefix", n.international_prefix, 4);
    for (const auto& [value, line] : Reader::values_of(s, "dial-plan")) {
      const std::string why = DialPlan::pattern_error(value);
      if (!why.empty()) reader_.fail(line, "dial-plan", "'" + value + "': " + why);
      n.dial_plan.push_back(value);
    }
    return n;
  }

  // cause-profile, cause-to-status and status-to-cause of a [trunk] or [span].
  CauseMapping cause_mapping(const Section& s, const po::variables_map& vm) {
    CauseMapping m;
    if (vm.count("cause-profile"))
      m.profile = word_of(s, "cause-profile", vm["cause-profile"].as<std::string>(), kCauseProfiles, cause_profile_name);
    // "A:B" with A and B numbers in their ranges, or 0.
    auto pair_of = [](std::string_view v, int a_min, int a_max, int b_min, int b_max) -> std::pair<int, int> {
      auto number = [](std::string_view t, int lo, int hi) {
        int n = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        return ec == std::errc() && end == t.data() + t.size() && !t.empty() && n >= lo && n <= hi ? n : 0;
      };
      const auto colon = v.find(':');
      if (colon == std::string_view::npos) return {0, 0};
      return {number(v.substr(0, colon), a_min, a_max), number(v.substr(colon + 1), b_min, b_max)};
    };
    for (const auto& [value, line] : Reader::values_of(s, "cause-to-status")) {
      const auto [cause, status] = pair_of(value, 1, 127, 400, 699);
      if (!cause || !status)
        reader_.fail(line, "cause-to-status", "'" + value + "' is not CAUSE:STATUS, a Q.850 cause 1..127 and a final failure 400..699");
      if (!m.cause_to_status.emplace(static_cast<std::uint8_t>(cause), static_cast<std::uint16_t>(status)).second)
        reader_.fail(line, "cause-to-status", "cause " + std::to_string(cause) + " is mapped twice");
    }
    for (const auto& [value, line] : Reader::values_of(s, "status-to-cause")) {
      const auto [status, cause] = pair_of(value, 400, 699, 1, 127);
      if (!cause || !status)
        reader_.fail(line, "status-to-cause", "'" + value + "' is not STATUS:CAUSE, a final failure 400..699 and a Q.850 cause 1..127");
      if (!m.status_to_cause.emplace(static_cast<std::uint16_t>(status), static_cast<std::uint8_t>(cause)).second)
        reader_.fail(line, "status-to-cause", "status " + std::to_string(status) + " is mapped twice");
    }
    return m;
  }

  // `value` as one of `values`, matched by their config names; fails at
  // `key`'s line, listing them.
  template <typename E, std::size_t N>
  E word_of(const Section& s, const char* key, const std::string& value, const E (&values)[N],
            std::string_view (*name)(E)) {
    std::string expected;
    for (std::size_t i = 0; i < N; ++i) {
      if (value == name(values[i])) return values[i];
      expected += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(name(values[i]));
    }
    reader_.fail(Reader::line_of(s, key), key, "'" + value + "' is not " + expected);
  }

  // A path sipnic creates or connects to (a socket, a capture file):
  // resolved against the config file's folder like path_of, but not
  // required to exist yet.
  std::string resolved_path(const Section& s, const char* key, const std::string& value) {
    if (value.empty()) reader_.fail(Reader::line_of(s, key), key, "empty; give a file path");
    std::filesystem::path p = value;
    if (p.is_relative() && source_ != "<built-in>") p = std::filesystem::path(source_).parent_path() / p;
    return p.lexically_normal().string();
  }

  void span(const Section& s) {
    po::variables_map vm = reader_.store_section(s, span_options());
    auto text = [&](const char* key) { return vm[key].as<std::string>(); };
    auto line = [&](const char* key) { return Reader::line_of(s, key); };
    SpanConfig sp;
    sp.name = s.name;
    sp.type = word_of(s, "type", text("type"), kSpanTypes, span_type_name);
    sp.numbering = numbering(s, vm, sp.type);
    sp.side = word_of(s, "side", text("side"), kSpanSides, span_side_name);
    sp.switch_variant = vm.count("switch") ? word_of(s, "switch", text("switch"), kSwitchVariants, switch_variant_name)
                                           : default_switch_variant(sp.type);
    sp.backend = word_of(s, "backend", text("backend"), kSpanBackends, span_backend_name);
    sp.causes = cause_mapping(s, vm);

    const bool connect = vm.count("connect") != 0, listen = vm.count("listen") != 0;
    if (!connect && !listen)
      reader_.fail(s.line, "connect", "missing; every [span] needs connect = PATH or listen = PATH (its backend's socket)");
    if (connect && listen) {
      const char* later = line("connect") > line("listen") ? "connect" : "listen";
      reader_.fail(line(later), later, "a span takes connect or listen, not both");
    }
    sp.socket_role = connect ? SpanSocketRole::kConnect : SpanSocketRole::kListen;
    const char* socket_key = connect ? "connect" : "listen";
    sp.socket_path = resolved_path(s, socket_key, text(socket_key));
    constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;  // and its NUL
    if (sp.socket_path.size() > kMaxSocketPath)
      reader_.fail(line(socket_key), socket_key,
                   "'" + sp.socket_path + "' is " + std::to_string(sp.socket_path.size()) +
                       " bytes; a Unix socket path holds at most " + std::to_string(kMaxSocketPath));

    // An NFAS span without a D-channel (d-channel = none, the default in a
    // group) has no D-channel socket: on the frames backend its connect or
    // listen socket carries its B-channels (what b-channels-socket is on a
    // span with a D-channel); on the line backend it is the line as ever,
    // channel 24 a B-channel in it.
    const bool without_dchannel =
        vm.count("nfas-group") && (!vm.count("d-channel") || text("d-channel") == "none");
    if (without_dchannel && vm.count("b-channels-socket"))
      reader_.fail(line("b-channels-socket"), "b-channels-socket",
                   "a span without a D-channel (d-channel = none) carries its B-channels on its " + std::string(socket_key) +
                       " socket; leave b-channels-socket out");
    if (without_dchannel && sp.backend == SpanBackend::kFrames) {
      sp.b_channels_socket = std::move(sp.socket_path);
      sp.socket_path.clear();
    }
    if (vm.count("b-channels-socket") && !without_dchannel) {
      const char* key = "b-channels-socket";
      sp.b_channels_socket = resolved_path(s, key, text(key));
      if (sp.backend != SpanBackend::kFrames)
        reader_.fail(line(key), key, "is the frames backend's; a line span's B-channels are in its line signal");
      if (sp.b_channels_socket.size() > kMaxSocketPath)
        reader_.fail(line(key), key,
                     "'" + sp.b_channels_socket + "' is " + std::to_string(sp.b_channels_socket.size()) +
                         " bytes; a Unix socket path holds at most " + std::to_string(kMaxSocketPath));
      if (sp.b_channels_socket == sp.socket_path)
        reader_.fail(line(key), key, "'" + sp.b_channels_socket + "' is the span's D-channel socket too; give another path");
    }

    // NFAS first: a span without a D-channel has one B-channel more.
    if (vm.count("nfas-group")) {
      sp.nfas_group = text("nfas-group");
      if (sp.type != SpanType::kT1)
        reader_.fail(line("nfas-group"), "nfas-group",
                     "NFAS is for T1 spans; an E1 span signals its own channels on timeslot 16");
      if (!valid_name(sp.nfas_group))
        reader_.fail(line("nfas-group"), "nfas-group", "name must be 1-64 characters of letters, digits, '-', '_', '.'");
      if (!vm.count("nfas-interface"))
        reader_.fail(s.line, "nfas-interface", "missing; a span of an NFAS group needs its interface identifier 0..127");
      sp.nfas_interface = vm["nfas-interface"].as<NfasInterface>().v;
      sp.d_channel = vm.count("d-channel") ? word_of(s, "d-channel", text("d-channel"), kDChannelRoles, d_channel_role_name)
                                           : DChannelRole::kNone;
    } else {
      if (vm.count("nfas-interface")) reader_.fail(line("nfas-interface"), "nfas-interface", "needs nfas-group");
      if (vm.count("d-channel")) {
        DChannelRole role = word_of(s, "d-channel", text("d-channel"), kDChannelRoles, d_channel_role_name);
        if (role != DChannelRole::kPrimary)
          reader_.fail(line("d-channel"), "d-channel",
                       "d-channel = " + text("d-channel") + " needs nfas-group: a span outside an NFAS group has its own D-channel");
      }
    }

    sp.channels = vm.count("channels") ? channel_list(s, sp, text("channels")) : b_channel_numbers(sp.type, sp.d_channel);
    // The spans of an NFAS group are hunted together by default (its one
    // D-channel signals them all).
    sp.group = vm.count("group") ? text("group") : !sp.nfas_group.empty() ? sp.nfas_group : sp.name;
    if (!valid_name(sp.group))
      reader_.fail(line("group"), "group", "name must be 1-64 characters of letters, digits, '-', '_', '.'");
    sp.hunting = vm.count("hunting") ? word_of(s, "hunting", text("hunting"), kChannelHuntings, channel_hunting_name)
                                     : default_channel_hunting(sp.side);
    if (vm.count("capture")) sp.capture = resolved_path(s, "capture", text("capture"));
    if (vm.count("crc4")) {
      const std::string crc4 = text("crc4");
      if (crc4 != "on" && crc4 != "off") {
        reader_.fail(line("crc4"), "crc4", "'" + crc4 + "' is not on or off");
      } else if (sp.type != SpanType::kE1) {
        reader_.fail(line("crc4"), "crc4", "CRC-4 is E1's; a T1 line (ESF) always carries its CRC-6");
      } else if (sp.backend != SpanBackend::kLine) {
        reader_.fail(line("crc4"), "crc4", "needs backend = line: the frames backend carries no line signal");
      }
      sp.crc4 = crc4 != "off";
    }

    sp.q921.t200_ms = vm["t200"].as<LapdT200>().v;
    sp.q921.t203_ms = vm["t203"].as<LapdT203>().v;
    sp.q921.n200 = vm["n200"].as<LapdN200>().v;
    sp.q921.k = vm["k"].as<LapdWindow>().v;
    if (sp.q921.t203_ms <= sp.q921.t200_ms) {
      // Blame the one the file set; t203 when it set both.
      const char* key = vm["t203"].defaulted() ? "t200" : "t203";
      reader_.fail(line(key), key,
                   "t203 (" + std::to_string(sp.q921.t203_ms) + " ms) must be above t200 (" +
                       std::to_string(sp.q921.t200_ms) + " ms): the idle link's check would come before a retransmission");
    }
    for (const auto& [key, field] : kQ931TimerKeys) {
      sp.q931.*field = key == kT309 ? vm[key].as<Q931T309>().v : vm[key].as<Q931Timer>().v;
    }
    if (sp.q931.t309_ms != 0 && sp.q931.t309_ms < 100)
      reader_.fail(line("t309"), "t309", "must be 0 (off: calls are cleared when the link goes down) or at least 100 ms");
    config_.spans.push_back(std::move(sp));
  }

  // "1-15,17-31": the B-channels in service, each a B-channel of the span's
  // type, none twice; returned ascending.
  std::vector<std::uint8_t> channel_list(const Section& s, const SpanConfig& sp, const std::string& value) {
    const int line = Reader::line_of(s, "channels");
    const std::vector<std::uint8_t> all = b_channel_numbers(sp.type, sp.d_channel);
    auto number = [&](std::string_view text, std::string_view item) {
      unsigned n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n > 255)
        reader_.fail(line, "channels", "'" + std::string(item) + "' is not a channel or a range N-M (e.g. 1-15,17-31)");
      return n;
    };
    std::vector<std::uint8_t> out;
    std::string_view rest = value;
    if (rest.empty()) reader_.fail(line, "channels", "empty; list the B-channels in service, e.g. 1-15,17-31");
    while (true) {
      std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      std::size_t dash = item.find('-');
      unsigned first = number(item.substr(0, dash), item);
      unsigned last = dash == std::string_view::npos ? first : number(item.substr(dash + 1), item);
      if (last < first) reader_.fail(line, "channels", "'" + std::string(item) + "' runs backwards");
      for (unsigned c = first; c <= last; ++c) {
        if (std::find(all.begin(), all.end(), c) == all.end()) {
          std::string why = c == d_channel_number(sp.type)
                                ? " is the D-channel of " + span_type_label(sp.type)
                                : " is not a B-channel of " + span_type_label(sp.type) + " (" +
                                      format_channels(all) + ")";
          reader_.fail(line, "channels", std::to_string(c) + why);
        }
        if (std::find(out.begin(), out.end(), c) != out.end())
          reader_.fail(line, "channels", "channel " + std::to_string(c) + " is listed twice");
        out.push_back(static_cast<std::uint8_t>(c));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Checks between spans: names of sockets and capture files, span groups
  // and NFAS groups (docs/config.md, "[span NAME]").
  void check_spans(const std::vector<Section>& sections) {
    std::vector<const Section*>& of = span_sections_;
    for (const Section& s : sections) {
      if (s.kind == "span") of.push_back(&s);
    }
    // NFAS first: its spans share a span group by default, and a mismatch
    // is better named as the NFAS group's.
    check_nfas_groups();
    std::map<std::string, std::size_t> socket_owner, capture_owner, group_first;
    for (std::size_t i = 0; i < config_.spans.size(); ++i) {
      const SpanConfig& sp = config_.spans[i];
      const Section& s = *of[i];
      const std::string socket_key(span_socket_role_name(sp.socket_role));
      if (!sp.socket_path.empty()) {  // empty: an NFAS span without a D-channel
        if (auto [it, fresh] = socket_owner.emplace(sp.socket_path, i); !fresh)
          reader_.fail(Reader::line_of(s, socket_key), socket_key,
                       "'" + sp.socket_path + "' is already the socket of " + where(it->second));
      }
      if (!sp.b_channels_socket.empty()) {
        const bool own_key = !sp.socket_path.empty();  // else the connect/listen line
        if (auto [it, fresh] = socket_owner.emplace(sp.b_channels_socket, i); !fresh)
          reader_.fail(Reader::line_of(s, own_key ? "b-channels-socket" : socket_key),
                       own_key ? "b-channels-socket" : socket_key,
                       "'" + sp.b_channels_socket + "' is already a socket of " + where(it->second));
      }
      if (!sp.capture.empty()) {
        if (auto [it, fresh] = capture_owner.emplace(sp.capture, i); !fresh)
          reader_.fail(Reader::line_of(s, "capture"), "capture",
                       "'" + sp.capture + "' is already the capture file of " + where(it->second));
      }
      // A call hunted over a group may land on any of its spans, so they
      // must be alike: E1 and T1 number channels differently and mostly
      // differ in companding (A-law, µ-law); the sides differ in who picks
      // the channel and who wins glare; and the group hunts one way.
      auto [it, fresh] = group_first.emplace(sp.group, i);
      if (fresh) continue;
      const SpanConfig& first = config_.spans[it->second];
      // Blame a `group` the file wrote: this span's, else the first's (that
      // named this span's default group).
      const bool written = std::any_of(s.entries.begin(), s.entries.end(), [](const Entry& e) { return e.key == "group"; });
      const Section& blamed = written ? s : *of[it->second];
      auto mismatch = [&](std::string_view what, std::string_view a, std::string_view b) {
        reader_.fail(Reader::line_of(blamed, "group"), "group",
                     "span group '" + sp.group + "' mixes " + std::string(what) + ": " + where(it->second) + " is " +
                         std::string(a) + ", span '" + sp.name + "' is " + std::string(b) +
                         "; a call hunted over a group may land on any of its spans, so they must be alike");
      };
      if (sp.type != first.type) mismatch("E1 and T1", span_type_name(first.type), span_type_name(sp.type));
      if (sp.side != first.side) mismatch("sides", span_side_name(first.side), span_side_name(sp.side));
      if (sp.hunting != first.hunting)
        mismatch("hunting orders", channel_hunting_name(first.hunting), channel_hunting_name(sp.hunting));
    }
  }

  // "span 'a' (line 3)", for errors that name another span.
  std::string where(std::size_t span) const {
    return "span '" + config_.spans[span].name + "' (line " + std::to_string(span_sections_[span]->line) + ")";
  }

  // One D-channel signals every span of an NFAS group: exactly one primary,
  // at most one backup, interface identifiers unique, one side and switch.
  void check_nfas_groups() {
    const std::vector<const Section*>& of = span_sections_;
    struct Group {
      std::optional<std::size_t> primary, backup;
      std::map<std::uint32_t, std::size_t> interfaces;
      std::size_t first = 0;
    };
    std::map<std::string, Group> groups;
    for (std::size_t i = 0; i < config_.spans.size(); ++i) {
      const SpanConfig& sp = config_.spans[i];
      if (sp.nfas_group.empty()) continue;
      const Section& s = *of[i];
      auto [it, fresh] = groups.try_emplace(sp.nfas_group);
      Group& g = it->second;
      if (fresh) g.first = i;
      const std::string in_group = "NFAS group '" + sp.nfas_group + "'";
      if (auto [at, added] = g.interfaces.emplace(sp.nfas_interface, i); !added)
        reader_.fail(Reader::line_of(s, "nfas-interface"), "nfas-interface",
                     "interface " + std::to_string(sp.nfas_interface) + " of " + in_group + " is already " + where(at->second));
      for (auto [role, slot] : {std::pair{DChannelRole::kPrimary, &g.primary}, std::pair{DChannelRole::kBackup, &g.backup}}) {
        if (sp.d_channel != role) continue;
        if (*slot)
          reader_.fail(Reader::line_of(s, "d-channel"), "d-channel",
                       in_group + " has its " + std::string(d_channel_role_name(role)) + " D-channel already on " +
                           where(**slot));
        *slot = i;
      }
      const SpanConfig& first = config_.spans[g.first];
      auto mismatch = [&](const char* key, std::string_view a, std::string_view b) {
        reader_.fail(Reader::line_of(s, key), key,
                     in_group + ": " + where(g.first) + " is " + std::string(a) + ", span '" + sp.name + "' is " +
                         std::string(b) + "; one D-channel signals the whole group, so its spans share side and switch");
      };
      if (sp.side != first.side) mismatch("side", span_side_name(first.side), span_side_name(sp.side));
      if (sp.group != first.group)
        reader_.fail(Reader::line_of(s, "group"), "group",
                     in_group + ": " + where(g.first) + " is in span group '" + first.group + "', span '" + sp.name +
                         "' in '" + sp.group + "'; one D-channel signals the whole group, so its spans are hunted as one group");
      if (sp.switch_variant != first.switch_variant)
        mismatch("switch", switch_variant_name(first.switch_variant), switch_variant_name(sp.switch_variant));
    }
    for (const auto& [name, g] : groups) {
      if (!g.primary)
        reader_.fail(Reader::line_of(*of[g.first], "nfas-group"), "nfas-group",
                     "NFAS group '" + name + "' has no primary D-channel: set d-channel = primary on one of its spans");
    }
  }

  // Checks that need the whole file: routes may name trunks defined later.
  void cross_check(const std::vector<Section>& sections) {
    if (config_.listen.empty()) {
      reader_.fail(0, "[listen]", "no listen address; a node needs at least one");
    }
    std::string names;
    for (const auto& t : config_.trunks) names += (names.empty() ? "" : ", ") + t.name;
    if (names.empty()) names = "none defined";
    std::size_t route = 0;
    for (const Section& s : sections) {
      if (s.kind != "route") continue;
      const RouteConfig& r = config_.routes[route++];
      for (const auto& [key, value] : {std::pair{"from-trunk", &r.from_trunk}, std::pair{"to-trunk", &r.to_trunk}}) {
        if (!value->empty() && !config_.find_trunk(*value)) {
          reader_.fail(Reader::line_of(s, key), key, "no trunk named '" + *value + "' (trunks: " + names + ")");
        }
      }
    }
    // TLS: a listener needs the node's certificate; a TLS trunk needs the
    // names its peer must prove, a certificate to present and CAs to trust.
    for (const auto& l : config_.listen) {
      if (l.transport == Transport::kTls && !config_.tls.configured())
        reader_.fail(0, "[tls]", "a tls listen address needs [tls] certificate and private-key");
    }
    // STIR: a signing trunk needs the node's signing identity, a verifying
    // one the repository and trust anchors ([stir] may come after trunks).
    for (const auto& t : config_.trunks) {
      const auto [attest_line, verify_line] = stir_lines_[t.name];
      if (t.stir_attest != StirAttest::kOff && !config_.stir.can_sign())
        reader_.fail(attest_line, "stir-attest", "trunk '" + t.name +
                                                     "' signs INVITEs: set [stir] certificate-url and private-key");
      if (t.stir_verify != StirVerify::kOff && !config_.stir.can_verify())
        reader_.fail(verify_line, "stir-verify", "trunk '" + t.name +
                                                     "' verifies INVITEs: set [stir] repository and ca");
    }
    check_trunk_locals();
    std::map<std::string, std::string> identity_owner;
    for (const auto& t : config_.trunks) {
      int line = tls_trunk_lines_[t.name];
      if (t.transport != Transport::kTls) {
        if (!t.tls_identities.empty())
          reader_.fail(line, "tls-identity", "trunk '" + t.name + "' is not transport = tls");
        continue;
      }
      if (t.tls_identities.empty())
        reader_.fail(line, "tls-identity", "TLS trunk '" + t.name +
                                               "' needs at least one: the names its peer's certificate must carry");
      if (t.tls_certificate.empty() && !config_.tls.configured())
        reader_.fail(line, "tls-certificate", "TLS trunk '" + t.name +
                                                  "' has no certificate to present: set tls-certificate or [tls] certificate");
      if (t.tls_ca.empty() && config_.tls.ca.empty())
        reader_.fail(line, "tls-ca", "TLS trunk '" + t.name + "' has no CAs to trust: set tls-ca or [tls] ca");
      for (const auto& id : t.tls_identities) {
        auto [it, fresh] = identity_owner.emplace(ascii::to_lower(id), t.name);
        if (!fresh)
          reader_.fail(line, "tls-identity", "'" + id + "' already identifies trunk '" + it->second + "'");
      }
    }
  }

  // A trunk's `local` must be an address the node listens on with the
  // trunk's transport (sends leave from that socket and Via names it), of
  // the family of the peer when the peer is an IP literal.
  void check_trunk_locals() {
    for (const auto& t : config_.trunks) {
      if (t.local.empty()) continue;
      const int line = local_lines_[t.name];
      const bool v6 = t.local.find(':') != std::string::npos;
      if (canonical_ip(t.peer.host, v6 ? AF_INET : AF_INET6)) {
        reader_.fail(line, "local", t.local + " is " + (v6 ? "IPv6" : "IPv4") + " but the peer " + t.peer.host +
                                        " is " + (v6 ? "IPv4" : "IPv6"));
      }
      bool listened = false;
      for (const auto& l : config_.listen)
        listened = listened || (l.transport == t.transport && l.address.host == t.local);
      if (!listened) {
        reader_.fail(line, "local", "no [listen] " + std::string(transport_name(t.transport)) + " entry binds " +
                                        t.local + " (trunk '" + t.name + "' is transport = " +
                                        std::string(transport_name(t.transport)) + ")");
      }
    }
  }

  Reader reader_;
  std::string source_;
  Config config_;
  std::map<std::string, std::string> inbound_owner_;  // inbound-from IP -> trunk
  std::map<std::string, int> local_lines_;           // trunk -> the line of its `local`
  std::map<std::string, int> tls_trunk_lines_;       // trunk -> its section's line
  std::map<std::string, std::pair<int, int>> stir_lines_;  // trunk -> lines of stir-attest, stir-verify
  std::vector<const Section*> span_sections_;              // each span's section, in config_.spans order
};

constexpr std::string_view kDefaultConfig = R"(# sipnic built-in config: loopback only, two trunks routed to each other.
[listen]
udp = 127.0.0.1:5060
udp = [::1]:5060
tcp = 127.0.0.1:5060
tcp = [::1]:5060

[trunk pbx]
transport = udp
peer = 127.0.0.2:5060
options-interval = 0

[trunk carrier]
transport = udp
peer = 127.0.0.3:5060

[route pbx-out]
from-trunk = pbx
to-trunk = carrier

[route carrier-in]
from-trunk = carrier
to-trunk = pbx
)";

std::string format_number(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

}  // namespace

std::string_view redirection_header_name(RedirectionHeader r) {
  switch (r) {
    case RedirectionHeader::kKeep: return "keep";
    case RedirectionHeader::kDiversion: return "diversion";
    case RedirectionHeader::kHistoryInfo: return "history-info";
  }
  return "keep";
}

bool is_routed_method(std::string_view method) {
  std::string_view rest = kRoutedMethods;
  while (!rest.empty()) {
    std::size_t comma = rest.find(", ");
    if (rest.substr(0, comma) == method) return true;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
  }
  return false;
}

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::kUdp: return "udp";
    case Transport::kTcp: return "tcp";
    case Transport::kTls: return "tls";
  }
  return "?";
}

std::string_view stir_attest_name(StirAttest a) {
  switch (a) {
    case StirAttest::kOff: return "off";
    case StirAttest::kA: return "A";
    case StirAttest::kB: return "B";
    case StirAttest::kC: return "C";
  }
  return "off";
}

std::string_view stir_verify_name(StirVerify v) {
  switch (v) {
    case StirVerify::kOff: return "off";
    case StirVerify::kOn: return "on";
    case StirVerify::kRequired: return "required";
  }
  return "off";
}

std::string_view extension_policy_name(ExtensionPolicy p) {
  switch (p) {
    case ExtensionPolicy::kOff: return "off";
    case ExtensionPolicy::kRequired: return "required";
    case ExtensionPolicy::kSupported: break;
  }
  return "supported";
}

std::string_view unknown_source_name(UnknownSource u) {
  return u == UnknownSource::kDrop ? "drop" : "reject";
}


std::string_view span_side_name(SpanSide s) { return s == SpanSide::kNetwork ? "nt" : "te"; }

std::string_view switch_variant_name(SwitchVariant v) {
  switch (v) {
    case SwitchVariant::kEuroIsdn: return "euroisdn";
    case SwitchVariant::kNi2: return "ni2";
    case SwitchVariant::kDms100: return "dms100";
    case SwitchVariant::k4ess: return "4ess";
    case SwitchVariant::k5ess: return "5ess";
    case SwitchVariant::kQsig: return "qsig";
  }
  return "euroisdn";
}

std::string_view span_backend_name(SpanBackend b) { return b == SpanBackend::kLine ? "line" : "frames"; }
std::string_view cause_profile_name(CauseProfile) { return "rfc3398"; }

std::string_view span_socket_role_name(SpanSocketRole r) { return r == SpanSocketRole::kListen ? "listen" : "connect"; }

std::string_view channel_hunting_name(ChannelHunting h) {
  switch (h) {
    case ChannelHunting::kAscending: return "ascending";
    case ChannelHunting::kDescending: return "descending";
    case ChannelHunting::kRoundRobin: return "round-robin";
  }
  return "ascending";
}

std::string_view d_channel_role_name(DChannelRole r) {
  switch (r) {
    case DChannelRole::kPrimary: return "primary";
    case DChannelRole::kBackup: return "backup";
    case DChannelRole::kNone: return "none";
  }
  return "primary";
}

SwitchVariant default_switch_variant(SpanType t) {
  return t == SpanType::kT1 ? SwitchVariant::kNi2 : SwitchVariant::kEuroIsdn;
}

ChannelHunting default_channel_hunting(SpanSide s) {
  return s == SpanSide::kNetwork ? ChannelHunting::kDescending : ChannelHunting::kAscending;
}


std::vector<std::uint8_t> b_channel_numbers(SpanType t, DChannelRole d) {
  // E1: timeslots 1-31 (0 is framing); T1: channels 1-24. The D-channel's
  // is left out unless an NFAS span has none.
  const std::uint8_t last = t == SpanType::kT1 ? 24 : 31;
  std::vector<std::uint8_t> out;
  for (std::uint8_t c = 1; c <= last; ++c) {
    if (c != d_channel_number(t) || d == DChannelRole::kNone) out.push_back(c);
  }
  return out;
}

const SpanConfig* Config::find_span(std::string_view name) const {
  for (const auto& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const TrunkConfig* Config::find_trunk(std::string_view name) const {
  for (const auto& t : trunks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {
std::string format_error(const std::string& file, int line, const std::string& key, const std::string& reason) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  return s + reason;
}
}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, const std::string& reason)
    : std::runtime_error(format_error(file, line, key, reason)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)) {}

Config parse_config(std::string_view text, std::string_view source_name) {
  std::string source(source_name);
  return Builder(source).build(split_sections(text, source));
}

Config load_config_file(const std::string& path) {
  // A config is small; the cap keeps a mistaken path (/dev/zero) from eating memory.
  constexpr std::size_t kMaxBytes = 1 << 20;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw ConfigError(path, 0, "", std::strerror(errno));
  std::string text;
  char buf[8192];
  while (true) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    text.append(buf, n);
    if (text.size() > kMaxBytes) throw ConfigError(path, 0, "", "file larger than 1 MiB; not a config file?");
    if (n < sizeof buf) {
      if (std::ferror(f.get())) throw ConfigError(path, 0, "", std::strerror(errno));
      break;
    }
  }
  return parse_config(text, path);
}

std::string_view default_config_text() { return kDefaultConfig; }

Config default_config() { return parse_config(kDefaultConfig, "<built-in>"); }

std::string format_config(const Config& c) {
  std::ostringstream o;
  o << "[node]\n"
    << "workers = " << c.workers << "\n"
    << "log-level = " << c.log_level << "\n"
    << "max-message-size = " << c.max_message_bytes << "\n"
    << "max-connections = " << c.max_connections << "\n"
    << "max-connections-per-source = " << c.max_connections_per_source << "\n"
    << "max-output-buffer = " << c.max_output_buffer_bytes << "\n"
    << "unknown-source = " << unknown_source_name(c.unknown_source) << "\n"
    << "unknown-source-rate = " << c.unknown_source_rate << "\n";
  if (c.metrics) o << "metrics = " << format_host_port(*c.metrics) << "\n";
  o << "\n[listen]\n";
  for (const auto& l : c.listen) o << transport_name(l.transport) << " = " << format_host_port(l.address) << "\n";
  const TimerConfig& t = c.timers;
  o << "\n[timers]\n"
    << "t1 = " << t.t1_ms << "\n"
    << "t2 = " << t.t2_ms << "\n"
    << "t4 = " << t.t4_ms << "\n"
    << "timer-c = " << t.timer_c_ms << "\n"
    << "partial-message-timeout = " << t.partial_message_timeout_ms << "\n"
    << "first-message-timeout = " << t.first_message_timeout_ms << "\n"
    << "tcp-idle-timeout = " << t.tcp_idle_timeout_ms << "\n"
    << "keepalive-interval = " << t.keepalive_interval_ms << "\n";
  if (c.tls.configured() || !c.tls.ca.empty()) {
    o << "\n[tls]\n";
    if (!c.tls.certificate.empty()) o << "certificate = " << c.tls.certificate << "\n";
    if (!c.tls.private_key.empty()) o << "private-key = " << c.tls.private_key << "\n";
    if (!c.tls.ca.empty()) o << "ca = " << c.tls.ca << "\n";
    if (!c.tls.crl.empty()) o << "crl = " << c.tls.crl << "\n";
    o << "min-version = " << c.tls.min_version << "\n"
      << "max-version = " << c.tls.max_version << "\n"
      << "handshake-timeout = " << c.tls.handshake_timeout_ms << "\n"
      << "handshake-rate = " << c.tls.handshake_rate << "\n"
      << "key-update-records = " << c.tls.key_update_records << "\n";
  }
  const StirConfig& st = c.stir;
  if (st.can_sign() || st.can_verify() || st != StirConfig{}) {
    o << "\n[stir]\n";
    if (!st.certificate_url.empty()) o << "certificate-url = " << st.certificate_url << "\n";
    if (!st.private_key.empty()) o << "private-key = " << st.private_key << "\n";
    if (!st.repository.empty()) o << "repository = " << st.repository << "\n";
    if (!st.ca.empty()) o << "ca = " << st.ca << "\n";
    o << "max-age = " << st.max_age_s << "\n";
  }
  for (const auto& tr : c.trunks) {
    o << "\n[trunk " << tr.name << "]\n"
      << "transport = " << transport_name(tr.transport) << "\n"
      << "peer = " << format_host_port(tr.peer) << "\n";
    if (!tr.local.empty()) o << "local = " << tr.local << "\n";
    for (const auto& ip : tr.inbound_from) o << "inbound-from = " << ip << "\n";
    o << "max-calls = " << tr.max_calls << "\n"
      << "max-cps = " << format_number(tr.max_cps) << "\n"
      << "max-rps = " << format_number(tr.max_rps) << "\n"
      << "options-interval = " << tr.options_interval_ms << "\n"
      << "refer = " << (tr.refuse_refer ? "refuse" : "relay") << "\n"
      << "redirection = " << redirection_header_name(tr.redirection) << "\n";
    for (const auto& [from, to] : tr.response_map) o << "map-response = " << from << ":" << to << "\n";
    format_cause_mapping(o, tr.causes);
    for (const auto& id : tr.tls_identities) o << "tls-identity = " << id << "\n";
    if (!tr.tls_ca.empty()) o << "tls-ca = " << tr.tls_ca << "\n";
    if (!tr.tls_crl.empty()) o << "tls-crl = " << tr.tls_crl << "\n";
    if (!tr.tls_certificate.empty()) o << "tls-certificate = " << tr.tls_certificate << "\n";
    if (!tr.tls_private_key.empty()) o << "tls-private-key = " << tr.tls_private_key << "\n";
    o << "stir-attest = " << stir_attest_name(tr.stir_attest) << "\n"
      << "stir-verify = " << stir_verify_name(tr.stir_verify) << "\n";
    o << "session-timer = " << extension_policy_name(tr.session_timer) << "\n"
      << "session-expires = " << tr.session_expires_s << "\n"
      << "min-se = " << tr.min_se_s << "\n"
      << "100rel = " << extension_policy_name(tr.prack) << "\n";
    if (!tr.auth_username.empty())
      o << "auth-username = " << tr.auth_username << "\nauth-password-file = " << tr.auth_password_file << "\n";
    if (!tr.auth_realm.empty()) o << "auth-realm = " << tr.auth_realm << "\n";
    if (!tr.inbound_auth_username.empty())
      o << "inbound-auth-username = " << tr.inbound_auth_username
        << "\ninbound-auth-password-file = " << tr.inbound_auth_password_file << "\n";
    o << "inbound-auth-realm = " << tr.inbound_auth_realm << "\n"
      << "register = " << (tr.register_enabled ? "on" : "off") << "\n";
    if (tr.register_enabled) {
      if (!tr.register_user.empty()) o << "register-user = " << tr.register_user << "\n";
      if (!tr.register_domain.empty()) o << "register-domain = " << format_host_port({tr.register_domain, 0}) << "\n";
      if (!tr.registrar.host.empty()) o << "registrar = " << format_host_port(tr.registrar) << "\n";
      o << "register-expires = " << tr.register_expires_s << "\n"
        << "register-retry = " << tr.register_retry_s << "\n"
        << "register-retry-max = " << tr.register_retry_max_s << "\n";
    }
  }
  // An empty value is written as "key =" (no trailing blank); a value that
  // starts with '#' goes right after '=' so that it does not read as a comment.
  auto kv = [&o](std::string_view key, std::string_view value) {
    o << key << " =" << (value.empty() || value.front() == '#' ? "" : " ") << value << "\n";
  };
  for (const auto& r : c.routes) {
    o << "\n[route " << r.name << "]\n";
    kv("match-prefix", r.match_prefix);
    kv("from-trunk", r.from_trunk);
    kv("to-trunk", r.to_trunk);
    kv("strip", std::to_string(r.strip));
    kv("prepend", r.prepend);
    for (const auto& m : r.methods) kv("method", m);
    for (const auto& m : r.match_params) kv("match-param", m);
  }
  for (const auto& sp : c.spans) {
    o << "\n[span " << sp.name << "]\n"
      << "type = " << span_type_name(sp.type) << "\n"
      << "side = " << span_side_name(sp.side) << "\n"
      << "switch = " << switch_variant_name(sp.switch_variant) << "\n"
      << "backend = " << span_backend_name(sp.backend) << "\n"
      << span_socket_role_name(sp.socket_role) << " = "
      // An NFAS span without a D-channel: its one socket is its B-channels'.
      << (sp.socket_path.empty() ? sp.b_channels_socket : sp.socket_path) << "\n"
      << (sp.b_channels_socket.empty() || sp.socket_path.empty() ? "" : "b-channels-socket = " + sp.b_channels_socket + "\n")
      << "channels = " << format_channels(sp.channels) << "\n"
      << "group = " << sp.group << "\n"
      << "hunting = " << channel_hunting_name(sp.hunting) << "\n";
    if (!sp.capture.empty()) o << "capture = " << sp.capture << "\n";
    if (sp.type == SpanType::kE1 && sp.backend == SpanBackend::kLine) o << "crc4 = " << (sp.crc4 ? "on" : "off") << "\n";
    format_cause_mapping(o, sp.causes);
    if (!sp.numbering.country_code.empty()) o << "country-code = " << sp.numbering.country_code << "\n";
    if (!sp.numbering.area_code.empty()) o << "area-code = " << sp.numbering.area_code << "\n";
    o << "national-prefix = " << sp.numbering.national_prefix << "\n"
      << "international-prefix = " << sp.numbering.international_prefix << "\n";
    for (const auto& pattern : sp.numbering.dial_plan) o << "dial-plan = " << pattern << "\n";
    o << "t200 = " << sp.q921.t200_ms << "\n"
      << "t203 = " << sp.q921.t203_ms << "\n"
      << "n200 = " << sp.q921.n200 << "\n"
      << "k = " << sp.q921.k << "\n";
    for (const auto& [key, field] : kQ931TimerKeys) o << key << " = " << sp.q931.*field << "\n";
    if (!sp.nfas_group.empty()) {
      o << "nfas-group = " << sp.nfas_group << "\n"
        << "nfas-interface = " << sp.nfas_interface << "\n"
        << "d-channel = " << d_channel_role_name(sp.d_channel) << "\n";
    }
  }
  return o.str();
}

}  // namespace sipnic::core
