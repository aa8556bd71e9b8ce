// sipnic span-peer: sipnic's own far end of a PRI span, for demos and
// regression runs: a PBX or a switch (either side, any switch variant) on a
// `frames` span socket, that places, answers, rejects and clears calls from
// a small command list (stdin or --script FILE) and prints what happens,
// one line each, on a `frames` span socket or on a `line` one (then the TDM
// kernels' C simulation frames the line, as the cpu backend does in a node).
// On T1 it can be an NFAS group (one D-channel for several spans, a backup
// D-channel), as a PBX or a switch with several T1s is: --nfas-interface and
// --nfas-span. docs/cli.md has the commands and the line formats.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/commands.h"
#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "offload/tdm_engine.h"
#include "pri/nfas_group.h"
#include "pri/span.h"
#include "pri/tdm_datapath.h"

namespace po = boost::program_options;

namespace sipnic::app {

namespace {

// What an incoming call gets without a command.
enum class AutoAnswer { kNone, kAlert, kAnswer, kBusy };

std::optional<core::SwitchVariant> switch_named(const std::string& s) {
  for (auto v : {core::SwitchVariant::kEuroIsdn, core::SwitchVariant::kNi2, core::SwitchVariant::kDms100,
                 core::SwitchVariant::k4ess, core::SwitchVariant::k5ess, core::SwitchVariant::kQsig})
    if (core::switch_variant_name(v) == s) return v;
  return std::nullopt;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// A `--nfas-span` value: interface=N,d-channel=backup|none,listen=PATH|connect=PATH.
struct NfasSpanOption {
  std::uint32_t interface = 0;
  core::DChannelRole d_channel = core::DChannelRole::kNone;
  core::SpanSocketRole role = core::SpanSocketRole::kConnect;
  std::string path;
};

std::optional<NfasSpanOption> parse_nfas_span(const std::string& text, std::string& why) {
  NfasSpanOption o;
  bool have_interface = false;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    const auto eq = part.find('=');
    const std::string key = part.substr(0, eq), value = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (key == "interface") {
      char* end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end || n > pri::ChannelInterfaces::kMaxInterfaceId) {
        why = "interface must be 0..127, not '" + value + "'";
        return std::nullopt;
      }
      o.interface = static_cast<std::uint32_t>(n);
      have_interface = true;
    } else if (key == "d-channel" && (value == "backup" || value == "none")) {
      o.d_channel = value == "backup" ? core::DChannelRole::kBackup : core::DChannelRole::kNone;
    } else if ((key == "listen" || key == "connect") && !value.empty() && o.path.empty()) {
      o.role = key == "listen" ? core::SpanSocketRole::kListen : core::SpanSocketRole::kConnect;
      o.path = value;
    } else {
      why = "'" + part + "' is not interface=N, d-channel=backup|none, listen=PATH or connect=PATH (one of them)";
      return std::nullopt;
    }
  }
  if (!have_interface || o.path.empty()) {
    why = "needs interface=N and listen=PATH or connect=PATH";
    return std::nullopt;
  }
  return o;
}

class SpanPeer {
 public:
  // One span (`configs` one without an NFAS group), or every span of an
  // NFAS group (the primary first).
  SpanPeer(core::EventLoop& loop, std::vector<core::SpanConfig> configs, AutoAnswer auto_answer, core::Log& log)
      : loop_(loop), auto_(auto_answer), nfas_(!configs.front().nfas_group.empty()) {
    if (configs.front().backend == core::SpanBackend::kLine)
      datapath_ = std::make_unique<pri::TdmDatapath>(loop_, std::make_unique<offload::CpuTdmEngine>());
    pri::Span::Callbacks cb;
    cb.on_event = [this](const pri::CallEvent& e) { on_event(e); };
    cb.on_dchannel = [this](bool up) {
      say(std::string("event link ") + (up ? "up" : "down"));
      saw(up ? "link-up" : "link-down");
    };
    auto line_events = [this](const core::SpanConfig& span) {
      pri::Span::Callbacks c;
      const std::string where = nfas_ ? " interface=" + std::to_string(span.nfas_interface) : std::string();
      c.on_line = [this, where](const pri::LineAlarms& alarms) {
        say("event line " + pri::line_alarms_text(alarms) + where);
        saw(alarms.in_frame() ? "line-up" : "line-down");
      };
      return c;
    };
    if (!nfas_) {
      cb.on_line = line_events(configs.front()).on_line;
      span_ = std::make_unique<pri::Span>(loop_, std::move(configs.front()), cb, &log, nullptr, 0, datapath_.get());
      return;
    }
    group_ = std::make_unique<pri::NfasGroup>(loop_, std::move(configs), cb, line_events, &log, nullptr, 0,
                                              datapath_.get());
    group_->set_on_active_changed([this](const pri::Span* active) {
      if (!active) return;  // both down: `event link down` says it
      const std::string role(core::d_channel_role_name(active->config().d_channel));
      say("event dchannel " + role + " interface=" + std::to_string(active->config().nfas_interface));
      saw("dchannel-" + role);
    });
  }

