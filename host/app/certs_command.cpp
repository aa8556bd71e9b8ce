// sipnic certs init DIR: a throwaway CA and node/peer certificates for demos and
// tests (tls/cert_factory.h). Not for production, and it says so.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/commands.h"
#include "tls/cert_factory.h"

namespace po = boost::program_options;

namespace sipnic::app {

int certs_command(const std::vector<std::string>& args) {
  po::options_description opts("sipnic certs init DIR [options]");
  opts.add_options()
      ("help,h", "show this help")
      ("key-type", po::value<std::string>()->default_value("ecdsa"), "ecdsa (P-256) or rsa (2048)")
      ("node-name", po::value<std::string>()->default_value("node.sipnic.test"),
       "DNS name and sip: URI in the node's certificate")
      ("peer", po::value<std::vector<std::string>>()->composing(),
       "a peer's DNS name (repeatable; default pbx.sipnic.test and carrier.sipnic.test)")
      ("ip", po::value<std::vector<std::string>>()->composing(),
       "an IPv4 or IPv6 address for the node's certificate (subjectAltName IP; repeatable), for peers that "
       "dial the node by address");
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>())("dir", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("action", 1).add("dir", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sipnic certs: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  if (!vm.count("action") || vm["action"].as<std::string>() != "init" || !vm.count("dir")) {
    std::cerr << "usage: sipnic certs init DIR [options]\n" << opts;
    return 2;
  }
  tls::DemoPkiOptions o;
  const std::string& kt = vm["key-type"].as<std::string>();
  if (kt == "ecdsa") {
    o.key_type = tls::KeyType::kEcdsaP256;
  } else if (kt == "rsa") {
    o.key_type = tls::KeyType::kRsa2048;
  } else {
    std::cerr << "sipnic certs: unknown --key-type '" << kt << "' (ecdsa or rsa)\n";
    return 2;
  }
  o.node_name = vm["node-name"].as<std::string>();
  if (vm.count("peer")) o.peer_names = vm["peer"].as<std::vector<std::string>>();
  if (vm.count("ip")) o.node_ips = vm["ip"].as<std::vector<std::string>>();
  for (const auto& ip : o.node_ips) {
    // A usage error, like a bad --key-type (and nothing is written).
    if (!tls::ip_san(ip)) {
      std::cerr << "sipnic certs: --ip '" << ip << "' is not an IPv4 or IPv6 address (IPv6 without brackets, e.g. ::1)\n";
      return 2;
    }
  }
  try {
    auto files = tls::init_demo_pki(vm["dir"].as<std::string>(), o);
    std::cout << "wrote a throwaway CA and certificates (NOT FOR PRODUCTION):\n";
    for (const auto& f : files) std::cout << "  " << f.string() << "\n";
  } catch (const tls::CertError& e) {
    std::cerr << "sipnic certs: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sipnic::app
