#include "common/tls/pem.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace postern::tls {
namespace {

// Certificate bundles are a few hundred KB; anything far larger is not one
// (or is /dev/zero) and must not exhaust memory.
constexpr size_t kMaxPemFileSize = 16 << 20;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::ErrnoToStatus(errno, path);
  std::string contents;
  char buffer[16384];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, n);
    if (contents.size() > kMaxPemFileSize) {
      std::fclose(file);
      return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", kMaxPemFileSize >> 20,
                                                     " MiB; not a PEM certificate or key file"));
    }
  }
  bool failed = std::ferror(file) != 0;
  int error = errno;
  std::fclose(file);
  if (failed) return absl::ErrnoToStatus(error, path);
  return contents;
}

SslUniquePtr<BIO> MemoryBio(const std::string& contents) {
  return SslUniquePtr<BIO>(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
}

// True if the last PEM read failed only because no further block of the wanted
// type exists, as opposed to a malformed one.
bool NoMorePemBlocks() {
  unsigned long error = ERR_peek_last_error();
  return ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
}

struct PemKeyBlocks {
  bool any = false;        // a "-----BEGIN ...PRIVATE KEY-----" block
  bool encrypted = false;  // PKCS#8 "ENCRYPTED PRIVATE KEY" or a legacy Proc-Type header
};

PemKeyBlocks FindKeyBlocks(absl::string_view contents) {
  static constexpr absl::string_view kBegin = "-----BEGIN ";
  static constexpr absl::string_view kDashes = "-----";
  PemKeyBlocks blocks;
  for (size_t at = contents.find(kBegin); at != absl::string_view::npos;
       at = contents.find(kBegin, at + 1)) {
    const size_t label_start = at + kBegin.size();
    const size_t label_end = contents.find(kDashes, label_start);
    if (label_end == absl::string_view::npos) break;
    const absl::string_view label = contents.substr(label_start, label_end - label_start);
    if (!absl::EndsWith(label, "PRIVATE KEY")) continue;
    blocks.any = true;
    if (absl::StartsWith(label, "ENCRYPTED ")) blocks.encrypted = true;
    // Legacy encryption: "Proc-Type: 4,ENCRYPTED" right after the BEGIN line.
    if (absl::StartsWith(
            absl::StripLeadingAsciiWhitespace(contents.substr(label_end + kDashes.size())),
            "Proc-Type: 4,ENCRYPTED")) {
      blocks.encrypted = true;
    }
  }
  return blocks;
}

// Never prompt on a terminal for a passphrase: a server has no one to ask.
int RefusePassphrase(char*, int, int, void*) { return 0; }

}  // namespace

absl::StatusOr<std::vector<SslUniquePtr<X509>>> ReadCertificatesPem(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  SslUniquePtr<BIO> bio = MemoryBio(*contents);
  if (bio == nullptr) return absl::ResourceExhaustedError(absl::StrCat(path, ": out of memory"));

  std::vector<SslUniquePtr<X509>> certificates;
  ClearSslErrors();
  while (true) {
    SslUniquePtr<X509> certificate(
        PEM_read_bio_X509(bio.get(), nullptr, RefusePassphrase, nullptr));
    if (certificate == nullptr) break;
    certificates.push_back(std::move(certificate));
  }
  if (!NoMorePemBlocks()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": certificate ", certificates.size() + 1,
                                                   " is malformed: ", LastSslError()));
  }
  ClearSslErrors();
  if (certificates.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no certificate found (expected a PEM block '-----BEGIN CERTIFICATE-----')"));
  }
  return certificates;
}

absl::StatusOr<SslUniquePtr<EVP_PKEY>> ReadPrivateKeyPem(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  SslUniquePtr<BIO> bio = MemoryBio(*contents);
  if (bio == nullptr) return absl::ResourceExhaustedError(absl::StrCat(path, ": out of memory"));

  // Classify from the PEM labels first: OpenSSL 3 reports a missing key
  // block as "unsupported" and an encrypted one as a decoding failure.
  const PemKeyBlocks blocks = FindKeyBlocks(*contents);
  if (!blocks.any) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": no private key found (expected a PEM block such as "
                     "'-----BEGIN PRIVATE KEY-----')"));
  }
  if (blocks.encrypted) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": private key is encrypted; provide it unencrypted"));
  }
  ClearSslErrors();
  SslUniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": private key is malformed: ", LastSslError()));
  }
  return key;
}

absl::Status CheckKeyMatches(X509* leaf, EVP_PKEY* key, const std::string& cert_file,
                             const std::string& key_file) {
  if (X509_check_private_key(leaf, key) == 1) return absl::OkStatus();
  ClearSslErrors();
  return absl::InvalidArgumentError(
      absl::StrCat(key_file, ": key does not match certificate ", cert_file));
}

namespace {

// The PEM text `write` put into a memory BIO.
template <typename Write>
absl::StatusOr<std::string> ToPem(Write write) {
  SslUniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || !write(bio.get())) {
    return absl::InternalError(absl::StrCat("cannot encode PEM: ", LastSslError()));
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<std::string> CertificatesToPem(const std::vector<SslUniquePtr<X509>>& certificates) {
  return ToPem([&certificates](BIO* bio) {
    for (const SslUniquePtr<X509>& certificate : certificates) {
      if (PEM_write_bio_X509(bio, certificate.get()) != 1) return false;
    }
    return true;
  });
}

absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  return ToPem([key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
}

}  // namespace postern::tls
