// base64url: the unpadded URL-safe base64 of RFC 4648 §5 that JOSE uses (RFC 7515 §2), over OpenSSL's
// EVP_EncodeBlock/EVP_DecodeBlock. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::auth {

[[nodiscard]] std::string base64url_encode(std::string_view bytes);
// nullopt for a character outside the URL-safe alphabet, padding, or an impossible length.
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace homebase::gateway::auth
