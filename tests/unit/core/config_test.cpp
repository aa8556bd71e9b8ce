// Tests for host/core/config.cpp: the file format of docs/config.md, the
// built-in config, and that every error names FILE:LINE and the key.
#include "core/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace sipnic::core {
namespace {

// A [tls] section naming readable files (the config checks they can be read;
// their contents are the TLS layer's business).
std::string tls_section() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("sipnic-config-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    for (const char* f : {"node.crt", "node.key", "ca.crt", "ca.crl"}) std::ofstream(d / f) << "PEM\n";
    return d.string();
  }();
  return "[tls]\ncertificate = " + dir + "/node.crt\nprivate-key = " + dir + "/node.key\nca = " + dir + "/ca.crt\n";
}

// A [stir] section naming readable files (their contents are the stir
// layer's business): the node signs and verifies.
std::string stir_dir() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("sipnic-config-stir-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    for (const char* f : {"sp.key", "index", "sti-ca.crt"}) std::ofstream(d / f) << "PEM\n";
    return d.string();
  }();
  return dir;
}
std::string stir_section() {
  return "[stir]\ncertificate-url = https://cert.sipnic.test/sp.pem\nprivate-key = " + stir_dir() +
         "/sp.key\nrepository = " + stir_dir() + "/index\nca = " + stir_dir() + "/sti-ca.crt\n";
}

// A password file with `mode` (core/secret_file.h: only 0600 or stricter passes).
std::string password_file(unsigned mode) {
  auto d = std::filesystem::temp_directory_path() / ("sipnic-config-pw-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  auto p = d / ("pw-" + std::to_string(mode));
  std::ofstream(p) << "s3cret\n";
  std::filesystem::permissions(p, static_cast<std::filesystem::perms>(mode));
  return p.string();
}

namespace fs = std::filesystem;

// A [listen] section, since a config without one is an error.
constexpr std::string_view kListen = "[listen]\nudp = 127.0.0.1:5060\n";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file in a fresh temporary directory, removed with the object.
class TempFile {
 public:
  explicit TempFile(std::string_view content, std::string name = "t.conf") {
    std::string tmpl = (fs::temp_directory_path() / "sipnic-config-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    path_ = dir_ / name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { fs::remove_all(dir_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& path() const { return path_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  fs::path path_;
};

TEST(Config, BuiltInConfigListensOnLoopbackAndRoutesPbxAndCarrierToEachOther) {
  Config c = default_config();
  EXPECT_EQ(c.source, "<built-in>");
  ASSERT_EQ(c.listen.size(), 4u);
  auto has = [&](Transport t, std::string host) {
    for (const auto& l : c.listen)
      if (l.transport == t && l.address == HostPort{host, 5060}) return true;
    return false;
  };
  EXPECT_TRUE(has(Transport::kUdp, "127.0.0.1"));
  EXPECT_TRUE(has(Transport::kUdp, "::1"));
  EXPECT_TRUE(has(Transport::kTcp, "127.0.0.1"));
  EXPECT_TRUE(has(Transport::kTcp, "::1"));

  ASSERT_EQ(c.trunks.size(), 2u);
  const TrunkConfig* pbx = c.find_trunk("pbx");
  ASSERT_NE(pbx, nullptr);
  EXPECT_EQ(pbx->transport, Transport::kUdp);
  EXPECT_EQ(pbx->peer, (HostPort{"127.0.0.2", 5060}));
  EXPECT_EQ(pbx->options_interval_ms, 0u);
  const TrunkConfig* carrier = c.find_trunk("carrier");
  ASSERT_NE(carrier, nullptr);
  EXPECT_EQ(carrier->transport, Transport::kUdp);
  EXPECT_EQ(carrier->peer, (HostPort{"127.0.0.3", 5060}));

  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].name, "pbx-out");
  EXPECT_EQ(c.routes[0].from_trunk, "pbx");
  EXPECT_EQ(c.routes[0].to_trunk, "carrier");
  EXPECT_EQ(c.routes[1].name, "carrier-in");
  EXPECT_EQ(c.routes[1].from_trunk, "carrier");
  EXPECT_EQ(c.routes[1].to_trunk, "pbx");
}

TEST(Config, BuiltInConfigTextIsQuotedVerbatimInDocs) {
  std::string doc = read_file(fs::path(SIPNIC_SOURCE_DIR) / "docs" / "config.md");
  ASSERT_FALSE(doc.empty());
  EXPECT_NE(doc.find(default_config_text()), std::string::npos)
      << "docs/config.md must show default_config_text() verbatim";
}

// The keys in the tables of one "## [section]" part of docs/config.md.
std::set<std::string> documented_keys(const std::string& doc, const std::string& heading) {
  std::set<std::string> keys;
  std::size_t at = doc.find("\n## " + heading + "\n");
  if (at == std::string::npos) return keys;
  const std::size_t end = doc.find("\n## ", at + 1);
  std::istringstream part(doc.substr(at, end == std::string::npos ? std::string::npos : end - at));
  std::smatch m;
  for (std::string line; std::getline(part, line);) {
    if (std::regex_search(line, m, std::regex("^\\| `([a-z0-9-]+)` \\|"))) keys.insert(m[1]);
  }
  return keys;
}

// The keys the reader knows in a section, as its unknown-key error lists them.
std::set<std::string> known_keys(const std::string& header) {
  try {
    parse_config(header + "\nno-such-key = 1\n", "t.conf");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    const std::size_t at = what.find("known keys: ");
    if (at == std::string::npos) return {};
    std::set<std::string> keys;
    std::istringstream list(what.substr(at + 12));
    for (std::string key; std::getline(list >> std::ws, key, ',');) keys.insert(key);
    return keys;
  }
  return {};
}

TEST(Config, EverySectionsKeyTableInTheDocsListsExactlyTheKeysTheReaderKnows) {
  const std::string doc = read_file(fs::path(SIPNIC_SOURCE_DIR) / "docs" / "config.md");
  for (const auto& [heading, header] : std::vector<std::pair<std::string, std::string>>{
           {"[node]", "[node]"}, {"[listen]", "[listen]"}, {"[timers]", "[timers]"}, {"[tls]", "[tls]"},
           {"[stir]", "[stir]"}, {"[trunk NAME]", "[trunk a]"}, {"[route NAME]", "[route a]"},
           {"[span NAME]", "[span a]"}}) {
    SCOPED_TRACE(heading);
    const std::set<std::string> known = known_keys(header);
    EXPECT_FALSE(known.empty());
    EXPECT_EQ(documented_keys(doc, heading), known);
  }
}

TEST(Config, EveryKeyOfTheDocumentedFormatIsRead) {
  Config c = parse_config(R"(# comment
[node]
workers = 4
log-level = debug
max-message-size = 131072
metrics = 127.0.0.1:9090
max-connections = 5000
max-connections-per-source = 40
max-output-buffer = 262144
unknown-source = drop     # reject | drop
unknown-source-rate = 20  # per IP per second; 0 = no limit

[listen]
udp = 127.0.0.1:5060
udp = [::1]:5062
tcp = 127.0.0.1:5061

[timers]
t1 = 250        # ms
t2 = 2000
t4 = 3000
timer-c = 90000
partial-message-timeout = 5000
first-message-timeout = 3000
tcp-idle-timeout = 300000

[trunk carrier-a]
transport = tcp           # udp | tcp | tls
peer = 127.0.0.3:5070
local = 127.0.0.1         # a tcp listen address
inbound-from = 127.0.0.9  # repeatable
max-calls = 100
max-cps = 10.5
options-interval = 30000  # ms, 0 = off
map-response = 503:480    # repeatable
refer = refuse            # relay | refuse
redirection = history-info  # keep | diversion | history-info
session-timer = required  # off | supported | required
session-expires = 600     # s
min-se = 120              # s
100rel = off              # off | supported | required

[trunk pbx]
peer = 127.0.0.2

[route to-carrier]
match-prefix = +44        # Request-URI user prefix
from-trunk = pbx
to-trunk = carrier-a
strip = 3
prepend = 0044
method = invite message   # repeatable
match-param = cause=486   # repeatable
match-param = target
)",
                          "full.conf");
  EXPECT_EQ(c.source, "full.conf");
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.max_message_bytes, 131072u);
  EXPECT_EQ(c.metrics, (HostPort{"127.0.0.1", 9090}));
  EXPECT_EQ(c.max_connections, 5000u);
  EXPECT_EQ(c.max_connections_per_source, 40u);
  EXPECT_EQ(c.max_output_buffer_bytes, 262144u);
  EXPECT_EQ(c.unknown_source, UnknownSource::kDrop);
  EXPECT_EQ(c.unknown_source_rate, 20u);
  ASSERT_EQ(c.listen.size(), 3u);
  EXPECT_EQ(c.listen[0].transport, Transport::kUdp);
  EXPECT_EQ(c.listen[0].address, (HostPort{"127.0.0.1", 5060}));
  EXPECT_EQ(c.listen[1].address, (HostPort{"::1", 5062}));
  EXPECT_EQ(c.listen[2].transport, Transport::kTcp);
  EXPECT_EQ(c.listen[2].address, (HostPort{"127.0.0.1", 5061}));
  EXPECT_EQ(c.timers.t1_ms, 250u);
  EXPECT_EQ(c.timers.t2_ms, 2000u);
  EXPECT_EQ(c.timers.t4_ms, 3000u);
  EXPECT_EQ(c.timers.timer_c_ms, 90000u);
  EXPECT_EQ(c.timers.partial_message_timeout_ms, 5000u);
  EXPECT_EQ(c.timers.first_message_timeout_ms, 3000u);
  EXPECT_EQ(c.timers.tcp_idle_timeout_ms, 300000u);
  ASSERT_EQ(c.trunks.size(), 2u);
  const TrunkConfig& t = c.trunks[0];
  EXPECT_EQ(t.name, "carrier-a");
  EXPECT_EQ(t.transport, Transport::kTcp);
  EXPECT_EQ(t.peer, (HostPort{"127.0.0.3", 5070}));
  EXPECT_EQ(t.local, "127.0.0.1");
  EXPECT_EQ(c.trunks[1].local, "");
  EXPECT_EQ(t.inbound_from, std::vector<std::string>{"127.0.0.9"});
  EXPECT_EQ(t.max_calls, 100u);
  EXPECT_DOUBLE_EQ(t.max_cps, 10.5);
  EXPECT_EQ(t.options_interval_ms, 30000u);
  EXPECT_EQ(t.response_map, (std::map<int, int>{{503, 480}}));
  EXPECT_TRUE(t.refuse_refer);
  EXPECT_FALSE(c.trunks[1].refuse_refer);  // relay by default
  EXPECT_EQ(t.redirection, RedirectionHeader::kHistoryInfo);
  EXPECT_EQ(c.trunks[1].redirection, RedirectionHeader::kKeep);
  EXPECT_EQ(t.session_timer, ExtensionPolicy::kRequired);
  EXPECT_EQ(t.session_expires_s, 600u);
  EXPECT_EQ(t.min_se_s, 120u);
  EXPECT_EQ(t.prack, ExtensionPolicy::kOff);
  EXPECT_EQ(c.trunks[1].peer, (HostPort{"127.0.0.2", 0}));  // no port: RFC 3263 decides
  ASSERT_EQ(c.routes.size(), 1u);
  const RouteConfig& r = c.routes[0];
  EXPECT_EQ(r.name, "to-carrier");
  EXPECT_EQ(r.match_prefix, "+44");
  EXPECT_EQ(r.from_trunk, "pbx");
  EXPECT_EQ(r.to_trunk, "carrier-a");
  EXPECT_EQ(r.strip, 3u);
  EXPECT_EQ(r.prepend, "0044");
  EXPECT_EQ(r.methods, (std::vector<std::string>{"INVITE", "MESSAGE"}));
  EXPECT_EQ(r.match_params, (std::vector<std::string>{"cause=486", "target"}));
}

