#include "mappers/disclosure/authorization.hpp"

#include <algorithm>

#include "mappers/disclosure/fhir_read.hpp"

namespace homebase::mappers::disclosure {
namespace {

namespace rd = fhir_read;

authorization_result fail(std::string error, std::string expression) {
  authorization_result r;
  r.error = std::move(error);
  r.expression = std::move(expression);
  return r;
}

void add_unique(std::vector<data_class>& list, data_class c) {
  if (std::find(list.begin(), list.end(), c) == list.end()) list.push_back(c);
}

// The data classes named in provision.code; an unknown code of our system is an error (a family's
// restriction the gateway cannot honour must not be read as no restriction).
bool read_classes(const rapidjson::Value& provision, const std::string& path, std::vector<data_class>& out,
                  std::string& error, std::string& expression) {
  auto codes = rd::array(provision, "code");
  for (std::size_t i = 0; i < codes.size(); ++i) {
    for (const auto& c : rd::codings(*codes[i])) {
      if (c.system != data_class_system) continue;
      auto cls = data_class_from_string(c.code);
      if (!cls) {
        error = "unknown data class '" + c.code + "'";
        expression = path + ".code[" + std::to_string(i) + "]";
        return false;
      }
      add_unique(out, *cls);
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(authorization_basis basis) {
  return basis == authorization_basis::immunization_agreement ? "immunization_agreement"
                                                              : "hipaa_authorization";
}

authorization_result authorization_from_consent(const rapidjson::Value& consent, std::string consent_id) {
  if (rd::string(consent, "resourceType") != "Consent") return fail("not a Consent", "");
  authorization a;
  a.consent_id = std::move(consent_id);
  a.status = rd::string(consent, "status");

  const auto* scope = rd::member(consent, "scope");
  if (scope == nullptr || !rd::has_coding(*scope, consent_scope_system, "patient-privacy"))
    return fail(
        "a disclosure authorization needs scope " + std::string(consent_scope_system) + "|patient-privacy",
        "Consent.scope");

  const auto* patient = rd::member(consent, "patient");
  if (patient != nullptr) a.patient = rd::reference_identifier(*patient);
  if (a.patient.system.empty() || a.patient.value.empty())
    return fail("Consent.patient must name the child by identifier (system and value)", "Consent.patient");

  auto performers = rd::array(consent, "performer");
  if (performers.empty()) return fail("Consent.performer must name the family member who signed", "Consent");
  a.grantor = rd::reference_identifier(*performers[0]);
  a.grantor_display = rd::string(*performers[0], "display");
  if (a.grantor.value.empty())
    return fail("Consent.performer must name the grantor by identifier", "Consent.performer[0]");
  a.signed_on = rd::string(consent, "dateTime");

  for (const auto* ext : rd::array(consent, "extension")) {
    if (rd::string(*ext, "url") != grantor_authority_url) continue;
    if (const auto* ref = rd::member(*ext, "valueReference")) {
      a.authority_document = rd::string(*ref, "reference");
      if (a.authority_document.empty()) a.authority_document = rd::reference_identifier(*ref).value;
      if (a.authority_document.empty()) a.authority_document = rd::string(*ref, "display");
    }
  }

  const auto* policy = rd::member(consent, "policyRule");
  if (policy != nullptr && rd::has_coding(*policy, consent_policy_system, "hipaa-auth"))
    a.basis = authorization_basis::hipaa_authorization;
  else if (policy != nullptr && rd::has_coding(*policy, disclosure_basis_system, "immunization-agreement"))
    a.basis = authorization_basis::immunization_agreement;
  else
    return fail("Consent.policyRule must be " + std::string(consent_policy_system) + "|hipaa-auth or " +
                    std::string(disclosure_basis_system) + "|immunization-agreement",
                "Consent.policyRule");

  const auto* provision = rd::member(consent, "provision");
  if (provision == nullptr) return fail("a disclosure authorization needs a provision", "Consent");
  // R4 says the root rule has no type; many systems put permit there (fhir-rules §5.1). Accept either,
  // but a root deny is not an authorization to disclose.
  if (rd::string(*provision, "type") == "deny")
    return fail("the root provision denies: this Consent authorizes no disclosure", "Consent.provision.type");
  if (const auto* period = rd::member(*provision, "period")) {
    a.period_start = rd::string(*period, "start");
    a.period_end = rd::string(*period, "end");
  }
  auto actors = rd::array(*provision, "actor");
  for (const auto* actor : actors) {
    const auto* role = rd::member(*actor, "role");
    const auto* reference = rd::member(*actor, "reference");
    if (role == nullptr || reference == nullptr || !rd::has_coding(*role, participation_type_system, "IRCP"))
      continue;
    auto id = rd::reference_identifier(*reference);
    if (!id.value.empty()) a.recipients.push_back(std::move(id));
  }
  if (a.recipients.empty())
    return fail("provision.actor must name the recipient (role " + std::string(participation_type_system) +
                    "|IRCP, reference.identifier of the school Organization)",
                "Consent.provision.actor");
  auto actions = rd::array(*provision, "action");
  if (!actions.empty())
    a.disclose_action = std::any_of(actions.begin(), actions.end(), [](const rapidjson::Value* c) {
      return rd::has_coding(*c, consent_action_system, "disclose");
    });
  for (const auto* p : rd::array(*provision, "purpose"))
    a.purposes.push_back({rd::string(*p, "system"), rd::string(*p, "code"), rd::string(*p, "display")});

  std::string error, expression;
  if (!read_classes(*provision, "Consent.provision", a.permitted, error, expression))
    return fail(error, expression);
  auto nested = rd::array(*provision, "provision");
  for (std::size_t i = 0; i < nested.size(); ++i) {
    auto path = "Consent.provision.provision[" + std::to_string(i) + "]";
    auto type = rd::string(*nested[i], "type");
    if (type != "deny" && type != "permit") return fail("a nested provision needs type permit or deny", path);
    if (!read_classes(*nested[i], path, type == "deny" ? a.excluded : a.permitted, error, expression))
      return fail(error, expression);
  }
  // Exclusions win over permissions of the same class (deny-overrides, fhir-rules CON-05).
  std::erase_if(a.permitted, [&](data_class c) {
    return std::find(a.excluded.begin(), a.excluded.end(), c) != a.excluded.end();
  });
  if (a.basis == authorization_basis::hipaa_authorization && a.permitted.empty())
    return fail(
        "provision.code must name the permitted data classes (" + std::string(data_class_system) + ")",
        "Consent.provision.code");
  authorization_result r;
  r.value = std::move(a);
  return r;
}

}  // namespace homebase::mappers::disclosure
