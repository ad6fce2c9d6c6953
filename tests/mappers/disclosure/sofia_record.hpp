// sofia_record: the coordination record of the school-age child of scenarios 10-12 (domain.md §6): Sofia
// Ramirez, 7, epilepsy (focal seizures) and ADHD, rescue midazolam at school, mother with legal authority,
// a foster parent without documented authority. Used by the disclosure unit tests and, stored before the
// gateway starts, by the scenario integration tests: the record as earlier messages left it.
#pragma once

#include "mappers/model/coordination_record.hpp"

namespace homebase::testing {

inline constexpr const char* sofia_mrn_system = "http://st-elsewhere-childrens.example.org/fhir/sid/mrn";
inline constexpr const char* sofia_mrn = "SE-448812";
inline constexpr const char* family_system = "http://homebase.example.org/fhir/sid/family-member";
inline constexpr const char* school_system = "http://homebase.example.org/fhir/sid/school-district";
inline constexpr const char* npi_system = "http://hl7.org/fhir/sid/us-npi";
inline constexpr const char* pcp_npi = "1467583920";
inline constexpr const char* rxnorm_system = "http://www.nlm.nih.gov/research/umls/rxnorm";

inline mappers::model::coordination_record sofia_record() {
  namespace m = mappers::model;
  m::coordination_record r;
  r.patient.identifiers = {{sofia_mrn_system, sofia_mrn}};
  r.patient.names = {{"Ramirez", {"Sofia", "Isabel"}, "", "official"}};
  r.patient.gender = "female";
  r.patient.birth_date = "2019-03-14";
  r.patient.languages = {"en", "es"};
  m::family_member mother;
  mother.key = {family_system, "SE-448812|mother"};
  mother.name = {"Ramirez", {"Elena"}, "", "official"};
  mother.relationship = {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "MTH", "mother"};
  mother.language = "es";
  mother.legal_authority = true;
  mother.primary_contact = true;
  m::family_member foster;
  foster.key = {family_system, "SE-448812|foster-parent"};
  foster.name = {"Whitfield", {"Dana"}, "", "official"};
  foster.relationship = {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "PRN", "foster parent"};
  foster.language = "en";
  foster.legal_authority = false;
  r.family = {mother, foster};
  m::team_member pcp;
  pcp.key = {npi_system, pcp_npi};
  pcp.name = {"Nair", {"Priya"}, "Dr. Priya Nair", ""};
  pcp.role = m::team_role::pcp;
  m::team_member coordinator;
  coordinator.key = {npi_system, "1588667638"};
  coordinator.name = {"Lopez", {"Maria"}, "Maria Lopez, RN", ""};
  coordinator.role = m::team_role::care_coordinator;
  r.team = {pcp, coordinator};
  r.problems = {
      {{"http://homebase.example.org/fhir/sid/problem", "SE-448812|epilepsy"},
       {"http://hl7.org/fhir/sid/icd-10-cm", "G40.209",
        "Localization-related symptomatic epilepsy with complex partial seizures, not intractable"},
       "Focal epilepsy with impaired awareness seizures",
       "active"},
      {{"http://homebase.example.org/fhir/sid/problem", "SE-448812|adhd"},
       {"http://hl7.org/fhir/sid/icd-10-cm", "F90.2",
        "Attention-deficit hyperactivity disorder, combined type"},
       "ADHD, combined type",
       "active"},
      {{"http://homebase.example.org/fhir/sid/problem", "SE-448812|febrile-seizure"},
       {"http://hl7.org/fhir/sid/icd-10-cm", "R56.00", "Simple febrile convulsions"},
       "Febrile seizure at 18 months",
       "resolved"},
  };
  r.medications = {
      {{"http://homebase.example.org/fhir/sid/medication", "SE-448812|levetiracetam"},
       {rxnorm_system, "114477", "levetiracetam"},
       "Levetiracetam 250 mg tablet",
       "250 mg by mouth twice daily (7 am and 7 pm, at home)",
       "active",
       "meadowbrook"},
      {{"http://homebase.example.org/fhir/sid/medication", "SE-448812|midazolam"},
       {rxnorm_system, "6960", "midazolam"},
       "Midazolam 5 mg nasal spray",
       "5 mg in one nostril for a seizure lasting 5 minutes or more; may be given by trained school staff",
       "active",
       "meadowbrook"},
      {{"http://homebase.example.org/fhir/sid/medication", "SE-448812|methylphenidate"},
       {rxnorm_system, "6901", "methylphenidate"},
       "Methylphenidate ER 18 mg",
       "18 mg by mouth every morning at home",
       "active",
       "meadowbrook"},
  };
  return r;
}

}  // namespace homebase::testing
