#include "proxy/authenticate/session_cookie.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/aead.h"
#include "common/crypto/base64.h"
#include "common/jwt/json_object.h"

namespace postern::authenticate {
namespace {

constexpr std::string_view kAssociatedData = "postern session cookie v1";

boost::json::array ToArray(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const std::string& value : values) array.emplace_back(value);
  return array;
}

bool ReadStrings(const boost::json::value* value, std::vector<std::string>& out) {
  if (value == nullptr || !value->is_array()) return false;
  for (const boost::json::value& item : value->get_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.get_string());
  }
  return true;
}

bool ReadString(const boost::json::object& object, std::string_view name, std::string& out) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return false;
  out = std::string(value->get_string());
  return true;
}

bool ReadTime(const boost::json::object& object, std::string_view name, absl::Time& out) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_int64()) return false;
  out = absl::FromUnixSeconds(value->get_int64());
  return true;
}

absl::Status Invalid() { return absl::UnauthenticatedError("browser session cookie is invalid"); }

}  // namespace

SessionCookieCodec::SessionCookieCodec(std::string key) : key_(std::move(key)) {}

absl::StatusOr<std::string> SessionCookieCodec::Encode(const session::Session& session) const {
  boost::json::object object;
  object["sub"] = session.subject;
  object["email"] = session.email;
  object["name"] = session.name;
  object["groups"] = ToArray(session.groups);
  boost::json::object claims;
  for (const auto& [name, values] : session.claims) claims[name] = ToArray(values);
  object["claims"] = std::move(claims);
  object["iat"] = absl::ToUnixSeconds(session.issued_at);
  object["exp"] = absl::ToUnixSeconds(session.expires_at);
  absl::StatusOr<std::string> sealed =
      crypto::Seal(key_, boost::json::serialize(object), kAssociatedData);
  if (!sealed.ok()) return sealed.status();
  std::string value = crypto::Base64UrlEncode(*sealed);
  if (value.size() > kMaxSessionCookieValueSize) {
    return absl::ResourceExhaustedError(absl::StrCat("browser session would need a ", value.size(),
                                                     "-byte cookie, more than browsers keep"));
  }
  return value;
}

absl::StatusOr<session::Session> SessionCookieCodec::Decode(std::string_view value,
                                                            absl::Time now) const {
  if (value.empty() || value.size() > kMaxSessionCookieValueSize) return Invalid();
  absl::StatusOr<std::string> bytes = crypto::Base64UrlDecode(value);
  if (!bytes.ok()) return Invalid();
  absl::StatusOr<std::string> plain = crypto::Open(key_, *bytes, kAssociatedData);
  if (!plain.ok()) return Invalid();
  absl::StatusOr<boost::json::object> object = jwt::ParseJsonObject(*plain, "session cookie");
  if (!object.ok()) return Invalid();
  session::Session session;
  const boost::json::value* claims = object->if_contains("claims");
  if (!ReadString(*object, "sub", session.subject) || session.subject.empty() ||
      !ReadString(*object, "email", session.email) || !ReadString(*object, "name", session.name) ||
      !ReadStrings(object->if_contains("groups"), session.groups) ||
      !ReadTime(*object, "iat", session.issued_at) ||
      !ReadTime(*object, "exp", session.expires_at) || claims == nullptr || !claims->is_object()) {
    return Invalid();
  }
  for (const auto& [name, values] : claims->get_object()) {
    if (!ReadStrings(&values, session.claims[std::string(name)])) return Invalid();
  }
  if (now >= session.expires_at) {
    return absl::UnauthenticatedError("browser session has expired");
  }
  return session;
}

}  // namespace postern::authenticate
