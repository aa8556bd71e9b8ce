// The xrt backend's plumbing, without a card.
//
// - The xclbin: tests/support/xclbin_writer.h builds one from
//   bitstreams/{tls_gcm,sip_parse}/kernel.xml (the files package_xo uses) and
//   bitstreams/{tdm_framer,tdm_mux,hdlc}/kernel.xml (what v++ -c is expected
//   to write for the HLS kernels of hls/), so XRT's own xclbin parser reads
//   the kernel metadata we ship; the backend must accept it and refuse
//   metadata that differs from docs/kernels.md.
// - No card: with XRT's real device shim (libxrt_core) opening fails with a
//   message naming the device index and carrying XRT's own text. XRT loads its
//   shim once per process, so these run in a re-executed child (gtest death
//   test, "threadsafe" style).
// - XRT's noop shim (libxrt_noop, selected by XCL_EMULATION_MODE=noop) runs
//   the whole host path: load the xclbin, find the kernels and their argument
//   offsets, allocate buffers in the kernels' memory groups, set arguments,
//   start and wait (the TDM engine: three starts per run, in order). The noop device completes commands without running a
//   kernel (after Runtime.noop_completion_delay_us, set in an xrt.ini here),
//   so these tests check the plumbing: argument values in the command XRT
//   builds, group ids, run states, that outputs come from the device buffers
//   and that a run is waited for. Results are the differential tests' job
//   (sim backend), not this file's.
//
// XRT looks for its shim under $XILINX_XRT/lib; Debian installs it in the
// multiarch directory, so the tests make a directory of symlinks and point
// XILINX_XRT at it.
#if SIPNIC_XRT

#include <dlfcn.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "offload/xrt_context.h"
#include "offload/xrt_device.h"
#include "offload/xrt_gcm_engine.h"
#include "offload/xrt_sip_parse_engine.h"
#include "offload/xrt_tdm_engine.h"
#include "support/run_command.h"
#include "support/xclbin_writer.h"

// XRT-internal (exported by libxrt_coreutil, core/common/api/kernel_int.h):
// the value of one argument in the command XRT built for a run; the only way
// to see what a run will write into the kernel's registers without a card.
namespace xrt_core::kernel_int {
std::vector<std::uint32_t> get_arg_value(const xrt::run&, std::size_t argidx);
}

namespace sipnic::offload {
namespace {

namespace fs = std::filesystem;
using sipnic::test::TempDir;

constexpr std::uint64_t kTlsGcmBase = 0x800000;
constexpr std::uint64_t kSipParseBase = 0x810000;
constexpr std::uint64_t kTdmFramerBase = 0x820000;
constexpr std::uint64_t kTdmMuxBase = 0x830000;
constexpr std::uint64_t kHdlcBase = 0x840000;
constexpr int kTlsGcmBank = 0;    // HBM[0]
constexpr int kSipParseBank = 4;  // HBM[4]
constexpr int kTdmBank = 8;       // HBM[8], the three TDM kernels (bitstreams/u55c.cfg)
constexpr int kOtherBank = 12;    // HBM[12], for an hdlc on a bank of its own
constexpr unsigned kNoopDelayUs = 20000;

std::string kernel_xml(const std::string& kernel) {
  return sipnic::test::read_text_file(std::string(SIPNIC_SOURCE_DIR) + "/bitstreams/" + kernel + "/kernel.xml");
}

// Which of the TDM kernels an xclbin gets.
struct TdmKernels {
  bool framer = true;
  bool mux = true;
  bool hdlc = true;
  int hdlc_bank = kTdmBank;
};
constexpr TdmKernels kAllTdm{};
constexpr TdmKernels kNoTdm{false, false, false};

// A U55C-like xclbin: 32 HBM banks, tls_gcm on HBM[0], sip_parse on HBM[4],
// the TDM kernels on HBM[8].
test::XclbinSpec u55c_spec(bool with_gcm = true, bool with_sip = true, TdmKernels tdm = kAllTdm) {
  test::XclbinSpec spec;
  for (int i = 0; i < 32; ++i) {
    const bool used = i == kTlsGcmBank || i == kSipParseBank || i == kTdmBank || i == kOtherBank;
    spec.banks.push_back({MEM_HBM, 0x4000000000ull + std::uint64_t(i) * 0x10000000ull, 256 * 1024,
                          "HBM[" + std::to_string(i) + "]", used});
  }
  if (with_gcm) spec.cus.push_back({kernel_xml("tls_gcm"), "tls_gcm_1", kTlsGcmBase, kTlsGcmBank});
  if (with_sip) spec.cus.push_back({kernel_xml("sip_parse"), "sip_parse_1", kSipParseBase, kSipParseBank});
  if (tdm.framer) spec.cus.push_back({kernel_xml("tdm_framer"), "tdm_framer_1", kTdmFramerBase, kTdmBank});
  if (tdm.mux) spec.cus.push_back({kernel_xml("tdm_mux"), "tdm_mux_1", kTdmMuxBase, kTdmBank});
  if (tdm.hdlc) spec.cus.push_back({kernel_xml("hdlc"), "hdlc_1", kHdlcBase, tdm.hdlc_bank});
  return spec;
}

// The compute unit of `kernel` in a spec.
test::XclbinComputeUnit& cu_of(test::XclbinSpec& spec, const std::string& kernel) {
  for (auto& cu : spec.cus)
    if (cu.instance == kernel + "_1") return cu;
  throw std::logic_error("no compute unit for " + kernel);
}

// Replaces the one occurrence of `from` in `text`.
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  ASSERT_EQ(text.find(from, at + 1), std::string::npos) << from;
  text.replace(at, from.size(), to);
}

// The directory XRT's libraries were loaded from (Debian: the multiarch dir).
fs::path xrt_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&xrtDeviceOpen), &info) == 0 || info.dli_fname == nullptr) {
    throw std::runtime_error("dladdr found no library for xrtDeviceOpen");
  }
  return fs::canonical(info.dli_fname).parent_path();
}

// $XILINX_XRT for the tests: lib/ with symlinks to XRT's shims, and an xrt.ini.
class XrtRoot {
 public:
  XrtRoot() : dir_("sipnic-xrt") {
    fs::create_directories(dir_.path() / "lib");
    for (const auto& e : fs::directory_iterator(xrt_library_dir())) {
      const std::string name = e.path().filename().string();
      if (name.rfind("libxrt_", 0) == 0) fs::create_symlink(e.path(), dir_.path() / "lib" / name);
    }
    dir_.file("xrt.ini", "[Runtime]\nnoop_completion_delay_us=" + std::to_string(kNoopDelayUs) + "\n");
  }
  std::string root() const { return dir_.path().string(); }
  std::string ini() const { return (dir_.path() / "xrt.ini").string(); }
  bool has(const std::string& lib) const { return fs::exists(dir_.path() / "lib" / lib); }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
};

// The process-wide noop set-up: XRT reads its environment once.
XrtRoot& noop_root() {
  static XrtRoot* root = [] {
    auto* r = new XrtRoot;
    setenv("XILINX_XRT", r->root().c_str(), 1);
    setenv("XCL_EMULATION_MODE", "noop", 1);
    setenv("XRT_INI_PATH", r->ini().c_str(), 1);
    return r;
  }();
  return *root;
}