TEST(Config, OmittedKeysTakeTheDefaultsOfTheValueTypes) {
  Config c = parse_config(std::string(kListen) + "[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\n",
                          "t.conf");
  const Config d;
  EXPECT_EQ(c.workers, d.workers);
  EXPECT_EQ(c.log_level, d.log_level);
  EXPECT_EQ(c.max_message_bytes, d.max_message_bytes);
  EXPECT_FALSE(c.metrics);  // no endpoint unless asked for
  EXPECT_EQ(c.max_connections, 0u);  // auto: from the descriptor limit at start
  EXPECT_EQ(c.max_connections_per_source, 128u);
  EXPECT_EQ(c.max_output_buffer_bytes, 1024u * 1024);
  EXPECT_EQ(c.unknown_source, UnknownSource::kReject);  // 403, sent once and statelessly
  EXPECT_EQ(c.unknown_source_rate, 0u);                 // no limit
  EXPECT_EQ(c.timers, TimerConfig{});
  EXPECT_EQ(c.timers.first_message_timeout_ms, 10000u);
  TrunkConfig expected_trunk;
  expected_trunk.name = "a";
  expected_trunk.peer = {"10.0.0.1", 0};
  EXPECT_EQ(c.trunks.at(0), expected_trunk);
  // RFC 4028 §4: 1800 s recommended; 90 s the smallest interval allowed.
  EXPECT_EQ(c.trunks.at(0).session_timer, ExtensionPolicy::kSupported);
  EXPECT_EQ(c.trunks.at(0).session_expires_s, 1800u);
  EXPECT_EQ(c.trunks.at(0).min_se_s, 90u);
  EXPECT_EQ(c.trunks.at(0).prack, ExtensionPolicy::kSupported);
  RouteConfig expected_route;
  expected_route.name = "r";
  expected_route.to_trunk = "a";
  EXPECT_EQ(c.routes.at(0), expected_route);
}

TEST(Config, RepeatableKeysKeepEveryValueInFileOrderAcrossLinesAndWithinALine) {
  Config c = parse_config(R"([listen]
tcp = 127.0.0.1:5061
udp = 127.0.0.1:5060 [::1]:5060
tls = 127.0.0.1:5062
[trunk a]
peer = 10.0.0.1
inbound-from = 10.0.0.2
inbound-from = 10.0.0.3 10.0.0.4
map-response = 503:480 486:600
map-response = 404:604
)" + tls_section(),
                          "t.conf");
  ASSERT_EQ(c.listen.size(), 4u);
  EXPECT_EQ(c.listen[0].transport, Transport::kTcp);
  EXPECT_EQ(c.listen[1].transport, Transport::kUdp);
  EXPECT_EQ(c.listen[2].address, (HostPort{"::1", 5060}));
  EXPECT_EQ(c.listen[3].transport, Transport::kTls);
  EXPECT_EQ(c.trunks[0].inbound_from, (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4"}));
  EXPECT_EQ(c.trunks[0].response_map, (std::map<int, int>{{404, 604}, {486, 600}, {503, 480}}));
}

TEST(Config, Ipv6AddressesAreReadInBracketsAndStoredCanonicalWithoutThem) {
  Config c = parse_config(R"([listen]
udp = [0:0:0:0:0:0:0:1]:5060
[trunk v6]
peer = [2001:DB8::10]:5070
inbound-from = 2001:db8::11
inbound-from = [2001:db8::12]
[trunk v6-nop]
peer = [2001:db8::20]
)",
                          "t.conf");
  EXPECT_EQ(c.listen[0].address, (HostPort{"::1", 5060}));
  EXPECT_EQ(c.trunks[0].peer, (HostPort{"2001:db8::10", 5070}));
  EXPECT_EQ(c.trunks[0].inbound_from, (std::vector<std::string>{"2001:db8::11", "2001:db8::12"}));
  EXPECT_EQ(c.trunks[1].peer, (HostPort{"2001:db8::20", 0}));
}

TEST(Config, DomainPeerWithoutPortIsKeptForRfc3263Resolution) {
  Config c = parse_config(std::string(kListen) + tls_section() +
                              "[trunk c]\ntransport = tls\npeer = sip.carrier.example\ntls-identity = sip.carrier.example\n"
                              "[trunk d]\npeer = sbc.example.net:5080\n",
                          "t.conf");
  EXPECT_EQ(c.trunks[0].transport, Transport::kTls);
  EXPECT_EQ(c.trunks[0].peer, (HostPort{"sip.carrier.example", 0}));
  EXPECT_EQ(c.trunks[1].peer, (HostPort{"sbc.example.net", 5080}));
}

TEST(Config, CommentsAndBlankLinesAreIgnoredButHashInsideAValueIsKept) {
  Config c = parse_config(R"(
# full-line comment
; INI-style comment
   # indented comment
[listen]   # comment after a header
udp = 127.0.0.1:5060	# tab then comment
[trunk a]
peer = 10.0.0.1
[route feature-code]
match-prefix = *#31
to-trunk = a
prepend =   # empty value, then a comment
)",
                          "t.conf");
  EXPECT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.routes[0].match_prefix, "*#31");
  EXPECT_EQ(c.routes[0].prepend, "");
}

TEST(Config, CrlfFileReadsTheSameAsLfAndKeepsLineNumbers) {
  std::string lf = std::string(kListen) + "[trunk a]\npeer = 10.0.0.1\nmax-calls = 7\n";
  std::string crlf;
  for (char ch : lf) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  EXPECT_EQ(parse_config(crlf, "t.conf"), parse_config(lf, "t.conf"));
  EXPECT_EQ(parse_config(crlf, "t.conf").trunks[0].max_calls, 7u);

  try {
    parse_config("[listen]\r\nudp = 127.0.0.1:5060\r\n[trunk a]\r\npeer = 10.0.0.1\r\nmax-calls = x\r\n", "crlf.conf");
    FAIL() << "bad max-calls accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.key(), "max-calls");
  }
}

TEST(Config, Utf8ByteOrderMarkAtTheStartIsSkipped) {
  Config c = parse_config("\xEF\xBB\xBF" + std::string(kListen), "bom.conf");
  EXPECT_EQ(c.listen.size(), 1u);
}

TEST(Config, TrunkAndRouteNamesMayBeReferencedBeforeTheyAreDefined) {
  Config c = parse_config(std::string(kListen) + "[route r]\nfrom-trunk = b\nto-trunk = a\n"
                                                 "[trunk a]\npeer = 10.0.0.1\n[trunk b]\npeer = 10.0.0.2\n",
                          "t.conf");
  EXPECT_EQ(c.routes[0].to_trunk, "a");
}

TEST(Config, ConfigWithListenAndNoTrunksIsValid) {
  Config c = parse_config(kListen, "t.conf");
  EXPECT_TRUE(c.trunks.empty());
  EXPECT_TRUE(c.routes.empty());
}

TEST(Config, LogLevelWarningIsStoredAsItsCanonicalNameWarn) {
  Config c = parse_config(std::string(kListen) + "[node]\nlog-level = warning\n", "t.conf");
  EXPECT_EQ(c.log_level, "warn");
}

TEST(Config, FindTrunkReturnsTheTrunkByNameOrNull) {
  Config c = default_config();
  ASSERT_NE(c.find_trunk("carrier"), nullptr);
  EXPECT_EQ(c.find_trunk("carrier")->name, "carrier");
  EXPECT_EQ(c.find_trunk("carrier-b"), nullptr);
  EXPECT_EQ(c.find_trunk(""), nullptr);
}

TEST(Config, TransportNamesAreTheConfigSpellings) {
  EXPECT_EQ(transport_name(Transport::kUdp), "udp");
  EXPECT_EQ(transport_name(Transport::kTcp), "tcp");
  EXPECT_EQ(transport_name(Transport::kTls), "tls");
}

TEST(Config, FormattedConfigParsesBackToAnEqualConfig) {
  Config c = parse_config(R"([node]
workers = 3
log-level = error
metrics = [::1]:9100
max-connections = 77
max-connections-per-source = 0
max-output-buffer = 70000
unknown-source = drop
unknown-source-rate = 7
[listen]
udp = [::1]:5060
tls = 127.0.0.1:5061
[trunk a]
transport = tls
peer = sip.example.com
local = 127.0.0.1
tls-identity = sip.example.com
tls-identity = edge.example.com
inbound-from = ::5 10.0.0.9
max-cps = 0.25
map-response = 503:480 486:600
session-timer = off
session-expires = 90
min-se = 90
100rel = required
[route r]
match-prefix = 00
strip = 2
prepend = +
from-trunk = a
to-trunk = a
[route hash]
match-prefix =#31#
prepend=#
to-trunk = a
)" + tls_section(),
                          "t.conf");
  ASSERT_EQ(c.routes.at(1).match_prefix, "#31#");
  ASSERT_EQ(c.routes.at(1).prepend, "#");
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
  Config d = default_config();
  EXPECT_EQ(parse_config(format_config(d), "<built-in>"), d);
}

