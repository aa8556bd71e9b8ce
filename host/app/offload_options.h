// The options every command that runs offload engines takes: --offload
// {cpu|sim|xrt}, and for xrt --xclbin FILE and --device N (docs/cli.md).
#pragma once

#include <boost/program_options.hpp>

#include <memory>
#include <string>

#include "offload/device.h"

namespace sipnic::app {

// Adds --offload, --xclbin and --device to `opts`.
void add_offload_options(boost::program_options::options_description& opts);

// The device those options name. Throws std::runtime_error (see
// offload::make_device) when it cannot be opened.
std::unique_ptr<offload::Device> device_from_options(const boost::program_options::variables_map& vm);

}  // namespace sipnic::app
