#include "mappers/outbound/medical_home_transaction.hpp"

#include "mappers/outbound/appointment_entries.hpp"
#include "mappers/outbound/care_plan_entries.hpp"
#include "mappers/outbound/clinical_summary_entries.hpp"
#include "mappers/outbound/coordination_task_entries.hpp"
#include "mappers/outbound/entry_writer.hpp"
#include "mappers/outbound/patient_entries.hpp"
#include "mappers/outbound/provenance_entries.hpp"
#include "mappers/outbound/referral_entries.hpp"

namespace homebase::mappers::outbound {

std::string to_transaction_bundle(const model::coordination_record& record,
                                  const transaction_options& options) {
  entry_writer w(record, options);
  if (auto ei = early_intervention_referral(w)) w.add_derived_referral(std::move(*ei));
  // People first, then what is about the child, then the plan that points at all of it, then the work,
  // then the history. The order is fixed so the same record gives the same bytes.
  write_patient(w);
  write_family(w);
  write_team_members(w);
  write_encounter(w);
  write_problems(w);
  write_social_needs(w);
  write_medications(w);
  write_devices(w);
  write_goals(w);
  write_care_team(w);
  write_care_plan(w);
  write_referrals(w);
  write_appointments(w);
  write_action_items(w);
  write_agenda_items(w);
  write_observations(w);
  write_provenance(w);
  return w.finish();
}

}  // namespace homebase::mappers::outbound