TEST(Config, TrunkLocalIsKeptCanonicalWhenAListenEntryOfItsTransportBindsIt) {
  Config c = parse_config(R"([listen]
udp = 127.0.0.1:5060
udp = 127.0.0.2:5060
tcp = [::1]:5060
[trunk inside]
peer = 127.0.0.10
local = 127.0.0.1
[trunk outside]
peer = 127.0.0.20:5060
local = 127.0.0.2
[trunk v6]
transport = tcp
peer = carrier.example
local = 0:0::1
[trunk derived]
peer = 127.0.0.30
)",
                          "t.conf");
  EXPECT_EQ(c.find_trunk("inside")->local, "127.0.0.1");
  EXPECT_EQ(c.find_trunk("outside")->local, "127.0.0.2");
  EXPECT_EQ(c.find_trunk("v6")->local, "::1");  // canonical, as listen entries are
  EXPECT_EQ(c.find_trunk("derived")->local, "");  // from the route to the peer when it runs
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(Config, AuthenticationAndRegistrationKeysAreReadAndRoundTrip) {
  std::string pw = password_file(0600);
  Config c = parse_config(std::string(kListen) + "[trunk itsp]\npeer = 127.0.0.2\n"
                          "auth-username = alice\nauth-password-file = " + pw + "\nauth-realm = itsp.example\n"
                          "register = on\nregister-user = 4420\nregister-domain = itsp.example\n"
                          "registrar = 127.0.0.3:5070\nregister-expires = 600\n"
                          "register-retry = 5\nregister-retry-max = 120\n"
                          "[trunk pbx]\npeer = 127.0.0.4\n"
                          "inbound-auth-username = pbx\ninbound-auth-password-file = " + pw + "\n"
                          "inbound-auth-realm = edge\n",
                          "t.conf");
  const TrunkConfig& itsp = c.trunks.at(0);
  EXPECT_EQ(itsp.auth_username, "alice");
  EXPECT_EQ(itsp.auth_password_file, pw);
  EXPECT_EQ(itsp.auth_realm, "itsp.example");
  EXPECT_TRUE(itsp.register_enabled);
  EXPECT_EQ(itsp.register_user, "4420");
  EXPECT_EQ(itsp.register_domain, "itsp.example");
  EXPECT_EQ(itsp.registrar, (HostPort{"127.0.0.3", 5070}));
  EXPECT_EQ(itsp.register_expires_s, 600u);
  EXPECT_EQ(itsp.register_retry_s, 5u);
  EXPECT_EQ(itsp.register_retry_max_s, 120u);
  EXPECT_TRUE(itsp.inbound_auth_username.empty());
  const TrunkConfig& pbx = c.trunks.at(1);
  EXPECT_FALSE(pbx.register_enabled);
  EXPECT_EQ(pbx.register_expires_s, 3600u);
  EXPECT_EQ(pbx.register_retry_s, 30u);
  EXPECT_EQ(pbx.register_retry_max_s, 1800u);
  EXPECT_EQ(pbx.inbound_auth_username, "pbx");
  EXPECT_EQ(pbx.inbound_auth_password_file, pw);
  EXPECT_EQ(pbx.inbound_auth_realm, "edge");
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
  Config v6 = parse_config(std::string(kListen) + "[trunk r]\npeer = 127.0.0.2\nregister = on\nregister-user = 1\n"
                           "register-domain = [2001:db8::1]\n", "t.conf");
  EXPECT_EQ(v6.trunks[0].register_domain, "2001:db8::1");
  EXPECT_EQ(parse_config(format_config(v6), "t.conf"), v6);
  std::string text = format_config(c);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);  // the config names the file, never the secret
}

TEST(Config, TlsTrunkKeepsItsIdentitiesAndFilesResolvedAgainstTheConfigFolder) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-config-rel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "certs");
  for (const char* f : {"certs/node.crt", "certs/node.key", "certs/ca.crt", "certs/carrier-ca.crt"})
    std::ofstream(dir / f) << "PEM\n";
  std::ofstream(dir / "node.conf") << "[listen]\ntls = 127.0.0.1:5061\n"
                                      "[tls]\ncertificate = certs/node.crt\nprivate-key = certs/node.key\nca = certs/ca.crt\n"
                                      "min-version = 1.3\nhandshake-timeout = 2000\nkey-update-records = 1000\n"
                                      "[trunk carrier]\ntransport = tls\npeer = 127.0.0.3:5061\n"
                                      "tls-identity = carrier.sipnic.test\ntls-ca = certs/carrier-ca.crt\n";
  Config c = load_config_file((dir / "node.conf").string());
  EXPECT_EQ(c.tls.certificate, (dir / "certs/node.crt").string());
  EXPECT_EQ(c.tls.min_version, "1.3");
  EXPECT_EQ(c.tls.handshake_timeout_ms, 2000u);
  EXPECT_EQ(c.tls.key_update_records, 1000u);
  EXPECT_EQ(default_config().tls.key_update_records, 1u << 24);
  EXPECT_EQ(c.trunks[0].tls_identities, std::vector<std::string>{"carrier.sipnic.test"});
  EXPECT_EQ(c.trunks[0].tls_ca, (dir / "certs/carrier-ca.crt").string());
  std::filesystem::remove_all(dir);
}

TEST(Config, StirSectionAndTrunkKeysAreReadResolvedAndRoundTrip) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-config-stir-rel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "stir");
  for (const char* f : {"stir/sp.key", "stir/index", "stir/sti-ca.crt"}) std::ofstream(dir / f) << "PEM\n";
  std::ofstream(dir / "node.conf") << "[listen]\nudp = 127.0.0.1:5060\n"
                                      "[trunk carrier]\npeer = 127.0.0.3\nstir-attest = B\nstir-verify = required\n"
                                      "[trunk pbx]\npeer = 127.0.0.2\nstir-verify = on\n"
                                      "[trunk other]\npeer = 127.0.0.4\n"
                                      "[stir]\ncertificate-url = https://cert.sipnic.test/sp.pem\n"
                                      "private-key = stir/sp.key\nrepository = stir/index\nca = stir/sti-ca.crt\n"
                                      "max-age = 30\n";
  const Config c = load_config_file((dir / "node.conf").string());
  EXPECT_EQ(c.stir.certificate_url, "https://cert.sipnic.test/sp.pem");
  EXPECT_EQ(c.stir.private_key, (dir / "stir/sp.key").string());
  EXPECT_EQ(c.stir.repository, (dir / "stir/index").string());
  EXPECT_EQ(c.stir.ca, (dir / "stir/sti-ca.crt").string());
  EXPECT_EQ(c.stir.max_age_s, 30u);
  EXPECT_EQ(c.find_trunk("carrier")->stir_attest, StirAttest::kB);
  EXPECT_EQ(c.find_trunk("carrier")->stir_verify, StirVerify::kRequired);
  EXPECT_EQ(c.find_trunk("pbx")->stir_attest, StirAttest::kOff);
  EXPECT_EQ(c.find_trunk("pbx")->stir_verify, StirVerify::kOn);
  EXPECT_EQ(c.find_trunk("other")->stir_verify, StirVerify::kOff);
  EXPECT_EQ(parse_config(format_config(c), c.source), c);
  const std::string formatted = format_config(c);
  EXPECT_NE(formatted.find("\n[stir]\ncertificate-url = https://cert.sipnic.test/sp.pem\n"), std::string::npos) << formatted;
  EXPECT_NE(formatted.find("stir-attest = B\nstir-verify = required\n"), std::string::npos) << formatted;
  std::filesystem::remove_all(dir);
}

TEST(Config, StirIsOffWithoutItsKeysAndVerifyOnlyNeedsNoSigningIdentity) {
  const Config d = default_config();
  EXPECT_EQ(d.stir, StirConfig{});
  EXPECT_EQ(d.stir.max_age_s, 60u);
  EXPECT_EQ(d.find_trunk("pbx")->stir_attest, StirAttest::kOff);
  EXPECT_EQ(d.find_trunk("pbx")->stir_verify, StirVerify::kOff);
  const Config v = parse_config(std::string(kListen) + "[stir]\nrepository = " + stir_dir() + "/index\nca = " + stir_dir() +
                                    "/sti-ca.crt\n[trunk a]\npeer = 10.0.0.1\nstir-verify = on\n",
                                "t.conf");
  EXPECT_FALSE(v.stir.can_sign());
  EXPECT_TRUE(v.stir.can_verify());
  EXPECT_EQ(parse_config(format_config(v), "t.conf"), v);
  EXPECT_EQ(stir_attest_name(StirAttest::kC), "C");
  EXPECT_EQ(stir_verify_name(StirVerify::kRequired), "required");
}

// --- [span NAME] -------------------------------------------------------------

TEST(Config, SpanKeysAreReadAndRoundTrip) {
  Config c = parse_config(std::string(kListen) + R"([span pbx]
type = e1
side = nt
switch = qsig
backend = line
listen = /run/sipnic/pbx.sock
channels = 17-31,1-10
group = pbx-group
hunting = round-robin
capture = /var/log/sipnic/pbx.pcap
t200 = 500
t203 = 20000
n200 = 5
k = 127
t301 = 240000
t302 = 10000
t303 = 5000
t304 = 20000
t305 = 25000
t308 = 3000
t309 = 90000
t310 = 10000
t313 = 2000
t316 = 60000
t322 = 3000
)",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 1u);
  const SpanConfig& s = c.spans[0];
  EXPECT_EQ(s.name, "pbx");
  EXPECT_EQ(s.type, SpanType::kE1);
  EXPECT_EQ(s.side, SpanSide::kNetwork);
  EXPECT_EQ(s.switch_variant, SwitchVariant::kQsig);
  EXPECT_EQ(s.backend, SpanBackend::kLine);
  EXPECT_EQ(s.socket_role, SpanSocketRole::kListen);
  EXPECT_EQ(s.socket_path, "/run/sipnic/pbx.sock");
  std::vector<std::uint8_t> channels;  // ascending, whatever the order written
  for (std::uint8_t ch = 1; ch <= 10; ++ch) channels.push_back(ch);
  for (std::uint8_t ch = 17; ch <= 31; ++ch) channels.push_back(ch);
  EXPECT_EQ(s.channels, channels);
  EXPECT_EQ(s.group, "pbx-group");
  EXPECT_EQ(s.hunting, ChannelHunting::kRoundRobin);
  EXPECT_EQ(s.capture, "/var/log/sipnic/pbx.pcap");
  EXPECT_EQ(s.q921, (Q921Parameters{500, 20000, 5, 127}));
  EXPECT_EQ(s.q931, (Q931Timers{240000, 10000, 5000, 20000, 25000, 3000, 90000, 10000, 2000, 60000, 3000}));
  EXPECT_EQ(s.nfas_group, "");
  EXPECT_EQ(s.d_channel, DChannelRole::kPrimary);  // its own
  EXPECT_EQ(c.find_span("pbx"), &c.spans[0]);
  EXPECT_EQ(c.find_span("carrier"), nullptr);
  const std::string text = format_config(c);
  EXPECT_NE(text.find("\nchannels = 1-10,17-31\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nlisten = /run/sipnic/pbx.sock\n"), std::string::npos) << text;
  EXPECT_EQ(parse_config(text, "t.conf"), c);
}

