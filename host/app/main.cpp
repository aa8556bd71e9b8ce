// The `sipnic` command: top-level options (--help, --version), then dispatch on
// the subcommand name. Each subcommand parses its own options from the
// arguments after its name (commands.h); docs/cli.md describes them all.
#include <boost/program_options.hpp>

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "core/config.h"

namespace {

namespace po = boost::program_options;

// Exit codes, the same for every subcommand (docs/cli.md).
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>&);
};

constexpr Subcommand kSubcommands[] = {
    {"run", "run the edge node (built-in config, or -c FILE)", &sipnic::app::run_command},
    {"parse", "parse SIP messages from files and print what was found", &sipnic::app::parse_command},
    {"check-config", "check a config file; --print shows the effective config",
     &sipnic::app::check_config_command},
    {"certs", "certs init DIR: a throwaway CA and certificates for demos and tests",
     &sipnic::app::certs_command},
    {"reload", "reload TLS and STIR/SHAKEN files of a running node (SIGHUP)",
     &sipnic::app::reload_command},
    {"status", "show a running node's trunks, connections and counters (--json for scripts)",
     &sipnic::app::status_command},
    {"kernel", "run one offload kernel (sip_parse, tls_gcm) on a backend from files",
     &sipnic::app::kernel_command},
    {"span-peer", "the far end of a PRI span (a PBX or a switch) from a command list, for demos and tests",
     &sipnic::app::span_peer_command},
    {"help", "show this help", nullptr},
};

po::options_description global_options() {
  po::options_description o("options");
  o.add_options()
      ("help,h", "show this help")
      ("version,V", "print the version");
  return o;
}

void usage(std::ostream& out) {
  out << "usage: sipnic [--help] [--version] COMMAND [ARGS...]\n"
         "\n"
         "sipnic is a SIP trunk edge node.\n"
         "\n"
         "commands:\n";
  for (const auto& c : kSubcommands) {
    std::string name(c.name);
    name.resize(14, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n" << global_options() << "\n"
      << "'sipnic COMMAND --help' shows the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);

  // Top-level options come before the subcommand name; everything from the
  // name on belongs to the subcommand, so `sipnic run --help` reaches `run`.
  auto first_word = std::find_if(args.begin(), args.end(),
                                 [](const std::string& a) { return a.empty() || a.front() != '-'; });
  std::vector<std::string> global(args.begin(), first_word);
  std::vector<std::string> rest(first_word, args.end());

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(global).options(global_options()).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic: " << e.what() << "\n\n";
    usage(std::cerr);
    return kExitUsage;
  }
  if (vm.count("help")) {
    usage(std::cout);
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "sipnic " SIPNIC_VERSION "\n";
    return 0;
  }
  if (rest.empty()) {
    usage(std::cerr);
    return kExitUsage;
  }

  const std::string& name = rest.front();
  std::vector<std::string> sub_args(rest.begin() + 1, rest.end());
  if (name == "help") {
    usage(std::cout);
    return 0;
  }
  for (const auto& c : kSubcommands) {
    if (c.name != name || !c.run) continue;
    // Subcommands report their own errors; these catch what slips through so
    // the exit code still follows docs/cli.md.
    try {
      return c.run(sub_args);
    } catch (const po::error& e) {
      std::cerr << "sipnic " << name << ": " << e.what() << "\n";
      return kExitUsage;
    } catch (const sipnic::core::ConfigError& e) {
      std::cerr << e.what() << "\n";
      return kExitFailure;
    } catch (const std::exception& e) {
      std::cerr << "sipnic " << name << ": error: " << e.what() << "\n";
      return kExitFailure;
    }
  }
  std::cerr << "sipnic: unknown command '" << name << "'\n\n";
  usage(std::cerr);
  return kExitUsage;
}
