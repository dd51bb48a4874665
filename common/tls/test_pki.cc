#include "common/tls/test_pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "absl/strings/str_cat.h"

namespace postern::tls {
namespace {

absl::Status Failed(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", LastSslError()));
}

absl::StatusOr<SslUniquePtr<EVP_PKEY>> NewP256Key() {
  SslUniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) != 1 ||
      EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return Failed("P-256 key generation");
  }
  return SslUniquePtr<EVP_PKEY>(key);
}

// A certificate for `subject_key` named `common_name`, not yet signed.
absl::StatusOr<SslUniquePtr<X509>> NewUnsignedCertificate(absl::string_view common_name,
                                                          EVP_PKEY* subject_key) {
  static std::atomic<long> next_serial{1};
  SslUniquePtr<X509> certificate(X509_new());
  if (certificate == nullptr || X509_set_version(certificate.get(), 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), next_serial++) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 30L * 24 * 3600) == nullptr ||
      X509_set_pubkey(certificate.get(), subject_key) != 1) {
    return Failed("certificate fields");
  }
  const std::string name(common_name);
  if (X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate.get()), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                 0) != 1) {
    return Failed("certificate subject");
  }
  return certificate;
}

absl::Status Sign(X509* certificate, const TestIdentity& issuer) {
  if (X509_set_issuer_name(certificate, X509_get_subject_name(issuer.certificate.get())) != 1 ||
      X509_sign(certificate, issuer.key.get(), EVP_sha256()) <= 0) {
    return Failed("certificate signature");
  }
  return absl::OkStatus();
}

absl::Status AddSubjectAltNames(X509* certificate, const std::vector<std::string>& names) {
  GENERAL_NAMES* general_names = sk_GENERAL_NAME_new_null();
  if (general_names == nullptr) return Failed("subjectAltName");
  absl::Status status = absl::OkStatus();
  for (const std::string& name : names) {
    SslUniquePtr<GENERAL_NAME> general_name(GENERAL_NAME_new());
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str())) {
      GENERAL_NAME_set0_value(general_name.get(), GEN_IPADD, ip);
    } else {
      ClearSslErrors();
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size()));
      GENERAL_NAME_set0_value(general_name.get(), GEN_DNS, dns);
    }
    if (sk_GENERAL_NAME_push(general_names, general_name.get()) == 0) {
      status = Failed("subjectAltName");
      break;
    }
    general_name.release();
  }
  if (status.ok() &&
      X509_add1_ext_i2d(certificate, NID_subject_alt_name, general_names, 0, 0) != 1) {
    status = Failed("subjectAltName");
  }
  GENERAL_NAMES_free(general_names);
  return status;
}

absl::Status WriteWithBio(const std::string& path, const std::function<int(BIO*)>& write) {
  SslUniquePtr<BIO> bio(BIO_new_file(path.c_str(), "w"));
  if (bio == nullptr || write(bio.get()) != 1) return Failed(absl::StrCat("writing ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestIdentity> NewTestCa(absl::string_view common_name, const TestIdentity* issuer) {
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = NewP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<SslUniquePtr<X509>> certificate = NewUnsignedCertificate(common_name, key->get());
  if (!certificate.ok()) return certificate.status();

  SslUniquePtr<BASIC_CONSTRAINTS> constraints(BASIC_CONSTRAINTS_new());
  constraints->ca = 1;
  if (X509_add1_ext_i2d(certificate->get(), NID_basic_constraints, constraints.get(), 1, 0) != 1) {
    return Failed("basicConstraints");
  }
  TestIdentity identity{*std::move(certificate), *std::move(key)};
  absl::Status signed_status =
      Sign(identity.certificate.get(), issuer != nullptr ? *issuer : identity);
  if (!signed_status.ok()) return signed_status;
  return identity;
}

absl::StatusOr<TestIdentity> NewTestServerCertificate(const TestIdentity& issuer,
                                                      const std::vector<std::string>& names) {
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = NewP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<SslUniquePtr<X509>> certificate =
      NewUnsignedCertificate(names.empty() ? "unnamed" : names.front(), key->get());
  if (!certificate.ok()) return certificate.status();
  if (absl::Status status = AddSubjectAltNames(certificate->get(), names); !status.ok()) {
    return status;
  }
  if (absl::Status status = Sign(certificate->get(), issuer); !status.ok()) return status;
  return TestIdentity{*std::move(certificate), *std::move(key)};
}

absl::Status WriteCertificatesPem(const std::string& path, const std::vector<X509*>& certificates) {
  return WriteWithBio(path, [&](BIO* bio) {
    for (X509* certificate : certificates) {
      if (PEM_write_bio_X509(bio, certificate) != 1) return 0;
    }
    return 1;
  });
}

absl::StatusOr<CertificateFiles> WriteCertificateFiles(const std::string& dir,
                                                       absl::string_view name,
                                                       const TestIdentity& identity,
                                                       const std::vector<X509*>& chain) {
  CertificateFiles files{absl::StrCat(dir, "/", name, ".pem"),
                         absl::StrCat(dir, "/", name, "-key.pem")};
  std::vector<X509*> certificates = {identity.certificate.get()};
  certificates.insert(certificates.end(), chain.begin(), chain.end());
  if (absl::Status status = WriteCertificatesPem(files.cert_file, certificates); !status.ok()) {
    return status;
  }
  absl::Status status = WriteWithBio(files.key_file, [&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, identity.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!status.ok()) return status;
  return files;
}

absl::Status WriteTextFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::string TestTempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

}  // namespace postern::tls