std::string write_xclbin(const TempDir& dir, const std::string& name, const test::XclbinSpec& spec) {
  const fs::path p = dir.path() / name;
  test::write_xclbin(spec, p.string());
  return p.string();
}

// One argument's value as XRT will write it into the kernel's registers.
// XRT 2.13 returns one byte per vector element; later versions one 32-bit
// word per element. Either is accepted.
std::uint64_t arg_value(const xrt::run& run, int arg, std::size_t size) {
  const std::vector<std::uint32_t> v = xrt_core::kernel_int::get_arg_value(run, static_cast<std::size_t>(arg));
  std::uint64_t value = 0;
  if (v.size() == size) {
    for (std::size_t i = 0; i < v.size(); ++i) value |= std::uint64_t(v[i] & 0xFF) << (8 * i);
  } else if (v.size() * 4 == size) {
    for (std::size_t i = 0; i < v.size(); ++i) value |= std::uint64_t(v[i]) << (32 * i);
  } else {
    ADD_FAILURE() << "argument " << arg << ": " << v.size() << " elements for " << size << " bytes";
  }
  return value;
}

bool all_zero(const std::uint8_t* p, std::size_t n) {
  return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

// ---- the xclbin and its metadata (no device) ------------------------------

// Every fixture sets the process up for the noop shim first: XRT reads its
// environment and xrt.ini once, at its first use, whichever test that is.
class XrtXclbin : public ::testing::Test {
 protected:
  void SetUp() override { noop_root(); }
  TempDir dir_{"sipnic-xclbin"};
};

TEST_F(XrtXclbin, KernelXmlArgumentsAreTheContract) {
  const std::string path = write_xclbin(dir_, "u55c.xclbin", u55c_spec());
  const xrt::xclbin xclbin(path);

  struct Case {
    std::string_view kernel;
    std::span<const KernelArg> contract;
    std::vector<std::string> host_types;
    // package_xo keeps the RTL's port names; v++ -c writes an HLS kernel's
    // in upper case (the backend compares them without case).
    std::string master = "m_axi_gmem";
    std::string control = "s_axi_control";
  };
  const std::string u8p = "unsigned char*";
  const std::string u32 = "unsigned int";
  const Case cases[] = {
      {kTlsGcmKernel, kTlsGcmArgs, {"GcmKey*", "GcmJob*", "uchar*", "GcmResult*", "uint", "uint", "uint"}},
      {kSipParseKernel,
       kSipParseArgs,
       {"uchar*", "SegmentDescriptor*", "SegmentResult*", "MessageRecord*", "HeaderRecord*", "uint", "uint", "uint",
        "uint"}},
      {kTdmFramerKernel,
       kTdmFramerArgs,
       {"SpanControl*", u8p, u8p, u8p, u8p, "SpanState*", "SpanStatus*", u32},
       "M_AXI_GMEM",
       "S_AXI_CONTROL"},
      {kTdmMuxKernel, kTdmMuxArgs, {u8p, u8p, u8p, u8p, u8p, u8p, "SpanLayout*", u32}, "M_AXI_GMEM", "S_AXI_CONTROL"},
      {kHdlcKernel,
       kHdlcArgs,
       {u8p, "ReceiveState*", "ReceivedFrame*", u8p, "ReceiveSummary*", "TransmitRequest*", u8p, "TransmitState*", u8p,
        u8p, u32, u32, u32, u32, u32, u32},
       "M_AXI_GMEM",
       "S_AXI_CONTROL"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.kernel));
    const auto kernel = xclbin.get_kernel(std::string(c.kernel));
    ASSERT_TRUE(kernel);
    const auto args = kernel.get_args();
    ASSERT_EQ(args.size(), c.contract.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
      EXPECT_EQ(args[i].get_index(), i);
      EXPECT_EQ(args[i].get_name(), c.contract[i].name);
      EXPECT_EQ(args[i].get_offset(), c.contract[i].offset);
      EXPECT_EQ(args[i].get_size(), c.contract[i].size);
      EXPECT_EQ(args[i].get_port(), c.contract[i].global ? c.master : c.control);
      EXPECT_EQ(args[i].get_host_type(), c.host_types[i]);
    }
    ASSERT_EQ(kernel.get_cus().size(), 1u);
    EXPECT_EQ(kernel.get_cus()[0].get_control_type(), xrt::xclbin::ip::control_type::chain);
    EXPECT_TRUE(check_xrt_kernel(xclbin, c.kernel, c.contract, path));
  }
  EXPECT_FALSE(check_xrt_kernel(xclbin, "no_such_kernel", kTlsGcmArgs, path));
}

TEST_F(XrtXclbin, RefusesAnArgumentOffsetThatDiffersFromTheContract) {
  test::XclbinSpec spec = u55c_spec();
  std::string& xml = spec.cus[0].kernel_xml;  // tls_gcm
  const std::string from = R"(name="payload" addressQualifier="1" id="2" port="m_axi_gmem" size="0x8" offset="0x28")";
  const std::size_t at = xml.find(from);
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, from.size(), R"(name="payload" addressQualifier="1" id="2" port="m_axi_gmem" size="0x8" offset="0x2C")");
  const std::string path = write_xclbin(dir_, "bad.xclbin", spec);
  try {
    make_xrt_device(0, path);
    FAIL() << "opened an xclbin whose tls_gcm payload argument is at 0x2C";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("kernel tls_gcm argument 2"), std::string::npos) << what;
    EXPECT_NE(what.find("'payload' at 0x28"), std::string::npos) << what;
    EXPECT_NE(what.find("'payload' at 0x2C"), std::string::npos) << what;
  }
}

TEST_F(XrtXclbin, RefusesAScalarWhereThePointerIs) {
  test::XclbinSpec spec = u55c_spec();
  std::string& xml = spec.cus[1].kernel_xml;  // sip_parse: headers as a scalar on s_axi_control
  const std::string from = R"(name="headers" addressQualifier="1" id="4" port="m_axi_gmem")";
  const std::size_t at = xml.find(from);
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, from.size(), R"(name="headers" addressQualifier="0" id="4" port="s_axi_control")");
  const std::string path = write_xclbin(dir_, "bad.xclbin", spec);
  try {
    make_xrt_device(0, path);
    FAIL() << "opened an xclbin whose sip_parse headers argument is a scalar";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kernel sip_parse argument 4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scalar"), std::string::npos) << e.what();
  }
}

