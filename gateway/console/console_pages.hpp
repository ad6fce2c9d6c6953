// console_pages: how the console's HTML is put together; pure functions over the embedded assets
// (console_assets). A page is the asset `<name>.html`:
//   - a fragment (it does not start with "<!doctype"): placed in the shell `page.html` at {{body}}, with
//     {{title}} and the navigation for the person's role, and the script `<name>.js` when it exists;
//   - a whole document: served as it is.
// Then placeholders are replaced, each HTML-escaped: {{csrf}} (the session's CSRF token, for forms and
// for the <meta name="csrf-token"> scripts read), {{user}}, {{role}}, {{medical_home}}, {{title}}.
// Scripts are files (Content-Security-Policy forbids inline script); every HTML answer carries the
// console's security headers (see secure_headers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/console/console_identity.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::console {

// &, <, >, " and ' as entities.
[[nodiscard]] std::string html_escape(std::string_view text);

// The page `name` for `who`; nullopt when there is no such asset.
[[nodiscard]] std::optional<std::string> render_page(std::string_view name, std::string_view title,
                                                     const console_identity& who, std::string_view csrf);

// The sign-in page: the form (posting `csrf` as a hidden field) and, when given, what went wrong.
// `alternatives`: trusted HTML placed under the form (e.g. a "Sign in with <identity provider>" link).
[[nodiscard]] std::string render_sign_in(std::string_view csrf, std::string_view error, std::string_view user,
                                         std::string_view alternatives = {});

// A clear error page: the status, a title and what to do; signed-in people get the navigation.
// (`csrf`: the session's token, for its Sign out button.)
[[nodiscard]] std::string render_error(int status, std::string_view title, std::string_view text,
                                       const console_identity* who, std::string_view csrf = {});

// Content-Security-Policy (no inline script or style, nothing from elsewhere, no framing),
// X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy no-referrer, and
// Cache-Control no-store unless `cacheable` (static assets without personal data).
void secure_headers(http::response& res, bool cacheable = false);

// A text/html response with the security headers.
[[nodiscard]] http::response html_response(boost::beast::http::status status, std::string body,
                                           unsigned version = 11);

}  // namespace homebase::gateway::console
