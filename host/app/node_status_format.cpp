#include "app/node_status_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <iomanip>
#include <sstream>
#include <vector>

namespace sipnic::app {

namespace {

using interwork::NodeStatus;
using json = nlohmann::ordered_json;

std::string listener_address(const core::ListenConfig& l) {
  const std::string& h = l.address.host;
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(l.address.port);
}

std::string duration_text(double seconds) {
  auto s = static_cast<long long>(seconds);
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh%02lldm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", s / 3600, s % 3600 / 60, s % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return buf;
}

std::string fixed(double v, int decimals) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(decimals) << v;
  return o.str();
}

// "3 (cert_expired 1, timeout 2)", or "0".
std::string with_reasons(std::uint64_t total, const std::vector<std::pair<std::string, std::uint64_t>>& reasons) {
  std::string out = std::to_string(total);
  if (reasons.empty()) return out;
  out += " (";
  for (std::size_t i = 0; i < reasons.size(); ++i)
    out += (i ? ", " : "") + reasons[i].first + " " + std::to_string(reasons[i].second);
  return out + ")";
}

json reasons_json(const std::vector<std::pair<std::string, std::uint64_t>>& reasons) {
  json j = json::object();
  for (const auto& [reason, n] : reasons) j[reason] = n;
  return j;
}

// Left-aligned columns, two spaces apart.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

// A registration's time as seconds from now (status times are the node's
// steady clock, which `sipnic run` reads in the same process).
// The D-CHANNEL column: "up" or "DOWN"; in an NFAS group the span's own
// D-channel's role and whether it is the one in use ("up, primary active",
// "up, backup standby", "up, none").
std::string dchannel_text(const interwork::SpanStatus& sp) {
  std::string t = sp.dchannel_up ? "up" : "DOWN";
  if (sp.nfas_group.empty()) return t;
  t += ", " + std::string(core::d_channel_role_name(sp.d_channel));
  if (sp.d_channel != core::DChannelRole::kNone) t += sp.dchannel_active ? " active" : " standby";
  return t;
}

std::optional<double> seconds_from_now(const std::optional<core::Clock::time_point>& t) {
  if (!t) return std::nullopt;
  return std::max(0.0, std::chrono::duration<double>(*t - core::Clock::now()).count());
}

json registration_json(const std::optional<interwork::RegistrationStatus>& r) {
  if (!r) return nullptr;
  auto opt = [](std::optional<double> v) { return v ? json(*v) : json(nullptr); };
  return {{"state", interwork::registration_state_name(r->state)},
          {"last_status", r->last_status},
          {"last_reason", r->last_reason},
          {"failures", r->failures},
          {"expires_in_seconds", opt(seconds_from_now(r->expires_at))},
          {"next_attempt_in_seconds", opt(seconds_from_now(r->next_attempt))},
          {"contact", r->contact}};
}

}  // namespace

