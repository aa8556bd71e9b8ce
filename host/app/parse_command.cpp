// `sipnic parse [--offload cpu] [--stream] FILE...`: runs the header-index
// engine and the validation layer on files and prints what they found, one
// JSON object per file (one line each). Each file is read whole and parsed as
// one UDP datagram (one message; bytes after its body are ignored, RFC 3261
// §18.3), or with --stream as the bytes of a TCP/TLS stream (several messages,
// Content-Length mandatory; a file ending inside a message is an error).
//
// Exit status: 0 when every file parses and validates, 1 when any message is
// rejected, 2 on a usage error (bad option, unreadable file, unknown backend).
#include <boost/program_options.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "app/offload_options.h"
#include "app/parse_json.h"
#include "offload/device.h"

namespace sipnic::app {

namespace po = boost::program_options;

int parse_command(const std::vector<std::string>& args) {
  po::options_description opts("sipnic parse [options] FILE...\n"
                               "Parses each FILE as one SIP datagram (or, with --stream, as TCP stream bytes)\n"
                               "and prints its header index and validation result as JSON, one line per file.\n"
                               "Options");
  bool stream = false;
  std::vector<std::string> files;
  opts.add_options()("help,h", "show this help")(
      "stream", po::bool_switch(&stream), "parse each file as stream bytes: several messages, Content-Length required");
  add_offload_options(opts);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&files));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("file", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic parse: " << e.what() << "\n" << opts << "\n";
    return 2;
  }
  if (vm.count("help") != 0) {
    std::cout << opts << "\n";
    return 0;
  }
  if (files.empty()) {
    std::cerr << "sipnic parse: no FILE given\n" << opts << "\n";
    return 2;
  }
  std::unique_ptr<offload::SipParseEngine> engine;
  try {
    engine = device_from_options(vm)->make_sip_parse_engine(offload::SipParseLimits{});
  } catch (const std::exception& e) {
    std::cerr << "sipnic parse: " << e.what() << "\n";
    return 2;
  }
  // Read every file first, so that an unreadable one is a usage error before
  // any output.
  std::vector<std::string> contents;
  for (const auto& f : files) {
    std::error_code ec;
    std::ifstream in(f, std::ios::binary);
    if (!in || std::filesystem::is_directory(f, ec)) {
      std::cerr << "sipnic parse: cannot read '" << f << "'\n";
      return 2;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
      std::cerr << "sipnic parse: cannot read '" << f << "'\n";
      return 2;
    }
    if (data.size() > 0xFFFFFFFFu) {
      std::cerr << "sipnic parse: '" << f << "' is larger than 4 GiB\n";
      return 2;
    }
    contents.push_back(std::move(data));
  }
  bool ok = true;
  for (std::size_t i = 0; i < files.size(); ++i) {
    ok = print_parse_result(files[i], contents[i], stream, *engine, std::cout) && ok;
  }
  std::cout.flush();
  return ok ? 0 : 1;
}

}  // namespace sipnic::app
