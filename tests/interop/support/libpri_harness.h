// Interop harness: libpri as the independent PRI peer (tests/peers/libpri_peer.c,
// its command and event grammar in tests/peers/README.md), one process per
// side of a `frames` span, driven through LinePeer.
//
//   TempDir dir("pri");
//   const std::string span = dir.file("span.sock");
//   LibpriPeer nt(dir, "nt", {.side = "nt", .switch_type = "ni2", .span = "t1", .socket_path = span, .listen = true});
//   ASSERT_TRUE(nt.event("listening")) << nt.describe();
//   LibpriPeer te(dir, "te", {.side = "te", .switch_type = "ni2", .span = "t1", .socket_path = span});
//   ASSERT_TRUE(te.event("dchan", {}, {"up"}));
//   PriLine ok = te.command("call 5 5551234 calling=5550000");   // ok call call=1
//   auto ring = nt.event("ring", {{"called", "5551234"}});
//
// NFAS (a backup D-channel on a second socket, enslaved to the first; events
// then name the D-channel: which=primary|backup, dchan=primary|backup):
//
//   LibpriPeer nt(dir, "nt", {.side = "nt", .switch_type = "ni2", .span = "t1", .socket_path = span, .listen = true,
//                             .backup_socket_path = backup, .backup_listen = true});
//   ASSERT_TRUE(nt.event("listening", {{"which", "backup"}}));
//   ...
//   te.command("call 5 5551234 interface=1");   // ok call call=1 dchan=primary
//   te.command("dchan close primary");          // the primary's link fails
//
// The peer is a separate program on purpose: libpri is GPL-2 and nothing of
// sipnic links it. The limits bound a failure; nothing here measures time.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interop/support/line_peer.h"
#include "interop/support/sipp_harness.h"

namespace sipnic::test {

// One line of the peer: "<kind> <name> key=value... flag...", values %XX-decoded.
struct PriLine {
  std::string kind;  // "event", "ok", "error"; "" for no line (a wait that ran out)
  std::string name;
  std::map<std::string, std::string> fields;
  std::vector<std::string> flags;
  std::string text;  // the line as written

  bool has(const std::string& key) const { return fields.count(key) != 0; }
  // The value of `key`, "" when absent.
  std::string get(const std::string& key) const;
  bool has_flag(std::string_view flag) const;
  explicit operator bool() const { return !kind.empty(); }
};

// Parses a line of the peer; kind "" when it is not one.
PriLine parse_pri_line(std::string_view line);

using PriFields = std::map<std::string, std::string>;

struct LibpriPeerOptions {
  std::string side = "te";                  // te | nt
  std::string switch_type = "euroisdn_e1";  // euroisdn_e1 euroisdn_t1 ni2 dms100 4ess 5ess qsig
  std::string span = "e1";                  // e1 | t1
  std::string socket_path;                  // the frames span's Unix socket
  bool listen = false;                      // listen on it (else connect to it)
  std::string backup_socket_path = {};      // a backup D-channel's socket (NFAS); "" for none
  bool backup_listen = false;               // listen on that one (else connect to it)
  bool nfas = false;                        // --nfas (implied by a backup): channels carry their interface
  std::map<std::string, int> timers = {};   // --timer NAME=VALUE (libpri's names: T303, N200, ...)
  std::vector<std::string> extra_args = {}; // --manual-release, --debug, ...
};

// A generous bound for one protocol step between two peers on one machine.
inline constexpr std::chrono::milliseconds kPriStepLimit = std::chrono::seconds(20);

class LibpriPeer {
 public:
  // Starts the peer; stdout to DIR/<name>.out, stderr to DIR/<name>.err.
  LibpriPeer(const TempDir& dir, std::string name, const LibpriPeerOptions& options);

  // Sends a command and waits for its answer (the next ok or error line,
  // answers come in command order); an empty PriLine at the limit.
  PriLine command(std::string_view line, std::chrono::milliseconds limit = kPriStepLimit);
  // Waits for an event `name` (not taken before) whose fields hold `want`
  // and which has `flags`; takes it. An empty PriLine at the limit.
  PriLine event(std::string_view name, const PriFields& want = {}, const std::vector<std::string>& flags = {},
                std::chrono::milliseconds limit = kPriStepLimit);
  // How many events `name` the peer has reported so far, taken or not.
  std::size_t count(std::string_view name);

  // Sends quit and waits for the exit; its wait status, nullopt at the limit.
  std::optional<int> quit(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // The peer's name, command line, stdout and stderr, for a failure message.
  std::string describe();
  LinePeer& process() { return peer_; }
  const LibpriPeerOptions& options() const { return options_; }

 private:
  std::string name_;
  LibpriPeerOptions options_;
  std::vector<std::string> argv_;
  LinePeer peer_;
};

// The libpri_peer program of this build (SIPNIC_LIBPRI_PEER; the environment's
// SIPNIC_LIBPRI_PEER_OVERRIDE first).
std::string libpri_peer_binary();

// The argv of a peer with these options (the binary first).
std::vector<std::string> libpri_peer_argv(const LibpriPeerOptions& options);

}  // namespace sipnic::test