TEST(Config, OmittedSpanKeysTakeTheDefaultsOfTheSpansTypeAndSide) {
  Config c = parse_config(std::string(kListen) +
                              "[span e1-te]\ntype = e1\nconnect = /run/e1.sock\n"
                              "[span t1-nt]\ntype = t1\nside = nt\nconnect = /run/t1.sock\n",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 2u);
  const SpanConfig& e1 = c.spans[0];
  EXPECT_EQ(e1.side, SpanSide::kUser);
  EXPECT_EQ(e1.switch_variant, SwitchVariant::kEuroIsdn);
  EXPECT_EQ(e1.backend, SpanBackend::kFrames);
  EXPECT_EQ(e1.socket_role, SpanSocketRole::kConnect);
  EXPECT_EQ(e1.channels.size(), 30u);  // timeslots 1-15 and 17-31: 16 is the D-channel
  EXPECT_EQ(e1.channels.front(), 1);
  EXPECT_EQ(e1.channels.back(), 31);
  EXPECT_EQ(std::count(e1.channels.begin(), e1.channels.end(), 16), 0);
  EXPECT_EQ(e1.group, "e1-te");                       // its own name
  EXPECT_EQ(e1.hunting, ChannelHunting::kAscending);  // te
  EXPECT_EQ(e1.capture, "");
  EXPECT_TRUE(e1.crc4);  // the line backend's default on E1
  // Q.921: T200 1 s, T203 10 s, N200 3, k 7.
  EXPECT_EQ(e1.q921.t200_ms, 1000u);
  EXPECT_EQ(e1.q921.t203_ms, 10000u);
  EXPECT_EQ(e1.q921.n200, 3u);
  EXPECT_EQ(e1.q921.k, 7u);
  // libpri's pri_default_timers: T303 4 s, T305 30 s, T308 4 s, T309 6 s,
  // T313 4 s; Q.931's for the timers libpri leaves off.
  EXPECT_EQ(e1.q931.t303_ms, 4000u);
  EXPECT_EQ(e1.q931.t305_ms, 30000u);
  EXPECT_EQ(e1.q931.t308_ms, 4000u);
  EXPECT_EQ(e1.q931.t309_ms, 6000u);
  EXPECT_EQ(e1.q931.t313_ms, 4000u);
  EXPECT_EQ(e1.q931.t301_ms, 180000u);
  EXPECT_EQ(e1.q931.t302_ms, 15000u);
  EXPECT_EQ(e1.q931.t304_ms, 30000u);
  EXPECT_EQ(e1.q931.t310_ms, 30000u);
  EXPECT_EQ(e1.q931.t316_ms, 120000u);
  EXPECT_EQ(e1.q931.t322_ms, 4000u);
  EXPECT_EQ(e1.nfas_group, "");
  EXPECT_EQ(e1.d_channel, DChannelRole::kPrimary);
  const SpanConfig& t1 = c.spans[1];
  EXPECT_EQ(t1.switch_variant, SwitchVariant::kNi2);
  EXPECT_EQ(t1.channels.size(), 23u);  // 1-23: 24 is the D-channel
  EXPECT_EQ(t1.channels.back(), 23);
  EXPECT_EQ(t1.hunting, ChannelHunting::kDescending);  // nt: from the other end than the te side
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(Config, SpanT309ZeroIsOff) {
  Config c = parse_config(std::string(kListen) + "[span a]\ntype = t1\nconnect = /run/a.sock\nt309 = 0\n", "t.conf");
  EXPECT_EQ(c.spans.at(0).q931.t309_ms, 0u);
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(Config, NfasGroupSpansHaveOnePrimaryAnOptionalBackupAndSpansWithoutADChannelHave24BChannelsOnTheirSocket) {
  Config c = parse_config(std::string(kListen) + R"([span t1a]
type = t1
connect = /run/t1a.sock
nfas-group = carrier
nfas-interface = 0
d-channel = primary
[span t1b]
type = t1
connect = /run/t1b.sock
nfas-group = carrier
nfas-interface = 1
d-channel = backup
[span t1c]
type = t1
connect = /run/t1c.sock
nfas-group = carrier
nfas-interface = 2
[span t1d]
type = t1
connect = /run/t1d.sock
nfas-group = carrier
nfas-interface = 127
channels = 1-12,24
)",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 4u);
  EXPECT_EQ(c.spans[0].d_channel, DChannelRole::kPrimary);
  EXPECT_EQ(c.spans[0].channels.size(), 23u);
  EXPECT_EQ(c.spans[1].d_channel, DChannelRole::kBackup);
  EXPECT_EQ(c.spans[1].channels.size(), 23u);  // 24 stands by as the D-channel
  EXPECT_EQ(c.spans[2].d_channel, DChannelRole::kNone);  // the default in an NFAS group
  EXPECT_EQ(c.spans[2].nfas_interface, 2u);
  EXPECT_EQ(c.spans[2].channels.size(), 24u);
  EXPECT_EQ(c.spans[2].channels.back(), 24);
  EXPECT_EQ(c.spans[3].nfas_interface, 127u);
  EXPECT_EQ(c.spans[3].channels.back(), 24);
  for (const auto& s : c.spans) {
    EXPECT_EQ(s.nfas_group, "carrier");
    EXPECT_EQ(s.group, "carrier") << s.name << ": the group's spans are hunted together";
  }
  // A span without a D-channel has no D-channel socket: its socket carries
  // its B-channels.
  EXPECT_EQ(c.spans[0].socket_path, "/run/t1a.sock");
  EXPECT_EQ(c.spans[0].b_channels_socket, "");
  EXPECT_EQ(c.spans[2].socket_path, "");
  EXPECT_EQ(c.spans[2].b_channels_socket, "/run/t1c.sock");
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
  // A span outside NFAS may say what it is anyway.
  Config own = parse_config(std::string(kListen) + "[span a]\ntype = t1\nconnect = /run/a.sock\nd-channel = primary\n",
                            "t.conf");
  EXPECT_EQ(own.spans.at(0).d_channel, DChannelRole::kPrimary);
}

TEST(Config, SpansOfOneGroupAreAlikeAndDefaultGroupsAreTheSpanNames) {
  Config c = parse_config(std::string(kListen) +
                              "[span a]\ntype = e1\nside = nt\nconnect = /run/a.sock\n"
                              "[span b]\ntype = e1\nside = nt\nconnect = /run/b.sock\ngroup = a\n"
                              "[span c]\ntype = e1\nside = nt\nconnect = /run/c.sock\n",
                          "t.conf");
  EXPECT_EQ(c.find_span("a")->group, "a");
  EXPECT_EQ(c.find_span("b")->group, "a");  // hunted over with span a
  EXPECT_EQ(c.find_span("c")->group, "c");
}

TEST(ConfigSpan, AFramesSpanMayHaveABChannelSocketBesideItsDChannelSocket) {
  Config c = parse_config(std::string(kListen) + "[span a]\ntype = t1\nlisten = /run/a.sock\nb-channels-socket = /run/a-b.sock\n",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 1u);
  EXPECT_EQ(c.spans[0].b_channels_socket, "/run/a-b.sock");
  EXPECT_EQ(c.spans[0].socket_role, SpanSocketRole::kListen);
}

TEST(ConfigSpan, AnNfasLineSpanWithoutADChannelKeepsItsLineSocketAndChannel24) {
  // On the line backend the span's socket is its line signal as ever; its
  // channel 24 is a B-channel in it.
  Config c = parse_config(std::string(kListen) +
                              "[span a]\ntype = t1\nbackend = line\nconnect = /run/a.sock\nnfas-group = n\n"
                              "nfas-interface = 0\nd-channel = primary\n"
                              "[span b]\ntype = t1\nbackend = line\nconnect = /run/b.sock\nnfas-group = n\n"
                              "nfas-interface = 1\n",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 2u);
  EXPECT_EQ(c.spans[1].d_channel, DChannelRole::kNone);
  EXPECT_EQ(c.spans[1].socket_path, "/run/b.sock");
  EXPECT_EQ(c.spans[1].b_channels_socket, "");
  EXPECT_EQ(c.spans[1].channels.size(), 24u);
  EXPECT_EQ(c.spans[1].channels.back(), 24);
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(Config, TrunksAndSpansTakeACauseProfileAndExceptionsToIt) {
  Config c = parse_config(std::string(kListen) +
                              "[trunk itsp]\npeer = 10.0.0.1\ncause-profile = rfc3398\n"
                              "cause-to-status = 47:500 21:603\nstatus-to-cause = 480:19\n"
                              "[span pbx]\ntype = e1\nconnect = /run/a.sock\ncause-to-status = 34:486\n",
                          "t.conf");
  const TrunkConfig& t = c.trunks.at(0);
  EXPECT_EQ(t.causes.profile, CauseProfile::kRfc3398);
  EXPECT_EQ(t.causes.cause_to_status, (std::map<std::uint8_t, std::uint16_t>{{21, 603}, {47, 500}}));
  EXPECT_EQ(t.causes.status_to_cause, (std::map<std::uint16_t, std::uint8_t>{{480, 19}}));
  EXPECT_EQ(c.spans.at(0).causes.cause_to_status, (std::map<std::uint8_t, std::uint16_t>{{34, 486}}));
  EXPECT_TRUE(c.spans.at(0).causes.status_to_cause.empty());
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(ConfigSpan, NumberingTakesTheLinesPrefixesByDefaultAndTheCountryAndAreaGiven) {
  Config c = parse_config(std::string(kListen) +
                              "[span e]\ntype = e1\nconnect = /run/e.sock\ncountry-code = 49\narea-code = 30\n"
                              "[span t]\ntype = t1\nconnect = /run/t.sock\n"
                              "[span x]\ntype = t1\nconnect = /run/x.sock\nnational-prefix = 0\ninternational-prefix = 00\n"
                              "dial-plan = NXXNXXXXXX\ndial-plan = 011.\n",
                          "t.conf");
  EXPECT_EQ(c.spans[0].numbering, (SpanNumbering{"49", "30", "0", "00", {}}));
  EXPECT_EQ(c.spans[1].numbering, (SpanNumbering{"", "", "1", "011", {}}));
  EXPECT_EQ(c.spans[2].numbering, (SpanNumbering{"", "", "0", "00", {"NXXNXXXXXX", "011."}}));
  EXPECT_EQ(parse_config(format_config(c), "t.conf"), c);
}

TEST(ConfigSpan, ALineSpanOnE1MayTurnCrc4Off) {
  Config c = parse_config(std::string(kListen) + "[span a]\ntype = e1\nbackend = line\nlisten = /run/a.sock\ncrc4 = off\n",
                          "t.conf");
  ASSERT_EQ(c.spans.size(), 1u);
  EXPECT_EQ(c.spans[0].backend, SpanBackend::kLine);
  EXPECT_FALSE(c.spans[0].crc4);
}

TEST(Config, SpanSocketAndCapturePathsAreResolvedAgainstTheConfigFolder) {
  TempFile f(std::string(kListen) + "[span a]\ntype = e1\nlisten = spans/a.sock\ncapture = ./a.pcap\n");
  Config c = load_config_file(f.path().string());
  EXPECT_EQ(c.spans.at(0).socket_path, (f.dir() / "spans/a.sock").string());
  EXPECT_EQ(c.spans.at(0).capture, (f.dir() / "a.pcap").string());
  EXPECT_EQ(parse_config(format_config(c), c.source), c);
}

TEST(Config, SpanSocketPathMayFillSunPath) {
  const std::string longest = "/" + std::string(106, 's');  // 107 bytes and the NUL: sun_path's 108
  Config c = parse_config(std::string(kListen) + "[span a]\ntype = e1\nconnect = " + longest + "\n", "t.conf");
  EXPECT_EQ(c.spans.at(0).socket_path, longest);
}

TEST(Config, SpanEnumNamesAreTheConfigSpellings) {
  EXPECT_EQ(span_type_name(SpanType::kE1), "e1");
  EXPECT_EQ(span_type_name(SpanType::kT1), "t1");
  EXPECT_EQ(span_side_name(SpanSide::kUser), "te");
  EXPECT_EQ(span_side_name(SpanSide::kNetwork), "nt");
  EXPECT_EQ(switch_variant_name(SwitchVariant::kEuroIsdn), "euroisdn");
  EXPECT_EQ(switch_variant_name(SwitchVariant::kNi2), "ni2");
  EXPECT_EQ(switch_variant_name(SwitchVariant::kDms100), "dms100");
  EXPECT_EQ(switch_variant_name(SwitchVariant::k4ess), "4ess");
  EXPECT_EQ(switch_variant_name(SwitchVariant::k5ess), "5ess");
  EXPECT_EQ(switch_variant_name(SwitchVariant::kQsig), "qsig");
  EXPECT_EQ(span_backend_name(SpanBackend::kFrames), "frames");
  EXPECT_EQ(span_backend_name(SpanBackend::kLine), "line");
  EXPECT_EQ(span_socket_role_name(SpanSocketRole::kConnect), "connect");
  EXPECT_EQ(span_socket_role_name(SpanSocketRole::kListen), "listen");
  EXPECT_EQ(channel_hunting_name(ChannelHunting::kAscending), "ascending");
  EXPECT_EQ(channel_hunting_name(ChannelHunting::kDescending), "descending");
  EXPECT_EQ(channel_hunting_name(ChannelHunting::kRoundRobin), "round-robin");
  EXPECT_EQ(d_channel_role_name(DChannelRole::kPrimary), "primary");
  EXPECT_EQ(d_channel_role_name(DChannelRole::kBackup), "backup");
  EXPECT_EQ(d_channel_role_name(DChannelRole::kNone), "none");
  // Every variant is read by its name.
  for (auto v : {SwitchVariant::kEuroIsdn, SwitchVariant::kNi2, SwitchVariant::kDms100, SwitchVariant::k4ess,
                 SwitchVariant::k5ess, SwitchVariant::kQsig}) {
    Config c = parse_config(std::string(kListen) + "[span a]\ntype = t1\nconnect = /run/a.sock\nswitch = " +
                                std::string(switch_variant_name(v)) + "\n",
                            "t.conf");
    EXPECT_EQ(c.spans.at(0).switch_variant, v);
  }
}

TEST(Config, BChannelNumbersLeaveOutTheDChannelUnlessAnNfasSpanHasNone) {
  EXPECT_EQ(d_channel_number(SpanType::kE1), 16);
  EXPECT_EQ(d_channel_number(SpanType::kT1), 24);
  auto e1 = b_channel_numbers(SpanType::kE1, DChannelRole::kPrimary);
  EXPECT_EQ(e1.size(), 30u);
  EXPECT_EQ(std::count(e1.begin(), e1.end(), 0), 0);  // TS0 is framing
  EXPECT_EQ(std::count(e1.begin(), e1.end(), 16), 0);
  EXPECT_EQ(b_channel_numbers(SpanType::kT1, DChannelRole::kPrimary).size(), 23u);
  EXPECT_EQ(b_channel_numbers(SpanType::kT1, DChannelRole::kBackup).size(), 23u);
  EXPECT_EQ(b_channel_numbers(SpanType::kT1, DChannelRole::kNone).size(), 24u);
  EXPECT_EQ(default_switch_variant(SpanType::kE1), SwitchVariant::kEuroIsdn);
  EXPECT_EQ(default_switch_variant(SpanType::kT1), SwitchVariant::kNi2);
  EXPECT_EQ(default_channel_hunting(SpanSide::kNetwork), ChannelHunting::kDescending);
  EXPECT_EQ(default_channel_hunting(SpanSide::kUser), ChannelHunting::kAscending);
}

// --- errors -----------------------------------------------------------------

struct ErrorCase {
  const char* label;
  std::string text;
  int line;
  std::string key;
  std::string reason;  // a part of the reason
};

std::ostream& operator<<(std::ostream& o, const ErrorCase& c) { return o << c.label; }

class ConfigErrorNamesFileLineAndKey : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorNamesFileLineAndKey, ForThisMistake) {
  const ErrorCase& c = GetParam();
  try {
    parse_config(c.text, "site.conf");
    FAIL() << "accepted:\n" << c.text;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "site.conf");
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_EQ(e.key(), c.key) << e.what();
    std::string prefix = "site.conf" + (c.line ? ":" + std::to_string(c.line) : std::string()) + ": " +
                         (c.key.empty() ? std::string() : c.key + ": ");
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << e.what();
  }
}

std::string L(std::string rest) { return std::string(kListen) + rest; }  // [listen] is lines 1-2

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigErrorNamesFileLineAndKey,
    ::testing::Values(
        ErrorCase{"route_method_not_routed", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\nmethod = REGISTER\n"), 7, "method", "'REGISTER' is not a method routes take (INVITE, MESSAGE, PUBLISH, SUBSCRIBE)"},
        ErrorCase{"route_match_param_malformed", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\nmatch-param = cause=\n"), 7, "match-param", "'cause=' is not name or name=value"},
        ErrorCase{"redirection_unknown", L("[trunk a]\npeer = 10.0.0.1\nredirection = both\n"), 5, "redirection", "'both' is not keep, diversion or history-info"},
        ErrorCase{"refer_unknown", L("[trunk a]\npeer = 10.0.0.1\nrefer = ignore\n"), 5, "refer", "'ignore' is not relay or refuse"},
        ErrorCase{"unknown_key", L("[trunk a]\npeer = 10.0.0.1\nmax-call = 3\n"), 5, "max-call", "unknown key in [trunk]"},
        ErrorCase{"tls_listen_without_certificate", L("[listen]\n").substr(0, 0) + "[listen]\ntls = 127.0.0.1:5061\n", 0, "[tls]", "needs [tls] certificate"},
        ErrorCase{"tls_file_missing", L("[tls]\ncertificate = /nonexistent/node.crt\nprivate-key = /nonexistent/node.key\n"), 4, "certificate", "/nonexistent/node.crt: No such file"},
        ErrorCase{"tls_min_version_unknown", L("[tls]\nmin-version = 1.1\n"), 4, "min-version", "not 1.2 or 1.3"},
        ErrorCase{"tls_key_update_records_zero", L("[tls]\nkey-update-records = 0\n"), 4, "key-update-records", "1..16777216"},
        ErrorCase{"tls_max_version_below_min", L("[tls]\nmin-version = 1.3\nmax-version = 1.2\n"), 5, "max-version", "below min-version 1.3"},
        ErrorCase{"tls_trunk_without_identity", L(tls_section() + "[trunk a]\ntransport = tls\npeer = 10.0.0.1\n"), 7, "tls-identity", "needs at least one"},
        ErrorCase{"tls_identity_on_udp_trunk", L("[trunk a]\npeer = 10.0.0.1\ntls-identity = a.example\n"), 3, "tls-identity", "is not transport = tls"},
        ErrorCase{"tls_identity_shared_by_two_trunks", L(tls_section() + "[trunk a]\ntransport = tls\npeer = 10.0.0.1\ntls-identity = X.example\n[trunk b]\ntransport = tls\npeer = 10.0.0.2\ntls-identity = x.example\n"), 11, "tls-identity", "already identifies trunk 'a'"},
        ErrorCase{"tls_trunk_without_ca", L("[tls]\ncertificate = " + std::string("/etc/hostname") + "\nprivate-key = /etc/hostname\n[trunk a]\ntransport = tls\npeer = 10.0.0.1\ntls-identity = a.example\n"), 6, "tls-ca", "no CAs to trust"},
        ErrorCase{"max_calls_not_a_number", L("[trunk a]\npeer = 10.0.0.1\nmax-calls = lots\n"), 5, "max-calls", "not a whole number"},
        ErrorCase{"max_calls_negative", L("[trunk a]\npeer = 10.0.0.1\nmax-calls = -1\n"), 5, "max-calls", "not a whole number"},
        ErrorCase{"max_calls_out_of_range", L("[trunk a]\npeer = 10.0.0.1\nmax-calls = 99999999999\n"), 5, "max-calls", "out of range 0..1000000"},
        ErrorCase{"number_empty", L("[node]\nworkers =\n"), 4, "workers", "not a whole number"},
        ErrorCase{"workers_out_of_range", L("[node]\nworkers = 5000\n"), 4, "workers", "out of range"},
        ErrorCase{"max_connections_out_of_range", L("[node]\nmax-connections = 2000000\n"), 4, "max-connections", "out of range 0..1000000"},
        ErrorCase{"max_connections_per_source_not_a_number", L("[node]\nmax-connections-per-source = many\n"), 4, "max-connections-per-source", "not a whole number"},
        ErrorCase{"max_output_buffer_too_small", L("[node]\nmax-output-buffer = 1000\n"), 4, "max-output-buffer", "out of range 16384..1073741824"},
        ErrorCase{"max_output_buffer_below_message_size", L("[node]\nmax-message-size = 131072\nmax-output-buffer = 65536\n"), 5, "max-output-buffer", "must not be below max-message-size (131072)"},
        ErrorCase{"message_size_above_default_output_buffer", L("[node]\nmax-message-size = 2000000\n"), 4, "max-message-size", "must not be below max-message-size (2000000)"},
        ErrorCase{"first_message_timeout_zero", L("[timers]\nfirst-message-timeout = 0\n"), 4, "first-message-timeout", "out of range 100..3600000"},
        ErrorCase{"max_cps_not_finite", L("[trunk a]\npeer = 10.0.0.1\nmax-cps = inf\n"), 5, "max-cps", "not a number"},
        ErrorCase{"max_cps_negative", L("[trunk a]\npeer = 10.0.0.1\nmax-cps = -2\n"), 5, "max-cps", "out of range"},
        ErrorCase{"key_given_twice", L("[trunk a]\npeer = 10.0.0.1\nmax-calls = 1\n\nmax-calls = 2\n"), 7, "max-calls", "first at line 5"},
        ErrorCase{"single_value_key_with_two_values", L("[trunk a]\npeer = 10.0.0.1 10.0.0.2\n"), 4, "peer", "takes one value"},
        ErrorCase{"log_level_unknown", L("[node]\nlog-level = loud\n"), 4, "log-level", "'loud'"},
        ErrorCase{"unknown_source_unknown", L("[node]\nworkers = 1\nunknown-source = ignore\n"), 5, "unknown-source", "'ignore' is not reject or drop"},
        ErrorCase{"unknown_source_rate_out_of_range", L("[node]\nunknown-source-rate = 100001\n"), 4, "unknown-source-rate", "out of range 0..100000"},
        ErrorCase{"unknown_source_rate_not_a_number", L("[node]\nunknown-source-rate = many\n"), 4, "unknown-source-rate", "not a whole number"},
        ErrorCase{"local_is_a_domain_name", L("[trunk a]\npeer = 10.0.0.1\nlocal = edge.example\n"), 5, "local", "'edge.example' is not an IP address"},
        ErrorCase{"local_with_a_port", L("[trunk a]\npeer = 10.0.0.1\nlocal = 127.0.0.1:5060\n"), 5, "local", "is not an IP address (no port"},
        ErrorCase{"local_that_no_listen_entry_binds", L("[trunk a]\npeer = 10.0.0.1\nlocal = 127.0.0.2\n"), 5, "local", "no [listen] udp entry binds 127.0.0.2"},
        ErrorCase{"local_listened_on_another_transport", L("[trunk a]\ntransport = tcp\npeer = 10.0.0.1\nlocal = 127.0.0.1\n"), 6, "local", "no [listen] tcp entry binds 127.0.0.1"},
        ErrorCase{"local_of_another_family_than_the_peer", "[listen]\nudp = 127.0.0.1:5060\nudp = [::1]:5060\n[trunk a]\npeer = [::5]:5060\nlocal = 127.0.0.1\n", 6, "local", "127.0.0.1 is IPv4 but the peer ::5 is IPv6"},
        ErrorCase{"transport_unknown", L("[trunk a]\npeer = 10.0.0.1\ntransport = sctp\n"), 5, "transport", "not udp, tcp or tls"},
        ErrorCase{"unknown_section", L("[pri e1]\n"), 3, "[pri e1]", "unknown section; expected one of node, listen, timers, tls, stir, trunk NAME, route NAME, span NAME"},
        ErrorCase{"span_without_name", L("[span]\ntype = e1\n"), 3, "[span]", "expected [span NAME] with one name"},
        ErrorCase{"span_without_type", L("[span a]\nconnect = /run/a.sock\n"), 3, "type", "missing; every [span] needs it"},
        ErrorCase{"span_type_unknown", L("[span a]\ntype = j1\nconnect = /run/a.sock\n"), 4, "type", "'j1' is not e1 or t1"},
        ErrorCase{"span_side_unknown", L("[span a]\ntype = e1\nside = user\nconnect = /run/a.sock\n"), 5, "side", "'user' is not te or nt"},
        ErrorCase{"span_switch_unknown", L("[span a]\ntype = t1\nswitch = ni1\nconnect = /run/a.sock\n"), 5, "switch", "'ni1' is not euroisdn, ni2, dms100, 4ess, 5ess or qsig"},
        ErrorCase{"span_backend_unknown", L("[span a]\ntype = e1\nbackend = dahdi\nconnect = /run/a.sock\n"), 5, "backend", "'dahdi' is not frames or line"},
        ErrorCase{"span_unknown_key", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt306 = 30000\n"), 6, "t306", "unknown key in [span]"},
        ErrorCase{"span_without_socket", L("[span a]\ntype = e1\n"), 3, "connect", "needs connect = PATH or listen = PATH"},
        ErrorCase{"span_with_connect_and_listen", L("[span a]\ntype = e1\nconnect = /run/a.sock\nlisten = /run/b.sock\n"), 6, "listen", "connect or listen, not both"},
        ErrorCase{"span_socket_path_empty", L("[span a]\ntype = e1\nlisten =\n"), 5, "listen", "empty; give a file path"},
        ErrorCase{"span_socket_path_too_long_for_sun_path", L("[span a]\ntype = e1\nconnect = /" + std::string(107, 's') + "\n"), 5, "connect", "is 108 bytes; a Unix socket path holds at most 107"},
        ErrorCase{"span_channel_is_the_e1_d_channel", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1-16\n"), 6, "channels", "16 is the D-channel of an E1"},
        ErrorCase{"span_channel_is_the_t1_d_channel", L("[span a]\ntype = t1\nconnect = /run/a.sock\nchannels = 20-24\n"), 6, "channels", "24 is the D-channel of a T1"},
        ErrorCase{"span_channel_beyond_an_e1", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1,32\n"), 6, "channels", "32 is not a B-channel of an E1 (1-15,17-31)"},
        ErrorCase{"span_channel_beyond_a_t1", L("[span a]\ntype = t1\nconnect = /run/a.sock\nchannels = 25\n"), 6, "channels", "25 is not a B-channel of a T1 (1-23)"},
        ErrorCase{"span_channel_zero", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 0-3\n"), 6, "channels", "0 is not a B-channel of an E1"},
        ErrorCase{"span_channel_listed_twice", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1-5,3\n"), 6, "channels", "channel 3 is listed twice"},
        ErrorCase{"span_channel_range_backwards", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 15-1\n"), 6, "channels", "'15-1' runs backwards"},
        ErrorCase{"span_channel_not_a_number", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1-x\n"), 6, "channels", "'1-x' is not a channel or a range N-M"},
        ErrorCase{"span_channel_list_with_an_empty_item", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1-5,,7\n"), 6, "channels", "'' is not a channel or a range N-M"},
        ErrorCase{"span_channel_list_with_a_blank", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels = 1-15, 17-31\n"), 6, "channels", "takes one value"},
        ErrorCase{"span_channels_empty", L("[span a]\ntype = e1\nconnect = /run/a.sock\nchannels =\n"), 6, "channels", "empty; list the B-channels"},
        ErrorCase{"span_hunting_unknown", L("[span a]\ntype = e1\nconnect = /run/a.sock\nhunting = random\n"), 6, "hunting", "'random' is not ascending, descending or round-robin"},
        ErrorCase{"span_group_bad_name", L("[span a]\ntype = e1\nconnect = /run/a.sock\ngroup = a/b\n"), 6, "group", "name must be"},
        ErrorCase{"span_capture_empty", L("[span a]\ntype = e1\nconnect = /run/a.sock\ncapture =\n"), 6, "capture", "empty; give a file path"},
        ErrorCase{"span_b_channels_socket_on_a_line_span", L("[span a]\ntype = e1\nbackend = line\nconnect = /run/a.sock\nb-channels-socket = /run/b.sock\n"), 7, "b-channels-socket", "is the frames backend's"},
        ErrorCase{"span_b_channels_socket_is_the_d_channel_socket", L("[span a]\ntype = e1\nconnect = /run/a.sock\nb-channels-socket = /run/a.sock\n"), 6, "b-channels-socket", "is the span's D-channel socket too"},
        ErrorCase{"spans_sharing_a_b_channels_socket", L("[span a]\ntype = e1\nconnect = /run/a.sock\n[span b]\ntype = e1\nconnect = /run/b.sock\nb-channels-socket = /run/a.sock\n"), 9, "b-channels-socket", "'/run/a.sock' is already a socket of span 'a'"},
        ErrorCase{"span_crc4_not_on_or_off", L("[span a]\ntype = e1\nbackend = line\nconnect = /run/a.sock\ncrc4 = yes\n"), 7, "crc4", "'yes' is not on or off"},
        ErrorCase{"span_crc4_on_t1", L("[span a]\ntype = t1\nbackend = line\nconnect = /run/a.sock\ncrc4 = off\n"), 7, "crc4", "CRC-4 is E1's"},
        ErrorCase{"span_crc4_on_frames", L("[span a]\ntype = e1\nconnect = /run/a.sock\ncrc4 = off\n"), 6, "crc4", "needs backend = line"},
        ErrorCase{"span_k_above_modulo_128", L("[span a]\ntype = e1\nconnect = /run/a.sock\nk = 128\n"), 6, "k", "out of range 1..127"},
        ErrorCase{"span_k_zero", L("[span a]\ntype = e1\nconnect = /run/a.sock\nk = 0\n"), 6, "k", "out of range 1..127"},
        ErrorCase{"span_n200_zero", L("[span a]\ntype = e1\nconnect = /run/a.sock\nn200 = 0\n"), 6, "n200", "out of range 1..16"},
        ErrorCase{"span_t200_too_short", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt200 = 10\n"), 6, "t200", "out of range 100..30000"},
        ErrorCase{"span_t203_not_above_t200", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt203 = 4000\nt200 = 5000\n"), 6, "t203", "t203 (4000 ms) must be above t200 (5000 ms)"},
        ErrorCase{"span_t200_above_the_default_t203", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt200 = 20000\n"), 6, "t200", "t203 (10000 ms) must be above t200 (20000 ms)"},
        ErrorCase{"span_q931_timer_too_short", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt303 = 50\n"), 6, "t303", "out of range 100..3600000"},
        ErrorCase{"span_q931_timer_too_long", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt301 = 3600001\n"), 6, "t301", "out of range 100..3600000"},
        ErrorCase{"span_t309_neither_off_nor_100_ms", L("[span a]\ntype = e1\nconnect = /run/a.sock\nt309 = 50\n"), 6, "t309", "must be 0 (off"},
        ErrorCase{"duplicate_span_name", L("[span a]\ntype = e1\nconnect = /run/a.sock\n[span a]\ntype = e1\nconnect = /run/b.sock\n"), 6, "[span a]", "duplicate span name (first at line 3)"},
        ErrorCase{"spans_sharing_a_socket", L("[span a]\ntype = e1\nconnect = /run/a.sock\n[span b]\ntype = e1\nlisten = /run/../run/a.sock\n"), 8, "listen", "'/run/a.sock' is already the socket of span 'a' (line 3)"},
        ErrorCase{"spans_sharing_a_capture_file", L("[span a]\ntype = e1\nconnect = /run/a.sock\ncapture = /tmp/d.pcap\n[span b]\ntype = e1\nconnect = /run/b.sock\ncapture = /tmp/d.pcap\n"), 10, "capture", "'/tmp/d.pcap' is already the capture file of span 'a' (line 3)"},
        ErrorCase{"span_group_mixing_e1_and_t1", L("[span a]\ntype = e1\nconnect = /run/a.sock\n[span b]\ntype = t1\nconnect = /run/b.sock\ngroup = a\n"), 9, "group", "span group 'a' mixes E1 and T1: span 'a' (line 3) is e1, span 'b' is t1"},
        ErrorCase{"span_group_mixing_sides", L("[span a]\ntype = e1\nconnect = /run/a.sock\ngroup = g\n[span b]\ntype = e1\nside = nt\nhunting = ascending\nconnect = /run/b.sock\ngroup = g\n"), 12, "group", "span group 'g' mixes sides: span 'a' (line 3) is te, span 'b' is nt"},
        ErrorCase{"span_group_mixing_hunting_orders", L("[span a]\ntype = e1\nconnect = /run/a.sock\ngroup = g\n[span b]\ntype = e1\nhunting = round-robin\nconnect = /run/b.sock\ngroup = g\n"), 11, "group", "mixes hunting orders: span 'a' (line 3) is ascending, span 'b' is round-robin"},
        ErrorCase{"span_group_named_after_a_later_span_is_blamed_where_it_is_written", L("[span a]\ntype = e1\nconnect = /run/a.sock\ngroup = b\n[span b]\ntype = t1\nconnect = /run/b.sock\n"), 6, "group", "span group 'b' mixes E1 and T1"},
        ErrorCase{"nfas_on_an_e1", L("[span a]\ntype = e1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\n"), 6, "nfas-group", "NFAS is for T1 spans"},
        ErrorCase{"nfas_group_bad_name", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n:1\nnfas-interface = 0\n"), 6, "nfas-group", "name must be"},
        ErrorCase{"nfas_span_without_interface", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\n"), 3, "nfas-interface", "missing; a span of an NFAS group needs"},
        ErrorCase{"nfas_interface_out_of_range", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 128\n"), 7, "nfas-interface", "out of range 0..127"},
        ErrorCase{"nfas_interface_without_group", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-interface = 1\n"), 6, "nfas-interface", "needs nfas-group"},
        ErrorCase{"d_channel_unknown", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = spare\n"), 8, "d-channel", "'spare' is not primary, backup or none"},
        ErrorCase{"d_channel_backup_without_nfas", L("[span a]\ntype = t1\nconnect = /run/a.sock\nd-channel = backup\n"), 6, "d-channel", "d-channel = backup needs nfas-group"},
        ErrorCase{"nfas_group_without_primary", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = backup\n[span b]\ntype = t1\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\n"), 6, "nfas-group", "NFAS group 'n' has no primary D-channel"},
        ErrorCase{"nfas_group_with_two_primaries", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = primary\n[span b]\ntype = t1\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\nd-channel = primary\n"), 14, "d-channel", "NFAS group 'n' has its primary D-channel already on span 'a' (line 3)"},
        ErrorCase{"nfas_group_with_two_backups", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = backup\n[span b]\ntype = t1\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\nd-channel = backup\n"), 14, "d-channel", "has its backup D-channel already on span 'a'"},
        ErrorCase{"nfas_interface_twice_in_a_group", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 4\nd-channel = primary\n[span b]\ntype = t1\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 4\n"), 13, "nfas-interface", "interface 4 of NFAS group 'n' is already span 'a' (line 3)"},
        ErrorCase{"nfas_group_mixing_sides", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = primary\n[span b]\ntype = t1\nside = nt\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\n"), 11, "side", "NFAS group 'n': span 'a' (line 3) is te, span 'b' is nt; one D-channel signals the whole group"},
        ErrorCase{"nfas_group_mixing_switches", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = primary\n[span b]\ntype = t1\nswitch = dms100\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\n"), 11, "switch", "span 'a' (line 3) is ni2, span 'b' is dms100"},
        ErrorCase{"nfas_span_without_dchannel_and_a_b_channels_socket", L("[span a]\ntype = t1\nconnect = /run/a.sock\nb-channels-socket = /run/a-b.sock\nnfas-group = n\nnfas-interface = 0\n"), 6, "b-channels-socket", "carries its B-channels on its connect socket"},
        ErrorCase{"nfas_group_in_two_span_groups", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = primary\n[span b]\ntype = t1\nconnect = /run/b.sock\nnfas-group = n\nnfas-interface = 1\ngroup = other\n"), 14, "group", "NFAS group 'n': span 'a' (line 3) is in span group 'n', span 'b' in 'other'"},
        ErrorCase{"nfas_backup_span_uses_channel_24", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnfas-group = n\nnfas-interface = 0\nd-channel = backup\nchannels = 24\n"), 9, "channels", "24 is the D-channel of a T1"},
        ErrorCase{"section_header_unclosed", L("[trunk a\n"), 3, "[trunk a", "must end with ']'"},
        ErrorCase{"trunk_without_name", L("[trunk]\npeer = 10.0.0.1\n"), 3, "[trunk]", "NAME"},
        ErrorCase{"node_with_name", L("[node main]\n"), 3, "[node main]", "takes no name"},
        ErrorCase{"bad_trunk_name", L("[trunk a/b]\n"), 3, "[trunk a/b]", "name must be"},
        ErrorCase{"singleton_section_twice", L("[timers]\nt1 = 100\n[timers]\n"), 5, "[timers]", "first at line 3"},
        ErrorCase{"key_outside_section", "workers = 2\n" + std::string(kListen), 1, "workers", "outside any section"},
        ErrorCase{"line_without_equals", L("[trunk a]\npeer 10.0.0.1\n"), 4, "", "expected 'key = value'"},
        ErrorCase{"key_missing_before_equals", L("[trunk a]\n= 10.0.0.1\n"), 4, "", "missing key"},
        ErrorCase{"control_character", L("[trunk a]\npeer = 10.0.0.1\x01\n"), 4, "", "control character"},
        ErrorCase{"trunk_without_peer", L("\n[trunk lonely]\nmax-calls = 2\n"), 4, "peer", "missing"},
        ErrorCase{"route_without_to_trunk", L("[route r]\nmatch-prefix = 1\n"), 3, "to-trunk", "missing"},
        ErrorCase{"route_to_unknown_trunk", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = b\n"), 6, "to-trunk", "no trunk named 'b'"},
        ErrorCase{"route_from_unknown_trunk", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nfrom-trunk = pxb\nto-trunk = a\n"), 6, "from-trunk", "no trunk named 'pxb'"},
        ErrorCase{"duplicate_trunk_name", L("[trunk a]\npeer = 10.0.0.1\n[trunk a]\npeer = 10.0.0.2\n"), 5, "[trunk a]", "duplicate trunk name (first at line 3)"},
        ErrorCase{"duplicate_route_name", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\n[route r]\nto-trunk = a\n"), 7, "[route r]", "duplicate route name"},
        ErrorCase{"t1_greater_than_t2", L("[timers]\nt2 = 1000\nt1 = 2000\n"), 5, "t1", "must not exceed t2"},
        ErrorCase{"t2_below_default_t1", L("[timers]\nt2 = 100\n"), 4, "t2", "must not exceed t2"},
        ErrorCase{"timer_out_of_range", L("[timers]\nt1 = 0\n"), 4, "t1", "out of range 1..60000"},
        ErrorCase{"metrics_domain", "[node]\nmetrics = metrics.example.com:9090\n" + std::string(kListen), 2, "metrics", "not the domain name"},
        ErrorCase{"metrics_without_port", "[node]\nmetrics = 127.0.0.1\n" + std::string(kListen), 2, "metrics", "needs a port, e.g. 127.0.0.1:9090"},
        ErrorCase{"metrics_bad_address", "[node]\nmetrics = 127.0.0.1:http\n" + std::string(kListen), 2, "metrics", "port"},
        ErrorCase{"listen_domain", "[listen]\nudp = sip.example.com:5060\n", 2, "udp", "not the domain name"},
        ErrorCase{"listen_without_port", "[listen]\ntcp = 127.0.0.1\n", 2, "tcp", "needs a port"},
        ErrorCase{"listen_ipv6_unbracketed", "[listen]\nudp = ::1:5060\n", 2, "udp", "must be in brackets, e.g. [::1]:5060"},
        ErrorCase{"listen_bad_ipv6", "[listen]\nudp = [::g]:5060\n", 2, "udp", "not an IPv6 address"},
        ErrorCase{"listen_bad_ipv4", "[listen]\nudp = 127.0.0.256:5060\n", 2, "udp", "not a valid IPv4 address"},
        ErrorCase{"listen_port_zero", "[listen]\nudp = 127.0.0.1:0\n", 2, "udp", "not 1..65535"},
        ErrorCase{"listen_port_too_big", "[listen]\nudp = 127.0.0.1:65536\n", 2, "udp", "not 1..65535"},
        ErrorCase{"listen_twice", "[listen]\nudp = 127.0.0.1:5060\n\nudp = 127.0.0.1:5060\n", 4, "udp", "listed twice"},
        ErrorCase{"listen_unknown_transport", "[listen]\nsctp = 127.0.0.1:5060\n", 2, "sctp", "unknown key in [listen]"},
        ErrorCase{"no_listen_section", "[trunk a]\npeer = 10.0.0.1\n", 0, "[listen]", "no listen address"},
        ErrorCase{"empty_file", "", 0, "[listen]", "no listen address"},
        ErrorCase{"peer_ipv6_unbracketed_with_port", L("[trunk a]\npeer = 2001:db8::1:5060\n"), 4, "peer", "must be in brackets"},
        ErrorCase{"peer_bad_domain", L("[trunk a]\npeer = sip..example.com\n"), 4, "peer", "neither an IP address nor a domain"},
        ErrorCase{"peer_empty", L("[trunk a]\npeer =\n"), 4, "peer", "empty address"},
        ErrorCase{"inbound_from_domain", L("[trunk a]\npeer = 10.0.0.1\ninbound-from = pbx.example.com\n"), 5, "inbound-from", "not the domain name"},
        ErrorCase{"inbound_from_with_port", L("[trunk a]\npeer = 10.0.0.1\ninbound-from = 10.0.0.5:5060\n"), 5, "inbound-from", "without a port"},
        ErrorCase{"inbound_from_claimed_by_two_trunks", L("[trunk a]\npeer = 10.0.0.1\ninbound-from = 10.0.0.5\n[trunk b]\npeer = 10.0.0.2\ninbound-from = 10.0.0.5\n"), 8, "inbound-from", "already identifies trunk 'a'"},
        ErrorCase{"options_interval_too_short", L("[trunk a]\npeer = 10.0.0.1\noptions-interval = 500\n"), 5, "options-interval", "at least 1000 ms"},
        ErrorCase{"session_timer_unknown", L("[trunk a]\npeer = 10.0.0.1\nsession-timer = on\n"), 5, "session-timer", "'on' is not off, supported or required"},
        ErrorCase{"prack_policy_unknown", L("[trunk a]\npeer = 10.0.0.1\n100rel = yes\n"), 5, "100rel", "'yes' is not off, supported or required"},
        ErrorCase{"min_se_below_rfc_4028_floor", L("[trunk a]\npeer = 10.0.0.1\nmin-se = 89\n"), 5, "min-se", "out of range 90..86400"},
        ErrorCase{"session_expires_below_90", L("[trunk a]\npeer = 10.0.0.1\nsession-expires = 30\n"), 5, "session-expires", "out of range 90..86400"},
        ErrorCase{"session_expires_below_min_se", L("[trunk a]\npeer = 10.0.0.1\nmin-se = 600\nsession-expires = 300\n"), 6, "session-expires", "300 s is below min-se 600 s"},
        ErrorCase{"default_session_expires_below_min_se", L("[trunk a]\npeer = 10.0.0.1\nmin-se = 3600\n"), 5, "min-se", "1800 s is below min-se 3600 s"},
        ErrorCase{"cause_profile_unknown", L("[trunk a]\npeer = 10.0.0.1\ncause-profile = q850\n"), 5, "cause-profile", "'q850' is not rfc3398"},
        ErrorCase{"cause_to_status_out_of_range", L("[trunk a]\npeer = 10.0.0.1\ncause-to-status = 128:503\n"), 5, "cause-to-status", "a Q.850 cause 1..127 and a final failure 400..699"},
        ErrorCase{"cause_to_status_not_a_failure", L("[trunk a]\npeer = 10.0.0.1\ncause-to-status = 16:200\n"), 5, "cause-to-status", "'16:200' is not CAUSE:STATUS"},
        ErrorCase{"cause_to_status_twice", L("[trunk a]\npeer = 10.0.0.1\ncause-to-status = 47:500\ncause-to-status = 47:503\n"), 6, "cause-to-status", "cause 47 is mapped twice"},
        ErrorCase{"status_to_cause_not_a_pair", L("[span a]\ntype = e1\nconnect = /run/a.sock\nstatus-to-cause = 480\n"), 6, "status-to-cause", "'480' is not STATUS:CAUSE"},
        ErrorCase{"status_to_cause_twice", L("[span a]\ntype = e1\nconnect = /run/a.sock\nstatus-to-cause = 480:19 480:18\n"), 6, "status-to-cause", "status 480 is mapped twice"},
        ErrorCase{"country_code_too_long", L("[span a]\ntype = e1\nconnect = /run/a.sock\ncountry-code = 4912\n"), 6, "country-code", "'4912' is not 1 to 3 digits"},
        ErrorCase{"dial_plan_bad_pattern", L("[span a]\ntype = t1\nconnect = /run/a.sock\ndial-plan = NXX 1.2\n"), 6, "dial-plan", "'1.2': '.' only ends a pattern"},
        ErrorCase{"national_prefix_not_digits", L("[span a]\ntype = t1\nconnect = /run/a.sock\nnational-prefix = +1\n"), 6, "national-prefix", "'+1' is not 1 to 4 digits"},
        ErrorCase{"map_response_not_a_pair", L("[trunk a]\npeer = 10.0.0.1\nmap-response = 503\n"), 5, "map-response", "FROM:TO"},
        ErrorCase{"map_response_not_a_failure_code", L("[trunk a]\npeer = 10.0.0.1\nmap-response = 200:480\n"), 5, "map-response", "300..699"},
        ErrorCase{"map_response_twice", L("[trunk a]\npeer = 10.0.0.1\nmap-response = 503:480\nmap-response = 503:486\n"), 6, "map-response", "mapped twice"},
        ErrorCase{"match_prefix_with_bad_character", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\nmatch-prefix = 44;x\n"), 7, "match-prefix", "only digits"},
        ErrorCase{"stir_attest_unknown", L("[trunk a]\npeer = 10.0.0.1\nstir-attest = D\n"), 5, "stir-attest", "'D' is not off, A, B or C"},
        ErrorCase{"stir_verify_unknown", L("[trunk a]\npeer = 10.0.0.1\nstir-verify = yes\n"), 5, "stir-verify", "'yes' is not off, on or required"},
        ErrorCase{"stir_attest_without_signing_identity", L("[trunk a]\npeer = 10.0.0.1\nstir-attest = A\n"), 5, "stir-attest", "set [stir] certificate-url and private-key"},
        ErrorCase{"stir_verify_without_repository", L("[trunk a]\npeer = 10.0.0.1\n\nstir-verify = required\n"), 6, "stir-verify", "set [stir] repository and ca"},
        ErrorCase{"stir_certificate_url_not_a_url", L("[stir]\ncertificate-url = cert.sipnic.test/sp.pem\n"), 4, "certificate-url", "not an https:// (or http://) URL"},
        ErrorCase{"stir_certificate_url_without_key", L("[stir]\ncertificate-url = https://cert.sipnic.test/sp.pem\n"), 3, "private-key", "[stir] signs with both certificate-url and private-key"},
        ErrorCase{"stir_repository_without_ca", L("[stir]\nrepository = " + stir_dir() + "/index\n"), 3, "ca", "[stir] verifies with both repository and ca"},
        ErrorCase{"stir_private_key_missing_file", L("[stir]\ncertificate-url = https://a.test/x\nprivate-key = /nonexistent/sp.key\n"), 5, "private-key", "/nonexistent/sp.key: No such file"},
        ErrorCase{"stir_max_age_zero", L("[stir]\nmax-age = 0\n"), 4, "max-age", "out of range 1..3600"},
        ErrorCase{"stir_unknown_key", L(stir_section() + "fetch = yes\n"), 8, "fetch", "unknown key in [stir]"},
        ErrorCase{"auth_password_file_readable_by_others", L("[trunk a]\npeer = 10.0.0.1\nauth-username = u\nauth-password-file = " + password_file(0644) + "\n"), 6, "auth-password-file", "mode 0644 lets others read it"},
        ErrorCase{"auth_password_file_missing", L("[trunk a]\npeer = 10.0.0.1\nauth-username = u\nauth-password-file = /nonexistent/pw\n"), 6, "auth-password-file", "/nonexistent/pw: No such file"},
        ErrorCase{"auth_username_without_password_file", L("[trunk a]\npeer = 10.0.0.1\nauth-username = u\n"), 5, "auth-password-file", "go together"},
        ErrorCase{"inbound_auth_password_file_without_user", L("[trunk a]\npeer = 10.0.0.1\ninbound-auth-password-file = " + password_file(0600) + "\n"), 5, "inbound-auth-username", "go together"},
        ErrorCase{"inbound_auth_password_file_group_readable", L("[trunk a]\npeer = 10.0.0.1\ninbound-auth-username = u\ninbound-auth-password-file = " + password_file(0640) + "\n"), 6, "inbound-auth-password-file", "0600 or stricter"},
        ErrorCase{"register_not_on_or_off", L("[trunk a]\npeer = 10.0.0.1\nregister = yes\n"), 5, "register", "'yes' is not on or off"},
        ErrorCase{"register_without_user", L("[trunk a]\npeer = 10.0.0.1\nregister = on\n"), 5, "register-user", "needs register-user"},
        ErrorCase{"register_key_without_register_on", L("[trunk a]\npeer = 10.0.0.1\nregister-user = 100\n"), 5, "register-user", "needs register = on"},
        ErrorCase{"register_expires_too_short", L("[trunk a]\npeer = 10.0.0.1\nregister = on\nregister-user = 1\nregister-expires = 5\n"), 7, "register-expires", "out of range 10..86400"},
        ErrorCase{"register_retry_max_below_retry", L("[trunk a]\npeer = 10.0.0.1\nregister = on\nregister-user = 1\nregister-retry = 60\nregister-retry-max = 30\n"), 8, "register-retry-max", "is below register-retry (60 s)"},
        ErrorCase{"register_retry_without_register_on", L("[trunk a]\npeer = 10.0.0.1\nregister-retry = 60\n"), 5, "register-retry", "needs register = on"},
        ErrorCase{"register_user_with_at", L("[trunk a]\npeer = 10.0.0.1\nregister = on\nregister-user = a@b\n"), 6, "register-user", "cannot hold unescaped"},
        ErrorCase{"register_with_auth_username_unfit_for_a_uri", L("[trunk a]\npeer = 10.0.0.1\nauth-username = me@itsp.example\nauth-password-file = " + password_file(0600) + "\nregister = on\n"), 7, "register-user", "set register-user"},
        ErrorCase{"register_domain_with_port", L("[trunk a]\npeer = 10.0.0.1\nregister = on\nregister-user = 1\nregister-domain = sip.example:5060\n"), 7, "register-domain", "without a port"},
        ErrorCase{"registrar_bad_address", L("[trunk a]\npeer = 10.0.0.1\nregister = on\nregister-user = 1\nregistrar = sip..x\n"), 7, "registrar", "neither an IP address nor a domain"},
        ErrorCase{"strip_out_of_range", L("[trunk a]\npeer = 10.0.0.1\n[route r]\nto-trunk = a\nstrip = 40\n"), 7, "strip", "out of range 0..32"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.label); });

TEST(Config, UnreadableFileIsAConfigErrorWithLineZeroAndTheSystemReason) {
  TempFile dir_holder("");
  fs::path missing = dir_holder.dir() / "does-not-exist.conf";
  try {
    load_config_file(missing.string());
    FAIL() << "missing file accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), missing.string());
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(std::string(e.what()), missing.string() + ": " + std::strerror(ENOENT));
  }
  try {
    load_config_file(dir_holder.dir().string());
    FAIL() << "a directory accepted as a config file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_NE(std::string(e.what()).find(std::strerror(EISDIR)), std::string::npos) << e.what();
  }
}

TEST(Config, LoadedFileNamesItselfAsSourceAndInErrors) {
  TempFile good(std::string(kListen) + "[trunk a]\npeer = 10.0.0.1\n");
  EXPECT_EQ(load_config_file(good.path().string()).source, good.path().string());
  TempFile bad(std::string(kListen) + "[trunk a]\npeer = 10.0.0.1\nmax-calls = many\n");
  try {
    load_config_file(bad.path().string());
    FAIL() << "bad file accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad.path().string() + ":5: max-calls: ", 0), 0u) << e.what();
  }
}

TEST(Config, EveryExampleFileIsAValidConfigThatRoundTrips) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SIPNIC_SOURCE_DIR) / "examples")) {
    if (entry.path().extension() != ".conf") continue;
    ++seen;
    SCOPED_TRACE(entry.path().string());
    Config c;
    ASSERT_NO_THROW(c = load_config_file(entry.path().string()));
    EXPECT_FALSE(c.listen.empty());
    EXPECT_EQ(parse_config(format_config(c), c.source), c);
  }
  EXPECT_GE(seen, 3) << "examples/itsp-edge.conf, examples/regression.conf and examples/pri-pbx.conf expected";
}

TEST(Config, PriExampleHasAnNtE1SpanOnEuroIsdnATeT1SpanOnNi2AndAnNfasGroupOfThreeT1s) {
  const Config c = load_config_file((fs::path(SIPNIC_SOURCE_DIR) / "examples" / "pri-pbx.conf").string());
  ASSERT_EQ(c.spans.size(), 5u);
  const SpanConfig* pbx = c.find_span("pbx");
  ASSERT_NE(pbx, nullptr);
  EXPECT_EQ(pbx->type, SpanType::kE1);
  EXPECT_EQ(pbx->side, SpanSide::kNetwork);
  EXPECT_EQ(pbx->switch_variant, SwitchVariant::kEuroIsdn);
  EXPECT_EQ(pbx->channels, b_channel_numbers(SpanType::kE1, DChannelRole::kPrimary));
  const SpanConfig* carrier = c.find_span("carrier");
  ASSERT_NE(carrier, nullptr);
  EXPECT_EQ(carrier->type, SpanType::kT1);
  EXPECT_EQ(carrier->side, SpanSide::kUser);
  EXPECT_EQ(carrier->switch_variant, SwitchVariant::kNi2);
  EXPECT_EQ(carrier->channels.size(), 12u);
  std::size_t b_channels = 0;
  for (const char* name : {"nfas-a", "nfas-b", "nfas-c"}) {
    const SpanConfig* s = c.find_span(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(s->nfas_group, "carrier2");
    EXPECT_EQ(s->group, "carrier2");
    b_channels += s->channels.size();
  }
  EXPECT_EQ(c.find_span("nfas-b")->d_channel, DChannelRole::kBackup);
  EXPECT_EQ(b_channels, 23u + 23u + 24u);
  EXPECT_EQ(c.trunks.size(), 1u);
  EXPECT_TRUE(c.routes.empty());  // spans are not routed to trunks yet
}

}  // namespace
}  // namespace sipnic::core
