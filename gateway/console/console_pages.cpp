#include "gateway/console/console_pages.hpp"

#include "fhir/xml_text.hpp"
#include "gateway/console/console_assets.hpp"
#include "gateway/console/console_principal.hpp"

namespace homebase::gateway::console {

namespace bhttp = boost::beast::http;

namespace {

struct nav_item {
  const char* page;
  const char* label;
};
constexpr nav_item operator_nav[] = {{"queues", "Queues"},
                                     {"messages", "Messages"},
                                     {"dead-letters", "Dead letters"},
                                     {"triage", "Triage"},
                                     {"config", "Config"}};
constexpr nav_item coordinator_nav[] = {{"coordinator", "My children"}};

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string nav(const console_identity* who, std::string_view current) {
  if (who == nullptr) return {};
  std::string out = "<nav class=\"nav\" aria-label=\"Console\">";
  auto add = [&](const nav_item& item) {
    out.append("<a href=\"/console/").append(item.page).append("\"");
    if (current == item.page) out.append(" aria-current=\"page\"");
    out.append(">").append(item.label).append("</a>");
  };
  if (who->role == console_role::operator_)
    for (const auto& item : operator_nav) add(item);
  else
    for (const auto& item : coordinator_nav) add(item);
  out.append("</nav>");
  return out;
}

std::string user_box(const console_identity* who, std::string_view csrf) {
  if (who == nullptr) return {};
  std::string out = "<div class=\"user\"><span class=\"who\">";
  out.append(html_escape(who->name))
      .append(" · ")
      .append(who->role == console_role::operator_ ? "operator" : "care coordinator");
  if (!who->medical_home_id.empty()) out.append(" · ").append(html_escape(who->medical_home_id));
  out.append("</span>");
  if (!csrf.empty())
    out.append(
           "<form method=\"post\" action=\"/console/sign-out\" class=\"sign-out\">"
           "<input type=\"hidden\" name=\"csrf\" value=\"")
        .append(html_escape(csrf))
        .append("\"><button type=\"submit\">Sign out</button></form>");
  out.append("</div>");
  return out;
}

std::string shell(std::string_view title, std::string_view page, const console_identity* who,
                  std::string_view csrf, std::string_view body) {
  auto asset = find_asset("page.html");
  std::string out = asset ? std::string(asset->data)
                          : std::string("<!doctype html><title>{{title}}</title>{{nav}}{{body}}");
  // common.js (the pages' shared helpers), then the page's own script; `defer` keeps this order.
  std::string script;
  for (std::string file : {std::string("common"), std::string(page)}) {
    if (file.empty() || find_asset(file + ".js") == nullptr) continue;
    if (file == "common" && (page == "sign-in" || page == "error")) continue;
    script.append("<script src=\"/console/assets/").append(file).append(".js\" defer></script>");
  }
  replace_all(out, "{{nav}}", nav(who, page));
  replace_all(out, "{{user_box}}", user_box(who, csrf));
  replace_all(out, "{{script}}", script);
  replace_all(out, "{{page}}", html_escape(page));
  replace_all(out, "{{body}}", body);
  replace_all(out, "{{title}}", html_escape(title));
  return out;
}

void fill(std::string& out, std::string_view title, const console_identity& who, std::string_view csrf) {
  replace_all(out, "{{title}}", html_escape(title));
  replace_all(out, "{{csrf}}", html_escape(csrf));
  replace_all(out, "{{user}}", html_escape(who.name));
  replace_all(out, "{{role}}", to_string(who.role));
  replace_all(out, "{{medical_home}}", html_escape(who.medical_home_id));
}

}  // namespace

std::string html_escape(std::string_view text) {
  return fhir::escape_xml(text);
}

std::optional<std::string> render_page(std::string_view name, std::string_view title,
                                       const console_identity& who, std::string_view csrf) {
  auto asset = find_asset(std::string(name) + ".html");
  if (asset == nullptr) return std::nullopt;
  std::string out;
  auto head = asset->data.substr(0, 15);
  bool whole = head.size() == 15 && (head.starts_with("<!doctype") || head.starts_with("<!DOCTYPE"));
  if (whole)
    out = std::string(asset->data);
  else
    out = shell(title, name, &who, csrf, asset->data);
  fill(out, title, who, csrf);
  return out;
}

std::string render_sign_in(std::string_view csrf, std::string_view error, std::string_view user,
                           std::string_view alternatives) {
  std::string body =
      "<section class=\"sign-in card\"><h1>Sign in</h1>"
      "<p class=\"lead\">Homebase console for operators and care coordinators.</p>";
  if (!error.empty())
    body.append("<p class=\"error\" role=\"alert\">").append(html_escape(error)).append("</p>");
  body.append(
          "<form method=\"post\" action=\"/console/sign-in\">"
          "<input type=\"hidden\" name=\"csrf\" value=\"")
      .append(html_escape(csrf))
      .append(
          "\"><label>User name<input name=\"user\" autocomplete=\"username\" required "
          "autofocus value=\"")
      .append(html_escape(user))
      .append(
          "\"></label><label>Password<input name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required></label>"
          "<button type=\"submit\" class=\"primary\">Sign in</button></form>");
  body.append(alternatives);
  body.append("</section>");
  return shell("Sign in", "sign-in", nullptr, {}, body);
}

std::string render_error(int status, std::string_view title, std::string_view text,
                         const console_identity* who, std::string_view csrf) {
  std::string body = "<section class=\"card error-page\"><p class=\"status\">";
  body.append(std::to_string(status))
      .append("</p><h1>")
      .append(html_escape(title))
      .append("</h1><p>")
      .append(html_escape(text))
      .append("</p><p><a href=\"/console/\">Back to the console</a></p></section>");
  return shell(title, "error", who, csrf, body);
}

void secure_headers(http::response& res, bool cacheable) {
  res.set(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(bhttp::field::cache_control, cacheable ? "no-cache" : "no-store");
}

http::response html_response(bhttp::status status, std::string body, unsigned version) {
  auto res = http::make_response(status, std::move(body), "text/html; charset=utf-8", version);
  secure_headers(res);
  return res;
}

std::string_view content_type_of(std::string_view name) {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace homebase::gateway::console