TEST_F(XrtXclbin, RefusesAnHlsKernelWhoseRegistersDifferFromTheContract) {
  // hdlc's channel_count where Vitis HLS would not put it.
  test::XclbinSpec spec = u55c_spec();
  replace_once(cu_of(spec, "hdlc").kernel_xml, R"(size="0x4" offset="0x88")", R"(size="0x4" offset="0x84")");
  const std::string path = write_xclbin(dir_, "bad-hdlc.xclbin", spec);
  try {
    make_xrt_device(0, path);
    FAIL() << "opened an xclbin whose hdlc channel_count argument is at 0x84";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("kernel hdlc argument 10"), std::string::npos) << what;
    EXPECT_NE(what.find("'channel_count' at 0x88"), std::string::npos) << what;
    EXPECT_NE(what.find("'channel_count' at 0x84"), std::string::npos) << what;
  }

  // tdm_mux's spans as a scalar on the control port.
  spec = u55c_spec();
  replace_once(cu_of(spec, "tdm_mux").kernel_xml, R"(name="spans" addressQualifier="1" id="6" port="M_AXI_GMEM")",
               R"(name="spans" addressQualifier="0" id="6" port="S_AXI_CONTROL")");
  const std::string path2 = write_xclbin(dir_, "bad-mux.xclbin", spec);
  try {
    make_xrt_device(0, path2);
    FAIL() << "opened an xclbin whose tdm_mux spans argument is a scalar";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kernel tdm_mux argument 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scalar"), std::string::npos) << e.what();
  }

  // tdm_framer with an argument fewer (span_count gone).
  spec = u55c_spec();
  std::string& framer = cu_of(spec, "tdm_framer").kernel_xml;
  const std::size_t at = framer.find(R"(<arg name="span_count")");
  ASSERT_NE(at, std::string::npos);
  framer.erase(at, framer.find("/>", at) + 2 - at);
  const std::string path3 = write_xclbin(dir_, "bad-framer.xclbin", spec);
  try {
    make_xrt_device(0, path3);
    FAIL() << "opened an xclbin whose tdm_framer has 7 arguments";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kernel tdm_framer has 7 arguments, docs/kernels.md says 8"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(XrtXclbin, RefusesAnXclbinWithNeitherKernel) {
  test::XclbinSpec spec = u55c_spec(false, false, kNoTdm);
  std::string xml = kernel_xml("tls_gcm");
  xml.replace(xml.find(R"(name="tls_gcm")"), 14, R"(name="vadd")");
  spec.cus.push_back({xml, "vadd_1", kTlsGcmBase, kTlsGcmBank});
  const std::string path = write_xclbin(dir_, "other.xclbin", spec);
  try {
    make_xrt_device(0, path);
    FAIL() << "opened an xclbin without tls_gcm and sip_parse";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("has neither a tls_gcm nor a sip_parse kernel"), std::string::npos)
        << e.what();
  }
  // Two of the three TDM kernels are no datapath either.
  const std::string partial = write_xclbin(dir_, "partial-tdm.xclbin", u55c_spec(false, false, {true, true, false}));
  try {
    make_xrt_device(0, partial);
    FAIL() << "opened an xclbin with tdm_framer and tdm_mux only";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nor the three TDM kernels tdm_framer, tdm_mux and hdlc"), std::string::npos)
        << e.what();
  }
}

TEST_F(XrtXclbin, UnreadableXclbinNamesThePathAndXrtsError) {
  const std::string path = (dir_.path() / "missing.xclbin").string();
  try {
    make_xrt_device(0, path);
    FAIL() << "opened a missing xclbin";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot read xclbin '" + path + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("Failed to open file"), std::string::npos) << what;  // XRT's text
  }
}

// ---- no card: XRT's real shim ----------------------------------------------

// In a fresh process: XRT with its hardware shim (no XCL_EMULATION_MODE),
// XILINX_XRT as given (nullptr: unset). Prints the error and exits 0 if
// opening failed with std::runtime_error, exits 1 if it opened.
[[noreturn]] void open_in_child(const char* xilinx_xrt, unsigned index, const std::string& xclbin) {
  unsetenv("XCL_EMULATION_MODE");
  unsetenv("XRT_INI_PATH");
  if (xilinx_xrt != nullptr) {
    setenv("XILINX_XRT", xilinx_xrt, 1);
  } else {
    unsetenv("XILINX_XRT");
  }
  try {
    auto device = make_xrt_device(index, xclbin);
    std::fprintf(stderr, "opened device %u\n", index);
    std::fflush(stderr);
    std::_Exit(1);
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    std::_Exit(0);
  }
}

bool card_present() {
  // xocl (the user-function driver) binds every Alveo card XRT can use.
  return fs::exists("/sys/bus/pci/drivers/xocl") && !fs::is_empty("/sys/bus/pci/drivers/xocl");
}

class XrtNoCard : public ::testing::Test {
 protected:
  void SetUp() override {
    noop_root();  // the child undoes it before XRT's first use
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
  TempDir dir_{"sipnic-xclbin"};
  XrtRoot root_;
};

TEST_F(XrtNoCard, OpeningFailsNamingTheIndexAndXrtsError) {
  ASSERT_TRUE(root_.has("libxrt_core.so.2")) << "no libxrt_core in " << xrt_library_dir();
  const std::string path = write_xclbin(dir_, "u55c.xclbin", u55c_spec());
  const std::string xrt = root_.root();
  EXPECT_EXIT(open_in_child(xrt.c_str(), 999, path), ::testing::ExitedWithCode(0),
              "xrt backend: cannot open XRT device 999: Could not open device with index '999'");
  if (card_present()) GTEST_SKIP() << "an Alveo card is present; device 0 exists";
  EXPECT_EXIT(open_in_child(xrt.c_str(), 0, path), ::testing::ExitedWithCode(0),
              "xrt backend: cannot open XRT device 0: Could not open device with index '0'.*xbutil examine");
}

TEST_F(XrtNoCard, WithoutXilinxXrtTheMessageSaysSo) {
  const std::string path = write_xclbin(dir_, "u55c.xclbin", u55c_spec());
  EXPECT_EXIT(open_in_child(nullptr, 0, path), ::testing::ExitedWithCode(0),
              "xrt backend: cannot open XRT device 0: XILINX_XRT not set.*XILINX_XRT is not set.*setup.sh");
}

// ---- the noop shim: the whole host path --------------------------------------

class XrtNoop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    noop_root();
    dir_ = new TempDir("sipnic-xclbin");
    path_ = write_xclbin(*dir_, "u55c.xclbin", u55c_spec());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(noop_root().has("libxrt_noop.so.2")) << "XRT has no noop shim here"; }

  static TempDir* dir_;
  static std::string path_;
};
TempDir* XrtNoop::dir_ = nullptr;
std::string XrtNoop::path_;

TEST_F(XrtNoop, OpensTheDeviceAndFindsBothKernelsWithTheContractsOffsets) {
  const auto ctx = open_xrt_context(0, path_);
  ASSERT_TRUE(ctx->has_tls_gcm());
  ASSERT_TRUE(ctx->has_sip_parse());
  EXPECT_EQ(ctx->uuid, ctx->xclbin.get_uuid());
  for (std::size_t i = 0; i < std::size(kTlsGcmArgs); ++i) {
    EXPECT_EQ(ctx->tls_gcm.offset(static_cast<int>(i)), kTlsGcmArgs[i].offset) << kTlsGcmArgs[i].name;
    if (kTlsGcmArgs[i].global) {
      EXPECT_EQ(ctx->tls_gcm.group_id(static_cast<int>(i)), kTlsGcmBank);
    }
  }
  for (std::size_t i = 0; i < std::size(kSipParseArgs); ++i) {
    EXPECT_EQ(ctx->sip_parse.offset(static_cast<int>(i)), kSipParseArgs[i].offset) << kSipParseArgs[i].name;
    if (kSipParseArgs[i].global) {
      EXPECT_EQ(ctx->sip_parse.group_id(static_cast<int>(i)), kSipParseBank);
    }
  }

  ASSERT_TRUE(ctx->has_tdm());
  EXPECT_EQ(ctx->missing_tdm_kernels(), "");
  struct Tdm {
    const xrt::kernel& kernel;
    std::span<const KernelArg> contract;
  };
  for (const Tdm& t : {Tdm{ctx->tdm_framer, kTdmFramerArgs}, Tdm{ctx->tdm_mux, kTdmMuxArgs}, Tdm{ctx->hdlc, kHdlcArgs}}) {
    for (std::size_t i = 0; i < t.contract.size(); ++i) {
      EXPECT_EQ(t.kernel.offset(static_cast<int>(i)), t.contract[i].offset) << t.contract[i].name;
      if (t.contract[i].global) {
        EXPECT_EQ(t.kernel.group_id(static_cast<int>(i)), kTdmBank) << t.contract[i].name;
      }
    }
  }

  const auto device = make_xrt_device(0, path_);
  EXPECT_EQ(device->name(), "xrt");
  EXPECT_NE(device->make_gcm_engine(8), nullptr);
  EXPECT_NE(device->make_sip_parse_engine({}), nullptr);
  EXPECT_NE(device->make_tdm_engine(), nullptr);
}

