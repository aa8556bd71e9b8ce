// Tests for host/core/config.cpp: the file format of docs/config.md, the
// built-in config, and that every error names FILE:LINE and the key.
#include "core/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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
        ErrorCase{"unknown_section", L("[span e1]\n"), 3, "[span e1]", "unknown section"},
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
  EXPECT_GE(seen, 2) << "examples/itsp-edge.conf and examples/regression.conf expected";
}

}  // namespace
}  // namespace sipnic::core
