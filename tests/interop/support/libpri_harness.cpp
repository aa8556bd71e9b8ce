#include "interop/support/libpri_harness.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace sipnic::test {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The peer's %XX escapes undone (a '%' not followed by two hex digits stays).
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string PriLine::get(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

bool PriLine::has_flag(std::string_view flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

PriLine parse_pri_line(std::string_view line) {
  PriLine p;
  std::istringstream in{std::string(line)};
  std::string kind, name, word;
  if (!(in >> kind >> name) || (kind != "event" && kind != "ok" && kind != "error")) return p;
  p.kind = kind;
  p.name = name;
  p.text = std::string(line);
  while (in >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos)
      p.flags.push_back(word);
    else
      p.fields[word.substr(0, eq)] = unescape(std::string_view(word).substr(eq + 1));
  }
  return p;
}

std::string libpri_peer_binary() {
  const char* env = std::getenv("SIPNIC_LIBPRI_PEER_OVERRIDE");
  return env && *env ? env : SIPNIC_LIBPRI_PEER;
}

std::vector<std::string> libpri_peer_argv(const LibpriPeerOptions& o) {
  std::vector<std::string> argv = {libpri_peer_binary(), "--side", o.side, "--switch", o.switch_type, "--span", o.span,
                                   o.listen ? "--listen" : "--connect", o.socket_path};
  if (!o.backup_socket_path.empty())
    argv.insert(argv.end(), {o.backup_listen ? "--backup-listen" : "--backup-connect", o.backup_socket_path});
  if (o.nfas) argv.push_back("--nfas");
  for (const auto& [timer, value] : o.timers) argv.insert(argv.end(), {"--timer", timer + "=" + std::to_string(value)});
  argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
  return argv;
}

LibpriPeer::LibpriPeer(const TempDir& dir, std::string name, const LibpriPeerOptions& options)
    : name_(std::move(name)),
      options_(options),
      argv_(libpri_peer_argv(options)),
      peer_(argv_, dir.file(name_ + ".out"), dir.file(name_ + ".err")) {}

PriLine LibpriPeer::command(std::string_view line, std::chrono::milliseconds limit) {
  if (!peer_.send(line)) return {};
  auto answer = peer_.take(
      [](std::string_view l) {
        auto p = parse_pri_line(l);
        return p.kind == "ok" || p.kind == "error";
      },
      limit);
  return answer ? parse_pri_line(*answer) : PriLine{};
}

PriLine LibpriPeer::event(std::string_view name, const PriFields& want, const std::vector<std::string>& flags,
                          std::chrono::milliseconds limit) {
  auto line = peer_.take(
      [&](std::string_view l) {
        auto p = parse_pri_line(l);
        if (p.kind != "event" || p.name != name) return false;
        for (const auto& [key, value] : want)
          if (!p.has(key) || p.get(key) != value) return false;
        return std::all_of(flags.begin(), flags.end(), [&](const std::string& f) { return p.has_flag(f); });
      },
      limit);
  return line ? parse_pri_line(*line) : PriLine{};
}

std::size_t LibpriPeer::count(std::string_view name) {
  return peer_.count([&](std::string_view l) {
    auto p = parse_pri_line(l);
    return p.kind == "event" && p.name == name;
  });
}

std::optional<int> LibpriPeer::quit(std::chrono::milliseconds limit) {
  peer_.send("quit");
  return peer_.wait_exit(limit);
}

std::string LibpriPeer::describe() {
  std::string out = "libpri peer " + name_ + ":";
  for (const auto& a : argv_) out += " " + a;
  out += "\n--- stdout ---\n" + peer_.output() + "--- stderr ---\n" + peer_.log();
  return out;
}

}  // namespace sipnic::test