TEST_F(XrtNoop, GcmEngineBindsItsArgumentsRunsAndWaits) {
  const auto ctx = open_xrt_context(0, path_);
  XrtGcmEngine engine(ctx, 16);
  EXPECT_EQ(engine.key_slots(), 16u);
  const std::vector<std::uint8_t> key(32, 0x5A);
  ASSERT_TRUE(engine.set_key(3, key));

  std::vector<std::uint8_t> bytes(300);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<GcmJob> jobs(3);
  for (std::uint32_t i = 0; i < 3; ++i) {
    jobs[i].key_slot = 3;
    jobs[i].offset = i * 100;
    jobs[i].length = 100;
    jobs[i].op = static_cast<std::uint8_t>(i == 1 ? GcmOp::kDecrypt : GcmOp::kEncrypt);
  }
  std::vector<GcmResult> results(3);

  // No jobs: no run.
  engine.run(bytes, {}, results);
  EXPECT_EQ(engine.last_run().state(), ERT_CMD_STATE_NEW);

  const auto t0 = std::chrono::steady_clock::now();
  engine.run(bytes, jobs, results);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // The noop device completes the command kNoopDelayUs after it was queued:
  // run() returned only after that.
  EXPECT_GE(elapsed, std::chrono::microseconds(kNoopDelayUs));
  EXPECT_EQ(engine.last_run().state(), ERT_CMD_STATE_COMPLETED);

  // The command: buffer addresses and the three scalars.
  const xrt::run& run = engine.last_run();
  for (TlsGcmArg a : {kTlsGcmKeys, kTlsGcmJobs, kTlsGcmPayload, kTlsGcmResults}) {
    SCOPED_TRACE(kTlsGcmArgs[a].name);
    const xrt::bo& bo = engine.buffer(a);
    EXPECT_EQ(arg_value(run, a, 8), bo.address());
    EXPECT_EQ(bo.get_memory_group(), static_cast<xrt::memory_group>(engine.kernel().group_id(a)));
    EXPECT_EQ(bo.size() % 4096, 0u);
  }
  EXPECT_EQ(arg_value(run, kTlsGcmJobCount, 4), 3u);
  EXPECT_EQ(arg_value(run, kTlsGcmKeySlots, 4), 16u);
  EXPECT_EQ(arg_value(run, kTlsGcmPayloadBytes, 4), 300u);
  EXPECT_GE(engine.buffer(kTlsGcmKeys).size(), 16 * sizeof(GcmKey));
  EXPECT_GE(engine.buffer(kTlsGcmJobs).size(), 3 * sizeof(GcmJob));
  EXPECT_GE(engine.buffer(kTlsGcmResults).size(), 3 * sizeof(GcmResult));

  // What went to the device: the jobs as given, the key table in the device
  // format. (The noop device's memory is the host mapping.)
  xrt::bo jobs_bo = engine.buffer(kTlsGcmJobs);
  EXPECT_EQ(std::memcmp(jobs_bo.map<std::uint8_t*>(), jobs.data(), 3 * sizeof(GcmJob)), 0);
  xrt::bo keys_bo = engine.buffer(kTlsGcmKeys);
  const GcmKey* table = keys_bo.map<GcmKey*>();
  EXPECT_EQ(table[3].key_bytes, 32);
  EXPECT_EQ(std::memcmp(table[3].key, key.data(), 32), 0);
  EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(&table[0]), 3 * sizeof(GcmKey)));
  // The host-side copy of the payload is wiped after the run.
  xrt::bo payload_bo = engine.buffer(kTlsGcmPayload);
  EXPECT_TRUE(all_zero(payload_bo.map<std::uint8_t*>(), bytes.size()));

  // Results and payload come back from the device buffers: what a kernel
  // wrote there is what the caller gets.
  xrt::bo results_bo = engine.buffer(kTlsGcmResults);
  auto* device_results = results_bo.map<GcmResult*>();
  for (std::uint8_t i = 0; i < 3; ++i) {
    device_results[i] = GcmResult{};
    device_results[i].status = static_cast<std::uint8_t>(i == 1 ? GcmStatus::kAuthFailed : GcmStatus::kOk);
    std::memset(device_results[i].tag, 0xC0 + i, kGcmTagBytes);
  }
  std::vector<GcmResult> again(3);
  engine.run(bytes, jobs, again);
  EXPECT_EQ(engine.last_run().state(), ERT_CMD_STATE_COMPLETED);
  EXPECT_EQ(engine.buffer(kTlsGcmResults).address(), results_bo.address());  // reused, not reallocated
  for (std::uint8_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[i].status, i == 1 ? 1 : 0);
    EXPECT_EQ(again[i].tag[0], 0xC0 + i);
  }
}

TEST_F(XrtNoop, GcmRunHostGathersIntoTheDeviceBufferAndScattersByStatus) {
  const auto ctx = open_xrt_context(0, path_);
  XrtGcmEngine engine(ctx, 4);
  ASSERT_TRUE(engine.set_key(1, std::vector<std::uint8_t>(16, 0x42)));
  const std::uint32_t lengths[3] = {100, 37, 10};
  std::vector<std::vector<std::uint8_t>> in(3), out(3);
  std::vector<GcmHostJob> jobs(3);
  for (std::size_t i = 0; i < 3; ++i) {
    in[i].assign(lengths[i], static_cast<std::uint8_t>(0x10 + i));
    out[i].assign(lengths[i], 0xEE);
    jobs[i].job = GcmJob{};
    jobs[i].job.key_slot = 1;
    jobs[i].job.offset = 0xDEAD;  // not used by run_host
    jobs[i].job.length = lengths[i];
    jobs[i].job.nonce[0] = static_cast<std::uint8_t>(i);
    jobs[i].in = in[i].data();
    jobs[i].out = out[i].data();
  }
  std::vector<GcmResult> results(3);
  engine.run_host(jobs, results);
  EXPECT_EQ(engine.last_run().state(), ERT_CMD_STATE_COMPLETED);

  // Payloads on 64-byte boundaries: 0, 128, 192; 202 bytes in all.
  xrt::bo jobs_bo = engine.buffer(kTlsGcmJobs);
  const GcmJob* device_jobs = jobs_bo.map<GcmJob*>();
  const std::uint32_t offsets[3] = {0, 128, 192};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(device_jobs[i].offset, offsets[i]);
    EXPECT_EQ(device_jobs[i].length, lengths[i]);
    EXPECT_EQ(device_jobs[i].nonce[0], i);
  }
  EXPECT_EQ(arg_value(engine.last_run(), kTlsGcmJobCount, 4), 3u);
  EXPECT_EQ(arg_value(engine.last_run(), kTlsGcmPayloadBytes, 4), 202u);
  xrt::bo payload_bo = engine.buffer(kTlsGcmPayload);
  EXPECT_TRUE(all_zero(payload_bo.map<std::uint8_t*>(), 202));  // wiped after the run

  // Play the kernel's statuses: ok, authentication failure, bad job. The
  // noop device leaves the payload as gathered, so "ok" hands the input back.
  xrt::bo results_bo = engine.buffer(kTlsGcmResults);
  auto* device_results = results_bo.map<GcmResult*>();
  const GcmStatus statuses[3] = {GcmStatus::kOk, GcmStatus::kAuthFailed, GcmStatus::kBadJob};
  for (std::size_t i = 0; i < 3; ++i) {
    device_results[i] = GcmResult{};
    device_results[i].status = static_cast<std::uint8_t>(statuses[i]);
    out[i].assign(lengths[i], 0xEE);
  }
  engine.run_host(jobs, results);
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(out[1], std::vector<std::uint8_t>(lengths[1], 0));
  EXPECT_EQ(out[2], std::vector<std::uint8_t>(lengths[2], 0xEE));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(results[i].status, static_cast<std::uint8_t>(statuses[i]));
}

