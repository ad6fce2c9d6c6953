#include "gateway/auth/scope_set.hpp"

#include <algorithm>

namespace homebase::gateway::auth {
namespace {

constexpr std::string_view system_prefix = "system/";
constexpr char letters[] = {'c', 'r', 'u', 'd', 's'};
constexpr std::uint8_t bits[] = {
    static_cast<std::uint8_t>(interaction::create), static_cast<std::uint8_t>(interaction::read),
    static_cast<std::uint8_t>(interaction::update), static_cast<std::uint8_t>(interaction::remove),
    static_cast<std::uint8_t>(interaction::search)};
constexpr std::uint8_t all_interactions = 31;
constexpr std::size_t max_scope_length = 256;

bool is_type_name(std::string_view type) {
  if (type == "*") return true;
  if (type.empty() || type.size() > 64 || type.front() < 'A' || type.front() > 'Z') return false;
  return std::all_of(type.begin(), type.end(),
                     [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); });
}

// v1 read|write|*, or v2: a non-empty subset of c r u d s in that order. 0: not a permission.
std::uint8_t permission_bits(std::string_view permission) {
  if (permission == "read") return bits[1] | bits[4];
  if (permission == "write") return bits[0] | bits[2] | bits[3];
  if (permission == "*") return all_interactions;
  std::uint8_t out = 0;
  std::size_t next = 0;  // the first letter still allowed
  for (char ch : permission) {
    std::size_t i = next;
    while (i < sizeof letters && letters[i] != ch) ++i;
    if (i == sizeof letters) return 0;  // unknown, repeated or out of order
    out |= bits[i];
    next = i + 1;
  }
  return out;
}

enum class verdict { granted, ignored, rejected };

// One scope: a grant, a fine-grained scope kept but granting nothing, or rejected.
verdict read_scope(std::string_view scope, scope_set::grant& out) {
  if (scope.size() > max_scope_length || scope.substr(0, system_prefix.size()) != system_prefix)
    return verdict::rejected;
  auto rest = scope.substr(system_prefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return verdict::rejected;
  auto type = rest.substr(0, dot);
  auto permission = rest.substr(dot + 1);
  if (!is_type_name(type)) return verdict::rejected;
  auto query = permission.find('?');
  if (query != std::string_view::npos) {
    // A fine-grained v2 scope: well formed, but the gateway does not evaluate its query (fails closed).
    return permission_bits(permission.substr(0, query)) != 0 ? verdict::ignored : verdict::rejected;
  }
  auto interactions = permission_bits(permission);
  if (interactions == 0) return verdict::rejected;
  out.type = std::string(type);
  out.interactions = interactions;
  return verdict::granted;
}

// One grant per type, sorted ("*" first), and no specific grant that the "*" grant already covers.
void normalize(std::vector<scope_set::grant>& grants) {
  std::sort(grants.begin(), grants.end(), [](const auto& a, const auto& b) { return a.type < b.type; });
  std::vector<scope_set::grant> merged;
  for (auto& g : grants) {
    if (g.interactions == 0) continue;
    if (!merged.empty() && merged.back().type == g.type)
      merged.back().interactions |= g.interactions;
    else
      merged.push_back(std::move(g));
  }
  std::uint8_t any = (!merged.empty() && merged.front().type == "*") ? merged.front().interactions : 0;
  std::erase_if(merged, [any](const auto& g) { return g.type != "*" && (g.interactions & ~any) == 0; });
  grants = std::move(merged);
}

}  // namespace

scope_set scope_set::parse(std::string_view space_separated, std::vector<std::string>* rejected) {
  std::vector<std::string> scopes;
  std::size_t i = 0;
  while (i < space_separated.size()) {
    while (i < space_separated.size() && (space_separated[i] == ' ' || space_separated[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < space_separated.size() && space_separated[i] != ' ' && space_separated[i] != '\t') ++i;
    if (i > start) scopes.emplace_back(space_separated.substr(start, i - start));
  }
  return parse(scopes, rejected);
}

scope_set scope_set::parse(const std::vector<std::string>& scopes, std::vector<std::string>* rejected) {
  scope_set out;
  for (const auto& scope : scopes) {
    grant g;
    auto v = read_scope(scope, g);
    if (v == verdict::granted)
      out.grants_.push_back(std::move(g));
    else if (v == verdict::rejected && rejected != nullptr)
      rejected->push_back(scope);
  }
  normalize(out.grants_);
  return out;
}

bool scope_set::allows(std::string_view resource_type, interaction what) const {
  auto bit = static_cast<std::uint8_t>(what);
  return std::any_of(grants_.begin(), grants_.end(), [&](const grant& g) {
    return (g.type == "*" || g.type == resource_type) && (g.interactions & bit) != 0;
  });
}

scope_set scope_set::mediate(const scope_set& requested) const {
  scope_set out;
  for (const auto& r : requested.grants_) {
    for (const auto& a : grants_) {
      if (r.type == "*") {
        // Every type requested: each type this set allows, narrowed to what was asked.
        out.grants_.push_back({a.type, static_cast<std::uint8_t>(a.interactions & r.interactions)});
      } else if (a.type == "*" || a.type == r.type) {
        out.grants_.push_back({r.type, static_cast<std::uint8_t>(a.interactions & r.interactions)});
      }
    }
  }
  normalize(out.grants_);
  return out;
}

std::string scope_set::text() const {
  std::string out;
  for (const auto& g : grants_) {
    if (!out.empty()) out += ' ';
    out += system_prefix;
    out += g.type;
    out += '.';
    for (std::size_t i = 0; i < sizeof letters; ++i)
      if ((g.interactions & bits[i]) != 0) out += letters[i];
  }
  return out;
}

}  // namespace homebase::gateway::auth
