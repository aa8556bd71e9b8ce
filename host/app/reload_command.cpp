// sipnic reload: asks a running node to reload its TLS certificates, keys, CA
// sets and CRLs, and its STIR/SHAKEN key, repository and STI-CAs (SIGHUP). The node finds the files by the paths of its config;
// a file that does not load is refused and the old one kept, with an error in
// the node's log.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "app/commands.h"

namespace po = boost::program_options;

namespace sipnic::app {

int reload_command(const std::vector<std::string>& args) {
  po::options_description opts("sipnic reload --pid-file FILE | --pid PID");
  opts.add_options()
      ("help,h", "show this help")
      ("pid-file", po::value<std::string>(), "the file `sipnic run --pid-file` wrote")
      ("pid", po::value<long>(), "the node's process id");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic reload: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  long pid = 0;
  if (vm.count("pid")) {
    pid = vm["pid"].as<long>();
  } else if (vm.count("pid-file")) {
    const auto& file = vm["pid-file"].as<std::string>();
    std::ifstream in(file);
    if (!(in >> pid)) {
      std::cerr << "sipnic reload: cannot read a process id from " << file << "\n";
      return 1;
    }
  } else {
    std::cerr << "sipnic reload: give --pid-file FILE or --pid PID\n" << opts;
    return 2;
  }
  if (pid <= 1) {
    std::cerr << "sipnic reload: " << pid << " is not a node's process id\n";
    return 1;
  }
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    std::cerr << "sipnic reload: cannot signal process " << pid << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "sent SIGHUP to " << pid << "; the node's log says whether the reload was accepted\n";
  return 0;
}

}  // namespace sipnic::app
