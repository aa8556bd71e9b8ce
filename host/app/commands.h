// The sipnic subcommands. main.cpp dispatches on the first argument; each
// subcommand parses its own options (Boost.Program_options) from `args`, which
// holds the arguments after the subcommand name. Each returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace sipnic::app {

int run_command(const std::vector<std::string>& args);           // sipnic run
int parse_command(const std::vector<std::string>& args);         // sipnic parse
int check_config_command(const std::vector<std::string>& args);  // sipnic check-config
int certs_command(const std::vector<std::string>& args);         // sipnic certs init
int reload_command(const std::vector<std::string>& args);        // sipnic reload
int status_command(const std::vector<std::string>& args);        // sipnic status
int kernel_command(const std::vector<std::string>& args);        // sipnic kernel
int span_peer_command(const std::vector<std::string>& args);     // sipnic span-peer

}  // namespace sipnic::app