  void start() {
    if (span_) span_->start();
    if (group_) group_->start();
  }

  // Commands, run in order; `wait` holds the ones behind it.
  void add(std::string line) {
    pending_.push_back(std::move(line));
    run_pending();
  }
  void end_of_input() {
    input_done_ = true;
    run_pending();
  }
  int exit_code() const { return exit_code_; }

 private:
  void say(const std::string& line) {
    std::cout << line << "\n" << std::flush;
  }

  pri::Q931CallControl& calls() { return span_ ? span_->calls() : group_->calls(); }
  // The span of an interface (NFAS; nullopt: the primary's), or null.
  pri::Span* span_of(std::optional<std::uint8_t> interface) {
    if (span_) return interface && *interface != 0 ? nullptr : span_.get();
    if (!interface) return &group_->primary();
    for (const auto& span : group_->spans())
      if (span->config().nfas_interface == *interface) return span.get();
    return nullptr;
  }

  void on_event(const pri::CallEvent& e) {
    last_ = e.call;
    std::string line = "event " + std::string(pri::call_event_name(e.type)) + " call=" + std::to_string(e.call) +
                       " channel=" + std::to_string(e.channel);
    if (nfas_) line += " interface=" + std::to_string(e.interface);
    if (e.setup) {
      line += " called=" + (e.setup->called.digits.empty() ? std::string("-") : e.setup->called.digits);
      if (e.setup->calling) line += " calling=" + e.setup->calling->digits;
      line += std::string(" complete=") + (e.setup->sending_complete ? "yes" : "no");
    }
    if (e.cause) line += " cause=" + std::to_string(static_cast<int>(*e.cause));
    if (e.type == pri::CallEventType::kReleased) line += std::string(" here=") + (e.cleared_here ? "yes" : "no");
    if (!e.digits.empty()) line += " digits=" + e.digits;
    if (e.inband) line += " inband";
    say(line);
    if (e.type == pri::CallEventType::kIncomingSetup) {
      auto& c = calls();
      switch (auto_) {
        case AutoAnswer::kNone: break;
        case AutoAnswer::kAlert: c.proceeding(e.call) && c.alerting(e.call); break;
        case AutoAnswer::kAnswer: c.proceeding(e.call) && c.alerting(e.call) && c.answer(e.call); break;
        case AutoAnswer::kBusy: c.disconnect(e.call, pri::Cause::kUserBusy); break;
      }
    }
    saw(std::string(pri::call_event_name(e.type)));
  }