std::string format_status_table(const NodeStatus& s) {
  std::ostringstream o;
  o << "sipnic " << SIPNIC_VERSION << ": up " << duration_text(s.uptime_seconds) << ", " << s.workers
    << (s.workers == 1 ? " worker" : " workers") << ", offload " << s.offload << "\n";
  o << "listening     ";
  for (std::size_t i = 0; i < s.listeners.size(); ++i)
    o << (i ? ", " : "") << core::transport_name(s.listeners[i].transport) << " " << listener_address(s.listeners[i]);
  o << (s.listeners.empty() ? "nothing" : "") << "\n\n";

  std::vector<std::vector<std::string>> rows{
      {"TRUNK", "TRANSPORT", "PEER", "STATE", "OPTIONS", "CALLS", "CPS", "MAX-CALLS", "MAX-CPS", "OUT", "IN", "REFUSED"}};
  for (const auto& t : s.trunks) {
    std::string options = "off";
    if (t.options_interval_ms) {
      options = "every " + duration_text(t.options_interval_ms / 1000.0) + ", " + std::to_string(t.options_answered) +
                " answered, " + std::to_string(t.options_unanswered) + " not";
    }
    rows.push_back({t.name, std::string(core::transport_name(t.transport)), t.peer, t.up ? "up" : "DOWN", options,
                    std::to_string(t.calls_now), std::to_string(t.calls_last_second),
                    t.max_calls ? std::to_string(t.max_calls) : "-", t.max_cps > 0 ? fixed(t.max_cps, 1) : "-",
                    std::to_string(t.calls_started), std::to_string(t.calls_received), std::to_string(t.calls_refused)});
  }
  o << table(rows) << "\n";
  for (const auto& t : s.trunks) {
    if (!t.registration) continue;
    const auto& r = *t.registration;
    o << "registration  " << t.name << ": " << interwork::registration_state_name(r.state);
    if (!r.last_reason.empty()) o << " (" << r.last_reason << ")";
    if (auto e = seconds_from_now(r.expires_at)) o << ", expires in " << duration_text(*e);
    if (r.failures) o << ", " << r.failures << (r.failures == 1 ? " failure" : " failures");
    if (auto n = seconds_from_now(r.next_attempt)) o << ", next REGISTER in " << duration_text(*n);
    o << "\n";
  }
  if (std::any_of(s.trunks.begin(), s.trunks.end(), [](const auto& t) { return t.registration.has_value(); })) o << "\n";
  if (!s.spans.empty()) {
    std::vector<std::vector<std::string>> spans{{"SPAN", "LINE", "SIDE", "SWITCH", "ALARMS", "D-CHANNEL", "IDLE",
                                                 "IN-USE", "RESTARTING", "MAINTENANCE", "OUT-OF-SERVICE", "IN", "OUT",
                                                 "REFUSED", "ERRORS"}};
    for (const auto& sp : s.spans)
      spans.push_back({sp.name, std::string(core::span_type_name(sp.type)), std::string(core::span_side_name(sp.side)),
                       std::string(core::switch_variant_name(sp.switch_variant)),
                       sp.line ? pri::line_alarms_text(sp.alarms) : "-", dchannel_text(sp),
                       std::to_string(sp.idle), std::to_string(sp.in_use), std::to_string(sp.restarting),
                       std::to_string(sp.maintenance), std::to_string(sp.out_of_service), std::to_string(sp.calls_in),
                       std::to_string(sp.calls_out), std::to_string(sp.calls_refused), std::to_string(sp.q931_errors)});
    o << table(spans) << "\n";
  }

  const auto& c = s.calls;
  const auto& m = s.messages;
  const auto& n = s.connections;
  const auto& x = s.transactions;
  o << "calls         started " << c.started << ", answered " << c.answered << ", failed " << c.failed
    << ", rejected " << c.rejected << ", active " << c.active << "\n";
  o << "messages      in " << m.received << ", out " << m.sent << ", send errors " << m.send_errors
    << ", parse errors " << with_reasons(m.parse_errors, m.parse_errors_by_reason) << ", answered "
    << m.parse_errors_answered << "\n";
  o << "connections   tcp " << n.tcp_open << " open, tls " << n.tls_open << " open, " << n.accepted
    << " accepted, refused " << with_reasons(n.refused, n.refused_by_reason) << ", dropped "
    << with_reasons(n.dropped, n.dropped_by_reason) << "; accept failures " << n.accept_failures
    << " (pauses " << n.accept_pauses << "); keepalive pings " << n.keepalive_pings << ", pongs "
    << n.keepalive_pongs << "\n";
  o << "tls           handshakes " << s.tls.handshakes;
  if (s.tls.handshakes) o << " (mean " << fixed(s.tls.handshake_seconds_mean * 1000, 1) << " ms)";
  o << ", failures " << with_reasons(s.tls.failures, s.tls.failures_by_reason) << "\n";
  o << "transactions  server " << x.server << ", client " << x.client << ", active " << x.active
    << ", retransmissions sent " << x.retransmissions_sent << ", absorbed " << x.retransmissions_absorbed
    << ", timeouts " << x.timeouts << ", rejected " << x.rejected << "\n";
  o << "offload       " << s.offload << ": parse batches " << s.parse_batches.count << " (mean "
    << fixed(s.parse_batches.mean, 1) << " segments), tls record batches " << s.tls_batches.count << " (mean "
    << fixed(s.tls_batches.mean, 1) << " connections)\n";
  return o.str();
}

