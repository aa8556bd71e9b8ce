// `sipnic check-config [--print] FILE`: reads a config the way `sipnic run -c`
// would and reports the first problem as FILE:LINE: KEY: reason, so an operator
// can check a change before restarting a node.
#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "core/config.h"

namespace sipnic::app {

namespace {

namespace po = boost::program_options;

void usage(std::ostream& out, const po::options_description& visible) {
  out << "usage: sipnic check-config [--print] FILE\n"
         "\n"
         "Checks FILE and prints \"FILE: ok (...)\", or the first error as\n"
         "FILE:LINE: KEY: reason. Exit 0 when valid, 1 when not, 2 on a usage error.\n"
         "\n"
      << visible;
}

}  // namespace

int check_config_command(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()
      ("help,h", "show this help")
      ("print,p", "print the effective config (every value, defaults included) instead of the summary");
  po::options_description all;
  all.add(visible).add_options()("file", po::value<std::vector<std::string>>(), "config file");
  po::positional_options_description positional;
  positional.add("file", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic check-config: " << e.what() << "\n\n";
    usage(std::cerr, visible);
    return 2;
  }
  if (vm.count("help")) {
    usage(std::cout, visible);
    return 0;
  }
  std::vector<std::string> files;
  if (vm.count("file")) files = vm["file"].as<std::vector<std::string>>();
  if (files.size() != 1) {
    std::cerr << "sipnic check-config: expected one FILE, got " << files.size() << "\n\n";
    usage(std::cerr, visible);
    return 2;
  }

  const std::string& file = files.front();
  core::Config config;
  try {
    config = core::load_config_file(file);
  } catch (const core::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::string summary = file + ": ok (" + std::to_string(config.listen.size()) + " listen, " +
                        std::to_string(config.trunks.size()) + " trunks, " +
                        std::to_string(config.routes.size()) + " routes" +
                        (config.spans.empty() ? "" : ", " + std::to_string(config.spans.size()) + " spans") + ")";
  if (vm.count("print")) {
    // The summary goes in as a comment so the output stays a valid config.
    std::cout << "# " << summary << "\n" << core::format_config(config);
  } else {
    std::cout << summary << "\n";
  }
  return 0;
}

}  // namespace sipnic::app
