// The node configuration: what a config file says, as values. The file format
// (INI-style sections read through Boost.Program_options) is described in
// docs/config.md; examples/ has ready files.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/span_line.h"

namespace sipnic::core {

enum class Transport : std::uint8_t { kUdp, kTcp, kTls };
std::string_view transport_name(Transport t);  // "udp", "tcp", "tls"

// A socket address given as text: "127.0.0.1:5060", "[::1]:5060".
struct HostPort {
  std::string host;        // IP literal or DNS name, without brackets
  std::uint16_t port = 0;  // 0: not given (RFC 3263 decides)
  bool operator==(const HostPort&) const = default;
};

struct ListenConfig {
  Transport transport = Transport::kUdp;
  HostPort address;  // IP literal and port
  bool operator==(const ListenConfig&) const = default;
};

// Which redirection header a trunk takes (interwork/redirection.h): the ones
// a request has as they are, or all of it as Diversion (RFC 5806) or as
// History-Info (RFC 7044).
enum class RedirectionHeader : std::uint8_t { kKeep, kDiversion, kHistoryInfo };
std::string_view redirection_header_name(RedirectionHeader r);  // "keep", "diversion", "history-info"
// STIR/SHAKEN per trunk (docs/stir-shaken.md). stir-attest: INVITEs sent to
// this trunk are signed at this attestation level (RFC 8588 §4); off: not
// signed. stir-verify: the Identity header of INVITEs from this trunk is
// checked and the result passed on as verstat; required: an INVITE whose
// check fails (or that has none) is refused with the RFC 8224 code.
enum class StirAttest : std::uint8_t { kOff, kA, kB, kC };
std::string_view stir_attest_name(StirAttest a);  // "off", "A", "B", "C"
enum class StirVerify : std::uint8_t { kOff, kOn, kRequired };
std::string_view stir_verify_name(StirVerify v);  // "off", "on", "required"
// How a trunk's leg uses a SIP extension: RFC 4028 session timers ("timer")
// or RFC 3262 reliable provisionals ("100rel"). kOff: sipnic neither offers
// nor accepts it on that leg; kSupported: offered (Supported) and used when
// the peer wants it; kRequired: sipnic asks for it (Require) and rejects a
// peer without it (421).
enum class ExtensionPolicy : std::uint8_t { kOff, kSupported, kRequired };
std::string_view extension_policy_name(ExtensionPolicy p);  // "off", "supported", "required"

// How Q.850 causes and SIP status codes map onto each other on a gateway
// call (docs/gateway.md, "Causes"): a profile, and this trunk's or span's
// own exceptions to it (`cause-to-status = 47:500`, `status-to-cause =
// 480:19`).
enum class CauseProfile : std::uint8_t { kRfc3398 };
std::string_view cause_profile_name(CauseProfile p);  // "rfc3398"
struct CauseMapping {
  CauseProfile profile = CauseProfile::kRfc3398;
  std::map<std::uint8_t, std::uint16_t> cause_to_status;  // Q.850 cause 1..127 -> final failure 400..699
  std::map<std::uint16_t, std::uint8_t> status_to_cause;  // final failure 400..699 -> Q.850 cause 1..127
  bool operator==(const CauseMapping&) const = default;
};

struct TrunkConfig {
  std::string name;
  Transport transport = Transport::kUdp;
  // The far end. An IP literal (with or without port) is used as is; a domain
  // name without port is resolved by RFC 3263 (NAPTR -> SRV -> A/AAAA).
  HostPort peer;
  // The node's own address on this trunk's leg (`local`, an IP literal a
  // listen entry of the trunk's transport binds): what Via, Contact and From
  // name, where UDP leaves from and what TCP/TLS connects bind to. "" = the
  // address the route to the peer gives (docs/config.md, "Two-sided nodes").
  std::string local;
  // Extra source addresses (IP literals) that identify inbound traffic as this
  // trunk's, besides the peer address itself.
  std::vector<std::string> inbound_from;
  std::uint32_t max_calls = 0;   // concurrent calls; 0 = no limit
  double max_cps = 0;            // new calls per second; 0 = no limit
  double max_rps = 0;            // out-of-dialog MESSAGE/PUBLISH/SUBSCRIBE per second; 0 = no limit
  std::uint32_t options_interval_ms = 0;  // OPTIONS ping period; 0 = off
  // Final failure responses from this trunk mapped before relaying, e.g.
  // 486 -> 486 stays, {503: 480}.
  std::map<int, int> response_map;
  CauseMapping causes;  // gateway calls with a span (docs/gateway.md)
  // TLS trunks (transport = tls). The peer's certificate must carry one of
  // these names (subjectAltName DNS or sip: URI host, RFC 5922); they pick the
  // trunk for inbound connections.
  std::vector<std::string> tls_identities;
  std::string tls_ca;           // trust anchors for this trunk ("" = [tls] ca)
  std::string tls_crl;          // CRL file ("" = [tls] crl)
  std::string tls_certificate;  // what sipnic presents to this trunk ("" = [tls] certificate)
  std::string tls_private_key;
  // REFER (RFC 3515) from this trunk in a call: relayed to the other side,
  // or refused with 403 (`refer = refuse`).
  bool refuse_refer = false;
  // The redirection history of calls to this trunk (`redirection =`).
  RedirectionHeader redirection = RedirectionHeader::kKeep;
  StirAttest stir_attest = StirAttest::kOff;
  StirVerify stir_verify = StirVerify::kOff;
  // RFC 4028 on this trunk's leg (sip/session_timer.h): the policy, the
  // Session-Expires sipnic asks for and the smallest it accepts (Min-SE), in
  // seconds; 90 <= min_se_s <= session_expires_s.
  ExtensionPolicy session_timer = ExtensionPolicy::kSupported;
  std::uint32_t session_expires_s = 1800;
  std::uint32_t min_se_s = 90;
  // RFC 3262 on this trunk's leg (sip/reliable_provisionals.h).
  ExtensionPolicy prack = ExtensionPolicy::kSupported;
  // Digest credentials sipnic answers this trunk's 401/407 with (RFC 3261
  // §22.2); off when auth_username is "". The password is in
  // auth_password_file (core/secret_file.h: mode 0600, owner sipnic's user),
  // never in the config itself. auth_realm: answer only that realm ("" = any).
  std::string auth_username;
  std::string auth_password_file;
  std::string auth_realm;
  // Challenging this trunk's inbound requests (401, the B2BUA as UAS): on when
  // inbound_auth_username is set; the trunk must present that user and the
  // password in inbound_auth_password_file, for realm inbound_auth_realm.
  std::string inbound_auth_username;
  std::string inbound_auth_password_file;
  std::string inbound_auth_realm = "sipnic";
  // Registration (RFC 3261 §10): sipnic REGISTERs register_user@register_domain
  // ("" = the peer's host) at the registrar (port 0 / host "" = the peer),
  // asking for register_expires_s, and refreshes it before it expires.
  bool register_enabled = false;
  std::string register_user;
  std::string register_domain;
  HostPort registrar;
  std::uint32_t register_expires_s = 3600;
  // After a failure, retries back off from 50..100% of register_retry_s,
  // doubling to register_retry_max_s (RFC 5626 §4.5).
  std::uint32_t register_retry_s = 30;
  std::uint32_t register_retry_max_s = 1800;
  bool operator==(const TrunkConfig&) const = default;
};

// The requests that routes take: INVITE, and the out-of-dialog requests the
// B2BUA relays to a trunk (docs/sip-core.md).
inline constexpr std::string_view kRoutedMethods = "INVITE, MESSAGE, PUBLISH, SUBSCRIBE";
bool is_routed_method(std::string_view method);  // exact, upper case

struct RouteConfig {
  std::string name;
  std::string match_prefix;  // Request-URI user part prefix; "" matches all
  std::string from_trunk;    // source trunk; "" matches any
  std::string to_trunk;      // target trunk (must exist)
  std::uint32_t strip = 0;   // digits removed from the front of the user part
  std::string prepend;       // then this is put in front
  // Request methods the route takes (upper case); empty: INVITE and every
  // out-of-dialog request the B2BUA relays.
  std::vector<std::string> methods;
  // Request-URI parameters that must be present, "name" or "name=value"
  // (RFC 4458 `target`, `cause`); all must match.
  std::vector<std::string> match_params;
  bool operator==(const RouteConfig&) const = default;
};

struct TimerConfig {
  std::uint32_t t1_ms = 500;    // RFC 3261 T1: RTT estimate
  std::uint32_t t2_ms = 4000;   // RFC 3261 T2: max non-INVITE retransmit interval
  std::uint32_t t4_ms = 5000;   // RFC 3261 T4: max time a message stays in the network
  std::uint32_t timer_c_ms = 180000;            // INVITE with no final answer (RFC 3261 §16.6 Timer C)
  std::uint32_t partial_message_timeout_ms = 10000;  // stream bytes of an incomplete message
  // An inbound stream connection without a complete SIP message this long
  // after its accept is closed (TLS: the handshake counts against it too).
  std::uint32_t first_message_timeout_ms = 10000;
  std::uint32_t tcp_idle_timeout_ms = 600000;  // idle stream connection closed
  std::uint32_t keepalive_interval_ms = 90000;  // RFC 5626 CRLFCRLF on outbound streams; 0 = off
  bool operator==(const TimerConfig&) const = default;
};

// [tls]: the node's own certificate and the defaults for TLS trunks. Paths
// are resolved against the config file's folder when relative.
struct TlsConfig {
  std::string certificate;  // PEM chain presented on TLS listeners (and to trunks without their own)
  std::string private_key;
  std::string ca;           // trust anchors for trunks without tls-ca
  std::string crl;          // CRL file ("" = none)
  std::string min_version = "1.2";  // "1.2" or "1.3"
  std::string max_version = "1.3";  // "1.2" or "1.3"; not below min_version
  std::uint32_t handshake_timeout_ms = 10000;
  std::uint32_t handshake_rate = 50;  // new TLS connections per second from one IP; 0 = no limit
  // TLS 1.3: records sealed under one write key before sipnic sends its own
  // KeyUpdate (RFC 8446 §5.5 puts the AES-GCM limit at 2^24.5 records).
  std::uint32_t key_update_records = 1u << 24;
  bool configured() const { return !certificate.empty(); }
  bool operator==(const TlsConfig&) const = default;
};

// [stir]: the node's STIR/SHAKEN signing identity and what it verifies
// with (docs/stir-shaken.md). Paths are resolved against the config file's
// folder when relative. The private key's path is config; its contents are
// read by the stir layer and never logged.
struct StirConfig {
  std::string certificate_url;  // x5u/info of what the node signs: where verifiers find its certificate
  std::string private_key;      // PEM EC P-256 key of that certificate
  std::string repository;       // index file: x5u URL -> PEM file of signers' certificates (no fetching)
  std::string ca;               // PEM file of STI-CA trust anchors the signers' chains must reach
  std::uint32_t max_age_s = 60;  // how far a PASSporT's iat may be from now (RFC 8224 §6.2.1)
  bool can_sign() const { return !certificate_url.empty(); }
  bool can_verify() const { return !repository.empty(); }
  bool operator==(const StirConfig&) const = default;
};

// What the node does with a request from a source that is no trunk (and in
// no dialog): kReject answers an INVITE 403 once, statelessly (no
// retransmissions to reflect at a spoofed source), kDrop answers nothing.
enum class UnknownSource : std::uint8_t { kReject, kDrop };
std::string_view unknown_source_name(UnknownSource u);  // "reject", "drop"

// [span NAME]: one ISDN PRI span (docs/config.md, "[span NAME]"). Read and
// checked here; the pri layer's spans run them. The name functions give the
// config spellings.
// SpanType and its channel numbers: core/span_line.h.
// Which end of the PRI sipnic is: te, the user side (facing a carrier
// switch), or nt, the network side (facing a PBX).
enum class SpanSide : std::uint8_t { kUser, kNetwork };  // te, nt
std::string_view span_side_name(SpanSide s);  // "te", "nt"
// The Q.931 dialect of the far end; the pri layer's variant table is keyed
// by this enum.
enum class SwitchVariant : std::uint8_t { kEuroIsdn, kNi2, kDms100, k4ess, k5ess, kQsig };
std::string_view switch_variant_name(SwitchVariant v);  // "euroisdn", "ni2", "dms100", "4ess", "5ess", "qsig"
// frames: one Q.921 frame per datagram and TDM frames of the B-channels;
// line: the E1/T1 line signal itself.
enum class SpanBackend : std::uint8_t { kFrames, kLine };
std::string_view span_backend_name(SpanBackend b);  // "frames", "line"
// How the span's backend reaches its Unix SOCK_SEQPACKET socket.
enum class SpanSocketRole : std::uint8_t { kConnect, kListen };
std::string_view span_socket_role_name(SpanSocketRole r);  // "connect", "listen": the keys
enum class ChannelHunting : std::uint8_t { kAscending, kDescending, kRoundRobin };
std::string_view channel_hunting_name(ChannelHunting h);  // "ascending", "descending", "round-robin"
// NFAS (T1): whether this span carries its group's D-channel, the backup
// D-channel, or none (then channel 24 is a B-channel too). A span outside an
// NFAS group has its own D-channel: kPrimary.
enum class DChannelRole : std::uint8_t { kPrimary, kBackup, kNone };
std::string_view d_channel_role_name(DChannelRole r);  // "primary", "backup", "none"

// The defaults that depend on other keys of the span.
SwitchVariant default_switch_variant(SpanType t);  // E1: euroisdn, T1: ni2
// Descending on the network side, ascending on the user side: the two ends
// of a span then seize channels from opposite ends, which keeps glare rare.
ChannelHunting default_channel_hunting(SpanSide s);
// Every B-channel a span of this type has, ascending: E1 timeslots 1-15 and
// 17-31; T1 channels 1-23, and 24 as well on an NFAS span without a D-channel.
std::vector<std::uint8_t> b_channel_numbers(SpanType t, DChannelRole d);

// Q.921 (LAPD) parameters of the span's D-channel.
struct Q921Parameters {
  std::uint32_t t200_ms = 1000;   // retransmission timer
  std::uint32_t t203_ms = 10000;  // idle timer; above t200
  std::uint32_t n200 = 3;         // retransmissions
  std::uint32_t k = 7;            // window: I frames outstanding, 1..127
  bool operator==(const Q921Parameters&) const = default;
};

// Q.931 timers, ms. Defaults: libpri's (pri_default_timers) where libpri
// runs the timer, Q.931's (user side) where libpri leaves it off.
struct Q931Timers {
  std::uint32_t t301_ms = 180000;  // Q.931: ALERTING received, waiting for CONNECT
  std::uint32_t t302_ms = 15000;   // Q.931: overlap receiving, waiting for more digits
  std::uint32_t t303_ms = 4000;    // libpri: SETUP sent, waiting for an answer
  std::uint32_t t304_ms = 30000;   // Q.931: overlap sending, waiting for the next message
  std::uint32_t t305_ms = 30000;   // libpri: DISCONNECT sent, waiting for RELEASE or DISCONNECT
  std::uint32_t t308_ms = 4000;    // libpri: RELEASE sent, waiting for RELEASE COMPLETE
  std::uint32_t t309_ms = 6000;    // libpri: link down, active calls kept this long; 0 = off (cleared at once)
  std::uint32_t t310_ms = 30000;   // Q.931: CALL PROCEEDING received, waiting for ALERTING/CONNECT/...
  std::uint32_t t313_ms = 4000;    // libpri: CONNECT sent (user side), waiting for CONNECT ACKNOWLEDGE
  std::uint32_t t316_ms = 120000;  // Q.931: RESTART sent, waiting for RESTART ACKNOWLEDGE
  std::uint32_t t322_ms = 4000;    // Q.931: STATUS ENQUIRY sent, waiting for STATUS
  bool operator==(const Q931Timers&) const = default;
};

// How a span's numbers (Q.931 type of number and plan) become E.164 and
// back on gateway calls (docs/gateway.md, "Numbers"). The prefixes default
// to the line's custom: E1 0 and 00, T1 (North America) 1 and 011.
struct SpanNumbering {
  std::string country_code;          // "1", "44"; "" = not known: national numbers stay local
  std::string area_code;             // the national destination code of subscriber numbers; "" = none
  std::string national_prefix = "0";        // dialled before a national number
  std::string international_prefix = "00";  // dialled before an international one
  // Overlap receiving: the patterns of complete numbers (core/dial_plan.h);
  // none: T302 or sending complete ends every number.
  std::vector<std::string> dial_plan;
  bool operator==(const SpanNumbering&) const = default;
};

struct SpanConfig {
  std::string name;
  SpanType type = SpanType::kE1;
  SpanSide side = SpanSide::kUser;
  SwitchVariant switch_variant = SwitchVariant::kEuroIsdn;  // default_switch_variant(type)
  SpanBackend backend = SpanBackend::kFrames;
  SpanSocketRole socket_role = SpanSocketRole::kConnect;
  std::string socket_path;  // the backend's Unix socket (resolved against the config's folder)
  // frames backend: the B-channels' socket (timeslot-interleaved TDM frames,
  // 1 ms a datagram), listened on or connected to as socket_path; "" = none.
  std::string b_channels_socket;
  // The B-channels in service, ascending, without repeats (default
  // b_channel_numbers(type, d_channel)).
  std::vector<std::uint8_t> channels;
  std::string group;  // span group hunted over; default the span's name
  ChannelHunting hunting = ChannelHunting::kAscending;  // default_channel_hunting(side)
  std::string capture;  // pcap file of the D-channel; "" = none
  bool crc4 = true;     // E1 line backend: the CRC-4 multiframe (G.704), sent and required
  Q921Parameters q921;
  Q931Timers q931;
  CauseMapping causes;  // gateway calls with a trunk; over the trunk's (docs/gateway.md)
  SpanNumbering numbering;
  // NFAS (T1 only): the group whose D-channel signals this span ("" = none),
  // this span's interface identifier in it, and its D-channel's role.
  std::string nfas_group;
  std::uint32_t nfas_interface = 0;  // 0..127
  DChannelRole d_channel = DChannelRole::kPrimary;
  bool operator==(const SpanConfig&) const = default;
};

struct Config {
  std::string source;  // file name the config came from ("<built-in>" for the default)
  std::uint32_t workers = 0;  // event-loop threads; 0 = one per core
  std::string log_level = "info";  // error, warn, info, debug
  std::uint32_t max_message_bytes = 64 * 1024;
  // [node] metrics: where the Prometheus endpoint listens (IP literal and
  // port); none = no endpoint.
  std::optional<HostPort> metrics;
  // Inbound TCP/TLS connections open at once, for the whole node (all
  // workers); 0 = auto: three quarters of RLIMIT_NOFILE when the node starts.
  std::uint32_t max_connections = 0;
  std::uint32_t max_connections_per_source = 128;  // from one IP address; 0 = no limit
  // Bytes waiting to be written on one stream connection (TLS: plaintext not
  // yet sealed and records not yet written); past it the connection is closed.
  std::uint32_t max_output_buffer_bytes = 1024 * 1024;
  UnknownSource unknown_source = UnknownSource::kReject;
  // Requests per second accepted from one IP address that is no trunk's
  // (bursts of twice that); more are dropped. 0 = no limit.
  std::uint32_t unknown_source_rate = 0;
  std::vector<ListenConfig> listen;
  std::vector<TrunkConfig> trunks;
  std::vector<RouteConfig> routes;  // first match wins, in file order
  std::vector<SpanConfig> spans;    // in file order
  TimerConfig timers;
  TlsConfig tls;
  StirConfig stir;

  const TrunkConfig* find_trunk(std::string_view name) const;
  const SpanConfig* find_span(std::string_view name) const;
  bool operator==(const Config&) const = default;
};

// A config problem, naming where it is. what() reads "FILE:LINE: KEY: reason";
// line 0 (the file as a whole, e.g. unreadable) drops ":LINE", an empty key
// drops "KEY: " (docs/config.md, "Errors").
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, const std::string& reason);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& key() const { return key_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
};

// Parses config text; `source_name` is used in errors. Throws ConfigError.
Config parse_config(std::string_view text, std::string_view source_name);
// Reads and parses a file. Throws ConfigError (also for an unreadable file).
Config load_config_file(const std::string& path);
// The built-in config `sipnic run` uses without -c (docs/config.md shows it).
Config default_config();
std::string_view default_config_text();
// The config as config text with every value spelled out (defaults included),
// which parse_config reads back to an equal Config (`check-config --print`).
std::string format_config(const Config& config);

}  // namespace sipnic::core