TEST_F(XrtNoop, GcmKeyTableSlotsLikeTheCpuBackend) {
  const auto ctx = open_xrt_context(0, path_);
  XrtGcmEngine engine(ctx, 4);
  xrt::bo keys_bo = engine.buffer(kTlsGcmKeys);
  const GcmKey* table = keys_bo.map<GcmKey*>();
  EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(table), 4 * sizeof(GcmKey)));

  const std::vector<std::uint8_t> k16(16, 0x11);
  EXPECT_TRUE(engine.set_key(0, k16));
  EXPECT_EQ(table[0].key_bytes, 16);
  EXPECT_FALSE(engine.set_key(4, k16));  // out of range
  // A refused replacement leaves the slot empty, never the old key.
  EXPECT_FALSE(engine.set_key(0, std::vector<std::uint8_t>(24, 0x22)));
  EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(&table[0]), sizeof(GcmKey)));

  EXPECT_TRUE(engine.set_key(2, std::vector<std::uint8_t>(32, 0x33)));
  EXPECT_EQ(table[2].key_bytes, 32);
  engine.clear_key(2);
  EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(&table[2]), sizeof(GcmKey)));
  engine.clear_key(99);  // ignored
}

TEST_F(XrtNoop, SipParseEngineBindsItsArgumentsAndReadsBackOnlyWhatWasWritten) {
  const auto ctx = open_xrt_context(0, path_);
  XrtSipParseEngine engine(ctx, SipParseLimits{4096});
  const std::string text =
      "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  bytes.insert(bytes.end(), text.begin(), text.end());
  const std::vector<SegmentDescriptor> segs = {
      {0, static_cast<std::uint32_t>(text.size()), kSegmentStream},
      {text.size(), static_cast<std::uint32_t>(text.size()), 0},
  };
  SipParseOutput out;
  // The noop device runs no kernel: what the engine reads back after this
  // first run is whatever the fresh buffers held, which may well break the
  // contract (and is then refused). The command and buffers are the point.
  try {
    engine.parse(bytes, segs, out);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("breaks docs/kernels.md"), std::string::npos) << e.what();
  }
  EXPECT_EQ(engine.last_run().state(), ERT_CMD_STATE_COMPLETED);

  const xrt::run& run = engine.last_run();
  for (SipParseArg a : {kSipParseBytes, kSipParseSegments, kSipParseSegmentResults, kSipParseMessages,
                        kSipParseHeaders}) {
    SCOPED_TRACE(kSipParseArgs[a].name);
    const xrt::bo& bo = engine.buffer(a);
    EXPECT_EQ(arg_value(run, a, 8), bo.address());
    EXPECT_EQ(bo.get_memory_group(), static_cast<xrt::memory_group>(engine.kernel().group_id(a)));
  }
  const std::uint32_t msg_cap = 1 + 2 * static_cast<std::uint32_t>(text.size() / 4);
  const std::uint32_t hdr_cap = 1 + 2 * static_cast<std::uint32_t>(text.size() / 3);
  EXPECT_EQ(arg_value(run, kSipParseSegmentCount, 4), 2u);
  EXPECT_EQ(arg_value(run, kSipParseMaxMessageBytes, 4), 4096u);
  EXPECT_EQ(arg_value(run, kSipParseMessageCapacity, 4), msg_cap);
  EXPECT_EQ(arg_value(run, kSipParseHeaderCapacity, 4), hdr_cap);
  EXPECT_GE(engine.buffer(kSipParseMessages).size(), msg_cap * sizeof(MessageRecord));
  EXPECT_GE(engine.buffer(kSipParseHeaders).size(), hdr_cap * sizeof(HeaderRecord));
  xrt::bo segs_bo = engine.buffer(kSipParseSegments);
  EXPECT_EQ(std::memcmp(segs_bo.map<std::uint8_t*>(), segs.data(), 2 * sizeof(SegmentDescriptor)), 0);
  xrt::bo bytes_bo = engine.buffer(kSipParseBytes);
  EXPECT_EQ(std::memcmp(bytes_bo.map<std::uint8_t*>(), bytes.data(), bytes.size()), 0);

  // Play the kernel (the noop device's memory is the buffers' host mapping).
  xrt::bo res_bo = engine.buffer(kSipParseSegmentResults);
  xrt::bo msg_bo = engine.buffer(kSipParseMessages);
  xrt::bo hdr_bo = engine.buffer(kSipParseHeaders);
  auto* res = res_bo.map<SegmentResult*>();
  auto* msg = msg_bo.map<MessageRecord*>();
  auto* hdr = hdr_bo.map<HeaderRecord*>();
  // Nothing complete: no records; the stream segment's resume point (its
  // message needs more bytes than are there) comes back as the kernel wrote it.
  res[0] = SegmentResult{};
  res[0].pending_total_len = static_cast<std::uint32_t>(text.size()) + 100;
  res[1] = SegmentResult{};
  out.messages.resize(5);  // parse() clears
  engine.parse(bytes, segs, out);
  ASSERT_EQ(out.segments.size(), 2u);
  EXPECT_EQ(std::memcmp(out.segments.data(), res, 2 * sizeof(SegmentResult)), 0);
  EXPECT_TRUE(out.messages.empty());
  EXPECT_TRUE(out.headers.empty());

  // Segment 0 one message with two headers, segment 1 one message with one
  // header. The engine returns exactly those records.
  res[0] = SegmentResult{0, 1, static_cast<std::uint32_t>(text.size()), 0, 0, {}, 0, {}};
  res[1] = SegmentResult{1, 1, static_cast<std::uint32_t>(text.size()), 0, 0, {}, 0, {}};
  msg[0] = MessageRecord{};
  msg[0].first_header = 0;
  msg[0].header_count = 2;
  msg[0].total_len = static_cast<std::uint32_t>(text.size());
  msg[1] = MessageRecord{};
  msg[1].first_header = 2;
  msg[1].header_count = 1;
  for (int i = 0; i < 3; ++i) hdr[i] = HeaderRecord{static_cast<std::uint8_t>(i + 1), 0, 3, 0, 5, 7};
  hdr[3] = HeaderRecord{99, 0, 0, 0, 0, 0};  // beyond what the messages claim
  engine.parse(bytes, segs, out);
  ASSERT_EQ(out.segments.size(), 2u);
  EXPECT_EQ(out.segments[1].first_message, 1u);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[0].total_len, text.size());
  ASSERT_EQ(out.headers.size(), 3u);
  EXPECT_EQ(out.headers[2].id, 3);

  // Output that breaks the contract is refused, not passed on.
  res[1].first_message = 7;
  EXPECT_THROW(engine.parse(bytes, segs, out), std::runtime_error);
  res[1].first_message = 1;
  res[1].message_count = 1u << 20;  // beyond the capacity
  try {
    engine.parse(bytes, segs, out);
    FAIL() << "accepted more messages than the capacity";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("capacity"), std::string::npos) << e.what();
  }

  // No segments: no run, empty output.
  engine.parse(bytes, {}, out);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_TRUE(out.messages.empty());
}