  // Events are counted as they happen; a `wait` takes one that no earlier
  // wait took, so an event that comes before its wait line is run still counts.
  void saw(const std::string& what) {
    ++seen_[what];
    if (waiting_for_ && *waiting_for_ == what) take(what);
  }
  void take(const std::string& what) {
    ++taken_[what];
    waiting_for_.reset();
    if (wait_timer_) loop_.cancel_timer(wait_timer_);
    wait_timer_ = 0;
    loop_.post([this] { run_pending(); });
  }

  void run_pending() {
    while (!waiting_for_ && !sleeping_ && !pending_.empty()) {
      const std::string line = std::move(pending_.front());
      pending_.pop_front();
      run(line);
    }
    if (!waiting_for_ && !sleeping_ && pending_.empty() && input_done_) finish(exit_code_);
  }

  void finish(int code) {
    exit_code_ = code;
    loop_.stop();
  }

  pri::CallId call_id(const std::string& w) const {
    if (w == "last") return last_;
    try {
      return static_cast<pri::CallId>(std::stoul(w));
    } catch (...) {
      return pri::kNoCall;
    }
  }

  void result(bool ok, const std::string& command) {
    say(ok ? "ok " + command : "error " + command + " reason=refused-in-this-state");
  }

  void run(const std::string& line) {
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') return;
    auto& c = calls();
    const std::string& cmd = w[0];
    // interface=I, anywhere after the command: which span of an NFAS group.
    std::optional<std::uint8_t> interface;
    for (auto it = w.begin() + 1; it != w.end(); ++it) {
      if (it->rfind("interface=", 0) != 0) continue;
      interface = static_cast<std::uint8_t>(std::atoi(it->c_str() + 10));
      w.erase(it);
      break;
    }
    auto arg = [&](std::size_t i) { return i < w.size() ? w[i] : std::string(); };
    auto cause = [&](std::size_t i) {
      try {
        return static_cast<pri::Cause>(std::stoi(arg(i)) & 0x7F);
      } catch (...) {
        return pri::Cause::kNormalCallClearing;
      }
    };
    if (cmd == "call") {
      pri::OutgoingCall call;
      call.setup.called.digits = arg(1);
      for (std::size_t i = 2; i < w.size(); ++i) {
        if (w[i].rfind("from=", 0) == 0) {
          pri::q931::PartyNumber n;
          n.digits = w[i].substr(5);
          call.setup.calling = n;
        } else if (w[i].rfind("channel=", 0) == 0) {
          call.channel = static_cast<std::uint8_t>(std::atoi(w[i].c_str() + 8));
        }
      }
      call.interface = interface;
      const pri::SetupResult r = c.setup(call);
      if (r.call == pri::kNoCall) {
        say("error call reason=cause-" + std::to_string(r.refused ? static_cast<int>(*r.refused) : 0));
      } else {
        last_ = r.call;
        say("ok call call=" + std::to_string(r.call) + " channel=" + std::to_string(r.channel) +
            (nfas_ ? " interface=" + std::to_string(r.interface) : std::string()));
      }
    } else if (cmd == "proceed") {
      result(c.proceeding(call_id(arg(1))), cmd);
    } else if (cmd == "alert") {
      result(c.alerting(call_id(arg(1))), cmd);
    } else if (cmd == "answer") {
      result(c.answer(call_id(arg(1))), cmd);
    } else if ((cmd == "reject" || cmd == "hangup") && arg(1) == "all") {
      bool ok = true;
      for (const pri::CallInfo& call : c.calls())
        if (!pri::is_clearing(call.state))
          ok = c.disconnect(call.id, cause(2)) && ok;
      result(ok, cmd);
    } else if (cmd == "reject" || cmd == "hangup") {
      result(c.disconnect(call_id(arg(1)), cause(2)), cmd);
    } else if (cmd == "line") {
      // line normal|ais|silent: what the line backend sends.
      pri::Span* span = span_of(interface);
      pri::LinePort* port = span ? span->line() : nullptr;
      const std::string mode = arg(1);
      if (!port || (mode != "normal" && mode != "ais" && mode != "silent")) {
        say("error line reason=" + std::string(!span ? "no-such-interface" : port ? "unknown-mode" : "not-a-line-span"));
      } else {
        port->set_send_ais(mode == "ais");
        port->set_silent(mode == "silent");
        say("ok line " + mode);
      }
    } else if (cmd == "restart") {
      const auto channel = static_cast<std::uint8_t>(std::atoi(arg(1).c_str()));
      if (interface) {
        result(arg(1) == "all" ? c.restart_interface(*interface) : c.restart(pri::ChannelRef{*interface, channel}), cmd);
      } else {
        result(arg(1) == "all" ? c.restart(std::nullopt) : c.restart(channel), cmd);
      }
    } else if (cmd == "service") {
      const auto channel = static_cast<std::uint8_t>(std::atoi(arg(1).c_str()));
      const bool in = arg(2) != "out";
      result(interface ? c.service(pri::ChannelRef{*interface, channel}, in) : c.service(channel, in), cmd);
    } else if (cmd == "wait") {
      // wait EVENT [SECONDS]: the commands behind it wait for that event.
      waiting_for_ = arg(1);
      const int seconds = w.size() > 2 ? std::atoi(arg(2).c_str()) : 30;
      const std::string what = arg(1);
      wait_timer_ = loop_.add_timer(core::Millis(1000L * seconds), [this, what] {
        wait_timer_ = 0;
        say("error wait reason=no-" + what);
        finish(1);
      });
      if (seen_[what] > taken_[what]) take(what);
    } else if (cmd == "sleep") {
      sleeping_ = true;
      loop_.add_timer(core::Millis(std::atoi(arg(1).c_str())), [this] {
        sleeping_ = false;
        run_pending();
      });
    } else if (cmd == "quit") {
      pending_.clear();
      input_done_ = true;
    } else {
      say("error " + cmd + " reason=unknown-command");
    }
  }

