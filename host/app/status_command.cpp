// sipnic status: asks a running node for its status on its control socket
// (core/control_socket.h) and prints it: a table by default, JSON with --json.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/node_status_format.h"
#include "core/control_socket.h"

namespace po = boost::program_options;

namespace sipnic::app {

int status_command(const std::vector<std::string>& args) {
  po::options_description opts("sipnic status [--pid-file FILE | --control PATH] [--json]");
  opts.add_options()
      ("help,h", "show this help")
      ("pid-file", po::value<std::string>(), "the node's --pid-file: its control socket is FILE.ctl")
      ("control", po::value<std::string>(), "the node's control socket (sipnic run --control PATH)")
      ("json", "print JSON (for scripts) instead of the table");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic status: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  if (vm.count("pid-file") == vm.count("control")) {
    std::cerr << "sipnic status: give --pid-file FILE or --control PATH (one of them)\n" << opts;
    return 2;
  }
  const std::string path = vm.count("control") ? vm["control"].as<std::string>()
                                               : control_path_for_pid_file(vm["pid-file"].as<std::string>());
  std::string answer;
  try {
    answer = core::control_request(path, vm.count("json") ? "status json" : "status");
  } catch (const core::ControlError& e) {
    std::cerr << "sipnic status: " << e.what() << "\n";
    return 1;
  }
  if (answer.starts_with("error: ")) {
    std::cerr << "sipnic status: the node answered " << answer;
    return 1;
  }
  std::cout << answer;
  return 0;
}

}  // namespace sipnic::app