TEST_F(XrtNoop, AnXclbinWithOneKernelServesOnlyThatEngine) {
  const std::string path = write_xclbin(*dir_, "gcm-only.xclbin", u55c_spec(true, false, kNoTdm));
  const auto device = make_xrt_device(0, path);
  EXPECT_NE(device->make_gcm_engine(4), nullptr);
  try {
    device->make_sip_parse_engine({});
    FAIL() << "made a sip_parse engine from an xclbin without sip_parse";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("has no sip_parse kernel"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}


// ---- the TDM engine under noop ------------------------------------------------
//
// The noop device runs no kernel, so nothing here checks what the kernels
// compute (the cpu engine's tests, tests/unit/offload/tdm_engine_test.cpp,
// and unit_hls do, on the kernels' C simulation): these tests check what the
// engine hands XRT (buffers in the kernels' groups, argument values, three
// starts per run, each waited for), that inputs reach the device buffers,
// that outputs and states come from them, and that the state arrays stay on
// the device between runs. The noop device's memory is the buffers' host
// mapping, so a test plays the kernels by writing there. It also gives every
// buffer one and the same device address, so an argument's value shows that
// an address was set, not which buffer's: which buffer is which is compared
// by handle (same_bo), and bo.sync is a no-op there (a missing sync would not
// be caught).

std::vector<TdmSpanSetup> three_spans() {
  return {{tdm::kE1, true}, {tdm::kT1, true}, {tdm::kE1, false}};
}

// What the engine sends a kernel for pointer argument `arg`: the address of
// the buffer it says it bound, in the kernel's memory group.
template <typename Arg>
void expect_bound(const XrtTdmEngine& engine, const xrt::run& run, const xrt::kernel& kernel,
                  std::span<const KernelArg> contract, Arg arg, std::size_t min_bytes) {
  SCOPED_TRACE(std::string(contract[static_cast<std::size_t>(arg)].name));
  const xrt::bo& bo = engine.buffer(arg);
  ASSERT_TRUE(bo.get_handle());
  EXPECT_EQ(arg_value(run, arg, 8), bo.address());
  EXPECT_EQ(bo.get_memory_group(), static_cast<xrt::memory_group>(kernel.group_id(arg)));
  EXPECT_GE(bo.size(), min_bytes);
  EXPECT_EQ(bo.size() % 4096, 0u);
}

// One buffer, or two? (Not by address: the noop device gives every buffer
// the same one.)
bool same_bo(const xrt::bo& a, const xrt::bo& b) { return a.get_handle() == b.get_handle(); }

template <typename T>
T* mapped(const xrt::bo& bo) {
  return xrt::bo(bo).map<T*>();
}

TEST_F(XrtNoop, TdmEngineBindsItsArgumentsAndRunsTheThreeKernelsInTurn) {
  const auto ctx = open_xrt_context(0, path_);
  XrtTdmEngine engine(ctx);
  // Nothing configured: no run.
  engine.run();
  EXPECT_EQ(engine.framer_run().state(), ERT_CMD_STATE_NEW);

  const auto spans = three_spans();
  engine.configure(spans);
  std::fill_n(engine.receive_line(1).begin(), tdm_framer::kT1BlockOctets, 0xA5);
  std::fill(engine.transmit_timeslots(2).begin(), engine.transmit_timeslots(2).end(), 0x3C);
  const std::vector<std::uint8_t> frame = {0x00, 0x01, 0x7F, 0x7E, 0x42};
  ASSERT_TRUE(engine.offer_frame(0, frame));
  engine.set_line_options(2, {false, true, false});  // no receive block; send AIS

  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // Three starts, each waited for before the next: the noop device completes
  // each kNoopDelayUs after it was queued.
  EXPECT_GE(elapsed, std::chrono::microseconds(3 * kNoopDelayUs));
  EXPECT_EQ(engine.framer_run().state(), ERT_CMD_STATE_COMPLETED);
  EXPECT_EQ(engine.mux_run().state(), ERT_CMD_STATE_COMPLETED);
  EXPECT_EQ(engine.hdlc_run().state(), ERT_CMD_STATE_COMPLETED);
  EXPECT_EQ(engine.split_arrays(), 0u);  // one bank for the three

  const std::size_t n = spans.size();
  const std::size_t payload = n * tdm_framer::kPayloadBlockOctets;
  const std::size_t line = n * tdm_framer::kLineBlockOctets;
  const std::size_t timeslots = n * tdm_mux::kSpanTimeslotBytes;
  const std::size_t dchannels = n * tdm::kFramesPerBlock;
  const xrt::run& fr = engine.framer_run();
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerControls, n * sizeof(tdm_framer::SpanControl));
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerTransmitPayload, payload);
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerTransmitLine, line);
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerReceiveLine, line);
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerReceivePayload, payload);
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerStates, n * sizeof(tdm_framer::SpanState));
  expect_bound(engine, fr, ctx->tdm_framer, kTdmFramerArgs, kTdmFramerStatuses, n * sizeof(tdm_framer::SpanStatus));
  EXPECT_EQ(arg_value(fr, kTdmFramerSpanCount, 4), n);
  const xrt::run& mr = engine.mux_run();
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxReceiveFrames, payload);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxReceiveTimeslots, timeslots);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxReceiveDchannels, dchannels);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxTransmitTimeslots, timeslots);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxTransmitDchannels, dchannels);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxTransmitFrames, payload);
  expect_bound(engine, mr, ctx->tdm_mux, kTdmMuxArgs, kTdmMuxSpans, n * sizeof(tdm_mux::SpanLayout));
  EXPECT_EQ(arg_value(mr, kTdmMuxSpanCount, 4), n);
  const xrt::run& hr = engine.hdlc_run();
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcReceiveLine, dchannels);
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcReceiveStates, n * sizeof(hdlc::ReceiveState));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcReceivedFrames, 2 * n * sizeof(hdlc::ReceivedFrame));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcReceivedOctets, n * (hdlc::kQ921MaxFrameLength + 8));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcReceiveSummary, sizeof(hdlc::ReceiveSummary));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcTransmitRequests, n * sizeof(hdlc::TransmitRequest));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcTransmitOctets, n * hdlc::kMaxFrameLength);
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcTransmitStates, n * sizeof(hdlc::TransmitState));
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcTransmitLine, dchannels);
  expect_bound(engine, hr, ctx->hdlc, kHdlcArgs, kHdlcTransmitStatus, n);
  EXPECT_EQ(arg_value(hr, kHdlcChannelCount, 4), n);
  EXPECT_EQ(arg_value(hr, kHdlcMinFrameLength, 4), hdlc::kQ921MinFrameLength);
  EXPECT_EQ(arg_value(hr, kHdlcMaxFrameLength, 4), hdlc::kQ921MaxFrameLength);
  EXPECT_EQ(arg_value(hr, kHdlcFrameCapacity, 4), hdlc::receive_frame_capacity(3));
  EXPECT_EQ(arg_value(hr, kHdlcOctetCapacity, 4), hdlc::receive_octet_capacity(3, hdlc::kQ921MaxFrameLength));
  EXPECT_EQ(arg_value(hr, kHdlcTransmitOctetBytes, 4), n * hdlc::kMaxFrameLength);

  // What one kernel writes and the next reads is one buffer on one bank;
  // the others are buffers of their own.
  EXPECT_TRUE(same_bo(engine.buffer(kTdmFramerReceivePayload), engine.buffer(kTdmMuxReceiveFrames)));
  EXPECT_TRUE(same_bo(engine.buffer(kTdmMuxReceiveDchannels), engine.buffer(kHdlcReceiveLine)));
  EXPECT_TRUE(same_bo(engine.buffer(kTdmMuxTransmitFrames), engine.buffer(kTdmFramerTransmitPayload)));
  EXPECT_TRUE(same_bo(engine.buffer(kHdlcTransmitLine), engine.buffer(kTdmMuxTransmitDchannels)));
  EXPECT_FALSE(same_bo(engine.buffer(kTdmFramerReceiveLine), engine.buffer(kTdmFramerTransmitLine)));
  EXPECT_FALSE(same_bo(engine.buffer(kHdlcReceiveStates), engine.buffer(kHdlcTransmitStates)));
  EXPECT_THROW(engine.buffer(kHdlcChannelCount), std::invalid_argument);

  // The inputs as the kernels read them.
  const auto* controls = mapped<tdm_framer::SpanControl>(engine.buffer(kTdmFramerControls));
  EXPECT_EQ(controls[0].type, tdm::kE1);
  EXPECT_EQ(controls[0].options, tdm_framer::kOptionCrc4);
  EXPECT_EQ(controls[1].type, tdm::kT1);
  EXPECT_EQ(controls[1].options, 0);
  EXPECT_EQ(controls[2].options, tdm_framer::kOptionSkipReceive | tdm_framer::kOptionSendAis);
  const auto* receive_line = mapped<std::uint8_t>(engine.buffer(kTdmFramerReceiveLine));
  EXPECT_EQ(receive_line[tdm_framer::kLineBlockOctets], 0xA5);
  EXPECT_EQ(receive_line[tdm_framer::kLineBlockOctets + tdm_framer::kT1BlockOctets - 1], 0xA5);
  EXPECT_EQ(receive_line[tdm_framer::kLineBlockOctets + tdm_framer::kT1BlockOctets], 0);
  const auto* transmit_timeslots = mapped<std::uint8_t>(engine.buffer(kTdmMuxTransmitTimeslots));
  EXPECT_EQ(transmit_timeslots[2 * tdm_mux::kSpanTimeslotBytes], 0x3C);
  EXPECT_EQ(transmit_timeslots[2 * tdm_mux::kSpanTimeslotBytes - 1], 0);
  const auto* layouts = mapped<tdm_mux::SpanLayout>(engine.buffer(kTdmMuxSpans));
  EXPECT_EQ(layouts[1].type, tdm::kT1);
  EXPECT_EQ(layouts[1].dchannel, 1);
  const auto* requests = mapped<hdlc::TransmitRequest>(engine.buffer(kHdlcTransmitRequests));
  EXPECT_EQ(requests[0].offset, 0u);
  EXPECT_EQ(requests[0].length, frame.size());
  EXPECT_EQ(requests[1].length, 0);
  const auto* octets = mapped<std::uint8_t>(engine.buffer(kHdlcTransmitOctets));
  EXPECT_EQ(std::memcmp(octets, frame.data(), frame.size()), 0);
  // Until hdlc has run, the D-channels send flags: the reset arrays went to
  // the device with the first run after configure().
  const auto* dchannels_out = mapped<std::uint8_t>(engine.buffer(kTdmMuxTransmitDchannels));
  EXPECT_TRUE(std::all_of(dchannels_out, dchannels_out + dchannels, [](std::uint8_t b) { return b == hdlc::kFlag; }));

  // The offer was for one run: the next run's request is empty again.
  engine.run();
  EXPECT_EQ(requests[0].length, 0);
  EXPECT_EQ(controls[2].options, tdm_framer::kOptionSendAis);  // the skip was for one run too
}