std::string format_status_json(const NodeStatus& s) {
  json j;
  j["version"] = SIPNIC_VERSION;
  j["uptime_seconds"] = s.uptime_seconds;
  j["workers"] = s.workers;
  j["listeners"] = json::array();
  for (const auto& l : s.listeners)
    j["listeners"].push_back({{"transport", core::transport_name(l.transport)}, {"address", listener_address(l)}});
  j["trunks"] = json::array();
  for (const auto& t : s.trunks) {
    j["trunks"].push_back({{"name", t.name},
                           {"transport", core::transport_name(t.transport)},
                           {"peer", t.peer},
                           {"up", t.up},
                           {"options",
                            {{"interval_ms", t.options_interval_ms},
                             {"answered", t.options_answered},
                             {"unanswered", t.options_unanswered}}},
                           {"calls_now", t.calls_now},
                           {"calls_last_second", t.calls_last_second},
                           {"calls_started", t.calls_started},
                           {"calls_received", t.calls_received},
                           {"calls_refused", t.calls_refused},
                           {"max_calls", t.max_calls},
                           {"max_cps", t.max_cps},
                           {"registration", registration_json(t.registration)}});
  }
  j["spans"] = json::array();
  for (const auto& sp : s.spans) {
    j["spans"].push_back({{"name", sp.name},
                          {"line", core::span_type_name(sp.type)},
                          {"side", core::span_side_name(sp.side)},
                          {"switch", core::switch_variant_name(sp.switch_variant)},
                          {"dchannel_up", sp.dchannel_up},
                          {"b_channels",
                           {{"idle", sp.idle},
                            {"in_use", sp.in_use},
                            {"restarting", sp.restarting},
                            {"maintenance", sp.maintenance},
                            {"out_of_service", sp.out_of_service}}},
                          {"calls",
                           {{"in", sp.calls_in},
                            {"out", sp.calls_out},
                            {"refused", sp.calls_refused},
                            {"answered", sp.calls_answered}}},
                          {"q931_errors", sp.q931_errors},
                          {"dchannel_losses", sp.dchannel_losses},
                          {"bad_fcs", sp.bad_fcs}});
    if (!sp.nfas_group.empty())
      j["spans"].back()["nfas"] = {{"group", sp.nfas_group},
                                   {"interface", sp.nfas_interface},
                                   {"d_channel", core::d_channel_role_name(sp.d_channel)},
                                   {"active", sp.dchannel_active}};
    if (sp.line) {
      j["spans"].back()["line_alarms"] = {{"los", sp.alarms.loss_of_signal},
                                          {"lof", sp.alarms.loss_of_frame},
                                          {"ais", sp.alarms.alarm_indication},
                                          {"rai", sp.alarms.remote_alarm},
                                          {"text", pri::line_alarms_text(sp.alarms)}};
      j["spans"].back()["line_errors"] = {{"crc", sp.crc_errors}, {"slips", sp.slips}};
    }
  }
  const auto& c = s.calls;
  j["calls"] = {{"started", c.started},
                {"answered", c.answered},
                {"failed", c.failed},
                {"rejected", c.rejected},
                {"active", c.active}};
  const auto& m = s.messages;
  j["messages"] = {{"received", m.received},
                   {"sent", m.sent},
                   {"send_errors", m.send_errors},
                   {"parse_errors", m.parse_errors},
                   {"parse_errors_answered", m.parse_errors_answered},
                   {"parse_errors_by_reason", reasons_json(m.parse_errors_by_reason)}};
  const auto& n = s.connections;
  j["connections"] = {{"tcp_open", n.tcp_open},
                      {"tls_open", n.tls_open},
                      {"accepted", n.accepted},
                      {"dropped", n.dropped},
                      {"dropped_by_reason", reasons_json(n.dropped_by_reason)},
                      {"refused", n.refused},
                      {"refused_by_reason", reasons_json(n.refused_by_reason)},
                      {"accept_failures", n.accept_failures},
                      {"accept_pauses", n.accept_pauses},
                      {"keepalive_pings_sent", n.keepalive_pings},
                      {"keepalive_pongs_sent", n.keepalive_pongs}};
  j["tls"] = {{"handshakes", s.tls.handshakes},
              {"handshake_seconds_mean", s.tls.handshake_seconds_mean},
              {"failures", s.tls.failures},
              {"failures_by_reason", reasons_json(s.tls.failures_by_reason)}};
  const auto& x = s.transactions;
  j["transactions"] = {{"server", x.server},
                       {"client", x.client},
                       {"active", x.active},
                       {"retransmissions_sent", x.retransmissions_sent},
                       {"retransmissions_absorbed", x.retransmissions_absorbed},
                       {"timeouts", x.timeouts},
                       {"rejected", x.rejected}};
  j["offload"] = {{"backend", s.offload},
                  {"parse_batches", {{"count", s.parse_batches.count}, {"mean_segments", s.parse_batches.mean}}},
                  {"tls_record_batches", {{"count", s.tls_batches.count}, {"mean_connections", s.tls_batches.mean}}}};
  return j.dump(2) + "\n";
}

std::string format_summary_line(const NodeStatus& s) {
  std::ostringstream o;
  o << "calls started " << s.calls.started << ", answered " << s.calls.answered << ", failed " << s.calls.failed
    << ", refused " << s.calls.rejected << "; messages in " << s.messages.received << ", out " << s.messages.sent
    << ", malformed " << s.messages.parse_errors << "; retransmissions sent " << s.transactions.retransmissions_sent
    << ", absorbed " << s.transactions.retransmissions_absorbed;
  return o.str();
}

std::string format_connections_line(const NodeStatus& s) {
  const auto& n = s.connections;
  auto of = [](const std::vector<std::pair<std::string, std::uint64_t>>& by, std::string_view reason) {
    for (const auto& [r, v] : by)
      if (r == reason) return v;
    return std::uint64_t{0};
  };
  std::ostringstream o;
  o << "connections accepted " << n.accepted << "; refused: over max-connections " << of(n.refused_by_reason, "node_limit")
    << ", over max-connections-per-source " << of(n.refused_by_reason, "source_limit") << ", out of descriptors "
    << of(n.refused_by_reason, "no_descriptor") << " (accept failures " << n.accept_failures << ", pauses "
    << n.accept_pauses << "); closed: no first message " << of(n.dropped_by_reason, "no_first_message")
    << ", slow partial message " << of(n.dropped_by_reason, "partial_message_timeout") << ", framing error "
    << of(n.dropped_by_reason, "framing_error") << ", output buffer full " << of(n.dropped_by_reason, "output_full");
  return o.str();
}

std::string answer_control_request(const interwork::Node& node, std::string_view request) {
  if (request == "status") return format_status_table(node.status());
  if (request == "status json") return format_status_json(node.status());
  return "error: unknown request '" + std::string(request.substr(0, 64)) + "' (known: status, status json)\n";
}

std::string control_path_for_pid_file(const std::string& pid_file) { return pid_file + ".ctl"; }

}  // namespace sipnic::app
