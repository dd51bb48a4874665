#include "common/tls/session_ticket_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/hkdf.h"
#include "common/tls/ex_data.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {
namespace {

constexpr std::string_view kInfoLabel = "postern tls session ticket key v1";
constexpr size_t kMinSecretLength = 32;
constexpr absl::Duration kMaxTicketLifetime = absl::Hours(7 * 24);  // RFC 8446 4.6.1

// What a context owns so that the ticket callback can find the keys.
using KeysRef = std::shared_ptr<const SessionTicketKeys>;
using KeysSlot = internal::ExData<SSL_CTX, KeysRef>;

#if defined(OPENSSL_IS_BORINGSSL)
using TicketMac = HMAC_CTX;

bool InitTicketMac(HMAC_CTX* mac, const std::array<uint8_t, 32>& key) {
  return HMAC_Init_ex(mac, key.data(), key.size(), EVP_sha256(), nullptr) == 1;
}
#else
// OpenSSL 3 deprecates the HMAC_CTX form of the ticket callback; its EVP_MAC
// form is the same contract with a different MAC object.
using TicketMac = EVP_MAC_CTX;

bool InitTicketMac(EVP_MAC_CTX* mac, const std::array<uint8_t, 32>& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_init(mac, key.data(), key.size(), params) == 1;
}
#endif

// The ticket callback contract (both libraries): when `encrypt` is 1, choose
// a key, write its name and a fresh IV, return 1 (or -1 on error). When 0,
// find the key named `key_name`: return 1 if found, 2 if found but the ticket
// should be re-issued under a newer key, 0 if unknown (a full handshake
// follows), -1 to abort the handshake.
int TicketKeyCallback(SSL* ssl, uint8_t* key_name, uint8_t* iv, EVP_CIPHER_CTX* cipher,
                      TicketMac* mac, int encrypt) {
  const KeysRef* keys = KeysSlot::Get(SSL_get_SSL_CTX(ssl));
  if (keys == nullptr || *keys == nullptr) return -1;
  const int64_t epoch = (*keys)->CurrentEpoch();

  if (encrypt == 1) {
    absl::StatusOr<SessionTicketKeys::Key> key = (*keys)->KeyForEpoch(epoch);
    if (!key.ok() || RAND_bytes(iv, EVP_CIPHER_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    std::memcpy(key_name, key->name.data(), key->name.size());
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes_key.data(), iv) != 1 ||
        !InitTicketMac(mac, key->hmac_key)) {
      return -1;
    }
    return 1;
  }

  for (int64_t age : {0, 1}) {
    absl::StatusOr<SessionTicketKeys::Key> key = (*keys)->KeyForEpoch(epoch - age);
    if (!key.ok()) return -1;
    if (CRYPTO_memcmp(key_name, key->name.data(), key->name.size()) != 0) continue;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes_key.data(), iv) != 1 ||
        !InitTicketMac(mac, key->hmac_key)) {
      return -1;
    }
    // TLS 1.3 clients use a ticket once (RFC 8446 C.4), so a resumed
    // connection that got no new ticket leaves the client nothing to resume
    // with next time: always renew under TLS 1.3. Under TLS 1.2 a ticket is
    // reusable and is renewed only when its key is the previous one.
    if (age == 0 && SSL_version(ssl) < TLS1_3_VERSION) return 1;
    return 2;
  }
  return 0;
}

}  // namespace

SessionTicketKeys::Key::~Key() {
  OPENSSL_cleanse(aes_key.data(), aes_key.size());
  OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
}

absl::StatusOr<std::shared_ptr<const SessionTicketKeys>> SessionTicketKeys::Create(
    absl::Span<const uint8_t> secret, TicketOptions options) {
  if (secret.size() < kMinSecretLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("session ticket secret is ", secret.size(), " bytes; at least 32 needed"));
  }
  if (options.rotation_period < absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat("session ticket rotation period is ",
                                                   absl::FormatDuration(options.rotation_period),
                                                   "; at least 1s needed"));
  }
  if (!options.clock) options.clock = [] { return absl::Now(); };
  std::string prk = crypto::HkdfSha256Extract(
      /*salt=*/"", std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  return std::shared_ptr<const SessionTicketKeys>(
      new SessionTicketKeys(std::move(prk), std::move(options)));
}

SessionTicketKeys::SessionTicketKeys(std::string prk, TicketOptions options)
    : prk_(std::move(prk)), options_(std::move(options)) {}

SessionTicketKeys::~SessionTicketKeys() { OPENSSL_cleanse(prk_.data(), prk_.size()); }

int64_t SessionTicketKeys::CurrentEpoch() const {
  absl::Duration remainder;
  int64_t epoch = absl::IDivDuration(options_.clock() - absl::UnixEpoch(), options_.rotation_period,
                                     &remainder);
  // IDivDuration truncates toward zero; the epoch is the floor.
  if (remainder < absl::ZeroDuration()) --epoch;
  return epoch;
}

absl::StatusOr<SessionTicketKeys::Key> SessionTicketKeys::KeyForEpoch(int64_t epoch) const {
  std::string info(kInfoLabel);
  for (int shift = 56; shift >= 0; shift -= 8) {
    info.push_back(static_cast<char>(static_cast<uint64_t>(epoch) >> shift));
  }
  Key key;
  absl::StatusOr<std::string> material = crypto::HkdfSha256Expand(
      prk_, info, key.name.size() + key.aes_key.size() + key.hmac_key.size());
  if (!material.ok()) return material.status();
  const uint8_t* next = reinterpret_cast<const uint8_t*>(material->data());
  std::copy_n(next, key.name.size(), key.name.begin());
  next += key.name.size();
  std::copy_n(next, key.aes_key.size(), key.aes_key.begin());
  next += key.aes_key.size();
  std::copy_n(next, key.hmac_key.size(), key.hmac_key.begin());
  OPENSSL_cleanse(material->data(), material->size());
  return key;
}

absl::Status SessionTicketKeys::InstallOn(SSL_CTX* ctx) const {
  if (!KeysSlot::Set(ctx, std::make_unique<KeysRef>(shared_from_this()))) {
    return absl::InternalError(
        absl::StrCat("cannot attach session ticket keys to TLS context: ", LastSslError()));
  }
#if defined(OPENSSL_IS_BORINGSSL)
  int installed = SSL_CTX_set_tlsext_ticket_key_cb(ctx, TicketKeyCallback);
#else
  int installed = SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, TicketKeyCallback);
#endif
  if (installed != 1) {
    return absl::InternalError(
        absl::StrCat("cannot install session ticket callback: ", LastSslError()));
  }
  absl::Duration lifetime = std::min(options_.rotation_period, kMaxTicketLifetime);
  SSL_CTX_set_timeout(ctx, static_cast<uint32_t>(absl::ToInt64Seconds(lifetime)));
  return absl::OkStatus();
}

}  // namespace postern::tls
