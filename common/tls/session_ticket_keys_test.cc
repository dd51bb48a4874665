#include "common/tls/session_ticket_keys.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

const std::vector<uint8_t> kSecret(32, 0x42);

TicketOptions At(absl::Time now, absl::Duration period = absl::Hours(12)) {
  return TicketOptions{.rotation_period = period, .clock = [now] { return now; }};
}

TEST(SessionTicketKeysTest, EpochIsTimeDividedByRotationPeriod) {
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  auto keys = SessionTicketKeys::Create(kSecret, At(start, absl::Hours(12)));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->CurrentEpoch(), 1'700'000'000 / (12 * 3600));

  auto one_hour =
      SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(7199), absl::Hours(1)));
  ASSERT_TRUE(one_hour.ok());
  EXPECT_EQ((*one_hour)->CurrentEpoch(), 1);
}

TEST(SessionTicketKeysTest, SameSecretGivesSameKeysOnEveryReplica) {
  auto replica_a = SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(1)));
  auto replica_b = SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(999'999)));
  ASSERT_TRUE(replica_a.ok() && replica_b.ok());
  auto a = (*replica_a)->KeyForEpoch(7);
  auto b = (*replica_b)->KeyForEpoch(7);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->name, b->name);
  EXPECT_EQ(a->aes_key, b->aes_key);
  EXPECT_EQ(a->hmac_key, b->hmac_key);
}

// The derivation is part of the wire contract between replicas: one running an
// older build must still accept tickets from a newer one. These are
// HKDF-SHA256(kSecret, salt = "", info = label || epoch 7, 80 bytes), split
// into name, AES key and HMAC key, computed independently (Python hmac).
TEST(SessionTicketKeysTest, KeysAreTheDocumentedDerivation) {
  auto keys = SessionTicketKeys::Create(kSecret, {});
  ASSERT_TRUE(keys.ok()) << keys.status();
  auto key = (*keys)->KeyForEpoch(7);
  ASSERT_TRUE(key.ok()) << key.status();
  auto hex = [](const auto& bytes) {
    return absl::BytesToHexString(std::string(bytes.begin(), bytes.end()));
  };
  EXPECT_EQ(hex(key->name), "da75c1482e6b90e125bd73e6e53cff3d");
  EXPECT_EQ(hex(key->aes_key), "1a679ed312e1224974fb92ce7f37dce94e278841a255298e445b16a303f18462");
  EXPECT_EQ(hex(key->hmac_key), "c33d9aefa374d82fa088691607d580dc7a3fc809db14cb805d68b591a121635a");
}

TEST(SessionTicketKeysTest, KeysDifferAcrossEpochsAndSecrets) {
  auto keys = SessionTicketKeys::Create(kSecret, {});
  auto other = SessionTicketKeys::Create(std::vector<uint8_t>(32, 0x43), {});
  ASSERT_TRUE(keys.ok() && other.ok());
  auto epoch_7 = (*keys)->KeyForEpoch(7);
  auto epoch_8 = (*keys)->KeyForEpoch(8);
  auto other_7 = (*other)->KeyForEpoch(7);
  ASSERT_TRUE(epoch_7.ok() && epoch_8.ok() && other_7.ok());
  EXPECT_NE(epoch_7->name, epoch_8->name);
  EXPECT_NE(epoch_7->aes_key, epoch_8->aes_key);
  EXPECT_NE(epoch_7->name, other_7->name);
  EXPECT_NE(epoch_7->hmac_key, other_7->hmac_key);
  // The key name is public; it must not be a copy of secret key material.
  EXPECT_NE(std::vector<uint8_t>(epoch_7->name.begin(), epoch_7->name.end()),
            std::vector<uint8_t>(epoch_7->aes_key.begin(), epoch_7->aes_key.begin() + 16));
}

TEST(SessionTicketKeysTest, RefusesShortSecretAndTinyPeriod) {
  auto short_secret = SessionTicketKeys::Create(std::vector<uint8_t>(31, 1), {});
  EXPECT_EQ(short_secret.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(short_secret.status().message()),
            "session ticket secret is 31 bytes; at least 32 needed");

  auto zero_period = SessionTicketKeys::Create(kSecret, At(absl::Now(), absl::ZeroDuration()));
  EXPECT_EQ(zero_period.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::tls
