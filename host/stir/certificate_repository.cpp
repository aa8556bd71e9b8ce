#include "stir/certificate_repository.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>

#include "sip/header_values.h"
#include "stir/es256.h"
#include "stir/stir_error.h"

namespace sipnic::stir {

namespace {

// Every certificate of a PEM file, in file order.
std::vector<core::X509Ptr> read_pem_certificates(const std::filesystem::path& file) {
  core::BioPtr bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    throw StirError("STIR certificate repository: cannot read " + file.string());
  }
  std::vector<core::X509Ptr> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(cert);
  ERR_clear_error();  // the read that ended the loop left "no start line"
  if (out.empty()) throw StirError("STIR certificate repository: " + file.string() + " holds no PEM certificate");
  return out;
}

}  // namespace

std::map<std::string, std::filesystem::path> CertificateRepository::read_index(const std::filesystem::path& index_file) {
  std::ifstream in(index_file);
  if (!in) throw StirError("STIR certificate repository: cannot read index file " + index_file.string());
  std::map<std::string, std::filesystem::path> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view l = sip::trim_lws(line);
    if (l.empty() || l.front() == '#') continue;
    const std::size_t gap = l.find_first_of(" \t");
    const std::string where = index_file.string() + ":" + std::to_string(line_no) + ": ";
    if (gap == std::string_view::npos) {
      throw StirError("STIR certificate repository: " + where + "expected 'URL FILE'");
    }
    const std::string url(l.substr(0, gap));
    const std::string_view file = sip::trim_lws(l.substr(gap));
    if (file.find_first_of(" \t") != std::string_view::npos) {
      throw StirError("STIR certificate repository: " + where + "expected 'URL FILE', got more");
    }
    std::filesystem::path path(file);
    if (path.is_relative()) path = index_file.parent_path() / path;
    if (!out.emplace(url, path).second) {
      throw StirError("STIR certificate repository: " + where + "URL " + url + " listed twice");
    }
  }
  return out;
}

CertificateRepository::CertificateRepository(const std::map<std::string, std::filesystem::path>& certificates,
                                             const std::filesystem::path& ca_file)
    : store_(X509_STORE_new()) {
  if (!store_) throw StirError("STIR certificate repository: out of memory");
  if (X509_STORE_load_file(store_.get(), ca_file.c_str()) != 1) {
    ERR_clear_error();
    throw StirError("STIR trust anchors: cannot load " + ca_file.string() + " (a PEM file of CA certificates)");
  }
  for (const auto& [url, file] : certificates) {
    auto certs = read_pem_certificates(file);
    Entry e;
    e.leaf = std::move(certs.front());
    e.intermediates.reset(sk_X509_new_null());
    if (!e.intermediates) throw StirError("STIR certificate repository: out of memory");
    for (std::size_t i = 1; i < certs.size(); ++i) {
      if (sk_X509_push(e.intermediates.get(), certs[i].get()) <= 0) {
        throw StirError("STIR certificate repository: out of memory");
      }
      certs[i].release();  // owned by the stack now
    }
    entries_.emplace(url, std::move(e));
  }
}

CertificateLookup CertificateRepository::lookup(std::string_view url, std::chrono::system_clock::time_point now) const {
  CertificateLookup out;
  auto it = entries_.find(url);
  if (it == entries_.end()) {
    out.reason = "no certificate for this info URL in the local repository";
    return out;
  }
  out.status = CertificateLookup::Status::kUntrusted;
  const Entry& e = it->second;
  core::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), e.leaf.get(), e.intermediates.get()) != 1) {
    ERR_clear_error();
    out.reason = "cannot check the certificate chain (out of memory)";
    return out;
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    out.reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return out;
  }
  EVP_PKEY* key = X509_get0_pubkey(e.leaf.get());
  if (!is_p256_key(key)) {
    out.reason = "the certificate's key is not an EC P-256 key (ES256)";
    return out;
  }
  out.status = CertificateLookup::Status::kTrusted;
  out.key = key;
  return out;
}

}  // namespace sipnic::stir