TEST_F(XrtNoop, TdmEngineOutputsAndStatesComeFromTheDevice) {
  const auto ctx = open_xrt_context(0, path_);
  XrtTdmEngine engine(ctx);
  engine.configure(three_spans());
  engine.run();
  EXPECT_TRUE(engine.received_frames().empty());  // the summary the device started from: nothing

  // Play the kernels.
  auto* statuses = mapped<tdm_framer::SpanStatus>(engine.buffer(kTdmFramerStatuses));
  statuses[2].flags = tdm_framer::kStatusAligned;
  statuses[2].crc_errors = 5;
  auto* transmit_line = mapped<std::uint8_t>(engine.buffer(kTdmFramerTransmitLine));
  transmit_line[tdm_framer::kLineBlockOctets + 7] = 0x99;
  auto* receive_timeslots = mapped<std::uint8_t>(engine.buffer(kTdmMuxReceiveTimeslots));
  receive_timeslots[tdm_mux::kSpanTimeslotBytes + 3] = 0x17;
  mapped<std::uint8_t>(engine.buffer(kHdlcTransmitStatus))[1] = hdlc::kBusy;
  auto* summary = mapped<hdlc::ReceiveSummary>(engine.buffer(kHdlcReceiveSummary));
  auto* frames = mapped<hdlc::ReceivedFrame>(engine.buffer(kHdlcReceivedFrames));
  auto* frame_octets = mapped<std::uint8_t>(engine.buffer(kHdlcReceivedOctets));
  *summary = {hdlc::kOk, 2, 7, 0};
  frames[0] = {0, 3, 0};
  frames[1] = {3, 4, 2};
  std::memcpy(frame_octets, "abcdefg", 7);
  // The states: as the kernels left them after the last run.
  auto* receive_states = mapped<hdlc::ReceiveState>(engine.buffer(kHdlcReceiveStates));
  auto* transmit_states = mapped<hdlc::TransmitState>(engine.buffer(kHdlcTransmitStates));
  auto* framer_states = mapped<tdm_framer::SpanState>(engine.buffer(kTdmFramerStates));
  receive_states[1].counters.frames = 77;
  transmit_states[2].counters.frames = 12;
  reinterpret_cast<std::uint8_t*>(&framer_states[0])[0] = 0x5A;

  engine.run();
  EXPECT_EQ(engine.status(2).flags, tdm_framer::kStatusAligned);
  EXPECT_EQ(engine.status(2).crc_errors, 5u);
  EXPECT_EQ(engine.transmit_line(1)[7], 0x99);
  EXPECT_EQ(engine.receive_timeslots(1)[3], 0x17);
  EXPECT_EQ(engine.offer_status(1), hdlc::kBusy);
  ASSERT_EQ(engine.received_frames().size(), 2u);
  EXPECT_EQ(engine.received_frames()[0].span, 0u);
  EXPECT_EQ(std::string(engine.received_frames()[0].octets.begin(), engine.received_frames()[0].octets.end()), "abc");
  EXPECT_EQ(engine.received_frames()[1].span, 2u);
  EXPECT_EQ(std::string(engine.received_frames()[1].octets.begin(), engine.received_frames()[1].octets.end()), "defg");
  // The states stayed on the device: not overwritten from the host before
  // the run, read back after it.
  EXPECT_EQ(engine.dchannel_receive_counters(1).frames, 77u);
  EXPECT_EQ(engine.dchannel_transmit_counters(2).frames, 12u);
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(&framer_states[0])[0], 0x5A);
  engine.run();
  EXPECT_EQ(engine.dchannel_receive_counters(1).frames, 77u);

  // Output that breaks the contract is refused, not handed on; the engine
  // stays usable.
  const auto refused = [&](const char* what) {
    try {
      engine.run();
      ADD_FAILURE() << "accepted " << what;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("hdlc output breaks docs/kernels.md"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(engine.received_frames().empty()) << what;
  };
  *summary = {hdlc::kOk, 100, 7, 0};
  refused("more frames than the capacity");
  *summary = {hdlc::kOk, 2, 1u << 20, 0};
  refused("more octets than the capacity");
  *summary = {hdlc::kOk, 2, 7, 0};
  frames[1] = {3, 5, 2};
  refused("a frame beyond the octets written");
  frames[1] = {3, 4, 3};
  refused("a frame on channel 3 of 3");
  frames[1] = {3, 4, 2};
  *summary = {hdlc::kBadArguments, 0, 0, 0};
  refused("a kernel that refused its arguments");
  *summary = {hdlc::kOk, 1, 3, 0};
  engine.run();
  ASSERT_EQ(engine.received_frames().size(), 1u);

  // configure() resets the spans: the next run uploads the reset states.
  engine.configure(three_spans());
  *summary = {};
  engine.run();
  EXPECT_EQ(receive_states[1].counters.frames, 0u);
  EXPECT_EQ(engine.dchannel_receive_counters(1).frames, 0u);
  EXPECT_EQ(engine.dchannel_transmit_counters(2).frames, 0u);
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(&framer_states[0])[0], 0);
  EXPECT_EQ(engine.status(2).crc_errors, 0u);
}