  core::EventLoop& loop_;
  AutoAnswer auto_;
  std::unique_ptr<pri::TdmDatapath> datapath_;  // line backend only; before the spans, which it outlives
  const bool nfas_;
  std::unique_ptr<pri::Span> span_;        // one span, or
  std::unique_ptr<pri::NfasGroup> group_;  // an NFAS group
  std::deque<std::string> pending_;
  std::optional<std::string> waiting_for_;
  bool sleeping_ = false;
  bool input_done_ = false;
  std::map<std::string, std::uint64_t> seen_, taken_;
  pri::CallId last_ = pri::kNoCall;
  core::EventLoop::TimerId wait_timer_ = 0;
  int exit_code_ = 0;
};

}  // namespace

int span_peer_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "sipnic span-peer --side te|nt (--listen PATH | --connect PATH) [options]\n"
      "Commands (stdin, or --script FILE), one per line: call NUMBER [from=N] [channel=C], proceed|alert|answer ID,\n"
      "reject|hangup ID|all CAUSE, restart CHANNEL|all, service CHANNEL in|out, line normal|ais|silent,\n"
      "wait EVENT [SECONDS], sleep MS, quit. In an NFAS group, call, restart, service and line take\n"
      "interface=I (default: the primary's).\n"
      "ID is a call number or `last`; EVENT is link-up, link-down, line-up, line-down, dchannel-primary,\n"
      "dchannel-backup or an event name (incoming-setup, connected, released, ...). Options");
  opts.add_options()
      ("help,h", "show this help")
      ("side", po::value<std::string>(), "te (user side, a PBX) or nt (network side, a switch)")
      ("line", po::value<std::string>()->default_value("e1"), "e1 or t1")
      ("switch", po::value<std::string>(), "euroisdn, ni2, dms100, 4ess, 5ess, qsig (default: euroisdn on e1, ni2 on t1)")
      ("backend", po::value<std::string>()->default_value("frames"), "frames or line (the E1/T1 line signal)")
      ("crc4", po::value<std::string>()->default_value("on"), "on or off: E1 CRC-4 on a line backend")
      ("listen", po::value<std::string>(), "listen on this span socket")
      ("connect", po::value<std::string>(), "connect to this span socket")
      ("answer", po::value<std::string>()->default_value("answer"),
       "what an incoming call gets without a command: none, alert, answer (proceeding, alerting, connect), busy (17)")
      ("script", po::value<std::string>(), "read the commands from this file instead of stdin")
      ("capture", po::value<std::string>(), "write the D-channel to this pcap file (NFAS: the primary's)")
      ("t200", po::value<std::uint32_t>(), "Q.921 T200, ms (default 1000)")
      ("t203", po::value<std::uint32_t>(), "Q.921 T203, ms (default 10000): how soon a silent D-channel is found out")
      ("nfas-interface", po::value<std::uint32_t>(),
       "NFAS (t1): this span's interface identifier, 0..127; it carries the primary D-channel")
      ("nfas-span", po::value<std::vector<std::string>>(),
       "NFAS: another span of the group, interface=N,d-channel=backup|none,listen=PATH|connect=PATH "
       "(repeatable; a frames span without a D-channel: its B-channels' socket)")
      ("log-level", po::value<std::string>()->default_value("warn"), "error, warn, info, debug (on stderr)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic span-peer: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  auto fail = [&](const std::string& why) {
    std::cerr << "sipnic span-peer: " << why << "\n";
    return 2;
  };
  core::SpanConfig s;
  s.name = "span-peer";
  const std::string side = vm.count("side") ? vm["side"].as<std::string>() : "";
  if (side != "te" && side != "nt") return fail("--side must be te or nt");
  s.side = side == "te" ? core::SpanSide::kUser : core::SpanSide::kNetwork;
  const std::string line = vm["line"].as<std::string>();
  if (line != "e1" && line != "t1") return fail("--line must be e1 or t1");
  s.type = line == "e1" ? core::SpanType::kE1 : core::SpanType::kT1;
  s.switch_variant = core::default_switch_variant(s.type);
  if (vm.count("switch")) {
    const auto v = switch_named(vm["switch"].as<std::string>());
    if (!v) return fail("unknown --switch '" + vm["switch"].as<std::string>() + "'");
    s.switch_variant = *v;
  }
  const std::string backend = vm["backend"].as<std::string>();
  if (backend != "frames" && backend != "line") return fail("--backend must be frames or line");
  s.backend = backend == "line" ? core::SpanBackend::kLine : core::SpanBackend::kFrames;
  const std::string crc4 = vm["crc4"].as<std::string>();
  if (crc4 != "on" && crc4 != "off") return fail("--crc4 must be on or off");
  s.crc4 = crc4 == "on";
  if (vm.count("listen") == vm.count("connect")) return fail("give one of --listen PATH and --connect PATH");
  s.socket_role = vm.count("listen") ? core::SpanSocketRole::kListen : core::SpanSocketRole::kConnect;
  s.socket_path = vm.count("listen") ? vm["listen"].as<std::string>() : vm["connect"].as<std::string>();
  s.channels = core::b_channel_numbers(s.type, core::DChannelRole::kPrimary);
  s.hunting = core::default_channel_hunting(s.side);
  if (vm.count("capture")) s.capture = vm["capture"].as<std::string>();
  if (vm.count("t200")) s.q921.t200_ms = vm["t200"].as<std::uint32_t>();
  if (vm.count("t203")) s.q921.t203_ms = vm["t203"].as<std::uint32_t>();
  if (s.q921.t200_ms == 0 || s.q921.t203_ms <= s.q921.t200_ms) return fail("--t200 must be above 0 and --t203 above it");
  const std::string answer = vm["answer"].as<std::string>();
  AutoAnswer auto_answer = AutoAnswer::kAnswer;
  if (answer == "none") auto_answer = AutoAnswer::kNone;
  else if (answer == "alert") auto_answer = AutoAnswer::kAlert;
  else if (answer == "busy") auto_answer = AutoAnswer::kBusy;
  else if (answer != "answer") return fail("--answer must be none, alert, answer or busy");
  const auto level = core::parse_log_level(vm["log-level"].as<std::string>());
  if (!level) return fail("unknown --log-level");

  // NFAS: this span is the primary; each --nfas-span one more, alike but
  // for its interface, D-channel role and socket.
  std::vector<core::SpanConfig> spans;
  if (vm.count("nfas-interface") || vm.count("nfas-span")) {
    if (s.type != core::SpanType::kT1) return fail("NFAS needs --line t1");
    s.name = "span-peer-i";
    s.nfas_group = "span-peer";
    s.group = s.nfas_group;
    s.nfas_interface = vm.count("nfas-interface") ? vm["nfas-interface"].as<std::uint32_t>() : 0;
    if (s.nfas_interface > pri::ChannelInterfaces::kMaxInterfaceId) return fail("--nfas-interface must be 0..127");
    s.name += std::to_string(s.nfas_interface);
    spans.push_back(s);
    bool backup = false;
    for (const std::string& text : vm.count("nfas-span") ? vm["nfas-span"].as<std::vector<std::string>>()
                                                         : std::vector<std::string>{}) {
      std::string why;
      const auto o = parse_nfas_span(text, why);
      if (!o) return fail("--nfas-span " + text + ": " + why);
      for (const auto& other : spans)
        if (other.nfas_interface == o->interface)
          return fail("--nfas-span " + text + ": interface " + std::to_string(o->interface) + " is taken");
      if (o->d_channel == core::DChannelRole::kBackup && std::exchange(backup, true))
        return fail("--nfas-span " + text + ": a second backup D-channel");
      core::SpanConfig m = s;
      m.name = "span-peer-i" + std::to_string(o->interface);
      m.nfas_interface = o->interface;
      m.d_channel = o->d_channel;
      m.channels = core::b_channel_numbers(m.type, m.d_channel);
      m.socket_role = o->role;
      m.socket_path = o->path;
      m.capture.clear();
      // As in the config: a frames span without a D-channel has one socket,
      // its B-channels'.
      if (m.d_channel == core::DChannelRole::kNone && m.backend == core::SpanBackend::kFrames)
        m.b_channels_socket = std::exchange(m.socket_path, std::string());
      spans.push_back(std::move(m));
    }
  } else {
    spans.push_back(s);
  }

  core::Log log(*level);
  core::EventLoop loop;
  std::unique_ptr<SpanPeer> made;
  try {
    made = std::make_unique<SpanPeer>(loop, std::move(spans), auto_answer, log);
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
  SpanPeer& peer = *made;
  try {
    peer.start();
  } catch (const std::exception& e) {
    std::cerr << "sipnic span-peer: " << e.what() << "\n";
    return 1;
  }
  if (vm.count("script")) {
    std::ifstream in(vm["script"].as<std::string>());
    if (!in) return fail("cannot read " + vm["script"].as<std::string>());
    for (std::string l; std::getline(in, l);) peer.add(l);
    peer.end_of_input();
  } else {
    // stdin, a line at a time as it comes (a pipe or a terminal).
    auto buffer = std::make_shared<std::string>();
    loop.add_fd(STDIN_FILENO, EPOLLIN, [&loop, &peer, buffer](std::uint32_t) {
      char chunk[4096];
      const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n <= 0) {
        loop.remove_fd(STDIN_FILENO);
        if (!buffer->empty()) peer.add(*buffer);
        peer.end_of_input();
        return;
      }
      buffer->append(chunk, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = buffer->find('\n')) != std::string::npos;) {
        peer.add(buffer->substr(0, nl));
        buffer->erase(0, nl + 1);
      }
    });
  }
  loop.run();
  return peer.exit_code();
}

}  // namespace sipnic::app
