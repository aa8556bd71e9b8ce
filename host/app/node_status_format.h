// A running node's status (interwork::NodeStatus) as text: the table that
// `sipnic status` prints, the JSON of `sipnic status --json` (its fields:
// docs/operations.md), and the summary line `sipnic run` logs when it stops.
// Also the control socket's requests, which answer with the first two.
#pragma once

#include <string>
#include <string_view>

#include "interwork/node.h"

namespace sipnic::app {

std::string format_status_table(const interwork::NodeStatus& status);
std::string format_status_json(const interwork::NodeStatus& status);
// "calls started N, answered N, failed N, refused N; messages in N, out N,
// malformed N; retransmissions sent N, absorbed N" (scripts and the interop
// harness read it).
std::string format_summary_line(const interwork::NodeStatus& status);
// The second line `sipnic run` logs when it stops: stream connections
// accepted, refused at accept and closed by sipnic, by reason.
std::string format_connections_line(const interwork::NodeStatus& status);

// The control socket's protocol (core/control_socket.h): "status" answers
// the table, "status json" the JSON; anything else "error: ...".
std::string answer_control_request(const interwork::Node& node, std::string_view request);

// Where `sipnic run --pid-file F` puts its control socket, and where
// `sipnic status --pid-file F` looks for it: F.ctl.
std::string control_path_for_pid_file(const std::string& pid_file);

}  // namespace sipnic::app
