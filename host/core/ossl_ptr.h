#pragma once

// One owner type for every OpenSSL object sipnic holds: std::unique_ptr with
// the object's own *_free as the deleter. Header-only; core's own code does
// not use OpenSSL and does not link it: a file that includes this header is
// in a layer that links OpenSSL (offload links libcrypto, tls libssl too),
// and only the deleters it instantiates are linked.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace sipnic::core {

// Deleter calling `Free` (an OpenSSL *_free function).
template <auto Free>
struct OsslFree {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <class T, auto Free>
using OsslPtr = std::unique_ptr<T, OsslFree<Free>>;

// libcrypto
using EvpCipherCtxPtr = OsslPtr<EVP_CIPHER_CTX, &EVP_CIPHER_CTX_free>;
using EvpCipherPtr = OsslPtr<EVP_CIPHER, &EVP_CIPHER_free>;
using EvpKdfPtr = OsslPtr<EVP_KDF, &EVP_KDF_free>;
using EvpKdfCtxPtr = OsslPtr<EVP_KDF_CTX, &EVP_KDF_CTX_free>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY, &EVP_PKEY_free>;
using EvpMdCtxPtr = OsslPtr<EVP_MD_CTX, &EVP_MD_CTX_free>;
using BignumPtr = OsslPtr<BIGNUM, &BN_free>;
using SecretBignumPtr = OsslPtr<BIGNUM, &BN_clear_free>;  // a private key's number: wiped when freed
using EcdsaSigPtr = OsslPtr<ECDSA_SIG, &ECDSA_SIG_free>;
using BioPtr = OsslPtr<BIO, &BIO_free>;
using Asn1StringPtr = OsslPtr<ASN1_STRING, &ASN1_STRING_free>;
using Asn1IntegerPtr = OsslPtr<ASN1_INTEGER, &ASN1_INTEGER_free>;
using Asn1TimePtr = OsslPtr<ASN1_TIME, &ASN1_TIME_free>;
using X509Ptr = OsslPtr<X509, &X509_free>;
using X509CrlPtr = OsslPtr<X509_CRL, &X509_CRL_free>;
using X509RevokedPtr = OsslPtr<X509_REVOKED, &X509_REVOKED_free>;
using X509ExtensionPtr = OsslPtr<X509_EXTENSION, &X509_EXTENSION_free>;
using X509NamePtr = OsslPtr<X509_NAME, &X509_NAME_free>;
using X509StorePtr = OsslPtr<X509_STORE, &X509_STORE_free>;
using X509StoreCtxPtr = OsslPtr<X509_STORE_CTX, &X509_STORE_CTX_free>;
using GeneralNamesPtr = OsslPtr<GENERAL_NAMES, &GENERAL_NAMES_free>;
// A certificate stack that owns its certificates (sk_X509_pop_free).
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// libssl
using SslCtxPtr = OsslPtr<SSL_CTX, &SSL_CTX_free>;
using SslPtr = OsslPtr<SSL, &SSL_free>;

}  // namespace sipnic::core
