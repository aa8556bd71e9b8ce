// --offload, --xclbin, --device (offload_options.h).
#include "app/offload_options.h"

namespace sipnic::app {

namespace po = boost::program_options;

void add_offload_options(po::options_description& opts) {
  opts.add_options()
      ("offload", po::value<std::string>()->default_value("cpu"),
       "offload backend: cpu, sim (the kernels' RTL under Verilator) or xrt (a card)")
      ("xclbin", po::value<std::string>(), "xrt: the .xclbin with the tls_gcm and sip_parse kernels")
      ("device", po::value<unsigned>()->default_value(0), "xrt: the card's device index (xbutil examine)");
}

std::unique_ptr<offload::Device> device_from_options(const po::variables_map& vm) {
  offload::DeviceOptions options;
  options.xrt_device_index = vm["device"].as<unsigned>();
  if (vm.count("xclbin")) options.xclbin = vm["xclbin"].as<std::string>();
  return offload::make_device(vm["offload"].as<std::string>(), options);
}

}  // namespace sipnic::app