TEST_F(XrtNoop, TdmEngineCopiesBetweenKernelsOnDifferentBanks) {
  // hdlc on a bank of its own: what mux hands it (the received D-channel
  // octets, this run) and what it hands mux (the D-channel octets to send,
  // next run) each need a buffer per bank.
  TdmKernels tdm;
  tdm.hdlc_bank = kOtherBank;
  const std::string path = write_xclbin(*dir_, "split.xclbin", u55c_spec(false, false, tdm));
  const auto ctx = open_xrt_context(0, path);
  EXPECT_FALSE(ctx->has_tls_gcm());
  EXPECT_EQ(ctx->hdlc.group_id(kHdlcReceiveLine), kOtherBank);
  XrtTdmEngine engine(ctx);
  engine.configure(three_spans());
  engine.run();
  EXPECT_EQ(engine.split_arrays(), 2u);
  EXPECT_FALSE(same_bo(engine.buffer(kTdmMuxReceiveDchannels), engine.buffer(kHdlcReceiveLine)));
  EXPECT_FALSE(same_bo(engine.buffer(kHdlcTransmitLine), engine.buffer(kTdmMuxTransmitDchannels)));
  EXPECT_EQ(engine.buffer(kHdlcReceiveLine).get_memory_group(), static_cast<xrt::memory_group>(kOtherBank));
  EXPECT_TRUE(same_bo(engine.buffer(kTdmFramerReceivePayload), engine.buffer(kTdmMuxReceiveFrames)));
  EXPECT_EQ(arg_value(engine.hdlc_run(), kHdlcReceiveLine, 8), engine.buffer(kHdlcReceiveLine).address());
  EXPECT_EQ(arg_value(engine.mux_run(), kTdmMuxTransmitDchannels, 8), engine.buffer(kTdmMuxTransmitDchannels).address());

  // mux "writes" the received D-channel octets: hdlc reads them in the same run.
  auto* from_mux = mapped<std::uint8_t>(engine.buffer(kTdmMuxReceiveDchannels));
  const auto* to_hdlc = mapped<std::uint8_t>(engine.buffer(kHdlcReceiveLine));
  std::fill_n(from_mux, 3 * tdm::kFramesPerBlock, 0x11);
  // hdlc "writes" D-channel octets to send: mux gets them the run after.
  auto* from_hdlc = mapped<std::uint8_t>(engine.buffer(kHdlcTransmitLine));
  const auto* to_mux = mapped<std::uint8_t>(engine.buffer(kTdmMuxTransmitDchannels));
  std::fill_n(from_hdlc, 3 * tdm::kFramesPerBlock, 0x22);
  engine.run();
  EXPECT_EQ(to_hdlc[0], 0x11);
  EXPECT_EQ(to_hdlc[3 * tdm::kFramesPerBlock - 1], 0x11);
  EXPECT_EQ(to_mux[0], hdlc::kFlag);  // still the flags of the reset
  engine.run();
  EXPECT_EQ(to_mux[0], 0x22);
  EXPECT_EQ(to_mux[3 * tdm::kFramesPerBlock - 1], 0x22);

  // An xclbin of the TDM kernels alone has no other engine.
  const auto device = make_xrt_device(0, path);
  EXPECT_NE(device->make_tdm_engine(), nullptr);
  EXPECT_THROW(device->make_gcm_engine(4), std::runtime_error);
}

TEST_F(XrtNoop, WithoutTheTdmKernelsMakeTdmEngineSaysWhichAreMissing) {
  const std::string none = write_xclbin(*dir_, "no-tdm.xclbin", u55c_spec(true, true, kNoTdm));
  const auto device = make_xrt_device(0, none);
  try {
    device->make_tdm_engine();
    FAIL() << "made a TDM engine from an xclbin without the TDM kernels";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("xclbin '" + none + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("lacks the TDM kernel(s) tdm_framer, tdm_mux, hdlc"), std::string::npos) << what;
    EXPECT_NE(what.find("cpu or sim backend"), std::string::npos) << what;
  }

  const std::string partial = write_xclbin(*dir_, "no-hdlc.xclbin", u55c_spec(true, false, {true, true, false}));
  const auto ctx = open_xrt_context(0, partial);
  EXPECT_FALSE(ctx->has_tdm());
  EXPECT_EQ(ctx->missing_tdm_kernels(), "hdlc");
  try {
    make_xrt_device(0, partial)->make_tdm_engine();
    FAIL() << "made a TDM engine from an xclbin without hdlc";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("lacks the TDM kernel(s) hdlc ("), std::string::npos) << what;
    EXPECT_NE(what.find(partial), std::string::npos) << what;
  }
  EXPECT_THROW(XrtTdmEngine{ctx}, std::runtime_error);
}

}  // namespace
}  // namespace sipnic::offload

#else  // !SIPNIC_XRT

#include <gtest/gtest.h>

TEST(XrtDevice, NotBuilt) { GTEST_SKIP() << "built without XRT (SIPNIC_XRT=OFF)"; }

#endif
